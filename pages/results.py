"""Results: the verdict first, then where the gaps are and how every number was reached."""

import pandas as pd
import streamlit as st

from groundwork import charts, interchange, reports, ui
from groundwork.safe import csv_document
from groundwork.scoring import (
    answer_wording,
    explain_dimension,
    explain_overall,
    explain_readiness,
    gated,
    score_range,
)
from groundwork.ui import outcomes
from groundwork.ui.groups import model_scores
from groundwork.ui.headline import ungated_headline
from groundwork.ui.text import plain, rubric_text
from groundwork.ui.workshop_results import workshop_spread


def export_json(assessment_id: int) -> str:
    """Runs when the download is clicked, so it opens its own connection."""
    with ui.store() as s:
        return interchange.export_json(s, assessment_id)


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def gap_colour(text: str) -> str:
    if not text:
        return ""
    gap = float(text)
    if gap >= 2:
        return "background-color: rgba(220, 38, 38, 0.30)"
    if gap >= 1:
        return "background-color: rgba(245, 158, 11, 0.30)"
    return "background-color: rgba(22, 163, 74, 0.20)"


st.title("Results")
with ui.friendly_errors(), ui.store() as s:
    aid = ui.round_picker(s)
    if aid is not None:
        stored = s.assessment(aid)
        rubric = s.rubric(stored.rubric_sha256)

        with st.expander("What if… (recomputes here; the stored round is not changed)"):
            c1, c2 = st.columns(2)
            stage = c1.selectbox(
                "Target stage",
                rubric.stage_ids,
                index=rubric.stage_ids.index(stored.stage),
                format_func=lambda x: rubric.stage(x).title,
                key=f"wi-s-{aid}",
            )
            tier = c2.selectbox(
                "Risk tier",
                rubric.tier_ids,
                index=rubric.tier_ids.index(stored.tier),
                format_func=lambda t: rubric.tier(t).title,
                key=f"wi-t-{aid}",
            )
        rnd = reports.load_round(s, aid, stage, tier)
        card = rnd.card
        what_if = (stage, tier) != (stored.stage, stored.tier)

        st.subheader(plain(rnd.scope_path))
        st.caption(
            plain(f"{stored.label} · {stored.status} · rubric {rubric.id} {rubric.version}")
            + (" · **what-if view**" if what_if else "")
        )

        stage_title = plain(rubric.stage(stage).title)
        if not gated(rubric, stage):  # an imported model: its score, not a verdict
            ungated_headline(card, stage_title)
        elif card.verdict.passed:
            st.success(
                f"**Ready for {stage_title}.** Every floor the {stage_title.lower()} "
                "gate sets is met.",
                icon=":material/check_circle:",
            )
        else:
            st.error(
                f"**Not ready for {stage_title}:** "
                f"{ui.count(len(card.verdict.blockers), 'blocker')} to clear first.",
                icon=":material/cancel:",
            )
            for b in card.verdict.blockers:
                about = f" — {rubric_text(rubric.question(b.question).text)}" if b.question else ""
                where = {"round": str(aid)} | ({"dim": b.dimension} if b.dimension else {})
                st.page_link(
                    ui.PAGES["assess"],
                    label=f"**{plain(b.rule.capitalize())}** · {plain(b.reason)}{about}",
                    icon=":material/block:",
                    query_params=where,
                )

        outcomes.outcome_warnings(s, stored.scope_id)

        answered = sum(d.answered for d in card.dimensions)
        total = len(card.questions)
        if answered < total and rubric.scoring.unanswered == "leave-out":
            st.warning(
                f"{answered} of {ui.count(total, 'question')} have a level (the rest are N/A, "
                "don't know or unanswered): scores and readiness cover only the answered ones.",
                icon=":material/info:",
            )
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("Overall score", fmt(card.score), help=plain(explain_overall(card).formula))
        m2.metric(f"Target for {stage_title.lower()}", fmt(card.target))
        m3.metric(
            "Readiness" if gated(rubric, stage) else "Percent to target",
            "—" if card.readiness is None else f"{card.readiness:.0%}",
            help=plain(explain_readiness(card).formula),
        )
        unknown = sum(d.unknown for d in card.dimensions)
        m4.metric("Don't know", unknown, help="Many unknowns are a finding in themselves.")

        prev = reports.previous_round(s, stored)
        prev_card = reports.comparable_card(s, prev, stage, tier) if prev else None
        left, right = st.columns(2)
        with left:
            st.markdown("**Current vs target**" + (f" (and {plain(prev.label)})" if prev else ""))
            st.plotly_chart(charts.radar(card, prev_card), config={"displayModeBar": False})
        with right:
            st.markdown("**Gap to target by dimension**")
            st.plotly_chart(charts.gap_bars(card), config={"displayModeBar": False})

        model_scores(card)

        st.markdown("#### Questions")
        levels = {q.id: q for q in rubric.questions}
        worded = rubric.has_values or any(q.labels for q in rubric.questions)
        frame = pd.DataFrame(
            [
                {
                    "Question": q.id,
                    "Dimension": q.dimension,
                    "Text": levels[q.id].text,
                    "Answer": "—"
                    if q.answer is None
                    else str(answer_wording(rubric, q.id, q.answer)),
                    "Confidence": ui.cell_text(getattr(rnd.answers.get(q.id), "confidence", None)),
                    "Evidence": getattr(rnd.answers.get(q.id), "evidence", ""),
                    "Target": q.target,
                    "Gap": "" if q.gap is None else str(q.gap),
                    "Floor": "" if q.floor is None else str(q.floor),
                    "Weighted gap": "" if q.weighted_gap is None else f"{q.weighted_gap:.2f}",
                }
                for q in card.questions
            ]
        )
        st.dataframe(
            frame.style.map(gap_colour, subset=["Gap"]),
            hide_index=True,
            width="stretch",
            height="content",
            column_config={
                "Answer": st.column_config.TextColumn(width="medium" if worded else "small"),
                "Confidence": st.column_config.TextColumn(width="small"),
                "Evidence": st.column_config.TextColumn(width="medium"),
            },
        )
        ui.answer_details(rnd.card, rnd.answers)
        workshop_spread(s, aid)

        st.markdown("#### Explain the numbers")
        overall = explain_overall(card)
        st.markdown(f"**Overall score** = {plain(overall.formula)}")
        st.markdown(f"**Readiness** = {plain(explain_readiness(card).formula)}")
        for d in card.dimensions:
            with st.expander(
                f"{plain(d.title)}: score {fmt(d.score)}, target {fmt(d.target)}, gap {fmt(d.gap)}"
            ):
                why = explain_dimension(card, d.id)
                st.markdown(f"{plain(why.how)}: {plain(why.formula)}")
                if why.terms:
                    st.dataframe(pd.DataFrame(why.terms), hide_index=True)
                if why.excluded:
                    st.caption("Left out of the score:")
                    st.dataframe(
                        pd.DataFrame(why.excluded)[["question", "reason"]], hide_index=True
                    )
                if d.floor is not None:
                    st.caption(f"Gate floor for this dimension: {d.floor}")

        history = reports.history(s, stored.scope_id)
        if len(history) > 1:
            st.markdown("#### Trend across rounds")
            st.plotly_chart(
                charts.trend(
                    history,
                    [(d.id, d.title) for d in rubric.dimensions],
                    *score_range(rubric),
                ),
                config={"displayModeBar": False},
            )
        with st.expander("Audit log of this round"):
            log = s.audit_log("assessment", aid)
            if log:
                st.dataframe(
                    pd.DataFrame(log)[["at", "who", "action", "field", "old_value", "new_value"]],
                    hide_index=True,
                    width="stretch",
                )
            else:
                st.caption("No changes recorded.")
        st.markdown("#### Downloads")
        title = s.scope(stored.scope_id).name
        d0, d1, d2 = st.columns(3)
        with d0:
            ui.workbook_download("Roadmap workbook (Excel)", aid, name=f"{title} {stored.label}")
        d1.download_button(
            "Answers (CSV)",
            csv_document(pd.DataFrame(reports.answer_rows(rnd))),
            file_name=ui.file_name(title, stored.label, "answers", ext="csv"),
            mime="text/csv",
        )
        d2.download_button(
            "Whole assessment (JSON)",
            lambda: export_json(aid),
            file_name=ui.file_name(title, stored.label, "assessment", ext="json"),
            mime="application/json",
        )
        st.page_link(
            ui.PAGES["roadmap"],
            label="Open the roadmap for this round",
            icon=":material/timeline:",
            query_params={"round": str(aid)},
        )
        st.page_link(
            ui.PAGES["history"],
            label="History of this system: trends and what changed between rounds",
            icon=":material/history:",
            query_params={"scope": str(stored.scope_id)},
        )
