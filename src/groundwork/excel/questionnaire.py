"""The offline questionnaire: a workbook people fill in by e-mail, then upload.

Many workshops start before anyone logs in. The workbook carries everything needed to
answer (each level's description next to the question) and to come back safely: a level
dropdown fed from a hidden ``Lists`` sheet through a defined name (Excel caps inline
lists), and a hidden, protected ``_meta`` sheet naming the rubric by hash and the question
on every row, so :mod:`groundwork.excel.imports` matches rows by id, never by position.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from groundwork.excel.common import (
    FORMAT_VERSION,
    LISTS_SHEET,
    Sheet,
    accent_colour,
    add_meta,
    fit_row,
    print_setup,
)
from groundwork.excel.writer import collector_paused, to_bytes
from groundwork.rubric import Question, Rubric
from groundwork.scoring import Answer, answer_text, carry_answers

KIND = "questionnaire"
SHEET = "Questionnaire"
LEVEL_LIST = "GW_Levels"
CONFIDENCE_LIST = "GW_Confidence"
NA_CHOICE, UNKNOWN_CHOICE = "N/A", "Don't know"
# The columns an import reads, found by these header names (not by position).
ID_HEADER, ANSWER_HEADER = "Question ID", "Your answer"
CONFIDENCE_HEADER, EVIDENCE_HEADER, NOTES_HEADER = "Confidence (1-5)", "Evidence", "Notes"
ANSWER_FILL = PatternFill("solid", fgColor="FFF8E1")


def level_text(q: Question, level: int) -> str:
    """A level's description, after the question's own answer wording when it has one."""
    own = q.labels.get(level, "")
    described = q.levels.get(level, "")
    return f"{own}: {described}" if own and described else own or described


def level_cell(q: Question, level: int) -> str:
    """A level's description (see :func:`level_text`), with what an assessor looks at and
    the metric behind it."""
    parts = [level_text(q, level)]
    if level in q.evidence:
        parts.append(f"Look at: {q.evidence[level]}")
    if level in q.metrics:
        parts.append(f"Metric: {q.metrics[level]}")
    return "\n\n".join(p for p in parts if p)


@collector_paused
def questionnaire_workbook(
    rubric: Rubric,
    answers: Mapping[str, Answer] | None = None,
    *,
    organisation: str = "",
    scope: str = "",
    scope_id: int | None = None,
    accent: str | None = None,
) -> bytes:
    """A questionnaire (.xlsx bytes) for ``rubric``, optionally pre-filled with answers.

    ``scope_id`` is recorded so that an import into another system can be caught.
    """
    given = carry_answers(rubric, answers or {})
    colour = accent_colour(accent)
    wb = Workbook()
    intro = Sheet(wb.active, colour)
    intro.ws.title = "Instructions"
    sheet = Sheet(wb.create_sheet(SHEET), colour)
    _instructions(intro, rubric, organisation, scope)

    headers: list[tuple[str, float]] = [(ID_HEADER, 11), ("Dimension", 18), ("Question", 46)]
    headers += [(f"{s.level} {s.label}", 30) for s in rubric.scale]
    headers += [
        (ANSWER_HEADER, 12),
        (CONFIDENCE_HEADER, 12),
        (EVIDENCE_HEADER, 36),
        (NOTES_HEADER, 36),
    ]
    rows = []
    for d in rubric.dimensions:
        for q in d.questions:
            a = given.get(q.id)
            rows.append(
                [
                    q.id,
                    d.title,
                    q.text + (f"\n\nWhy it matters: {q.why}" if q.why else ""),
                    *(level_cell(q, s.level) for s in rubric.scale),
                    _choice(q, a.value) if a else None,
                    a.confidence if a else None,
                    a.evidence if a else "",
                    a.notes if a else "",
                ]
            )
    n_levels = len(rubric.scale)
    answer_col = 4 + n_levels
    wrap = set(range(2, answer_col)) | {answer_col + 2, answer_col + 3}
    answer_fills = {c: ANSWER_FILL for c in range(answer_col, answer_col + 4)}
    first, last = sheet.table(1, headers, rows, wrap=wrap, fills=answer_fills)
    sheet.ws.freeze_panes = "D2"

    lists = wb.create_sheet(LISTS_SHEET)
    choices: list[int | str] = [*rubric.levels, NA_CHOICE, UNKNOWN_CHOICE]
    for i, choice in enumerate(choices, start=1):
        lists.cell(i, 1, choice)
    for i in range(1, 6):
        lists.cell(i, 2, i)
    lists.sheet_state = "hidden"
    lists.protection.sheet = True
    wb.defined_names[LEVEL_LIST] = DefinedName(
        LEVEL_LIST, attr_text=f"'{LISTS_SHEET}'!$A$1:$A${len(choices)}"
    )
    wb.defined_names[CONFIDENCE_LIST] = DefinedName(
        CONFIDENCE_LIST, attr_text=f"'{LISTS_SHEET}'!$B$1:$B$5"
    )
    span = f"{rubric.min_level}-{rubric.max_level}"
    own_lists = _own_answer_lists(wb, lists, rubric)
    rows_of: dict[str, list[int]] = {}
    for r, row in enumerate(rows, start=first):
        rows_of.setdefault(own_lists.get(row[0], LEVEL_LIST), []).append(r)
    validations = [
        (answer_col, name, "Answer", f"Choose a level {span}, N/A or Don't know", rows_)
        for name, rows_ in rows_of.items()
    ] + [
        (
            answer_col + 1,
            CONFIDENCE_LIST,
            "Confidence",
            "Choose 1 (a guess) to 5 (certain)",
            list(range(first, max(last, first) + 1)),
        )
    ]
    for col, name, title, message, at in validations:
        letter = get_column_letter(col)
        dv = DataValidation(
            type="list",
            formula1=name,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=title,
            error=message,
            promptTitle=title,
            prompt=message,
            showInputMessage=True,
        )
        for top, bottom in _runs(at):
            dv.add(f"{letter}{top}:{letter}{bottom}")
        sheet.ws.add_data_validation(dv)

    title = f"{rubric.title} {rubric.version}" + (f": {scope}" if scope else "")
    print_setup(intro.ws, organisation, title)
    print_setup(sheet.ws, organisation, title)
    add_meta(
        wb,
        {
            "kind": KIND,
            "format_version": FORMAT_VERSION,
            "rubric_id": rubric.id,
            "rubric_version": rubric.version,
            "rubric_sha256": rubric.sha256,
            "sheet": SHEET,
            "scope_id": scope_id,
            "scope": scope,
            "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
        [["row", "question_id"]] + [[r, row[0]] for r, row in enumerate(rows, start=first)],
    )
    wb.active = 0
    return to_bytes(wb)


def _how_scored(rubric: Rubric) -> str:
    policy = rubric.scoring
    if policy == type(policy)() and not rubric.has_values and not rubric.parents:
        return (
            "A dimension's score is the weighted mean of its answered levels; N/A and "
            '"Don\'t know" are left out of every average. One unmet floor blocks a stage '
            "however good the average looks."
        )
    values = ", ".join(f"{s.level} = {rubric.value(s.level):g}" for s in rubric.scale)
    unanswered = (
        "A question left blank (or Don't know) counts at the lowest level"
        if policy.unanswered == "lowest"
        else "A question left blank (or Don't know) is left out of every score"
    )
    return (
        f"Each answer counts for its value ({values}). {unanswered}; N/A is left out. "
        f"Groups combine their answers by {policy.groups}, dimensions their groups by "
        f"{policy.dimensions.replace('-', ' ')}"
        + (f", and each part its dimensions by {policy.parents}." if rubric.parents else ".")
    )


def _choice(q: Question, value: int | str) -> int | str | None:
    """A pre-filled answer as the dropdown offers it: "2 · Yes, for half" for a question
    with its own answer wording, else the level, N/A or Don't know."""
    if isinstance(value, int) and value in q.labels:
        return f"{value} · {q.labels[value]}"
    return answer_text(value)


