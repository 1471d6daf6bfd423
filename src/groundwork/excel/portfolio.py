"""The portfolio workbook: every system on one heatmap, the stages with their ages, the unit
roll-up, the business outcomes and the readiness trend with a native chart; and the
outcomes sheet of the per-round workbook. Every cell goes through :mod:`groundwork.safe`."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.formatting.rule import ColorScaleRule, FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from groundwork import reports
from groundwork.excel.common import (
    Sheet,
    accent_colour,
    add_meta,
    print_setup,
)
from groundwork.excel.writer import collector_paused, to_bytes
from groundwork.outcomes import Measure, Outcome, status
from groundwork.rubric import DEFAULT_RUBRIC, Rubric, load_rubric
from groundwork.store import Store

KIND = "portfolio"
DATE_FMT = "yyyy-mm-dd"
STUCK_FILL = PatternFill("solid", fgColor="FDE2E1")


def _num(value: object, digits: int = 2) -> float | None:
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return None
    return round(float(value), digits)  # type: ignore[arg-type]


def _day(text: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)[:10]) if isinstance(text, str) and text else None
    except ValueError:
        return None


@collector_paused
def portfolio_workbook(
    store: Store,
    rubric: Rubric | None = None,
    *,
    today: dt.date | None = None,
    days: int | None = None,
) -> bytes:
    """The portfolio workbook (.xlsx bytes) of every system in the database."""
    rubric = rubric or load_rubric(DEFAULT_RUBRIC)
    today = today or dt.date.today()
    data = reports.portfolio_data(store, rubric.stage_ids, today=today, days=days)
    orgs = store.organisations()
    organisation = orgs[0]["name"] if len(orgs) == 1 else "Portfolio"
    colour = accent_colour(orgs[0].get("accent") if len(orgs) == 1 else None)
    dims = [d.id for d in rubric.dimensions]
    titles = {d.id: d.title for d in rubric.dimensions}
    systems = data.systems.sort_values(["unit", "name"], kind="stable")

    wb = Workbook()
    heat = Sheet(wb.active, colour)
    heat.ws.title = "Heatmap"
    sheets = [heat]
    _heatmap(heat, data, systems, dims, titles, rubric)
    stages = Sheet(wb.create_sheet("Stages"), colour)
    _stages(stages, systems, rubric, data.pilot_days)
    units = Sheet(wb.create_sheet("Units"), colour)
    _units(units, reports.unit_rollup(data, systems, dims), titles)
    outcomes = Sheet(wb.create_sheet("Outcomes"), colour)
    names = dict(zip(systems["scope_id"], systems["name"], strict=True))
    outcome_table(outcomes, store.outcomes_for(list(names)), names)
    trend = Sheet(wb.create_sheet("Trend"), colour)
    _trend(trend, reports.trend(data, systems))
    sheets += [stages, units, outcomes, trend]
    for sheet in sheets:
        print_setup(sheet.ws, organisation, f"Portfolio on {today.isoformat()}")
    add_meta(
        wb,
        {
            "kind": KIND,
            "as_of": today.isoformat(),
            "pilot_days": data.pilot_days,
            "rubric_id": rubric.id,
            "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    )
    wb.active = 0
    return to_bytes(wb)


def _records(frame: pd.DataFrame) -> list[list]:
    """Rows of plain Python values, a missing value (NaN, NA, NaT) as None: the whole
    frame at once rather than cell by cell."""
    return frame.astype(object).where(frame.notna(), None).to_numpy().tolist()


def _dates(column: pd.Series) -> pd.Series:
    days = pd.to_datetime(column.str[:10], errors="coerce", format="%Y-%m-%d")
    return days.dt.date.where(days.notna(), None)


def _heatmap(sheet, data, systems, dims, titles, rubric: Rubric) -> None:
    wide = reports.heatmap(data, systems, dims).round(2)
    headers = [("System", 30), ("Unit", 16), ("Stage", 11), ("Risk tier", 10), ("Verdict", 12)]
    headers += [(titles[d], 12) for d in dims]
    frame = systems[["name", "unit", "stage", "tier", "verdict"]].reset_index(drop=True)
    frame = pd.concat([frame, wide.reset_index(drop=True)], axis=1)
    rows = _records(frame)
    first = len(headers) - len(dims) + 1
    formats = {c: "0.0" for c in range(first, len(headers) + 1)}
    top, last = sheet.table(1, headers, rows, formats=formats, fit=False)
    if rows:
        area = f"{get_column_letter(first)}{top}:{get_column_letter(len(headers))}{last}"
        sheet.ws.conditional_formatting.add(
            area,
            ColorScaleRule(
                start_type="num", start_value=rubric.min_level, start_color="F8696B",
                mid_type="num", mid_value=(rubric.min_level + rubric.max_level) / 2,
                mid_color="FFEB84",
                end_type="num", end_value=rubric.max_level, end_color="63BE7B",
            ),
        )  # fmt: skip
    sheet.ws.freeze_panes = "B2"


def _stages(sheet, systems: pd.DataFrame, rubric: Rubric, days: int) -> None:
    order = {s: i for i, s in enumerate(rubric.stage_ids)}
    ranked = systems.assign(_o=systems["stage"].map(order)).sort_values(
        ["_o", "days_in_stage"], ascending=[True, False], kind="stable"
    )
    headers = [
        ("System", 30), ("Unit", 16), ("Stage", 11), ("Risk tier", 10),
        ("In stage since", 13), ("Days in stage", 9), (f"Stuck (over {days} days)", 11),
        ("Verdict", 12), ("Readiness", 10), ("Blockers", 9), ("Last final round", 13),
        ("Open drafts", 8),
    ]  # fmt: skip
    frame = pd.DataFrame(
        {
            "name": ranked["name"],
            "unit": ranked["unit"],
            "stage": ranked["stage"],
            "tier": ranked["tier"],
            "since": _dates(ranked["stage_since"]),
            "days": ranked["days_in_stage"],
            "stuck": ranked["stuck"].map({True: "stuck in pilot", False: None}),
            "verdict": ranked["verdict"],
            "readiness": ranked["readiness"].round(4),
            "blockers": ranked["blockers"],
            "date": _dates(ranked["date"].fillna("")),
            "drafts": ranked["drafts"],
        }
    )
    rows = _records(frame)
    top, last = sheet.table(
        1, headers, rows, formats={5: DATE_FMT, 9: "0%", 11: DATE_FMT}, fit=False
    )
    if rows:
        sheet.ws.conditional_formatting.add(
            f"A{top}:L{last}",
            FormulaRule(formula=[f'$G{top}<>""'], fill=STUCK_FILL, font=Font(bold=True)),
        )


def _units(sheet, rollup: pd.DataFrame, titles: dict[str, str]) -> None:
    headers = [("Unit", 18), ("Dimension", 22), ("Mean", 8), ("Lowest", 8), ("Highest", 8),
               ("Spread (SD)", 10), ("Systems", 8)]  # fmt: skip
    frame = rollup[["unit", "dimension", "mean", "low", "high", "sd", "systems"]].copy()
    frame["dimension"] = frame["dimension"].map(lambda d: titles.get(d, d))
    frame[["mean", "low", "high", "sd"]] = frame[["mean", "low", "high", "sd"]].round(2)
    rows = _records(frame)
    sheet.table(1, headers, rows, formats={3: "0.00", 4: "0.00", 5: "0.00", 6: "0.00"}, fit=False)


OUTCOME_HEADERS: list[tuple[str, float]] = [
    ("System", 26), ("Measure", 30), ("Role", 9), ("Unit", 10), ("Better when", 9),
    ("Baseline", 10), ("Baseline date", 12), ("Target", 10), ("Latest", 10),
    ("Latest date", 12), ("Progress to target", 10), ("Warnings", 50),
]  # fmt: skip


def _measure_row(system: str, m: Measure, role: str, target, progress, flags: str) -> list:
    latest = m.latest
    return [
        system, m.name, role, m.unit, m.direction, m.baseline, m.baseline_date, target,
        latest.value if latest else None, latest.date if latest else None, progress, flags,
    ]  # fmt: skip


def outcome_table(
    sheet: Sheet, outcomes: dict[int, list[Outcome]], names: dict[int, str], top: int = 1
) -> None:
    """One row per measure (headline, then its counter-measure) of every system given."""
    rows = []
    for sid, name in names.items():
        for o in outcomes.get(sid, []):
            s = status(o)
            flags = "; ".join(w.message for w in s.warnings)
            progress = None if s.progress is None else round(s.progress, 4)
            rows.append(_measure_row(name, o.headline, "headline", o.target, progress, flags))
            if o.counter is not None:
                rows.append(_measure_row(name, o.counter, "counter", None, None, ""))
    sheet.table(
        top, OUTCOME_HEADERS, rows, wrap={2, 12}, formats={7: DATE_FMT, 10: DATE_FMT, 11: "0%"}
    )
    if not rows:
        sheet.cell(top + 1, 1, "No outcome measure recorded yet.")


def outcome_sheet(wb: Workbook, store: Store, scope_id: int, name: str, accent: str) -> Sheet:
    """The per-round workbook's Outcomes sheet: the system's measures and their warnings."""
    sheet = Sheet(wb.create_sheet("Outcomes"), accent)
    outcome_table(sheet, {scope_id: store.outcomes(scope_id)}, {scope_id: name})
    return sheet


def _trend(sheet, frame: pd.DataFrame) -> None:
    headers = [("Quarter", 10), ("Systems assessed", 10), ("Ready", 8), ("Share ready", 10)]
    rows = [
        [q, int(a), int(r), _num(s, 4)]
        for q, a, r, s in frame[["quarter", "assessed", "ready", "share"]].itertuples(index=False)
    ]
    top, last = sheet.table(1, headers, rows, formats={4: "0%"})
    if not rows:
        return
    chart = LineChart()
    chart.title = "Share of systems ready for their next stage"
    chart.y_axis.title = "Share ready"
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.add_data(Reference(sheet.ws, min_col=4, min_row=1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=1, min_row=top, max_row=last))
    for series in chart.series:
        series.marker.symbol = "circle"
        series.smooth = False
    chart.height, chart.width = 9, 18
    sheet.ws.add_chart(chart, "F2")
