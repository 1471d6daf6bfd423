"""The Delta workbook: what changed between two rounds of a scope, and whether the roadmap
work done between them paid off. Every cell goes through :mod:`groundwork.safe`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from groundwork.compare import Comparison, compare
from groundwork.excel.common import (
    Sheet,
    accent_colour,
    add_meta,
    print_setup,
)
from groundwork.excel.writer import collector_paused, to_bytes
from groundwork.rubric import Rubric
from groundwork.store import Store
from groundwork.tracking import value_text

KIND = "delta"
SCORE = "0.00"


@collector_paused
def delta_workbook(store: Store, first: int, second: int, *, accent: str | None = None) -> bytes:
    """The Delta and Closed loop sheets of two rounds of one scope (.xlsx bytes), the
    earlier round first whichever order they are given in."""
    c = compare(store, first, second)
    rubric = store.rubric(c.after.rubric_sha256)
    scope = store.scope(c.after.scope_id)
    org = next((o for o in store.organisations() if o["id"] == scope.organisation_id), {})
    wb = Workbook()
    wb.remove(wb.active)
    add_delta_sheets(
        wb,
        c,
        rubric,
        store.scope_path(scope.id),
        accent_colour(accent or org.get("accent")),
        org.get("name") or "",
    )
    add_meta(
        wb,
        {
            "kind": KIND,
            "scope_id": scope.id,
            "before": c.before.id,
            "after": c.after.id,
            "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    )
    wb.active = 0
    return to_bytes(wb)


def add_delta_sheets(
    wb: Workbook,
    c: Comparison,
    rubric: Rubric,
    path: str,
    accent: str,
    organisation: str,
) -> None:
    """Add the "Delta" and "Closed loop" sheets of a comparison: the one call a workbook
    export makes to carry what changed."""
    delta = Sheet(wb.create_sheet("Delta"), accent)
    loop = Sheet(wb.create_sheet("Closed loop"), accent)
    _delta(delta, c, rubric, path)
    _loop(loop, c)
    title = f"{path}: {c.before.label} to {c.after.label}"
    for sheet in (delta, loop):
        print_setup(sheet.ws, organisation, title)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _num(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _delta(sheet: Sheet, c: Comparison, rubric: Rubric, path: str) -> None:
    d, ws = c.delta, sheet.ws
    sheet.cell(1, 1, f"What changed: {path}").font = Font(bold=True, size=14, color=sheet.accent)
    readiness = d.readiness
    facts: list[tuple[str, Any, Any, Any, str]] = [
        ("Round", c.before.label, c.after.label, None, ""),
        ("Date", c.before.date, c.after.date, None, ""),
        ("Readiness", _pct(readiness[0]), _pct(readiness[1]), _pct(d.readiness_change), "0%"),
        ("Overall score", _num(d.score[0]), _num(d.score[1]), None, SCORE),
        (
            "Verdict",
            "ready" if d.passed[0] else "not ready",
            "ready" if d.passed[1] else "not ready",
            None,
            "",
        ),
        ("Blockers cleared", None, None, len(d.cleared), ""),
        ("Blockers that appeared", None, None, len(d.appeared), ""),
    ]
    for col, head in enumerate(("", "Before", "After", "Change"), start=1):
        sheet.cell(2, col, head).font = Font(bold=True)
    for r, (label, before, after, change, fmt) in enumerate(facts, start=3):
        sheet.cell(r, 1, label).font = Font(bold=True)
        for col, value in ((2, before), (3, after), (4, change)):
            sheet.cell(r, col, value, fmt=fmt)
    note = 3 + len(facts)
    sheet.cell(
        note, 1, f"Both rounds scored for the {c.stage} stage at the {c.tier} tier.", wrap=False
    )
    _blank(ws, note + 1)
    top = note + 2

    dim_rows = [
        [x.id, x.title, _num(x.before), _num(x.after), _num(x.change), x.movement]
        for x in d.dimensions
    ]
    headers = [
        ("Dimension ID", 12),
        ("Dimension", 28),
        ("Before", 10),
        ("After", 10),
        ("Change", 10),
        ("Moved", 10),
    ]
    _, last = sheet.table(
        top, headers, dim_rows, formats={3: SCORE, 4: SCORE, 5: "+0.00;-0.00;0"}, filter_=False
    )

    texts = {q.id: q.text for q in rubric.questions}
    question_rows = [
        [
            q.id,
            q.before_id if q.renamed else "",
            q.dimension,
            texts.get(q.id, ""),
            _answer(q.before),
            _answer(q.after),
            q.change,
            q.movement,
        ]
        for q in d.questions
    ]
    headers = [
        ("Question ID", 12),
        ("Was", 28),
        ("Dimension", 10),
        ("Question", 48),
        ("Before", 14),
        ("After", 14),
        ("Change", 8),
        ("Moved", 10),
    ]
    _blank(ws, last + 1)
    _, last = sheet.table(
        last + 2, headers, question_rows, wrap={4}, formats={7: "+0;-0;0"}, filter_=False
    )

    blocker_rows = [
        ["cleared", b.rule, b.question or b.dimension or "round", b.reason] for b in d.cleared
    ]
    blocker_rows += [
        ["appeared", b.rule, b.question or b.dimension or "round", b.reason] for b in d.appeared
    ]
    _blank(ws, last + 1)
    sheet.table(
        last + 2,
        [("Blocker", 12), ("Rule", 28), ("On", 10), ("Why", 48)],
        blocker_rows,
        wrap={4},
        filter_=False,
    )
    ws.freeze_panes = None


def _answer(value: Any) -> Any:
    """A level as a number; N/A, don't know and the rest as words."""
    return value if isinstance(value, int) else value_text(value)


def _blank(ws: Any, row: int) -> None:
    """Leave an empty row between two tables (a table starts on the sheet's next row)."""
    ws.append([])


def _loop(sheet: Sheet, c: Comparison) -> None:
    counts = c.loop.counts()
    rows = [
        [
            r.group,
            r.question,
            r.dimension,
            r.item or "",
            (r.done_at or "")[:10],
            _answer(r.before),
            _answer(r.after),
        ]
        for r in c.loop.rows
    ]
    headers = [
        ("Group", 22),
        ("Question", 12),
        ("Dimension", 10),
        ("Roadmap item", 16),
        ("Done on", 12),
        ("Before", 14),
        ("After", 14),
    ]
    _, last = sheet.table(1, headers, rows)
    sheet.ws.freeze_panes = "A2"
    _blank(sheet.ws, last + 1)
    for r, (group, n) in enumerate(counts.items(), start=last + 2):
        sheet.cell(r, 1, group).font = Font(bold=True)
        sheet.cell(r, 2, n)