def _own_answer_lists(wb: Workbook, lists, rubric: Rubric) -> dict[str, str]:  # noqa: ANN001
    """For questions with their own answer wording, one dropdown list per distinct
    wording ("0 · No", "1 · Yes, for some"..., N/A, Don't know) in the hidden Lists
    sheet, from its third column on; question id -> the list's defined name."""
    names: dict[tuple[str, ...], str] = {}
    out: dict[str, str] = {}
    for q in rubric.questions:
        if not q.labels:
            continue
        options = tuple(
            f"{s.level} · {q.labels[s.level]}" if s.level in q.labels else str(s.level)
            for s in rubric.scale
        )
        if options not in names:
            col = 3 + len(names)
            for i, choice in enumerate([*options, NA_CHOICE, UNKNOWN_CHOICE], start=1):
                lists.cell(i, col, choice)
            name = f"{LEVEL_LIST}_{len(names) + 1}"
            letter = get_column_letter(col)
            wb.defined_names[name] = DefinedName(
                name, attr_text=f"'{LISTS_SHEET}'!${letter}$1:${letter}${len(options) + 2}"
            )
            names[options] = name
        out[q.id] = names[options]
    return out


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Consecutive row numbers as (first, last) ranges."""
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and runs[-1][1] == r - 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    return runs


def _instructions(sheet: Sheet, rubric: Rubric, organisation: str, scope: str) -> None:
    ws = sheet.ws
    ws.column_dimensions["A"].width = 110
    ws.sheet_view.showGridLines = False
    heading = sheet.cell(1, 1, rubric.title)
    heading.font = Font(bold=True, size=16, color=sheet.accent)
    lines: list[tuple[str, bool]] = []
    if organisation or scope:
        where = (
            scope
            if scope.startswith(organisation)
            else " / ".join(x for x in (organisation, scope) if x)
        )
        lines.append((where, True))
    lines += [
        (f"Rubric {rubric.id}, version {rubric.version}", False),
        ("", False),
        ("How to fill in this questionnaire", True),
        (
            f"1. Go to the '{SHEET}' sheet. Each row is one question; the columns to its right "
            "describe every level in concrete, observable terms.",
            False,
        ),
        (
            f"2. In '{ANSWER_HEADER}', pick the level that describes today, not the plan: a "
            f"level {rubric.min_level}-{rubric.max_level}, 'N/A' when the question does not "
            'apply, or "Don\'t know" when nobody can tell (it counts as a finding).',
            False,
        ),
        (
            f"3. Optionally add '{CONFIDENCE_HEADER}' (1 a guess, 5 certain), evidence "
            "(documents, links, dashboards) and notes.",
            False,
        ),
        ("4. Leave a row blank to skip that question. Save as .xlsx (not .xlsm or .csv).", False),
        (
            "5. Do not rename the sheets, change the question IDs or enter formulas: the "
            "upload checks every cell and refuses the whole file if anything is off, naming "
            "the sheet, row and column to fix.",
            False,
        ),
        ("", False),
        ("The scale", True),
    ]
    lines += [(f"{s.level} {s.label}: {s.meaning}", False) for s in rubric.scale]
    lines += [("", False), ("How the answers are scored", True), (_how_scored(rubric), False)]
    for r, (text, bold) in enumerate(lines, start=3):
        c = sheet.cell(r, 1, text, wrap=True)
        fit_row(ws, r, [110], {1})
        if bold:
            c.font = Font(bold=True)
