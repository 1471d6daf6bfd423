"""Groundwork's entry point: page set-up, navigation, and nothing else."""

import streamlit as st

from groundwork import ui

st.set_page_config(page_title="Groundwork", page_icon="🧭", layout="wide")

pages = [
    st.Page(ui.PAGES["portfolio"], title="Portfolio", icon="🗂️", default=True),
    st.Page(ui.PAGES["assess"], title="Assess", icon="📝"),
    st.Page(ui.PAGES["results"], title="Results", icon="🎯"),
    st.Page(ui.PAGES["roadmap"], title="Roadmap", icon="🛣️"),
    st.Page(ui.PAGES["rubric"], title="Rubric", icon="📚"),
]
page = st.navigation(pages)
with st.sidebar:
    st.caption("Groundwork — from GenAI pilot to production")
    st.text_input("Your name", key="who", placeholder="shown in the audit log")
page.run()
