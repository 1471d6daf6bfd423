"""History: a scope's rounds over time, what changed between two of them, and whether the
roadmap work done in between moved the scores."""

import streamlit as st

from groundwork import reports, ui
from groundwork.ui import history, outcomes
from groundwork.ui.text import plain

st.title("History")
with ui.friendly_errors(), ui.store() as s:
    scope_id = history.scope_picker(s)
    if scope_id is not None:
        rounds = s.assessments(scope_id)
        rows = reports.history(s, scope_id)
        rubric = s.rubric(rounds[-1].rubric_sha256)
        st.caption(
            f"{ui.count(len(rounds), 'round')} of {plain(s.scope_path(scope_id))}, "
            f"from {rounds[0].date} to {rounds[-1].date}."
        )
        history.trend(s, scope_id, rows, rubric)
        history.rounds_table(rows, rubric)

        if s.scope(scope_id).kind == "system":  # outcomes belong to systems
            outcomes.outcome_section(s, scope_id)

        st.markdown("#### Compare two rounds")
        if len(rounds) < 2:
            st.info(
                "Only one round so far: there is nothing to compare yet. Start the next "
                "round pre-filled from this one to see what moves."
            )
        else:
            first, second = history.pick_two(rounds, scope_id)
            if first == second:
                st.caption("The same round on both sides: nothing can have moved.")
            comparison = history.comparison(s, first, second)
            history.deltas(comparison, s.rubric(comparison.after.rubric_sha256))
            history.closed_loop(comparison)
            history.download(
                comparison.before.id,
                comparison.after.id,
                f"{s.scope(scope_id).name} {comparison.before.label} {comparison.after.label}",
            )
        st.divider()
        history.new_round_from(s, scope_id, rounds, ui.default_rubric())
