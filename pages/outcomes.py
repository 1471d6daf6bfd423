"""Outcomes: the business measures that justify an AI system, beside its maturity."""

import streamlit as st

from groundwork import ui
from groundwork.ui import auth, outcomes

st.title("Outcomes")
st.caption(
    "Uptime and feature delivery say a system runs; outcomes say whether it works. Each "
    "measure has a baseline, a target and dated values, and may name a counter-measure "
    "that must not get worse while the headline improves."
)

with ui.friendly_errors(), ui.store() as s:
    systems = {x.id: s.scope_path(x.id) for x in s.scopes(kind="system")}
    if not systems:
        st.info("No AI system yet. Add one on the Portfolio page.")
    else:
        chosen = ui.url_choice("AI system", systems, key="outcomes-scope")
        measures = s.outcomes(chosen)
        for o in measures:
            outcomes.outcome_charts(o, key=f"outcome-{o.id}")
        if not measures:
            st.caption("No outcome measure recorded for this system yet.")
        if auth.allowed("facilitator"):  # a viewer reads the measures, not edits them
            st.divider()
            outcomes.outcome_editor(s, chosen, ui.who())
