"""The parts of the History page: the trend, the rounds, a new round from an earlier one,
and two rounds compared (deltas and the closed loop)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from groundwork import charts, compare, reports, tracking
from groundwork.excel.delta import delta_workbook
from groundwork.rubric import Rubric
from groundwork.scoring import parent_score_range, score_range
from groundwork.store import Assessment, Store
from groundwork.tracking import Delta, value_text
from groundwork.ui import PAGES, VERDICT_ICON, XLSX, count, file_name, store, url_choice, who
from groundwork.ui.auth import current_user
from groundwork.ui.text import distinct, plain, whole_percent

MOVES = {tracking.UP: "▲ up", tracking.DOWN: "▼ down", tracking.SAME: "same", "changed": "changed"}


def scope_picker(s: Store) -> int | None:
    """Choose a scope that has rounds (``?scope=ID`` in the URL, so a link lands on it)."""
    with_rounds = s.assessed_scopes()
    if not with_rounds:
        st.info("No round yet: the history starts with the first assessment.")
        st.page_link(PAGES["assess"], label="Start an assessment", icon=":material/edit_note:")
        return None
    paths = s.scope_paths()
    names = dict(sorted(((i, paths[i]) for i in with_rounds), key=lambda item: item[1]))
    return url_choice("Scope", names, key="history-scope")


def trend(s: Store, scope_id: int, rows: list[dict], rubric: Rubric) -> None:
    """A line per dimension over the rounds, shaded where the next stage's targets lie."""
    band = compare.next_stage_band(s, scope_id)
    shade, title = None, ""
    if band is not None:
        title = rubric.stage(band.stage).title if band.stage in rubric.stage_ids else band.stage
        shade = (band.low, band.high, f"targets for {title}")
    st.markdown("**Dimension scores over the rounds**")
    st.plotly_chart(
        charts.trend(
            rows, [(d.id, d.title) for d in rubric.dimensions], *score_range(rubric), shade
        ),
        config={"displayModeBar": False},
        key=f"trend-{scope_id}",
    )
    notes = []
    if band is not None:
        notes.append(
            f"The shaded band runs from the lowest to the highest dimension target for "
            f"{plain(title)}, the scope's next stage ({band.low:.1f} to {band.high:.1f})."
        )
    if any(r["status"] == "draft" for r in rows):
        notes.append("Hollow markers are draft rounds: their answers may still change.")
    if notes:
        st.caption(" ".join(notes))
    parent_trend(scope_id, rows, rubric)


def parent_series(rows: list[dict], rubric: Rubric) -> list[tuple[str, str]]:
    """(id, title) of every parent a round of these has a score for (a SAMM business
    function), in the rubric's order, then any only older rounds have; none without."""
    seen = {pid for r in rows for pid in r.get("parents", {})}
    ordered = [(p.id, p.title) for p in rubric.parents if p.id in seen]
    ordered += [(pid, pid) for pid in sorted(seen - {p for p, _ in ordered})]
    titles = [t for _, t in ordered]
    return [(pid, t if titles.count(t) == 1 else f"{t} ({pid})") for pid, t in ordered]


def parent_trend(scope_id: int, rows: list[dict], rubric: Rubric) -> None:
    """A line per parent over the rounds, for a rubric whose dimensions have parents."""
    series = parent_series(rows, rubric)
    if not series:
        return
    st.markdown("**Scores by part over the rounds**")
    points = [{"date": r["date"], "status": r["status"], **r.get("parents", {})} for r in rows]
    st.plotly_chart(
        charts.trend(points, series, *parent_score_range(rubric)),
        config={"displayModeBar": False},
        key=f"parent-trend-{scope_id}",
    )


