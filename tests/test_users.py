"""Accounts and passwords: argon2id hashes only, wrong passwords refused, old hashes
replaced, the last admin kept, every change audited, and a viewer's store writes nothing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from hypothesis import given, settings
from hypothesis import strategies as st

from groundwork import passwords
from groundwork.store import Store, StoreError, open_store
from groundwork.users import ROLES, User

PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "gw.db") as s:
        yield s


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """Cheap argon2id parameters for the tests that do not measure them."""
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def stored_hash(store: Store, name: str) -> str:
    return store.db.execute("select password_hash from users where name = ?", [name]).fetchone()[0]


def test_a_password_is_stored_only_as_a_salted_argon2id_hash(store):
    store.add_user("Ada", "admin", password=PASSWORD)
    store.add_user("Bob", "viewer", password=PASSWORD)
    ada, bob = stored_hash(store, "Ada"), stored_hash(store, "Bob")
    assert ada.startswith("$argon2id$")
    assert PASSWORD not in ada and ada != bob, "salted: one password, two hashes"
    dump = "\n".join(store.db.conn.iterdump())
    assert PASSWORD not in dump, "the password is nowhere in the database"


def test_sign_in_takes_the_right_password_and_refuses_everything_else(store):
    store.add_user("Ada Lovelace", "facilitator", email="Ada@Example.org", password=PASSWORD)
    user = store.authenticate("ada lovelace", PASSWORD)
    assert user == User("Ada Lovelace", "facilitator", user.id, "ada@example.org")
    assert store.authenticate("Ada Lovelace", PASSWORD.upper()) is None
    assert store.authenticate("Ada Lovelace", "") is None
    assert store.authenticate("Nobody", PASSWORD) is None
    assert store.authenticate("Ada Lovelace", PASSWORD + "x" * 5000) is None
    assert store.authenticate("x" * 100_000, PASSWORD) is None


def test_a_disabled_account_cannot_sign_in_and_an_enabled_one_can_again(store):
    store.add_user("Ada", "admin", password=PASSWORD)
    store.add_user("Bob", "facilitator", password=PASSWORD)
    store.update_user("Bob", "Ada", disabled=True)
    assert store.authenticate("Bob", PASSWORD) is None
    assert store.active_user(store.account("Bob").id) is None, "a session of Bob ends"
    store.update_user("Bob", "Ada", disabled=False)
    assert store.authenticate("Bob", PASSWORD).name == "Bob"


def test_an_account_for_single_sign_on_only_has_no_password_to_guess(store):
    store.add_user("Cy", "viewer", email="cy@example.org")
    assert not store.account("Cy").has_password
    assert store.authenticate("Cy", "") is None
    assert store.authenticate("Cy", PASSWORD) is None
    assert store.user_by_email(" CY@example.org ").name == "Cy"


def test_a_hash_made_with_old_parameters_is_replaced_at_the_next_sign_in(store, monkeypatch):
    store.add_user("Ada", "admin", password=PASSWORD)
    old = stored_hash(store, "Ada")
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", stronger)
    assert passwords.needs_rehash(old)
    assert store.authenticate("Ada", PASSWORD).name == "Ada"
    new = stored_hash(store, "Ada")
    assert new != old and not passwords.needs_rehash(new)
    assert store.authenticate("Ada", PASSWORD).name == "Ada"
    assert stored_hash(store, "Ada") == new, "a current hash is left alone"


def test_the_default_parameters_are_argon2id_with_real_cost():
    hasher = PasswordHasher()
    assert hasher.type.name == "ID"
    assert hasher.memory_cost >= 19 * 1024 and hasher.time_cost >= 2


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=passwords.MIN_PASSWORD, max_size=40).filter(lambda p: p == p.strip()))
def test_any_password_verifies_against_its_hash_and_no_other(password):
    hashed = passwords.hash_password(password)
    assert hashed != password and password not in hashed
    assert passwords.verify(hashed, password)
    assert not passwords.verify(hashed, password + "!")
    assert not passwords.verify(None, password)


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "shorter than"), ("x" * 2000, "longer than"), (f" {PASSWORD}", "space")],
)
def test_a_weak_or_oversized_password_is_refused_and_nothing_stored(store, password, message):
    with pytest.raises(StoreError, match=message):
        store.add_user("Ada", "admin", password=password)
    assert store.accounts() == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "  "}, "needs a name"),
        ({"name": "x" * 81}, "at most 80"),
        ({"name": "a\x00b"}, "control characters"),
        ({"role": "owner"}, "unknown role"),
        ({"email": "not an email"}, "not an email"),
    ],
)
def test_bad_account_details_get_a_plain_message(store, kwargs, message):
    args = {"name": "Ada", "role": "admin", **kwargs}
    with pytest.raises(StoreError, match=message):
        store.add_user(args.pop("name"), args.pop("role"), password=PASSWORD, **args)


def test_names_and_emails_are_unique_regardless_of_case(store):
    store.add_user("Ada", "admin", email="ada@example.org", password=PASSWORD)
    with pytest.raises(StoreError, match="already exists"):
        store.add_user("  ADA ", "viewer", password=PASSWORD)
    with pytest.raises(StoreError, match="already has the email"):
        store.add_user("Bob", "viewer", email="ADA@example.org")


def test_the_last_admin_can_be_neither_removed_disabled_nor_demoted(store):
    store.add_user("Ada", "admin", password=PASSWORD)
    for attempt in (
        lambda: store.remove_user("Ada"),
        lambda: store.update_user("Ada", disabled=True),
        lambda: store.update_user("Ada", role="facilitator"),
    ):
        with pytest.raises(StoreError, match="last admin"):
            attempt()
    store.add_user("Bob", "admin", password=PASSWORD)
    store.update_user("Ada", "Bob", role="viewer")
    assert store.account("Ada").role == "viewer"
    assert store.has_admin()


def test_every_account_change_is_audited_and_no_hash_is_in_the_log(store):
    ada = store.add_user("Ada", "admin", password=PASSWORD, who="setup")
    store.add_user("Bob", "viewer", password=PASSWORD, who="Ada")
    store.update_user("Bob", "Ada", role="facilitator", email="bob@example.org")
    store.set_password("Bob", PASSWORD + "2", who="Ada")
    store.remove_user("Bob", who="Ada")
    log = store.audit_log("user")
    assert [(r["who"], r["action"], r["field"]) for r in log if r["entity_id"] != str(ada)] == [
        ("Ada", "create", "name"),
        ("Ada", "create", "role"),
        ("Ada", "create", "password"),
        ("Ada", "update", "role"),
        ("Ada", "update", "email"),
        ("Ada", "update", "password"),
        ("Ada", "delete", "name"),
    ]
    assert not any("$argon2" in str(r["new_value"]) for r in log)
    assert [a.name for a in store.accounts()] == ["Ada"]


def test_a_read_only_store_refuses_every_write_and_changes_nothing(store):
    store.add_user("Ada", "admin", password=PASSWORD)
    store.read_only = "Viewers cannot change anything."
    with pytest.raises(StoreError, match="Viewers cannot change"):
        store.create_organisation("Acme", who="Ada")
    with pytest.raises(StoreError, match="Viewers cannot change"):
        store.update_user("Ada", role="viewer")
    store.read_only = None
    assert store.organisations() == [] and store.account("Ada").role == "admin"


def test_roles_are_ordered_viewer_facilitator_admin():
    assert ROLES == ("viewer", "facilitator", "admin")
    viewer, admin = User("V", "viewer"), User("A", "admin")
    assert viewer.can("viewer") and not viewer.can("facilitator")
    assert admin.can("facilitator") and admin.can("admin")


class CountingHasher(PasswordHasher):
    """Counts the hash checks made, to see that every refusal costs one."""

    checks = 0

    def verify(self, hash, password):  # noqa: A002 - argon2-cffi's own parameter name
        CountingHasher.checks += 1
        return super().verify(hash, password)


def test_an_unknown_disabled_or_password_less_name_costs_one_hash_check(store, monkeypatch):
    monkeypatch.setattr(
        passwords, "HASHER", CountingHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    store.add_user("Ada", "admin", password=PASSWORD)
    store.add_user("Bob", "facilitator", password=PASSWORD)
    store.add_user("Cy", "viewer")
    store.update_user("Bob", disabled=True)
    for name in ("Ada", "Nobody", "Bob", "Cy"):
        CountingHasher.checks = 0
        assert store.authenticate(name, "a wrong password") is None
        assert CountingHasher.checks == 1, name


def test_wrong_passwords_hold_a_name_back_for_the_window_only():
    now = [0.0]
    attempts = passwords.Attempts(limit=3, window=60, names=2, clock=lambda: now[0])
    for _ in range(3):
        assert not attempts.blocked("Ada")
        attempts.failed(" ada ")
    assert attempts.blocked("ADA"), "names are compared as they sign in: case and spaces"
    assert not attempts.blocked("Bob"), "only that name"
    now[0] = 61
    assert not attempts.blocked("Ada"), "the window passed"
    attempts.failed("Ada")
    attempts.succeeded("Ada")
    assert attempts._failures == {}


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=300), max_size=60))
def test_the_wrong_password_record_stays_bounded_whatever_names_are_tried(names):
    attempts = passwords.Attempts(limit=2, window=1e9, names=10, clock=lambda: 1.0)
    for name in names:
        attempts.failed(name)
    assert len(attempts._failures) <= 10
    assert all(len(k) <= 200 and len(v) <= 2 for k, v in attempts._failures.items())
