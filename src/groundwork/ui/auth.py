"""Who is using this session, and whether they may see a page or change anything.

Three ways in, checked in this order:

- **demo mode** (``groundwork serve --demo`` or ``GROUNDWORK_DEMO=1``): no sign-in, everyone
  is the demo admin, and every page says so;
- **single sign-on**, when ``.streamlit/secrets.toml`` has an ``[auth]`` section:
  ``st.login`` with the OpenID Connect provider there; the identity's email picks the
  account (and so the role) with that email, else the role ``[groundwork] sso_role`` names,
  else no access;
- **local accounts** (``groundwork user add``): the sign-in form keeps the account's id in
  session state, and every run re-reads the account, so a changed role, a disabled or a
  removed account takes effect at once.

Roles: viewer < facilitator < admin (:data:`groundwork.users.ROLES`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from groundwork.ui.db import connect
from groundwork.ui.text import plain
from groundwork.users import DEMO_USER, ROLES, User, demo_mode

SESSION_KEY = "signed-in-account"  # the id of the local account signed in on this tab
DEMO_BANNER = (
    "Demo mode: there is no sign-in, everyone is the demo admin, and anyone who can reach "
    "this server can change everything. Start Groundwork without --demo (and without "
    "GROUNDWORK_DEMO) to require accounts."
)
READ_ONLY = "Your role ({role}) can read but not change anything; nothing was changed."


def _secrets(section: str) -> dict:
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        return dict(st.secrets.get(section) or {})
    except (StreamlitSecretNotFoundError, OSError, ValueError):
        return {}


def sso_configured() -> bool:
    """Whether ``.streamlit/secrets.toml`` configures single sign-on (an ``[auth]`` section)."""
    return bool(_secrets("auth"))


def sso_providers() -> list[str | None]:
    """The named providers of ``[auth.NAME]`` sections, or [None] for a single one."""
    named = [k for k, v in _secrets("auth").items() if isinstance(v, Mapping)]
    return named or [None]


def sso_email() -> str:
    """The email of the single sign-on identity of this session ('' when none or not
    verified by the provider)."""
    if not sso_configured() or not st.user.is_logged_in:
        return ""
    if st.user.get("email_verified") is False:
        return ""
    return str(st.user.get("email") or "").strip().lower()


def _sso_user() -> User | None:
    email = sso_email()
    if not email:
        return None
    with connect() as s:
        user = s.user_by_email(email)
    if user is not None:
        return user
    role = _secrets("groundwork").get("sso_role")
    return User(email, role, email=email) if role in ROLES else None


def current_user() -> User | None:
    """The signed-in user; the demo's stand-in in demo mode; None when signed out."""
    if demo_mode():
        return DEMO_USER
    if sso_configured() and st.user.is_logged_in:
        return _sso_user()
    account = st.session_state.get(SESSION_KEY)
    if not isinstance(account, int):
        return None
    with connect() as s:
        user = s.active_user(account)
    if user is None:  # disabled or removed since: signed out
        st.session_state.pop(SESSION_KEY, None)
    return user


def allowed(role: str) -> bool:
    """Whether the current user's role is ``role`` or above."""
    user = current_user()
    return user is not None and user.can(role)


def read_only_reason() -> str | None:
    """Why this session may not write (a viewer), or None when it may."""
    user = current_user()
    if user is not None and not user.can("facilitator"):
        return READ_ONLY.format(role=user.role)
    return None


def require(role: str) -> User:
    """The current user when their role allows ``role``; otherwise the page stops here."""
    user = current_user()
    if user is None or not user.can(role):
        st.error(f"This page needs the {role} role.")
        st.stop()
    return user


def needs(role: str) -> Callable[[], None]:
    """A stand-in for a page the signed-in user's role does not open."""

    def refused() -> None:
        st.title("Not for your role")
        st.info(f"This page needs the {role} role. An admin can change your role.")

    return refused


def sign_in(account_id: int) -> None:
    st.session_state[SESSION_KEY] = account_id


def sign_out() -> None:
    """End this tab's sign-in (and, for single sign-on, Streamlit's identity cookie)."""
    st.session_state.pop(SESSION_KEY, None)
    if sso_configured() and st.user.is_logged_in:
        st.logout()


def sidebar(user: User | None) -> None:
    """Who is signed in, with which role, and the way out."""
    if user is None:
        return
    if demo_mode():
        st.caption(f"Demo mode: everyone is {plain(user.name)} ({user.role}).")
        return
    st.caption(f"Signed in as **{plain(user.name)}** · {user.role}")
    st.button("Sign out", key="sign-out", on_click=sign_out, icon=":material/logout:")


def banner() -> None:
    """Above every page in demo mode: there is no sign-in here."""
    if demo_mode():  # our own text, so Markdown is safe here; a strip, not an alert box
        st.markdown(f":orange-background[:material/lock_open: {DEMO_BANNER}]")