def rounds_table(rows: list[dict], rubric: Rubric | None = None) -> None:
    """Verdict, blockers, readiness and overall score of every round, oldest first, and
    each part's score for a rubric with parents (no verdict for a rubric without gates)."""
    ungated = rubric is not None and not rubric.gates  # no floor behind a verdict
    st.markdown(
        "**Score and percent to target per round**"
        if ungated
        else "**Verdict and readiness per round**"
    )
    series = parent_series(rows, rubric) if rubric is not None else []
    frame = pd.DataFrame(
        [
            {
                "Date": r["date"],
                "Round": r["label"],
                "Status": r["status"],
                "Target stage": r["stage"],
                "Verdict": f"{VERDICT_ICON['ready' if r['verdict'] else 'not ready']} "
                + ("ready" if r["verdict"] else "not ready"),
                "Blockers": r["blockers"],
                "Readiness": None if r["readiness"] is None else whole_percent(r["readiness"]),
                "Overall score": None if r["overall"] is None else round(r["overall"], 2),
            }
            | {title: _round(r.get("parents", {}).get(pid)) for pid, title in series}
            for r in rows
        ]
    )
    if ungated:
        frame = frame.drop(columns=["Verdict", "Blockers"]).rename(
            columns={"Readiness": "Percent to target"}
        )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "Readiness": st.column_config.ProgressColumn(
                "Readiness", format="%.0f%%", min_value=0, max_value=100
            ),
            "Percent to target": st.column_config.ProgressColumn(
                "Percent to target", format="%.0f%%", min_value=0, max_value=100
            ),
            "Overall score": st.column_config.NumberColumn(format="%.2f"),
        }
        | {title: st.column_config.NumberColumn(format="%.2f") for _, title in series},
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def new_round_from(s: Store, scope_id: int, rounds: list[Assessment], rubric: Rubric) -> None:
    """Start a new round pre-filled from any earlier round of the scope (questions of an
    older rubric version carry over through ``replaces``)."""
    user = current_user()
    if user is None or not user.can("facilitator"):
        return
    labels = distinct({a.id: f"{a.label} ({a.date}, {a.status})" for a in rounds})
    with st.form(f"prefill-{scope_id}"):
        st.markdown("**Start a new round pre-filled from an earlier one**")
        c1, c2 = st.columns(2)
        source = c1.selectbox(
            "Pre-fill from", list(reversed(labels)), format_func=labels.get, key="prefill-from"
        )
        label = c2.text_input("Name of the new round", placeholder="e.g. Q1 2027 review")
        if st.form_submit_button("Start the round", icon=":material/content_copy:"):
            stage, tier = reports.default_stage_and_tier(s, scope_id, rubric)
            aid = s.create_assessment(
                scope_id, rubric, stage, tier, who=who(), label=label.strip(), prefill_from=source
            )
            st.switch_page(PAGES["assess"], query_params={"round": str(aid)})


def pick_two(rounds: list[Assessment], scope_id: int) -> tuple[int, int]:
    """Two rounds to compare: the first and the latest unless chosen otherwise."""
    labels = distinct({a.id: f"{a.label} ({a.date}, {a.status})" for a in rounds})
    ids = list(labels)
    c1, c2 = st.columns(2)
    first = c1.selectbox(
        "From", ids, index=0, format_func=labels.get, key=f"history-from-{scope_id}"
    )
    second = c2.selectbox(
        "To", ids, index=len(ids) - 1, format_func=labels.get, key=f"history-to-{scope_id}"
    )
    return first, second


@st.cache_data(max_entries=64, show_spinner=False)
def _final_delta(path: str, first: int, second: int, finalised: tuple[str, str]) -> Delta:
    """The delta of two final rounds: they never change, so it is kept (``finalised``,
    their finalisation times, tells a database rebuilt under the same ids apart)."""
    with store() as s:
        return compare.round_delta(s, first, second)[0]


def comparison(s: Store, first: int, second: int) -> compare.Comparison:
    """Two rounds compared; the delta of two final rounds comes from the cache, one with
    a draft is worked out on every run, so an answer saved a moment ago is in it."""
    before, after = compare.in_order(s, first, second)
    change = None
    if before.finalised_at and after.finalised_at:
        stamps = (before.finalised_at, after.finalised_at)
        change = _final_delta(str(s.path), before.id, after.id, stamps)
    return compare.compare(s, before.id, after.id, change)


def _fmt(value: float | None, pattern: str = "{:.2f}") -> str:
    return "—" if value is None else pattern.format(value)


def _signed(value: float | None, pattern: str = "{:+.2f}") -> str:
    """+1.25, -0.50, or 0 when nothing moved; nothing when there is no number to compare."""
    if value is None:
        return ""
    return "0" if abs(value) < tracking.EPSILON else pattern.format(value)


