"""User accounts: who may sign in, with which role, and their password hash (argon2id).

Names are unique regardless of case (the *login* is the case-folded name); an email, when
given, is unique too and is how a single sign-on identity finds its account. The last
enabled admin can be neither removed, disabled nor demoted, so an install never locks
itself out. Every change is audited; a password change is recorded as "changed", never
with the hash.
"""

from __future__ import annotations

import re
from typing import Any

from groundwork import passwords
from groundwork.store.base import StoreBase
from groundwork.store.connection import StoreError, now
from groundwork.store.records import Account
from groundwork.users import ROLES, User

MAX_USER_NAME = 80
MAX_EMAIL = 254
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def login_key(name: str) -> str:
    """The form a name is looked up by: 'Ada Lovelace' and 'ada lovelace' are one login."""
    return " ".join(name.split()).casefold()


def _name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise StoreError("a user needs a name")
    if len(name) > MAX_USER_NAME:
        raise StoreError(f"a user name is at most {MAX_USER_NAME} characters")
    if _CONTROL.search(name):
        raise StoreError("a user name cannot contain control characters")
    return name


def _email(email: str | None) -> str:
    email = (email or "").strip().lower()
    if not email:
        return ""
    if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email):
        raise StoreError(f"'{email[:MAX_EMAIL]}' is not an email address")
    return email


def _role(role: str) -> str:
    if role not in ROLES:
        raise StoreError(f"unknown role '{role}' (choose from {', '.join(ROLES)})")
    return role


def _password(password: str) -> str:
    problem = passwords.problem(password)
    if problem:
        raise StoreError(problem)
    return passwords.hash_password(password)


def _account(row: dict) -> Account:
    return Account(
        id=row["id"],
        name=row["name"],
        email=row["email"] or "",
        role=row["role"],
        disabled=bool(row["disabled"]),
        has_password=bool(row["password_hash"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class Users(StoreBase):
    def add_user(
        self,
        name: str,
        role: str,
        *,
        email: str = "",
        password: str | None = None,
        who: str = "",
    ) -> int:
        """A new account; without a password it signs in only through single sign-on."""
        name, role, email = _name(name), _role(role), _email(email)
        hashed = _password(password) if password is not None else None
        with self.write() as db:
            if self._user_row(name) is not None:
                raise StoreError(f"a user called '{name}' already exists")
            if email and self._row("select id from users where email = ?", [email]):
                raise StoreError(f"another user already has the email {email}")
            at = now()
            user_id = (
                db["users"]
                .insert(
                    {
                        "name": name,
                        "login": login_key(name),
                        "email": email,
                        "role": role,
                        "password_hash": hashed,
                        "disabled": 0,
                        "created_by": who,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
                .last_pk
            )
            changes: list[tuple[str | None, Any, Any]] = [
                ("name", None, name),
                ("role", None, role),
            ]
            if email:
                changes.append(("email", None, email))
            if hashed:
                changes.append(("password", None, "set"))
            self._audit_fields(who, "create", "user", user_id, changes, at=at)
        return int(user_id)

    def accounts(self) -> list[Account]:
        if not self.db["users"].exists():
            return []
        return [_account(r) for r in self.db["users"].rows_where(order_by="login")]

    def account(self, name: str) -> Account:
        return _account(self._existing(name))

    def active_user(self, user_id: int) -> User | None:
        """The account behind a signed-in session, re-read on every page so a role change,
        a disabled account or a removed one takes effect at once."""
        row = self._row("select * from users where id = ? and disabled = 0", [user_id])
        return _account(row).user if row else None

    def user_by_email(self, email: str) -> User | None:
        """The enabled account with this email (how a single sign-on identity is matched)."""
        key = (email or "").strip().lower()
        if not key or len(key) > MAX_EMAIL:
            return None
        row = self._row("select * from users where email = ? and disabled = 0", [key])
        return _account(row).user if row else None

    def has_admin(self) -> bool:
        """Whether an enabled admin exists (a fresh install has none)."""
        if not self.db["users"].exists():
            return False
        return self.db["users"].count_where("role = 'admin' and disabled = 0") > 0

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when ``name`` and ``password`` match an enabled account, else None.

        An unknown or disabled name costs one hash check as a wrong password does, so the
        time taken does not say which names exist. A hash made with older parameters is
        replaced on a successful sign-in."""
        row = self._user_row(name) if len(name) <= MAX_USER_NAME * 4 else None
        stored = row["password_hash"] if row and not row["disabled"] else None
        if not passwords.verify(stored, password) or row is None or stored is None:
            return None
        if passwords.needs_rehash(stored):
            with self.write() as db:
                db["users"].update(row["id"], {"password_hash": passwords.hash_password(password)})
        return _account(row).user

    def set_password(self, name: str, password: str, who: str = "") -> None:
        hashed = _password(password)
        with self.write() as db:
            row = self._existing(name)
            db["users"].update(row["id"], {"password_hash": hashed, "updated_at": now()})
            self._audit(who, "update", "user", row["id"], "password", None, "changed")

    def update_user(
        self,
        name: str,
        who: str = "",
        *,
        role: str | None = None,
        email: str | None = None,
        disabled: bool | None = None,
    ) -> None:
        """Change an account's role, email or whether it may sign in (audited per field)."""
        fields: dict[str, Any] = {}
        if role is not None:
            fields["role"] = _role(role)
        if email is not None:
            fields["email"] = _email(email)
        if disabled is not None:
            fields["disabled"] = int(disabled)
        with self.write() as db:
            row = self._existing(name)
            changes = {k: v for k, v in fields.items() if row[k] != v}
            if not changes:
                return
            if changes.get("email") and self._row(
                "select id from users where email = ? and id != ?", [changes["email"], row["id"]]
            ):
                raise StoreError(f"another user already has the email {changes['email']}")
            if changes.get("role", "admin") != "admin" or changes.get("disabled"):
                self._keep_an_admin(row)
            db["users"].update(row["id"], {**changes, "updated_at": now()})
            self._audit_fields(
                who,
                "update",
                "user",
                row["id"],
                [(k, row[k], v) for k, v in changes.items()],
            )

    def remove_user(self, name: str, who: str = "") -> None:
        """Delete the account; what it did stays in the audit log under its name."""
        with self.write() as db:
            row = self._existing(name)
            self._keep_an_admin(row)
            db["users"].delete(row["id"])
            self._audit(who, "delete", "user", row["id"], "name", row["name"], None)

    def _keep_an_admin(self, row: dict) -> None:
        if row["role"] != "admin" or row["disabled"]:
            return
        others = self.db["users"].count_where(
            "role = 'admin' and disabled = 0 and id != ?", [row["id"]]
        )
        if not others:
            raise StoreError(f"{row['name']} is the last admin: make another user an admin first")

    def _existing(self, name: str) -> dict:
        row = self._user_row(name)
        if row is None:
            raise StoreError(f"no user called '{' '.join(str(name).split())[:MAX_USER_NAME]}'")
        return row

    def _user_row(self, name: str) -> dict | None:
        if not self.db["users"].exists():
            return None
        return self._row("select * from users where login = ?", [login_key(str(name))])
