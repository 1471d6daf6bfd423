"""Groundwork's entry point: page set-up, who is signed in, navigation, and nothing else."""

from pathlib import Path

import streamlit as st

from groundwork import ui
from groundwork.ui import auth, signin

st.set_page_config(
    page_title="Groundwork",
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),
    layout="wide",
)

# Each page and the least role that may open it. A page the user may not open is not
# registered: its address runs a stand-in instead (the sign-in page, or a line saying which
# role it needs), so a bookmark opens once signed in.
PAGES = [
    ("portfolio", "Portfolio", ":material/dashboard:", "viewer"),
    ("assess", "Assess", ":material/edit_note:", "viewer"),
    ("results", "Results", ":material/fact_check:", "viewer"),
    ("history", "History", ":material/history:", "viewer"),
    ("roadmap", "Roadmap", ":material/timeline:", "viewer"),
    ("outcomes", "Outcomes", ":material/monitoring:", "viewer"),
    ("workshop", "Workshop", ":material/groups:", "facilitator"),
    ("rubric", "Rubric", ":material/menu_book:", "viewer"),
    ("users", "Users", ":material/group:", "admin"),
]

user = auth.current_user()
pages = []
for key, title, icon, role in PAGES:
    if user is not None and user.can(role):
        pages.append(st.Page(ui.PAGES[key], title=title, icon=icon, default=key == "portfolio"))
    else:
        stand_in = signin.page if user is None else auth.needs(role)
        pages.append(
            st.Page(stand_in, title=title, url_path=Path(ui.PAGES[key]).stem, visibility="hidden")
        )
if user is None:
    pages.insert(0, st.Page(signin.page, title="Sign in", icon=":material/login:", default=True))
# Participants have no account: the join page is open to all, and out of the menu.
join = st.Page(ui.PAGES["join"], title="Join a workshop", url_path="join", visibility="hidden")
pages.append(join)

if "token" in st.query_params or "code" in st.query_params:
    # A participant's link opens the join page and nothing else: no menu, no sidebar.
    page = st.navigation(pages, position="hidden")
    if page.url_path != join.url_path:
        st.switch_page(join, query_params=st.query_params.to_dict())
    page.run()
    st.stop()

page = st.navigation(pages)
with st.sidebar:
    st.caption("Groundwork — from GenAI pilot to production")
    auth.sidebar(user)
auth.banner()
page.run()