def deltas(c: compare.Comparison, rubric: Rubric) -> None:
    """Readiness change, dimensions, questions moved up and down, blockers cleared and new."""
    d = c.delta
    counts = d.counts()
    m1, m2, m3, m4 = st.columns(4)
    before, after = d.readiness
    m1.metric(
        "Readiness",
        _fmt(after, "{:.0%}"),
        delta=None if d.readiness_change is None else f"{d.readiness_change * 100:+.0f} points",
        help=f"Was {_fmt(before, '{:.0%}')} in {plain(c.before.label)}.",
    )
    m2.metric("Questions up", counts[tracking.UP])
    m3.metric("Questions down", counts[tracking.DOWN], delta_color="inverse")
    m4.metric(
        "Blockers cleared",
        counts["cleared"],
        delta=f"{counts['appeared']} new" if counts["appeared"] else None,
        delta_color="inverse",
    )
    verdicts = ["ready" if p else "not ready" for p in d.passed]
    st.caption(
        f"Before: {plain(c.before.label)} ({c.before.date}) · after: {plain(c.after.label)} "
        f"({c.after.date}). Both scored for {plain(c.stage)} at the {plain(c.tier)} tier. "
        f"Verdict: {verdicts[0]} → {verdicts[1]}."
    )

    st.markdown("**Dimensions**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Dimension": x.title,
                    "Before": _fmt(x.before),
                    "After": _fmt(x.after),
                    "Change": _signed(x.change),
                    "Moved": MOVES[x.movement],
                }
                for x in d.dimensions
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    moved = [q for q in d.questions if q.movement != tracking.SAME]
    st.markdown(f"**Questions that moved** ({count(len(moved), 'question')})")
    if moved:
        texts = {q.id: q.text for q in rubric.questions}
        order = {tracking.UP: 0, tracking.DOWN: 1, "changed": 2}
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Moved": MOVES[q.movement],
                        "Question": q.id + (f" (from {q.before_id})" if q.renamed else ""),
                        "Text": texts.get(q.id, ""),
                        "Before": value_text(q.before),
                        "After": value_text(q.after),
                        "Change": _signed(q.change, "{:+d}"),
                    }
                    for q in sorted(moved, key=lambda q: order[q.movement])
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("No answer changed between these rounds.")
    for title, blockers in (
        ("Blockers cleared", d.cleared),
        ("Blockers that appeared", d.appeared),
    ):
        st.markdown(f"**{title}** ({len(blockers)})")
        if blockers:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Rule": b.rule,
                            "On": b.question or b.dimension or "round",
                            "Why": b.reason,
                        }
                        for b in blockers
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
        else:
            st.caption("None.")


def closed_loop(c: compare.Comparison) -> None:
    """Each roadmap item done between the rounds against its question's movement."""
    counts = c.loop.counts()
    st.markdown("#### Did the roadmap work pay off?")
    st.caption(
        f"Roadmap items marked done after {plain(c.before.label)} and still done at "
        f"{plain(c.after.label)}, matched to how their question moved."
    )
    m1, m2, m3 = st.columns(3)
    m1.metric("Done and moved", counts[tracking.DONE_AND_MOVED])
    m2.metric("Done, no gain yet", counts[tracking.NO_GAIN_YET])
    m3.metric("Moved without a plan", counts[tracking.MOVED_WITHOUT_PLAN])
    if not c.loop.rows:
        st.caption("No item was marked done and no question improved between these rounds.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Group": r.group,
                    "Question": r.question,
                    "Item": r.item or "",
                    "Done on": (r.done_at or "")[:10],
                    "Before": value_text(r.before),
                    "After": value_text(r.after),
                }
                for r in c.loop.rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def download(first: int, second: int, name: str) -> None:
    """The Delta workbook of the two rounds, built only when clicked (own connection)."""

    def build() -> bytes:
        with store() as s:
            return delta_workbook(s, first, second)

    st.download_button(
        "Delta workbook (Excel)",
        build,
        file_name=file_name(name, "delta", ext="xlsx"),
        mime=XLSX,
        icon=":material/table_view:",
    )
