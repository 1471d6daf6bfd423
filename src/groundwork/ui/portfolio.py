"""The Portfolio page's parts: headline, filters, heatmap, stages, unit roll-up, trend,
and the portfolio workbook download. Data comes from :func:`reports.portfolio_data`,
cached per database state: any write (a saved answer, a finalised round) moves
:meth:`Store.data_version`, so the next run computes afresh."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from groundwork import charts, reports
from groundwork.rubric import Rubric
from groundwork.store import Store
from groundwork.ui.text import plain

VERDICTS = ["ready", "not ready", reports.NOT_ASSESSED]
HEATMAP_ROWS = 60  # rows a heatmap on screen stays readable with
NAMED = 12  # stuck systems named in the warning; the Stages tab lists them all


@st.cache_data(max_entries=8, show_spinner=False)
def _data(path: str, version: tuple, stages: tuple[str, ...], today: str, days: int):
    with Store(path) as s:
        return reports.portfolio_data(
            s, list(stages), today=dt.date.fromisoformat(today), days=days
        )


def data(s: Store, rubric: Rubric) -> reports.PortfolioData:
    """The portfolio as of now, recomputed only when the database changed."""
    return _data(
        str(s.path),
        s.data_version(),
        tuple(rubric.stage_ids),
        dt.date.today().isoformat(),
        reports.pilot_days(),
    )


def headline(d: reports.PortfolioData, systems: pd.DataFrame, rubric: Rubric) -> None:
    """The counts over the systems the filters keep."""
    counts = reports.headline(systems, rubric.stage_ids)
    first = plain(rubric.stage(d.first_stage).title.lower()) if d.first_stage else "pilot"
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("AI systems", counts["systems"])
    m2.metric(
        "Ready for their target stage",
        f"{counts['ready']} of {counts['assessed']}",
        help="From each system's latest final round; open drafts are no verdict yet.",
    )
    m3.metric(
        f"Stuck in {first}",
        counts["stuck_in_pilot"],
        help=f"In {first} for more than {d.pilot_days} days (set GROUNDWORK_PILOT_DAYS). "
        "The list is under Stages.",
    )
    m4.metric(f"Beyond {first}", counts["beyond_pilot"])


def filters(d: reports.PortfolioData, rubric: Rubric) -> pd.DataFrame:
    """Filters by unit, stage, tier and verdict; returns the systems that match."""
    systems = d.systems
    c1, c2, c3, c4 = st.columns(4)
    units = sorted(u for u in systems["unit"].unique() if u)
    pick_units = c1.multiselect("Unit", units, key="pf-unit", placeholder="All units")
    pick_stages = c2.multiselect(
        "Stage", rubric.stage_ids, key="pf-stage", placeholder="All stages"
    )
    pick_tiers = c3.multiselect(
        "Risk tier",
        rubric.tier_ids,
        key="pf-tier",
        placeholder="All tiers",
        format_func=lambda t: rubric.tier(t).title,
    )
    pick_verdicts = c4.multiselect(
        "Verdict (latest final round)", VERDICTS, key="pf-verdict", placeholder="All verdicts"
    )
    return reports.filter_systems(
        systems, units=pick_units, stages=pick_stages, tiers=pick_tiers, verdicts=pick_verdicts
    )


def heatmap_section(d: reports.PortfolioData, systems: pd.DataFrame, rubric: Rubric) -> None:
    dims = [x.id for x in rubric.dimensions]
    titles = {x.id: x.title for x in rubric.dimensions}
    by = st.segmented_control(
        "Rows",
        ["Systems", "Units"],
        default="Systems",
        key="pf-heat-by",
        label_visibility="collapsed",
    )
    if by == "Units":
        frame = reports.unit_heatmap(reports.unit_rollup(d, systems, dims), dims)
    else:
        frame = reports.heatmap(d, systems, dims)
    if frame.empty:
        st.caption("No system matches the filters.")
        return
    if frame.isna().all(axis=None):
        st.info("No system has a final round yet: the heatmap fills in as rounds are finalised.")
        return
    if len(frame) > HEATMAP_ROWS:
        weakest = frame.mean(axis=1).sort_values(na_position="last").index[:HEATMAP_ROWS]
        st.caption(
            f"The {HEATMAP_ROWS} weakest of {len(frame)} by mean score; filter to see others, "
            "or download the workbook for every one."
        )
        frame = frame.loc[frame.index.isin(weakest)]
    st.plotly_chart(
        charts.heatmap(frame, titles, rubric.min_level, rubric.max_level),
        key="pf-heatmap",
        config={"displayModeBar": False},
    )
    unassessed = systems[systems["verdict"] == reports.NOT_ASSESSED]
    if len(unassessed):
        names = ", ".join(unassessed["name"][:NAMED])
        st.caption(f"No final round yet (blank row): {plain(names)}.")
    drafting = systems[(systems["drafts"] > 0) & (systems["verdict"] != reports.NOT_ASSESSED)]
    if len(drafting):
        names = ", ".join(drafting["name"][:NAMED])
        st.caption(f"A draft is open, not counted until it is final: {plain(names)}.")


def _stage_table(rows: pd.DataFrame) -> pd.DataFrame:
    draft = rows["drafts"].map(lambda n: f"draft open ({n})" if n else "")
    return pd.DataFrame(
        {
            "System": rows["name"],
            "Unit": rows["unit"],
            "Risk tier": rows["tier"],
            "Days in stage": rows["days_in_stage"],
            "In stage since": rows["stage_since"].str[:10],
            "Verdict": rows["verdict"],
            "Readiness": rows["readiness"] * 100,
            "Drafts": draft,
            "Stuck": rows["stuck"].map({True: "stuck", False: ""}),
        }
    )


_STAGE_COLUMNS = {
    "Readiness": st.column_config.ProgressColumn(
        "Readiness", format="%.0f%%", min_value=0, max_value=100
    ),
    "Days in stage": st.column_config.NumberColumn("Days in stage", format="%d"),
}


def stuck_list(d: reports.PortfolioData, systems: pd.DataFrame, rubric: Rubric) -> None:
    stuck = systems[systems["stuck"]].sort_values("days_in_stage", ascending=False)
    first = rubric.stage(d.first_stage).title.lower() if d.first_stage else "pilot"
    if stuck.empty:
        st.success(f"No system has been in {plain(first)} longer than {d.pilot_days} days.")
        return
    st.warning(
        f"{len(stuck)} stuck in {plain(first)}: longer than {d.pilot_days} days. "
        + "; ".join(
            f"{plain(n)} ({a} days)"
            for n, a in zip(stuck["name"][:NAMED], stuck["days_in_stage"][:NAMED], strict=True)
        )
        + (f"; and {len(stuck) - NAMED} more, listed under Stages." if len(stuck) > NAMED else "")
    )


def stage_section(d: reports.PortfolioData, systems: pd.DataFrame, rubric: Rubric) -> None:
    for stage in rubric.stage_ids:
        rows = systems[systems["stage"] == stage].sort_values("days_in_stage", ascending=False)
        st.markdown(f"**{plain(rubric.stage(stage).title)}** · {len(rows)}")
        if rows.empty:
            st.caption("No system in this stage.")
            continue
        st.dataframe(
            _stage_table(rows), hide_index=True, width="stretch", column_config=_STAGE_COLUMNS
        )


def unit_section(d: reports.PortfolioData, systems: pd.DataFrame, rubric: Rubric) -> None:
    dims = [x.id for x in rubric.dimensions]
    titles = {x.id: x.title for x in rubric.dimensions}
    rollup = reports.unit_rollup(d, systems, dims)
    if rollup.empty:
        st.caption("No assessed system matches the filters.")
        return
    st.caption(
        "Mean of each unit's systems' latest final rounds, with the spread across them: "
        "a wide spread means one system lags the others."
    )
    table = pd.DataFrame(
        {
            "Unit": rollup["unit"],
            "Dimension": rollup["dimension"].map(lambda x: titles.get(x, x)),
            "Mean": rollup["mean"].round(2),
            "Lowest": rollup["low"].round(2),
            "Highest": rollup["high"].round(2),
            "Spread (SD)": rollup["sd"].round(2),
            "Systems": rollup["systems"],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")


def trend_section(d: reports.PortfolioData, systems: pd.DataFrame) -> None:
    frame = reports.trend(d, systems)
    if frame.empty:
        st.caption("No final round yet: the trend starts with the first.")
        return
    st.caption(
        "Each quarter, the share of systems whose latest final round by then was ready "
        "for its target stage (the next one)."
    )
    st.plotly_chart(charts.readiness_trend(frame), key="pf-trend", config={"displayModeBar": False})


def workbook_download(path: str) -> None:
    """The portfolio workbook, built only when clicked (own connection)."""
    from groundwork.excel import portfolio_workbook

    def build() -> bytes:
        with Store(path) as s:
            return portfolio_workbook(s)

    st.download_button(
        "Portfolio workbook (.xlsx)",
        build,
        file_name=f"groundwork-portfolio-{dt.date.today().isoformat()}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/table_view:",
    )
