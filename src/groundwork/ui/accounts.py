"""The admins' users panel: every account, adding one, and changing one's role, email,
whether it may sign in, its password, or removing it. Every change goes through the store
(audited, the last admin kept) and any refusal is shown as a plain message."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from groundwork.passwords import MAX_PASSWORD, MIN_PASSWORD
from groundwork.store import Account, Store, StoreError
from groundwork.store.users import MAX_EMAIL, MAX_USER_NAME
from groundwork.ui.text import plain
from groundwork.users import ROLES, User

ROLE_HELP = (
    "viewer: reads everything, changes nothing · facilitator: scopes, rounds, answers, "
    "workshops and roadmaps · admin: also rubrics, branding and users"
)


def _table(accounts: list[Account]) -> None:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Name": a.name,
                    "Role": a.role,
                    "Email": a.email,
                    "Signs in with": "password" if a.has_password else "single sign-on",
                    "Status": "disabled" if a.disabled else "active",
                    "Created": a.created_at[:10],
                    "Changed": a.updated_at[:16].replace("T", " "),
                }
                for a in accounts
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def _password_fields(prefix: str) -> tuple[str, str]:
    first = st.text_input(
        "Password",
        type="password",
        max_chars=MAX_PASSWORD,
        key=f"{prefix}-pw",
        autocomplete="new-password",
        help=f"At least {MIN_PASSWORD} characters; stored only as an argon2id hash.",
    )
    again = st.text_input(
        "The same password again",
        type="password",
        max_chars=MAX_PASSWORD,
        key=f"{prefix}-pw2",
        autocomplete="new-password",
    )
    return first, again


def _add(s: Store, me: User) -> None:
    with st.form("add-user", clear_on_submit=True):
        st.markdown("**Add a user**")
        name = st.text_input("Name (they sign in with it)", max_chars=MAX_USER_NAME)
        email = st.text_input("Email (optional; matches single sign-on)", max_chars=MAX_EMAIL)
        role = st.selectbox("Role", ROLES, help=ROLE_HELP)
        sso_only = st.checkbox("Single sign-on only (no password)")
        first, again = _password_fields("add")
        if not st.form_submit_button("Add user", type="primary"):
            return
    if not sso_only and first != again:
        st.error("The two passwords differ; nobody was added.")
        return
    try:
        s.add_user(name, role, email=email, password=None if sso_only else first, who=me.name)
    except StoreError as exc:
        st.error(f"Nobody was added: {plain(exc)}.")
        return
    st.toast(f"Added {plain(' '.join(name.split()))}")
    st.rerun()


def _change(s: Store, me: User, accounts: list[Account]) -> None:
    names = [a.name for a in accounts]
    chosen = st.selectbox("Change the account of", names, key="change-user")
    account = accounts[names.index(chosen)]
    with st.form(f"change-{account.id}"):
        st.markdown(f"**{plain(account.name)}**")
        role = st.selectbox("Role", ROLES, index=ROLES.index(account.role), help=ROLE_HELP)
        email = st.text_input("Email", value=account.email, max_chars=MAX_EMAIL)
        active = st.checkbox("May sign in", value=not account.disabled)
        st.caption("A new password (leave both empty to keep the current one):")
        first, again = _password_fields(f"change-{account.id}")
        if not st.form_submit_button("Save changes", type="primary"):
            return
    if first != again:
        st.error("The two passwords differ; nothing was changed.")
        return
    try:
        with s.write():  # one transaction: all of it or none
            s.update_user(account.name, me.name, role=role, email=email, disabled=not active)
            if first:
                s.set_password(account.name, first, who=me.name)
    except StoreError as exc:
        st.error(f"Nothing was changed: {plain(exc)}.")
        return
    st.toast(f"Saved {plain(account.name)}")
    st.rerun()


def _remove(s: Store, me: User, accounts: list[Account]) -> None:
    names = [a.name for a in accounts if a.id != me.id]
    if not names:
        return
    with st.popover("Remove a user", icon=":material/person_remove:"):
        name = st.selectbox("Remove", names, key="remove-user")
        st.caption("Removing an account ends its sign-in; the audit log keeps what it did.")
        if st.button(f"Remove {plain(name)}", type="primary", key="remove-confirm"):
            try:
                s.remove_user(name, who=me.name)
            except StoreError as exc:
                st.error(f"Nothing was removed: {plain(exc)}.")
                return
            st.toast(f"Removed {plain(name)}")
            st.rerun()


def panel(s: Store, me: User) -> None:
    """The users page body, for an admin ``me``."""
    accounts = s.accounts()
    st.caption(ROLE_HELP)
    if accounts:
        _table(accounts)
    else:
        st.info("No accounts yet: add the first below (demo mode needs none).")
    left, right = st.columns(2)
    with left:
        _add(s, me)
    if accounts:
        with right:
            _change(s, me, accounts)
            _remove(s, me, accounts)
