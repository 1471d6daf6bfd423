"""Uploaded workbooks back in: a filled questionnaire becomes a round, an edited roadmap
workbook becomes owner/date/status changes. Both are untrusted files.

Order of defence, all before anything is written:

1. the package: ``.xlsx`` by name and by content (a zip with ``[Content_Types].xml`` and
   no macros), at most :data:`MAX_BYTES`, and no zip bomb (uncompressed total and ratio
   checked from the zip directory before openpyxl opens anything);
   no part over :data:`MAX_PART_BYTES` and at most :data:`MAX_SHARED_STRINGS` shared
   strings, counted in the raw part, since openpyxl parses the whole table up front;
2. the cells: read in openpyxl's read-only mode (defusedxml installed, so no XML bombs),
   and only the sheets this kind of workbook has (``_meta`` and its one data sheet), never
   every sheet in the file; at most :data:`MAX_CELL_CHARS` characters in a cell,
   :data:`MAX_TOTAL_CHARS` in all and :data:`MAX_CELLS` filled cells; any formula cell is
   refused;
3. the content: the hidden ``_meta`` sheet must name this rubric by hash; rows are matched
   by question or item id, never by position; every value is validated.

Every problem is collected and raised together as a :class:`WorkbookError`, each naming
its sheet, row and column; a preview object is returned only for a clean file, and only
the ``import_``/``apply_`` functions write, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from groundwork.answers import parse_value
from groundwork.excel import export as roadmap_book
from groundwork.excel import questionnaire as qbook
from groundwork.excel.common import FORMAT_VERSION, META_SHEET, WorkbookError, WorkbookProblem
from groundwork.limits import MAX_TEXT, text_problem
from groundwork.reports import roadmap_view
from groundwork.rubric import RUBRICS_DIR, Rubric, RubricError, load_rubric
from groundwork.scoring import Answer, answer_text, score
from groundwork.store import ROADMAP_STATUSES, Store, StoreError
from groundwork.words import count

MAX_BYTES = 5 * 1024 * 1024  # compressed upload
MAX_UNCOMPRESSED = 50 * 1024 * 1024  # all members together
MAX_RATIO = 100  # per member larger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 2000
MAX_PART_BYTES = 10 * 1024 * 1024  # any one member, uncompressed
MAX_SHARED_STRINGS = 20_000  # entries in the shared-string table (ours hold a few hundred)
MAX_ROWS = 20_000  # per sheet
MAX_COLUMNS = 64  # per sheet; our widest sheet has 16
MAX_CELLS = 100_000  # filled cells in the sheets read
MAX_CELL_CHARS = 32_767  # characters in one cell: Excel's own limit
MAX_TOTAL_CHARS = 2_000_000  # characters in all the cells read, each use of a string counted
MAX_PROBLEMS = 200  # problems listed before reading stops
SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

FILE = ""  # the sheet name of a problem with the file as a whole


def _file_problem(message: str) -> WorkbookProblem:
    return WorkbookProblem(FILE, 0, 0, message)


def check_package(data: bytes, filename: str | None = None) -> list[WorkbookProblem]:
    """Problems with the file itself, found without parsing any XML."""
    name = filename or "upload.xlsx"
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsm":
        return [_file_problem(f"{name}: macro-enabled workbooks (.xlsm) are not accepted")]
    if suffix != ".xlsx":
        return [_file_problem(f"{name}: only .xlsx workbooks are accepted, not '{suffix or name}'")]
    if not data:
        return [_file_problem(f"{name}: the file is empty")]
    if len(data) > MAX_BYTES:
        return [
            _file_problem(
                f"{name}: the file is {len(data):,} bytes, over the limit of "
                f"{MAX_BYTES:,} bytes ({MAX_BYTES // 1024 // 1024} MB)"
            )
        ]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return [_file_problem(f"{name}: not an .xlsx workbook (the content is not a zip package)")]
    with archive:
        infos = archive.infolist()
        names = {i.filename for i in infos}
        if len(infos) > MAX_MEMBERS:
            return [_file_problem(f"{name}: too many parts in the package ({len(infos)})")]
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED:
            return [
                _file_problem(
                    f"{name}: unpacks to {total / 1024 / 1024:.0f} MB, over the limit of "
                    f"{MAX_UNCOMPRESSED // 1024 // 1024} MB (a zip bomb?)"
                )
            ]
        for i in infos:
            if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                return [
                    _file_problem(
                        f"{name}: part {i.filename} is compressed "
                        f"{i.file_size // max(i.compress_size, 1)}:1, over the limit of "
                        f"{MAX_RATIO}:1 (a zip bomb?)"
                    )
                ]
        for i in infos:
            if i.file_size > MAX_PART_BYTES:
                return [
                    _file_problem(
                        f"{name}: part {i.filename} unpacks to {i.file_size / 1024 / 1024:.0f} MB, "
                        f"over the limit of {MAX_PART_BYTES // 1024 // 1024} MB for one part"
                    )
                ]
        if "[Content_Types].xml" not in names:
            return [_file_problem(f"{name}: not an .xlsx workbook (no [Content_Types].xml)")]
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            return [_file_problem(f"{name}: the workbook contains macros (vbaProject.bin)")]
        try:
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
            return [_file_problem(f"{name}: the package is damaged: {exc}")]
        if "macroEnabled" in types:
            return [_file_problem(f"{name}: the workbook is macro-enabled (.xlsm content)")]
        if XLSX_MAIN not in types:
            return [_file_problem(f"{name}: not an Excel workbook (.xlsx) package")]
        for part in _shared_string_parts(types, names):
            if _count_entries(archive, part) > MAX_SHARED_STRINGS:
                return [
                    _file_problem(
                        f"{name}: the shared-string table {part} has more than "
                        f"{MAX_SHARED_STRINGS:,} entries"
                    )
                ]
    return []


_OVERRIDE = re.compile(r"<(?:[\w.-]{1,16}:)?Override\b[^>]*>")
_PART_NAME = re.compile(r"PartName\s*=\s*[\"']/?([^\"']+)[\"']")
_SI = re.compile(rb"<(?:[\w.-]{1,16}:)?si[\s/>]")


def _shared_string_parts(types: str, names: set[str]) -> list[str]:
    """The members holding shared strings, found as openpyxl finds them (by content type)."""
    parts = {"xl/sharedStrings.xml"}
    for override in _OVERRIDE.findall(types):
        found = _PART_NAME.search(override)
        if SHARED_STRINGS in override and found:
            parts.add(found[1])
    return sorted(p for p in parts if p in names)


def _count_entries(archive: zipfile.ZipFile, part: str) -> int:
    """The ``<si>`` entries of a shared-string part, streamed; stops once over the limit."""
    count, tail = 0, b""
    with archive.open(part) as src:
        while chunk := src.read(1 << 20):
            block = tail + chunk
            keep = max(len(block) - 32, 0)  # a tag cut by the chunk boundary is counted next
            count += sum(1 for m in _SI.finditer(block) if m.start() < keep)
            tail = block[keep:]
            if count > MAX_SHARED_STRINGS:
                return count
    return count + len(_SI.findall(tail))


# ---------------------------------------------------------------------------------
# Reading cells
# ---------------------------------------------------------------------------------


@dataclass
class _Sheet:
    name: str
    rows: list[list[Any]]  # values, row 1 first; formulas never reach here
    headers: dict[str, int] = field(default_factory=dict)  # header text -> column (1-based)
    refused: set[int] = field(default_factory=set)  # rows with a formula or error cell

    def data_rows(self) -> range:
        """Rows below the header; rows already refused for a formula are not re-checked."""
        return range(2, len(self.rows) + 1)

    def value(self, row: int, column: int) -> Any:
        cells = self.rows[row - 1] if 0 < row <= len(self.rows) else []
        return cells[column - 1] if 0 < column <= len(cells) else None


@dataclass
class _Book:
    sheets: dict[str, _Sheet]
    meta: dict[str, Any]
    meta_rows: list[list[Any]]


class _UnsizedSheet(ReadOnlyWorksheet):
    """A read-only sheet that does not parse itself to learn its size: the declared size is
    never trusted (see :func:`_open`), and sizing one with no ``<dimension>`` reads it all."""

    def _get_size(self) -> None:
        pass


class _KnownSheetsReader(ExcelReader):
    """openpyxl's read-only reader, made to set up only the sheets asked for.

    ``load_workbook`` sets up every sheet, and a sheet with no ``<dimension>`` is parsed in
    full just to size it, so dozens of hidden sheets cost minutes before a cell is read.
    This reads the manifest, shared strings, workbook and styles (for date formats) and
    then only ``wanted``; document properties, theme and defined names are not needed.
    """

    def __init__(self, data: bytes, wanted: tuple[str, ...]):
        super().__init__(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        self.wanted = wanted

    def read(self) -> None:
        self.read_manifest()
        self.read_strings()
        self.read_workbook()
        apply_stylesheet(self.archive, self.wb)
        self.read_worksheets()

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if sheet.name not in self.wanted or rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                continue
            ws = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            ws.sheet_state = sheet.state
            self.wb._sheets.append(ws)


class _Budget:
    """What the cells read so far have cost: too much, and reading stops at once."""

    def __init__(self) -> None:
        self.cells = 0
        self.chars = 0

    def spend(self, sheet: str, row: int, column: int, value: Any) -> WorkbookProblem | None:
        """A problem for this cell (too long), or None; WorkbookError once over budget."""
        if value is None:
            return None
        self.cells += 1
        if self.cells > MAX_CELLS:
            raise WorkbookError(
                [_file_problem(f"more than {MAX_CELLS:,} filled cells: this is not our workbook")]
            )
        if not isinstance(value, str):
            return None
        self.chars += len(value)
        if self.chars > MAX_TOTAL_CHARS:
            raise WorkbookError(
                [
                    WorkbookProblem(
                        sheet,
                        row,
                        column,
                        f"the cells hold more than {MAX_TOTAL_CHARS:,} characters of text "
                        "in all: nothing was imported",
                    )
                ]
            )
        if len(value) > MAX_CELL_CHARS:
            return WorkbookProblem(
                sheet,
                row,
                column,
                f"the cell holds {len(value):,} characters, over Excel's limit of "
                f"{MAX_CELL_CHARS:,}",
            )
        return None


def _open(
    data: bytes, filename: str | None, sheets: tuple[str, ...] = ()
) -> tuple[_Book, list[WorkbookProblem]]:
    """The values of the meta sheet and ``sheets`` (no other sheet is even opened), and a
    problem for every formula, error or overlong cell."""
    problems = check_package(data, filename)
    if problems:
        raise WorkbookError(problems)
    wanted = (META_SHEET, *sheets)
    try:
        reader = _KnownSheetsReader(data, wanted)
        reader.read()
        wb = reader.wb
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise WorkbookError([_file_problem(f"cannot read the workbook: {exc}")]) from None
    found: dict[str, _Sheet] = {}
    budget = _Budget()
    try:
        for ws in wb.worksheets:
            if ws.title in found:
                continue
            rows: list[list[Any]] = []
            refused: set[int] = set()
            # The sheet's declared size is the file's claim, not a fact: a tiny file that
            # claims A1:XFD20000 would otherwise be padded out to billions of empty cells.
            ws.reset_dimensions()
            for r, cells in enumerate(ws.iter_rows(max_col=MAX_COLUMNS), start=1):
                if r > MAX_ROWS:
                    problems.append(WorkbookProblem(ws.title, r, 0, f"more than {MAX_ROWS} rows"))
                    break
                if len(problems) >= MAX_PROBLEMS:
                    problems.append(
                        WorkbookProblem(
                            ws.title, r, 0, f"over {MAX_PROBLEMS} problems: reading stopped here"
                        )
                    )
                    break
                values = []
                for c, cell in enumerate(cells, start=1):
                    kind = getattr(cell, "data_type", None)
                    value = getattr(cell, "value", None)
                    too_long = budget.spend(ws.title, r, c, value)
                    if kind in ("f", "e") or too_long:
                        refused.add(r)
                    if too_long:
                        problems.append(too_long)
                        values.append(None)
                    elif kind == "f":
                        problems.append(
                            WorkbookProblem(
                                ws.title, r, c, "formulas are not accepted: type the value itself"
                            )
                        )
                        values.append(None)
                    elif kind == "e":
                        problems.append(WorkbookProblem(ws.title, r, c, f"error value {value!r}"))
                        values.append(None)
                    else:
                        values.append(value)
                rows.append(values)
            found[ws.title] = _Sheet(ws.title, rows, refused=refused)
    except WorkbookError:
        raise
    except Exception as exc:
        raise WorkbookError([_file_problem(f"cannot read the workbook: {exc}")]) from None
    finally:
        wb.close()
    meta: dict[str, Any] = {}
    meta_rows: list[list[Any]] = []
    if META_SHEET in found:
        in_table = False
        for row in found[META_SHEET].rows:
            if not any(v not in (None, "") for v in row):
                in_table = True
                continue
            if in_table:
                meta_rows.append(row)
            elif row and row[0] is not None:
                meta[str(row[0])] = row[1] if len(row) > 1 else None
    return _Book(found, meta, meta_rows), problems


def _headers(sheet: _Sheet, wanted: list[str]) -> list[WorkbookProblem]:
    first = sheet.rows[0] if sheet.rows else []
    sheet.headers = {str(v).strip(): c for c, v in enumerate(first, start=1) if v is not None}
    return [
        WorkbookProblem(sheet.name, 1, 0, f"missing the column '{h}' (do not rename headers)")
        for h in wanted
        if h not in sheet.headers
    ]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_meta(book: _Book, kind: str) -> list[WorkbookProblem]:
    """Problems that make the rest of the file meaningless: no meta sheet, wrong kind."""
    if META_SHEET not in book.sheets:
        return [
            _file_problem(
                f"no '{META_SHEET}' sheet: this is not a workbook exported by Groundwork "
                "(download a fresh one and copy the answers across)"
            )
        ]
    found = book.meta.get("kind")
    if found != kind:
        what = {"roadmap": "a roadmap workbook", "questionnaire": "a questionnaire"}
        where = {"roadmap": "the Roadmap page", "questionnaire": "the Assess page"}
        hint = f": upload it on {where[str(found)]}" if str(found) in where else ""
        return [
            _file_problem(
                f"this is {what.get(str(found), 'another kind of workbook')}, not {what[kind]}"
                + hint
            )
        ]
    if str(book.meta.get("format_version")) != FORMAT_VERSION:
        return [
            WorkbookProblem(
                META_SHEET,
                2,
                2,
                f"format version {book.meta.get('format_version')!r} is not supported "
                f"(expected {FORMAT_VERSION})",
            )
        ]
    return []


# ---------------------------------------------------------------------------------
# Questionnaire
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionnairePreview:
    """What a filled questionnaire would import: shown to the user before writing."""

    rubric: Rubric
    answers: dict[str, Answer]
    skipped: list[str]  # question ids left blank
    meta: dict[str, Any]

    @property
    def made_for(self) -> tuple[int | None, str]:
        """The scope id and path the questionnaire was made for, when the file says."""
        raw = self.meta.get("scope_id")
        try:
            scope_id = int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            scope_id = None
        return scope_id, str(self.meta.get("scope") or "")

    def rows(self) -> list[dict[str, Any]]:
        """One row per question, for a preview table."""
        out = []
        for q in self.rubric.questions:
            a = self.answers.get(q.id)
            out.append(
                {
                    "question": q.id,
                    "answer": answer_text(a.value) if a else None,
                    "confidence": a.confidence if a else None,
                    "evidence": a.evidence if a else "",
                    "notes": a.notes if a else "",
                }
            )
        return out

    def summary(self, stage: str | None = None, tier: str | None = None) -> str:
        r = self.rubric
        lines = [
            f"Questionnaire for {r.title} ({r.id} {r.version})",
            f"{len(self.answers)} answered, {len(self.skipped)} left blank "
            f"of {count(len(r.questions), 'question')}",
        ]
        if stage and tier:
            card = score(r, self.answers, stage, tier)
            verdict = "ready" if card.verdict.passed else "not ready"
            overall = "—" if card.score is None else f"{card.score:.2f}"
            lines.append(
                f"Overall {overall} for {stage} ({tier}): {verdict}, "
                f"{len(card.verdict.blockers)} blocker(s)"
            )
        return "\n".join(lines)


def _known_rubric(store: Store | None, sha: str) -> Rubric | None:
    """The rubric with this hash: stored with an assessment, or shipped in rubrics/."""
    if store is not None and any(r["sha256"] == sha for r in store.rubrics()):
        return store.rubric(sha)
    for path in sorted(RUBRICS_DIR.glob("*.yaml")):
        try:
            rubric = load_rubric(path)
        except RubricError:
            continue
        if rubric.sha256 == sha:
            return rubric
    return None


def read_questionnaire(
    data: bytes,
    rubric: Rubric | None = None,
    *,
    filename: str | None = "questionnaire.xlsx",
    store: Store | None = None,
) -> QuestionnairePreview:
    """Validate a filled questionnaire and return its answers; writes nothing.

    With ``rubric`` the file must be that rubric's questionnaire (same hash); without, the
    rubric is found by the hash in the file, among stored and shipped rubrics.
    """
    book, problems = _open(data, filename, (qbook.SHEET,))  # formulas: listed with the rest
    fatal = _check_meta(book, qbook.KIND)
    if fatal:
        raise WorkbookError(fatal + problems)
    sha = str(book.meta.get("rubric_sha256") or "")
    named = f"{book.meta.get('rubric_id')} {book.meta.get('rubric_version')}"
    if rubric is not None and sha != rubric.sha256:
        raise WorkbookError(
            [
                WorkbookProblem(
                    META_SHEET,
                    0,
                    0,
                    f"this questionnaire is for rubric {named} (sha256 {sha[:12]}…), not "
                    f"{rubric.id} {rubric.version} (sha256 {rubric.sha256[:12]}…): "
                    "download the questionnaire for this rubric",
                )
            ]
        )
    if rubric is None:
        rubric = _known_rubric(store, sha)
        if rubric is None:
            raise WorkbookError(
                [
                    WorkbookProblem(
                        META_SHEET,
                        0,
                        0,
                        f"this questionnaire is for rubric {named} (sha256 {sha[:12]}…), "
                        "which this installation does not have",
                    )
                ]
            )

    sheet_name = str(book.meta.get("sheet") or qbook.SHEET)
    sheet = book.sheets.get(sheet_name)
    if sheet is None:
        raise WorkbookError([_file_problem(f"no '{sheet_name}' sheet (do not rename sheets)")])
    wanted = [
        qbook.ID_HEADER,
        qbook.ANSWER_HEADER,
        qbook.CONFIDENCE_HEADER,
        qbook.EVIDENCE_HEADER,
        qbook.NOTES_HEADER,
    ]
    missing = _headers(sheet, wanted)
    if missing:
        raise WorkbookError(missing + problems)
    col = {h: sheet.headers[h] for h in wanted}
    known = {q.id for q in rubric.questions}
    for r, row in enumerate(book.meta_rows[1:], start=1):  # the per-row ids we wrote
        qid = row[1] if len(row) > 1 else None
        if qid is not None and str(qid) not in known:
            problems.append(
                WorkbookProblem(META_SHEET, 0, 0, f"lists unknown question id '{qid}' ({r})")
            )

    answers: dict[str, Answer] = {}
    first_row: dict[str, int] = {}
    for r in sheet.data_rows():
        if r in sheet.refused:
            continue
        qid_raw = sheet.value(r, col[qbook.ID_HEADER])
        raw = sheet.value(r, col[qbook.ANSWER_HEADER])
        conf = sheet.value(r, col[qbook.CONFIDENCE_HEADER])
        evidence = sheet.value(r, col[qbook.EVIDENCE_HEADER])
        notes = sheet.value(r, col[qbook.NOTES_HEADER])
        given = [v for v in (raw, conf, evidence, notes) if not _blank(v)]
        if _blank(qid_raw):
            if given:
                problems.append(
                    WorkbookProblem(
                        sheet.name, r, col[qbook.ID_HEADER], "an answer with no question ID"
                    )
                )
            continue
        qid = _text(qid_raw).strip()
        where = (sheet.name, r)
        if qid not in known:
            problems.append(
                WorkbookProblem(*where, col[qbook.ID_HEADER], f"unknown question id '{qid}'")
            )
            continue
        if qid in first_row:
            problems.append(
                WorkbookProblem(
                    *where,
                    col[qbook.ID_HEADER],
                    f"question {qid} appears twice (also on row {first_row[qid]})",
                )
            )
            continue
        first_row[qid] = r
        if _blank(raw):
            if given:
                problems.append(
                    WorkbookProblem(
                        *where,
                        col[qbook.ANSWER_HEADER],
                        f"{qid} has confidence, evidence or notes but no answer: choose a "
                        "level, N/A or Don't know",
                    )
                )
            continue
        ok = True
        try:
            value = parse_value(raw.replace("\u2019", "'") if isinstance(raw, str) else raw, rubric)
        except ValueError:
            problems.append(
                WorkbookProblem(
                    *where,
                    col[qbook.ANSWER_HEADER],
                    f"{qid}: {_text(raw)!r} is not a level on the scale "
                    f"{rubric.min_level}-{rubric.max_level}, N/A or Don't know",
                )
            )
            ok = False
        confidence = None
        if not _blank(conf):
            number = conf
            if isinstance(conf, str) and conf.strip().isdigit():
                number = int(conf.strip())
            if isinstance(number, float) and number.is_integer():
                number = int(number)
            if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 5:
                problems.append(
                    WorkbookProblem(
                        *where,
                        col[qbook.CONFIDENCE_HEADER],
                        f"{qid}: confidence {_text(conf)!r} is not a whole number from 1 to 5",
                    )
                )
                ok = False
            else:
                confidence = number
        texts = {"evidence": _text(evidence), "notes": _text(notes)}
        for what, header in (("evidence", qbook.EVIDENCE_HEADER), ("notes", qbook.NOTES_HEADER)):
            problem = text_problem(f"{qid} {what}", texts[what])
            if problem:
                problems.append(WorkbookProblem(*where, col[header], problem))
                ok = False
        if ok:
            answers[qid] = Answer(value, confidence, texts["evidence"], texts["notes"])
    if not problems and not answers:
        problems.append(
            WorkbookProblem(sheet.name, 0, col[qbook.ANSWER_HEADER], "no question is answered")
        )
    if problems:
        raise WorkbookError(problems)
    skipped = [q.id for q in rubric.questions if q.id not in answers]
    return QuestionnairePreview(rubric, answers, skipped, dict(book.meta))


def preview_questionnaire(
    store: Store,
    data: bytes,
    *,
    filename: str | None = "questionnaire.xlsx",
    rubric: Rubric | None = None,
) -> QuestionnairePreview:
    """Validate an uploaded questionnaire against the rubrics this installation knows."""
    return read_questionnaire(data, rubric, filename=filename, store=store)


def import_questionnaire(
    store: Store,
    preview: QuestionnairePreview,
    scope_id: int,
    stage: str,
    tier: str,
    *,
    who: str = "",
    label: str = "",
    final: bool = False,
) -> int:
    """Write a previewed questionnaire as a new round of ``scope_id``; returns its id."""
    rubric = preview.rubric
    return store.import_round(
        scope_id,
        rubric,
        stage,
        tier,
        preview.answers,
        who=who,
        label=label or f"Imported questionnaire {dt.date.today().isoformat()}",
        final=final,
    )


# ---------------------------------------------------------------------------------
# Roadmap re-import
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoadmapChange:
    item_id: str
    field: str
    old: str
    new: str
    exported: str = ""  # the value when the workbook was exported

    @property
    def conflict(self) -> bool:
        """Someone changed this field in Groundwork after the workbook was exported."""
        return self.old != self.exported


@dataclass(frozen=True)
class RoadmapDiff:
    """The owner/date/status/notes edits in an uploaded roadmap workbook."""

    assessment_id: int
    scope_id: int
    changes: list[RoadmapChange]
    edited: int = 0  # fields edited in the workbook, including ones already stored

    def by_item(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for c in self.changes:
            out.setdefault(c.item_id, {})[c.field] = c.new
        return out

    @property
    def conflicts(self) -> list[RoadmapChange]:
        return [c for c in self.changes if c.conflict]

    def summary(self) -> str:
        if not self.changes:
            if self.edited:
                return f"No changes: the {self.edited} edit(s) in this workbook are already stored."
            return "No changes: nothing was edited in this workbook since it was exported."
        lines = [f"{len(self.changes)} change(s) to {len(self.by_item())} roadmap item(s):"]
        lines += [
            f"  {c.item_id:<14} {c.field:<7} {c.old or '(empty)'!s} -> {c.new or '(empty)'!s}"
            + (
                f"   (changed in Groundwork since the export, which had {c.exported or '(empty)'})"
                if c.conflict
                else ""
            )
            for c in self.changes
        ]
        return "\n".join(lines)


def _cell_date(value: Any) -> str | None:
    """A cell as an ISO date, "" when blank; None when it is not a date."""
    if _blank(value):
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        return None


def preview_roadmap(
    store: Store, data: bytes, *, filename: str | None = "roadmap.xlsx"
) -> RoadmapDiff:
    """Validate an edited roadmap workbook; return the changes it would make. No writes."""
    book, problems = _open(data, filename, ("Roadmap",))  # formulas: listed with the rest
    fatal = _check_meta(book, roadmap_book.KIND)
    if fatal:
        raise WorkbookError(fatal + problems)
    try:
        aid, scope_id = int(book.meta["assessment_id"]), int(book.meta["scope_id"])
        assessment = store.assessment(aid)
    except (KeyError, TypeError, ValueError, StoreError):
        raise WorkbookError(
            [
                WorkbookProblem(
                    META_SHEET, 3, 2, "the assessment of this workbook is not stored here"
                )
            ]
        ) from None
    if assessment.scope_id != scope_id:
        raise WorkbookError([WorkbookProblem(META_SHEET, 4, 2, "scope id does not match")])
    if str(book.meta.get("rubric_sha256")) != assessment.rubric_sha256:
        raise WorkbookError(
            [
                WorkbookProblem(
                    META_SHEET, 7, 2, "this workbook's rubric is not the assessment's rubric"
                )
            ]
        )

    exported: dict[str, dict[str, str]] = {}
    header = book.meta_rows[0] if book.meta_rows else []
    for row in book.meta_rows[1:]:
        record = {str(h): _text(v) for h, v in zip(header, row, strict=False) if h}
        if record.get("item_id"):
            exported[record["item_id"]] = record

    sheet = book.sheets.get("Roadmap")
    if sheet is None:
        raise WorkbookError([_file_problem("no 'Roadmap' sheet (do not rename sheets)")])
    missing = _headers(sheet, ["Item ID", *roadmap_book.ROADMAP_EDITABLE])
    if missing:
        raise WorkbookError(missing + problems)
    known = {r["id"] for r in roadmap_view(store, aid).rows}
    stored = store.roadmap_state(scope_id)
    id_col = sheet.headers["Item ID"]
    seen: dict[str, int] = {}
    changes: list[RoadmapChange] = []
    edited = 0
    for r in sheet.data_rows():
        if r in sheet.refused:
            continue
        raw_id = sheet.value(r, id_col)
        values = {
            key: sheet.value(r, sheet.headers[h])
            for h, key in roadmap_book.ROADMAP_EDITABLE.items()
        }
        if _blank(raw_id):
            if any(not _blank(v) for v in values.values()):
                problems.append(WorkbookProblem(sheet.name, r, id_col, "a row with no item ID"))
            continue
        item = _text(raw_id).strip()
        if item not in known:
            problems.append(
                WorkbookProblem(sheet.name, r, id_col, f"unknown roadmap item '{item}'")
            )
            continue
        if item in seen:
            problems.append(
                WorkbookProblem(
                    sheet.name, r, id_col, f"item {item} appears twice (also on row {seen[item]})"
                )
            )
            continue
        seen[item] = r
        new: dict[str, str] = {}
        for header_name, key in roadmap_book.ROADMAP_EDITABLE.items():
            c = sheet.headers[header_name]
            value = values[key]
            if key in ("start", "due"):
                text = _cell_date(value)
                if text is None:
                    problems.append(
                        WorkbookProblem(
                            sheet.name, r, c, f"{_text(value)!r} is not a date (YYYY-MM-DD)"
                        )
                    )
                    continue
            elif key == "status":
                text = _text(value).strip().lower()
                if text and text not in ROADMAP_STATUSES:
                    problems.append(
                        WorkbookProblem(
                            sheet.name,
                            r,
                            c,
                            f"status {_text(value)!r} is not one of: {', '.join(ROADMAP_STATUSES)}",
                        )
                    )
                    continue
            elif key == "owner":
                text = _text(value).strip()
                if len(text) > 200:
                    problems.append(
                        WorkbookProblem(sheet.name, r, c, "owner is over 200 characters")
                    )
                    continue
            else:
                text = _text(value)
                if len(text) > MAX_TEXT:
                    problems.append(
                        WorkbookProblem(sheet.name, r, c, str(text_problem(f"{item} {key}", text)))
                    )
                    continue
            new[key] = text
        if new.get("start") and new.get("due") and new["due"] < new["start"]:
            problems.append(
                WorkbookProblem(
                    sheet.name, r, sheet.headers["Due"], "the due date is before the start date"
                )
            )
            continue
        before = exported.get(item, {})
        for key, text in new.items():
            if text == before.get(key, ""):
                continue  # not edited in the workbook
            edited += 1
            current = _text(stored.get(item, {}).get(key)) or before.get(key, "")
            if key == "status" and not text:
                problems.append(
                    WorkbookProblem(
                        sheet.name, r, sheet.headers["Status"], "status cannot be emptied"
                    )
                )
                continue
            if text != current:
                changes.append(RoadmapChange(item, key, current, text, before.get(key, "")))
    if problems:
        raise WorkbookError(problems)
    return RoadmapDiff(aid, scope_id, changes, edited)


def apply_roadmap(store: Store, diff: RoadmapDiff, who: str = "") -> int:
    """Write a previewed diff in one transaction (each field audited); returns the count."""
    store.save_roadmap_items(diff.scope_id, diff.by_item(), who=who)
    return len(diff.changes)


def workbook_kind(data: bytes, filename: str | None = "upload.xlsx") -> str:
    """ "questionnaire" or "roadmap", from the meta sheet; WorkbookError for a bad file."""
    book, _ = _open(data, filename)
    fatal = _check_meta(book, qbook.KIND)
    if fatal and META_SHEET not in book.sheets:
        raise WorkbookError(fatal)
    kind = str(book.meta.get("kind") or "")
    if kind not in (qbook.KIND, roadmap_book.KIND):
        raise WorkbookError([WorkbookProblem(META_SHEET, 1, 2, f"unknown workbook kind {kind!r}")])
    return kind


__all__ = [
    "MAX_BYTES",
    "QuestionnairePreview",
    "RoadmapChange",
    "RoadmapDiff",
    "apply_roadmap",
    "check_package",
    "import_questionnaire",
    "preview_questionnaire",
    "preview_roadmap",
    "read_questionnaire",
    "workbook_kind",
]
