"""Users: who may sign in, with which role (admins only)."""

import streamlit as st

from groundwork import ui
from groundwork.ui import accounts, auth

me = auth.require("admin")
st.title("Users")
with ui.friendly_errors(), ui.store() as s:
    accounts.panel(s, me)
