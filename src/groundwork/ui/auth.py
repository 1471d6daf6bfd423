"""Who is using this session, and whether they may see a page."""

from __future__ import annotations

import streamlit as st

from groundwork.users import DEMO_USER, User


def current_user() -> User | None:
    """The signed-in user; the demo's stand-in while sign-in is not configured."""
    return DEMO_USER


def require(role: str) -> User:
    """The current user when their role allows ``role``; otherwise the page stops here."""
    user = current_user()
    if user is None or not user.can(role):
        st.error(f"This page needs the {role} role.")
        st.stop()
    return user
