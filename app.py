"""Groundwork's entry point: page set-up, navigation, and nothing else."""

from pathlib import Path

import streamlit as st

from groundwork import ui

st.set_page_config(
    page_title="Groundwork",
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),
    layout="wide",
)

join = st.Page(ui.PAGES["join"], title="Join a workshop", icon=":material/groups:", url_path="join")
pages = [
    st.Page(ui.PAGES["portfolio"], title="Portfolio", icon=":material/dashboard:", default=True),
    st.Page(ui.PAGES["assess"], title="Assess", icon=":material/edit_note:"),
    st.Page(ui.PAGES["results"], title="Results", icon=":material/fact_check:"),
    st.Page(ui.PAGES["history"], title="History", icon=":material/history:"),
    st.Page(ui.PAGES["roadmap"], title="Roadmap", icon=":material/timeline:"),
    st.Page(ui.PAGES["outcomes"], title="Outcomes", icon=":material/monitoring:"),
    st.Page(ui.PAGES["workshop"], title="Workshop", icon=":material/groups:"),
    st.Page(ui.PAGES["rubric"], title="Rubric", icon=":material/menu_book:"),
    join,
]
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
    st.text_input("Your name", key="who", placeholder="shown in the audit log")
page.run()
