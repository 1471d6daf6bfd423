"""On Results: the spread a workshop found behind the round's answers, as a heatmap of
participants (by role) x questions, and the disagreements with their consensus and dissent."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from groundwork import charts
from groundwork.store import Store
from groundwork.ui.spread import numbers
from groundwork.workshop import value_text
from groundwork.workshop_report import workshop_view


def workshop_spread(s: Store, assessment_id: int) -> None:
    """Nothing when the round had no workshop."""
    view = workshop_view(s, assessment_id)
    if view is None:
        return
    st.markdown("#### Workshop spread")
    st.caption(
        f"{len(view.labels)} participants answered blind before the room agreed each "
        "consensus; blank cells are N/A, don't know or no answer."
    )
    order = sorted(range(len(view.labels)), key=lambda i: (view.roles[i], i))
    answered = [
        i
        for i, q in enumerate(view.rubric.questions)
        if any(view.matrix[p][i] is not None for p in order)
    ]
    if answered:
        st.plotly_chart(
            charts.spread_heatmap(
                [view.labels[p] for p in order],
                [view.rubric.questions[i].id for i in answered],
                [[view.matrix[p][i] for i in answered] for p in order],
                view.rubric.min_level,
                view.rubric.max_level,
            ),
            config={"displayModeBar": False},
        )
    rows = []
    for one in view.disagreements:
        c = view.consensus.get(one.question_id)
        rows.append(
            {
                "Question": one.question_id,
                "Spread": numbers(one),
                "Consensus": value_text(c.value) if c else "not set",
                "Rationale": c.rationale if c else "",
                "Dissent": c.dissent if c else "",
            }
        )
    st.markdown(f"**Disagreements** ({len(rows)})")
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption("The room agreed on every question.")
