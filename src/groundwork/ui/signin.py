"""The sign-in page: single sign-on when configured, the local account form, and on a
fresh install the one command that creates the first admin."""

from __future__ import annotations

import streamlit as st

from groundwork.passwords import MAX_PASSWORD, Attempts
from groundwork.store.users import MAX_USER_NAME
from groundwork.ui import auth
from groundwork.ui.db import connect
from groundwork.ui.text import plain

FIRST_ADMIN = "groundwork user add NAME --role admin"
WRONG = "That name and password do not match an account that may sign in. Nothing was changed."
TOO_MANY = (
    "Too many wrong passwords for this name in the last few minutes. Wait five minutes and "
    "try again, or ask an admin to reset the password."
)


@st.cache_resource(show_spinner=False)
def attempts() -> Attempts:
    """Wrong passwords per name, shared by every session of this server (thread-safe)."""
    return Attempts()


def _single_sign_on() -> None:
    email = auth.sso_email()
    if st.user.is_logged_in:
        who = email or str(st.user.get("email") or "this identity")
        st.warning(
            f"You are signed on as {plain(who)}, but Groundwork has no account with that "
            "email, so you have no role here yet. Ask an admin to add one "
            "(`groundwork user add NAME --role viewer --email ADDRESS --no-password`)."
        )
        st.button("Sign out", on_click=st.logout, key="sso-out")
        return
    for provider in auth.sso_providers():
        label = f"Sign in with {provider}" if provider else "Sign in with single sign-on"
        st.button(
            label,
            on_click=st.login,
            args=(provider,) if provider else (),
            type="primary",
            key=f"sso-{provider}",
        )


def _local_form() -> None:
    with st.form("sign-in"):
        name = st.text_input("Name", max_chars=MAX_USER_NAME, autocomplete="username")
        password = st.text_input(
            "Password", type="password", max_chars=MAX_PASSWORD, autocomplete="current-password"
        )
        if not st.form_submit_button("Sign in", type="primary"):
            return
    if attempts().blocked(name):
        st.error(TOO_MANY)
        return
    with connect() as s:
        user = s.authenticate(name, password)
    if user is None or user.id is None:
        attempts().failed(name)
        st.error(WRONG)
        return
    attempts().succeeded(name)
    auth.sign_in(user.id)
    st.rerun()


def page() -> None:
    """The page everyone signed out lands on (any page's address shows it, so a bookmark
    opens its page once signed in)."""
    with st.columns([3, 2])[0]:
        _body()


def _body() -> None:
    st.title("Sign in")
    st.caption("Groundwork — from GenAI pilot to production")
    with connect() as s:
        accounts = s.accounts()
    sso = auth.sso_configured()
    if sso:
        _single_sign_on()
    if not any(a.role == "admin" and not a.disabled for a in accounts):
        st.info(
            "No admin account exists yet. On the server, create the first one with "
            f"`{FIRST_ADMIN}` (it asks for the password), then sign in here. To try "
            "Groundwork without accounts, start it with `groundwork serve --demo`."
        )
    if any(a.has_password for a in accounts) or not sso:
        if sso:
            st.caption("Or sign in with a Groundwork account:")
        _local_form()
