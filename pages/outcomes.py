"""Outcomes: the business measures that justify an AI system, beside its maturity."""

import streamlit as st

from groundwork import ui
from groundwork.ui import auth, outcomes
from groundwork.ui.text import distinct

st.title("Outcomes")
st.caption(
    "Uptime and feature delivery say a system runs; outcomes say whether it works. Each "
    "measure has a baseline, a target and dated values, and may name a counter-measure "
    "that must not get worse while the headline improves."
)

with ui.friendly_errors(), ui.store() as s:
    systems = distinct({x.id: s.scope_path(x.id) for x in s.scopes(kind="system")})
    if not systems:
        st.info("No AI system yet. Add one on the Portfolio page.")
    else:
        ids = list(systems)
        wanted = ui.query_int("scope")
        chosen = st.selectbox(
            "AI system",
            ids,
            index=ids.index(wanted) if wanted in systems else 0,
            format_func=systems.get,
            key="outcomes-scope",
        )
        if chosen != wanted:
            st.query_params["scope"] = str(chosen)
        for o in s.outcomes(chosen):
            outcomes.outcome_charts(o, key=f"outcome-{o.id}")
        if not s.outcomes(chosen):
            st.caption("No outcome measure recorded for this system yet.")
        if auth.allowed("facilitator"):  # a viewer reads the measures, not edits them
            st.divider()
            outcomes.outcome_editor(s, chosen, ui.who())
