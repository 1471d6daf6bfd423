"""The Results headline for a rubric without gates (an imported SAMM or DSOMM model):
its score and percent to target, since a go/no-go verdict with no floor behind it would
always say "ready"."""

from __future__ import annotations

import streamlit as st

from groundwork.scoring import Scorecard, score_range


def ungated_text(card: Scorecard, stage_title: str) -> str:
    """'**Score 1.25 of 3 · 48% of the way to Target posture** (target 2.60). …' (Markdown
    with the stage title already made plain by the caller)."""
    if card.score is None or card.readiness is None or all(q.level is None for q in card.questions):
        return (
            "**No score yet:** no question is answered. This model sets no gates, so its "
            "score and percent to target are what the round will show."
        )
    top = score_range(card.rubric)[1]
    return (
        f"**Score {card.score:.2f} of {top:g} · {card.readiness:.0%} of the way to "
        f"{stage_title}** (target {card.target:.2f}). This model sets no gates, so there is "
        "no go/no-go verdict: the score and the percent to target are its measure."
    )


def ungated_headline(card: Scorecard, stage_title: str) -> None:
    st.info(ungated_text(card, stage_title), icon=":material/speed:")
