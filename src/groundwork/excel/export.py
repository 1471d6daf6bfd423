"""The roadmap workbook of a stored assessment: what a consultant leaves behind.

Native Excel charts (they stay live when someone edits a number), frozen headers,
filters, print set-up, and a hidden ``_meta`` sheet with the ids and the exported roadmap
state, so an edited copy can come back in (:mod:`groundwork.excel.imports`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, RadarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule, DataBarRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from groundwork.compare import compare
from groundwork.excel.common import (
    FORMAT_VERSION,
    LISTS_SHEET,
    Sheet,
    accent_colour,
    add_meta,
    fit_row,
    print_setup,
)
from groundwork.excel.delta import add_delta_sheets
from groundwork.excel.portfolio import outcome_sheet
from groundwork.excel.questionnaire import level_text
from groundwork.excel.workshop_sheet import add_workshop_sheet
from groundwork.excel.writer import collector_paused, to_bytes
from groundwork.reports import (
    comparable_card,
    history,
    load_round,
    previous_round,
    roadmap_view,
)
from groundwork.roadmap import DEFAULT_WAVE_DAYS
from groundwork.rubric import Rubric
from groundwork.scoring import answer_text, explain_dimension
from groundwork.store import ROADMAP_STATUSES, Store
from groundwork.tracking import delta

KIND = "roadmap"
STATUS_LIST = "GW_Status"
EDITABLE_FILL = PatternFill("solid", fgColor="FFF8E1")
DATE_FMT = "yyyy-mm-dd"
# Editable roadmap columns, as headers on the Roadmap sheet and keys in the store.
ROADMAP_EDITABLE = {
    "Owner": "owner",
    "Start": "start",
    "Due": "due",
    "Status": "status",
    "Notes": "notes",
}
ROADMAP_HEADERS: list[tuple[str, float]] = [
    ("Wave", 6),
    ("Phase", 14),
    ("Item ID", 14),
    ("Dimension", 14),
    ("Question", 32),
    ("From", 6),
    ("To", 7),
    ("Action", 42),
    ("Effort", 7),
    ("Blocker", 8),
    ("Depends on", 12),
    ("Owner", 15),
    ("Start", 12.5),
    ("Due", 12.5),
    ("Status", 13),
    ("Notes", 26),
]


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


@collector_paused
def export_workbook(
    store: Store,
    assessment_id: int,
    *,
    accent: str | None = None,
    logo: str | Path | None = None,
    start: dt.date | None = None,
    capacity: int | None = None,
    wave_days: int = DEFAULT_WAVE_DAYS,
) -> bytes:
    """The roadmap workbook (.xlsx bytes) of one stored assessment.

    ``accent`` (``#RRGGBB``) and ``logo`` (a PNG/JPEG path) default to the organisation's
    own settings; ``start``, ``capacity`` and ``wave_days`` shape the roadmap's calendar as
    on the Roadmap page.
    """
    rnd = load_round(store, assessment_id)
    a, rubric, card = rnd.assessment, rnd.rubric, rnd.card
    scope = store.scope(a.scope_id)
    org = next((o for o in store.organisations() if o["id"] == scope.organisation_id), {})
    organisation = org.get("name") or ""
    colour = accent_colour(accent or org.get("accent"))
    logo = logo or org.get("logo") or None
    view = roadmap_view(
        store, assessment_id, start=start, capacity=capacity, wave_days=wave_days, rnd=rnd
    )
    # The history as it stood at this round: later rounds are not part of its story.
    rounds = [
        h for h in history(store, a.scope_id) if (h["date"], h["assessment_id"]) <= (a.date, a.id)
    ]

    wb = Workbook()
    summary = Sheet(wb.active, colour)
    summary.ws.title = "Summary"
    dims = Sheet(wb.create_sheet("Dimensions"), colour)
    questions = Sheet(wb.create_sheet("Questions"), colour)
    roadmap = Sheet(wb.create_sheet("Roadmap"), colour)
    hist = Sheet(wb.create_sheet("History"), colour)
    rubric_sheet = Sheet(wb.create_sheet("Rubric"), colour)

    n_dims = _dimensions(dims, card, rubric)
    _summary(summary, rnd, organisation, scope, n_dims, logo)
    _questions(questions, rnd)
    _roadmap(wb, roadmap, view.rows, rubric)
    _history(hist, rounds, rubric)
    _rubric(rubric_sheet, rubric)
    outcomes = outcome_sheet(wb, store, a.scope_id, scope.name, colour)
    room = add_workshop_sheet(wb, store, assessment_id, colour)
    title = f"{rnd.scope_path}: {a.label}"
    extra = [outcomes, *([room] if room else [])]
    for sheet in (summary, dims, questions, roadmap, hist, rubric_sheet, *extra):
        print_setup(sheet.ws, organisation, title)
    summary.ws.page_setup.fitToHeight = 1  # the Summary is one page: table and charts
    earlier = previous_round(store, a)
    if earlier is not None:  # what changed since the round before
        # scored for this round's stage and tier, as compare() would score it
        before = comparable_card(store, earlier, card.stage, card.tier)
        change = compare(store, earlier.id, a.id, change=delta(before, card))
        add_delta_sheets(wb, change, rubric, rnd.scope_path, colour, organisation)

    add_meta(
        wb,
        {
            "kind": KIND,
            "format_version": FORMAT_VERSION,
            "assessment_id": a.id,
            "scope_id": a.scope_id,
            "rubric_id": rubric.id,
            "rubric_version": rubric.version,
            "rubric_sha256": rubric.sha256,
            "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
        # the roadmap state as exported, so an import changes only what the user edited
        [["item_id", *ROADMAP_EDITABLE.values()]]
        + [[r["id"], *(r[k] for k in ROADMAP_EDITABLE.values())] for r in view.rows],
    )
    wb.active = 0
    return to_bytes(wb)


# ---------------------------------------------------------------------------------


CHART_CM = {"radar": (10.0, 15.0), "bar": (7.0, 15.0)}  # height, width
CHART_LAST_COLUMN = 12  # L: column D plus 15 cm of default-width columns
DEFAULT_ROW_POINTS = 15.0


def _summary(sheet: Sheet, rnd: Any, organisation: str, scope: Any, n_dims: int, logo) -> None:
    ws, a, card, rubric = sheet.ws, rnd.assessment, rnd.card, rnd.rubric
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 68
    title = sheet.cell(1, 1, f"GenAI readiness: {rnd.scope_path}")
    title.font = Font(bold=True, size=16, color=sheet.accent)
    readiness = card.readiness
    verdict = (
        f"READY for {rubric.stage(card.stage).title}"
        if card.verdict.passed
        else f"NOT READY for {rubric.stage(card.stage).title}: "
        f"{len(card.verdict.blockers)} blocker{'' if len(card.verdict.blockers) == 1 else 's'}"
    )
    rows: list[tuple[str, Any, str]] = [
        ("Organisation", organisation, ""),
        ("Scope", rnd.scope_path, ""),
        ("Round", a.label + ("" if a.final else " (DRAFT: answers may still change)"), ""),
        ("Date", _date(a.date), DATE_FMT),
        (
            "Current stage",
            rubric.stage(scope.stage).title
            if scope.stage in rubric.stage_ids
            else (scope.stage or ""),
            "",
        ),
        ("Target stage", rubric.stage(card.stage).title, ""),
        ("Risk tier", rubric.tier(card.tier).title, ""),
        ("Rubric", f"{rubric.title} ({rubric.id} {rubric.version})", ""),
        ("Overall score", _round(card.score), "0.00"),
        ("Overall target", _round(card.target), "0.00"),
        ("Readiness", None if readiness is None else round(readiness, 4), "0%"),
        ("Verdict", verdict, ""),
    ]
    for r, (label, value, fmt) in enumerate(rows, start=3):
        sheet.cell(r, 1, label).font = Font(bold=True)
        c = sheet.cell(r, 2, value, wrap=True, fmt=fmt)
        c.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        fit_row(ws, r, [18, 68], {2})
    verdict_row = 3 + len(rows) - 1
    ws.cell(verdict_row, 2).font = Font(
        bold=True, color="2E7D32" if card.verdict.passed else "C62828"
    )
    r = verdict_row + 2
    sheet.cell(r, 1, "Blockers").font = Font(bold=True)
    if not card.verdict.blockers:
        sheet.cell(r, 2, "None: every floor is met.")
    for b in card.verdict.blockers:
        about = f": {rubric.question(b.question).text}" if b.question else ""
        sheet.cell(r, 2, f"{b.rule.capitalize()}. {b.reason}{about}", wrap=True)
        fit_row(ws, r, [18, 68], {2})
        r += 1
    sheet.cell(r + 1, 1, "How to read it").font = Font(bold=True)
    sheet.cell(
        r + 1,
        2,
        "Scores are weighted means of answered levels; N/A and 'don't know' are left out. "
        "Gap = max(0, target - level). Readiness = share of the target reached. Every "
        "number is on the Dimensions and Questions sheets.",
        wrap=True,
    )
    fit_row(ws, r + 1, [18, 68], {2})
    sheet.cell(r + 3, 1, "Provenance").font = Font(bold=True, color="666666")
    sheet.cell(
        r + 3, 2, f"Assessment {a.id}; rubric sha256 {rubric.sha256}", wrap=True
    ).font = Font(color="666666", size=8)
    fit_row(ws, r + 3, [18, 68], {2})
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:1"
    last_row = r + 3

    if n_dims:
        data_ws = sheet.ws.parent["Dimensions"]
        cats = Reference(data_ws, min_col=2, min_row=2, max_row=1 + n_dims)
        radar = RadarChart()
        radar.type = "marker"
        radar.title = "Current vs target"
        radar.style = 26
        radar.add_data(
            Reference(data_ws, min_col=4, max_col=5, min_row=1, max_row=1 + n_dims),
            titles_from_data=True,
        )
        radar.set_categories(cats)
        radar.y_axis.scaling.min = rubric.min_level
        radar.y_axis.scaling.max = rubric.max_level
        radar.y_axis.majorUnit = 1
        radar.y_axis.delete = False
        radar.x_axis.delete = False
        radar.y_axis.number_format = "0"
        radar.legend.position = "b"
        radar.height, radar.width = CHART_CM["radar"]
        ws.add_chart(radar, "D3")

        bar = BarChart()
        bar.type = "bar"
        bar.title = "Gap to target by dimension"
        bar.add_data(
            Reference(data_ws, min_col=6, min_row=1, max_row=1 + n_dims), titles_from_data=True
        )
        bar.set_categories(cats)
        bar.legend = None
        bar.y_axis.scaling.min = 0
        bar.y_axis.majorUnit = 0.5
        bar.y_axis.delete = False
        bar.x_axis.delete = False
        bar.x_axis.scaling.orientation = "maxMin"  # first dimension on top, as in the table
        bar.height, bar.width = CHART_CM["bar"]
        below = _row_below(ws, 3, radar.height) + 1  # the bar sits right under the radar
        ws.add_chart(bar, f"D{below}")
        last_row = max(last_row, _row_below(ws, below, bar.height))
    # one printed page: the table and both charts, scaled to fit
    ws.print_area = f"A1:{get_column_letter(CHART_LAST_COLUMN)}{last_row}"

    if logo:
        from openpyxl.drawing.image import Image

        image = Image(str(logo))
        ratio = 48 / image.height if image.height else 1
        image.height, image.width = 48, int(image.width * ratio)
        ws.add_image(image, "L1")


def _row_below(ws: Any, top: int, height_cm: float) -> int:
    """The row where something ``height_cm`` tall, anchored at row ``top``, ends."""
    left = height_cm / 2.54 * 72  # points
    row = top
    while left > 0:
        left -= ws.row_dimensions[row].height or DEFAULT_ROW_POINTS
        row += 1
    return row


def _dimensions(sheet: Sheet, card: Any, rubric: Rubric) -> int:
    headers = [
        ("Dimension ID", 12),
        ("Dimension", 28),
        ("Weight", 8),
        ("Score", 8),
        ("Target", 8),
        ("Gap", 8),
        ("Weighted gap", 10),
        ("Answered", 10),
        ("N/A", 7),
        ("Don't know", 10),
        ("Not answered", 10),
        ("Floor", 7),
        ("How the score is reached", 60),
    ]
    rows = [
        [
            d.id,
            d.title,
            d.weight,
            _round(d.score),
            _round(d.target),
            _round(d.gap),
            _round(d.weighted_gap),
            d.answered,
            d.na,
            d.unknown,
            d.unanswered,
            d.floor,
            explain_dimension(card, d.id).formula,
        ]
        for d in card.dimensions
    ]
    first, last = sheet.table(
        1, headers, rows, wrap={13}, formats={4: "0.00", 5: "0.00", 6: "0.00", 7: "0.00"}
    )
    if rows:
        span = rubric.max_level - rubric.min_level
        sheet.ws.conditional_formatting.add(f"F{first}:F{last}", _gap_scale(span))
        sheet.ws.conditional_formatting.add(
            f"G{first}:G{last}",
            DataBarRule(start_type="num", start_value=0, end_type="max", color="F8696B"),
        )
    return len(rows)


def _gap_scale(span: int) -> ColorScaleRule:
    """Green at no gap, amber at one level, red at the width of the scale."""
    return ColorScaleRule(
        start_type="num", start_value=0, start_color="63BE7B",
        mid_type="num", mid_value=1, mid_color="FFEB84",
        end_type="num", end_value=max(span, 2), end_color="F8696B",
    )  # fmt: skip


def _questions(sheet: Sheet, rnd: Any) -> None:
    rubric, card, answers = rnd.rubric, rnd.card, rnd.answers
    headers = [
        ("Question ID", 11),
        ("Dimension", 18),
        ("Question", 48),
        ("Answer", 10),
        ("Level", 12),
        ("Level description", 48),
        ("Target", 8),
        ("Gap", 7),
        ("Weighted gap", 10),
        ("Confidence", 11),
        ("Evidence", 36),
        ("Notes", 36),
    ]
    rows = []
    for q in card.questions:
        question = rubric.question(q.id)
        answer = answers.get(q.id)
        rows.append(
            [
                q.id,
                rubric.dimension(q.dimension).title,
                question.text,
                answer_text(q.answer),
                rubric.label(q.level, question) if q.level is not None else q.exclusion,
                level_text(question, q.level) if q.level is not None else "",
                q.target,
                q.gap,
                _round(q.weighted_gap),
                answer.confidence if answer else None,
                answer.evidence if answer else "",
                answer.notes if answer else "",
            ]
        )
    first, last = sheet.table(1, headers, rows, wrap={2, 3, 6, 11, 12}, formats={9: "0.00"})
    sheet.ws.freeze_panes = "D2"
    if rows:
        span = rubric.max_level - rubric.min_level
        sheet.ws.conditional_formatting.add(f"H{first}:H{last}", _gap_scale(span))


def _roadmap(wb: Workbook, sheet: Sheet, rows: list[dict], rubric: Rubric) -> None:
    data = []
    for r in rows:
        data.append(
            [
                r["wave"],
                r["wave_name"],
                r["id"],
                rubric.dimension(r["dimension"]).title,
                f"{r['question']}: {rubric.question(r['question']).text}",
                r["from_level"],
                r["to_level"] if r["to_level"] is not None else "?",
                r["action"],
                r["effort"],
                "yes" if r["blocker"] else "",
                r["depends_on"],
                r["owner"],
                _date(r["start"]),
                _date(r["due"]),
                r["status"],
                r["notes"],
            ]
        )
    columns = [h for h, _ in ROADMAP_HEADERS]
    first, last = sheet.table(
        1,
        ROADMAP_HEADERS,
        data,
        wrap={2, 4, 5, 8, 11, 16},
        formats={13: DATE_FMT, 14: DATE_FMT},
        fills={columns.index(name) + 1: EDITABLE_FILL for name in ROADMAP_EDITABLE},
    )
    sheet.ws.freeze_panes = "D2"

    lists = wb.create_sheet(LISTS_SHEET)
    for i, status in enumerate(ROADMAP_STATUSES, start=1):
        lists.cell(i, 1, status)
    lists.sheet_state = "hidden"
    lists.protection.sheet = True
    wb.defined_names[STATUS_LIST] = DefinedName(
        STATUS_LIST, attr_text=f"'{LISTS_SHEET}'!$A$1:$A${len(ROADMAP_STATUSES)}"
    )
    status_col = get_column_letter(columns.index("Status") + 1)
    dv = DataValidation(
        type="list",
        formula1=STATUS_LIST,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Status",
        error=f"Choose one of: {', '.join(ROADMAP_STATUSES)}",
        promptTitle="Status",
        prompt="Pick a status from the list",
    )
    dv.add(f"{status_col}{first}:{status_col}{max(last, first) + 200}")
    sheet.ws.add_data_validation(dv)
    dates = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="1",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Date",
        error="Enter a date, e.g. 2026-03-31",
    )
    dates.add(f"M{first}:N{max(last, first) + 200}")
    sheet.ws.add_data_validation(dates)
    if not rows:
        sheet.cell(2, 1, "Nothing to do: every target is met.")


def _history(sheet: Sheet, rounds: list[dict], rubric: Rubric) -> None:
    dim_ids = [d.id for d in rubric.dimensions]
    titles = {d.id: d.title for d in rubric.dimensions}
    headers = [("Date", 12), ("Round", 22), ("Status", 9), ("Overall", 9), ("Readiness", 10)]
    headers += [(titles[d], 14) for d in dim_ids]
    rows = [
        [
            _date(r["date"]),
            r["label"],
            r["status"],
            _round(r["overall"]),
            None if r["readiness"] is None else round(r["readiness"], 4),
            *(_round(r.get(d)) for d in dim_ids),
        ]
        for r in sorted(rounds, key=lambda r: (r["date"], r["assessment_id"]))
    ]
    formats = {1: DATE_FMT, 4: "0.00", 5: "0%"}
    formats.update({6 + i: "0.00" for i in range(len(dim_ids))})
    first, last = sheet.table(1, headers, rows, wrap={2}, formats=formats)
    sheet.ws.freeze_panes = "B2"
    if not rows:
        return
    chart = LineChart()
    chart.title = "Dimension scores by round"
    chart.y_axis.title = "Score"
    chart.y_axis.scaling.min = rubric.min_level
    chart.y_axis.scaling.max = rubric.max_level
    chart.y_axis.majorUnit = 1
    chart.y_axis.number_format = "0"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.add_data(
        Reference(sheet.ws, min_col=6, max_col=5 + len(dim_ids), min_row=1, max_row=last),
        titles_from_data=True,
    )
    chart.set_categories(Reference(sheet.ws, min_col=2, min_row=first, max_row=last))
    for series in chart.series:
        series.marker.symbol = "circle"
        series.smooth = False
    chart.height, chart.width = 10, 24
    sheet.ws.add_chart(chart, f"A{last + 3}")


def _rubric(sheet: Sheet, rubric: Rubric) -> None:
    headers: list[tuple[str, float]] = [
        ("Dimension", 18),
        ("Question ID", 11),
        ("Question", 40),
        ("Weight", 8),
        ("Targets", 16),
    ]
    headers += [(f"{s.level} {s.label}", 32) for s in rubric.scale]
    headers += [
        ("NIST AI RMF", 14),
        ("NIST AI 600-1", 14),
        ("EU AI Act", 16),
        ("ISO/IEC 42001", 14),
    ]
    rows = []
    for d in rubric.dimensions:
        for q in d.questions:
            targets = {**d.targets, **q.targets}
            rows.append(
                [
                    d.title,
                    q.id,
                    q.text,
                    q.weight,
                    ", ".join(f"{s} {targets[s]}" for s in rubric.stage_ids if s in targets),
                    *(level_text(q, s.level) for s in rubric.scale),
                    ", ".join(q.crosswalk.nist_ai_rmf),
                    ", ".join(q.crosswalk.nist_ai_600_1),
                    ", ".join(q.crosswalk.eu_ai_act),
                    ", ".join(q.crosswalk.iso_42001),
                ]
            )
    wrap = set(range(1, len(headers) + 1))
    sheet.table(1, headers, rows, wrap=wrap)
    sheet.ws.freeze_panes = "C2"
