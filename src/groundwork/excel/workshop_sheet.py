"""The Workshop sheet of the roadmap workbook: per question the room's distribution, the
consensus, its rationale and the dissent; then the participants, by role unless the
facilitator chose to name them, with what each answered. Only when the round had one."""

from __future__ import annotations

from openpyxl import Workbook

from groundwork.excel.common import Sheet
from groundwork.store import Store
from groundwork.workshop import value_text
from groundwork.workshop_report import workshop_view

SHEET = "Workshop"


def add_workshop_sheet(wb: Workbook, store: Store, assessment_id: int, accent: str) -> Sheet | None:
    """Add the sheet when the round had a workshop that anyone joined; else nothing."""
    view = workshop_view(store, assessment_id)
    if view is None:
        return None
    sheet = Sheet(wb.create_sheet(SHEET), accent)
    rubric = view.rubric
    levels = [str(level) for level in rubric.levels]
    headers = [
        ("Question ID", 11),
        ("Dimension", 16),
        ("Question", 40),
        *[(f"Level {level}", 7) for level in levels],
        ("N/A", 6),
        ("Don't know", 8),
        ("Median", 8),
        ("Range", 7),
        ("SD", 7),
        ("Disagreement", 12),
        ("Consensus", 10),
        ("Rationale", 36),
        ("Dissent", 36),
    ]
    rows = []
    for one in view.spreads:
        q = rubric.question(one.question_id)
        c = view.consensus.get(q.id)
        rows.append(
            [
                q.id,
                rubric.dimension_of(q.id).title,
                q.text,
                *one.counts.values(),
                one.na,
                one.unknown,
                one.median,
                one.range,
                None if one.sd is None else round(one.sd, 2),
                "yes" if one.flagged else "",
                value_text(c.value) if c else "",
                c.rationale if c else "",
                c.dissent if c else "",
            ]
        )
    n = len(headers)
    sheet.table(1, headers, rows, wrap={2, 3, n - 1, n}, formats={n - 4: "0.00"})
    sheet.ws.freeze_panes = "D2"

    ws = sheet.ws
    ws.append([])
    ws.append([])
    top = ws._current_row + 1
    qids = [q.id for q in rubric.questions]
    people = [
        [label, role, answered, *(value_text(v) if v is not None else "" for v in given)]
        for label, role, answered, given in zip(
            view.labels, view.roles, view.answered, view.given, strict=True
        )
    ]
    sheet.table(
        top,
        [("Participant", 18), ("Role", 12), ("Answered", 9), *[(qid, 8) for qid in qids]],
        people,
        filter_=False,
    )
    ws.freeze_panes = "D2"
    return sheet
