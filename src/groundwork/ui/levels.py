"""A question's levels as the options of its answer radio, each with its description (so
a level is chosen by clicking what it says), and what an assessor looks at per level."""

from __future__ import annotations

import streamlit as st

from groundwork.rubric import Question, Rubric
from groundwork.ui.text import plain, rubric_text

NA_CAPTION = "Does not apply to this system; say why in the notes."
UNKNOWN_CAPTION = "Nobody here can tell yet; counted, since many unknowns are a finding."


def captions(rubric: Rubric, q: Question) -> list[str]:
    """One caption per option of the answer radio: the levels, then N/A and don't know.
    A question with its own answer wording (an imported model's) shows it first."""
    return [caption(rubric, q, level) for level in rubric.levels] + [
        NA_CAPTION,
        UNKNOWN_CAPTION,
    ]


def caption(rubric: Rubric, q: Question, level: int) -> str:
    """The question's own answer for a level (as text) and the level's description."""
    parts = []
    if level in q.labels:
        parts.append(f"**{plain(q.labels[level])}**")
    if q.levels.get(level):
        parts.append(rubric_text(q.levels[level]))
    return " — ".join(parts)


def look_at(q: Question, level: object) -> str:
    """'What to look at: … · Metric: …' for one level (Markdown-safe), or ''."""
    parts = []
    if q.evidence.get(level):  # type: ignore[call-overload]
        parts.append(f"What to look at: {rubric_text(q.evidence[level])}")  # type: ignore[index]
    if q.metrics.get(level):  # type: ignore[call-overload]
        parts.append(f"Metric: {rubric_text(q.metrics[level])}")  # type: ignore[index]
    return " · ".join(parts)


def assessor_guide(rubric: Rubric, q: Question, chosen: object) -> None:
    """Under the answer: the chosen level's evidence prompt and metric, and every level's
    in an expander."""
    if chosen in q.levels and (hint := look_at(q, chosen)):
        st.caption(f"**{chosen} · {plain(rubric.label(chosen, q))}** · {hint}")  # type: ignore[arg-type]
    if q.description:
        with st.expander(f"About: {plain(q.title)}" if q.title else "About this question"):
            st.markdown(rubric_text(q.description))
    if q.quality:
        with st.expander("Quality criteria: what a yes needs"):
            st.text("\n".join(f"• {c}" for c in q.quality))
    guided = [level for level in rubric.levels if look_at(q, level)]
    if guided:
        with st.expander("What an assessor looks at, level by level"):
            st.markdown(
                "\n".join(
                    f"- **{level} · {plain(rubric.label(level, q))}**: {look_at(q, level)}"
                    for level in guided
                )
            )
