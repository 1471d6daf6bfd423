"""Workbooks back in: the questionnaire round-trip, roadmap re-import, and a corpus of bad
files that are each refused with a located message and leave the database untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
import zipfile

import pytest
from openpyxl import load_workbook

from groundwork import demo
from groundwork.excel import (
    MAX_BYTES,
    WorkbookError,
    apply_roadmap,
    export_workbook,
    import_questionnaire,
    preview_questionnaire,
    preview_roadmap,
    questionnaire_workbook,
    read_questionnaire,
)
from groundwork.safe import write_cell
from groundwork.scoring import NA, UNKNOWN, Answer
from groundwork.store import open_store

SCOPE = "Claims triage assistant"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    return demo.reset(tmp_path_factory.mktemp("demo") / "groundwork.db")


@pytest.fixture
def db_path(demo_template, tmp_path, monkeypatch):
    path = tmp_path / "groundwork.db"
    shutil.copy(demo_template, path)
    monkeypatch.setenv("GROUNDWORK_DB", str(path))
    return path


@pytest.fixture
def store(db_path):
    with open_store(db_path) as s:
        yield s


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _scope_id(store, name=SCOPE) -> int:
    return next(s.id for s in store.scopes() if s.name == name)


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def fill(data: bytes, answers: dict, *, reverse: bool = False, edit=None) -> bytes:
    """Fill a questionnaire as a person would: find each question's row by its ID."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Questionnaire"]
    headers = {c.value: c.column for c in ws[1]}
    if reverse:  # rows in another order: the import must match by id, not position
        rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
        for r, values in enumerate(reversed(rows), start=2):
            for c, value in enumerate(values, start=1):
                write_cell(ws, r, c, value)
    row_of = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    columns = ("Your answer", "Confidence (1-5)", "Evidence", "Notes")
    for qid, values in answers.items():
        for name, value in zip(columns, values, strict=False):
            write_cell(ws, row_of[qid], headers[name], value)
    if edit:
        edit(wb, ws, headers, row_of)
    return _save(wb)


TYPED = {
    "A-1": (2, 4, '=HYPERLINK("http://x","y")', "+1+1"),
    "A-2": ("N/A", None, "", "-2+3"),
    "B-1": ("Don't know", 1, "@SUM(A1)", "\tleading tab"),
}
EXPECTED = {
    "A-1": Answer(2, 4, '=HYPERLINK("http://x","y")', "+1+1"),
    "A-2": Answer(NA, None, "", "-2+3"),
    "B-1": Answer(UNKNOWN, 1, "@SUM(A1)", "\tleading tab"),
}


# ---------------------------------------------------------------------------------
# Questionnaire round-trip
# ---------------------------------------------------------------------------------


def test_questionnaire_round_trip_gives_exactly_the_typed_answers(store, tiny_rubric):
    filled = fill(questionnaire_workbook(tiny_rubric), TYPED, reverse=True)
    preview = preview_questionnaire(store, filled, rubric=tiny_rubric)
    assert preview.answers == EXPECTED and preview.skipped == []
    assert "3 answered" in preview.summary("trial", "low")
    scope_id = _scope_id(store)
    before = len(store.assessments(scope_id))
    aid = import_questionnaire(store, preview, scope_id, "trial", "low", who="tester")
    assert store.answers(aid) == EXPECTED
    assert len(store.assessments(scope_id)) == before + 1
    assert store.assessment(aid).rubric_sha256 == tiny_rubric.sha256
    assert any(e["action"] == "import" for e in store.audit_log("assessment", aid))


def test_prefilled_questionnaire_round_trips_a_stored_round(store):
    source = store.assessments(_scope_id(store))[-1]
    rubric = store.rubric(source.rubric_sha256)
    answers = store.answers(source.id)
    data = questionnaire_workbook(rubric, answers)
    preview = preview_questionnaire(store, data)  # rubric found by its hash
    assert preview.rubric.sha256 == rubric.sha256
    assert preview.answers == answers


def test_blank_rows_are_skipped_and_typographic_apostrophes_accepted(tiny_rubric):
    filled = fill(questionnaire_workbook(tiny_rubric), {"B-1": ("Don\u2019t know",)})
    preview = read_questionnaire(filled, tiny_rubric)
    assert preview.answers == {"B-1": Answer(UNKNOWN)}
    assert preview.skipped == ["A-1", "A-2"]


def test_unknown_rubric_is_named(store, tiny_rubric):
    filled = fill(questionnaire_workbook(tiny_rubric), TYPED)
    with pytest.raises(WorkbookError, match="tiny 0.3 .*does not have"):
        preview_questionnaire(store, filled)


# ---------------------------------------------------------------------------------
# Roadmap re-import
# ---------------------------------------------------------------------------------


def _roadmap_round(store):
    return store.assessments(_scope_id(store))[-1]


def _edit_roadmap(data: bytes, edit) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Roadmap"]
    headers = {c.value: c.column for c in ws[1]}
    edit(ws, headers)
    return _save(wb)


def test_roadmap_round_trip_diff_apply_and_audit(store):
    a = _roadmap_round(store)
    data = export_workbook(store, a.id)
    assert preview_roadmap(store, data).changes == []
    items = []

    def edit(ws, h):
        items.extend(ws.cell(r, h["Item ID"]).value for r in range(2, 6))
        write_cell(ws, 2, h["Owner"], "Ada Lovelace")
        write_cell(ws, 3, h["Status"], "done")
        ws.cell(4, h["Due"]).value = dt.datetime(2030, 1, 31)
        write_cell(ws, 5, h["Notes"], "=not a formula")

    edited = _edit_roadmap(data, edit)
    diff = preview_roadmap(store, edited)
    got = {(c.item_id, c.field, c.new) for c in diff.changes}
    assert got == {
        (items[0], "owner", "Ada Lovelace"),
        (items[1], "status", "done"),
        (items[2], "due", "2030-01-31"),
        (items[3], "notes", "=not a formula"),
    }
    assert "Ada Lovelace" in diff.summary()
    audit_before = len(store.audit_log())
    assert apply_roadmap(store, diff, who="pmo") == 4
    state = store.roadmap_state(a.scope_id)
    assert state[items[0]]["owner"] == "Ada Lovelace"
    assert state[items[1]]["status"] == "done"
    assert state[items[2]]["due"] == "2030-01-31"
    assert state[items[3]]["notes"] == "=not a formula"
    log = store.audit_log()[audit_before:]
    assert {(e["field"], e["new_value"], e["who"]) for e in log} == {
        (f"{items[0]}.owner", "Ada Lovelace", "pmo"),
        (f"{items[1]}.status", "done", "pmo"),
        (f"{items[2]}.due", "2030-01-31", "pmo"),
        (f"{items[3]}.notes", "=not a formula", "pmo"),
    }
    assert preview_roadmap(store, edited).changes == []  # applying twice changes nothing


def test_bad_roadmap_edits_are_all_named_and_nothing_changes(store, db_path):
    data = export_workbook(store, _roadmap_round(store).id)

    def edit(ws, h):
        write_cell(ws, 2, h["Status"], "finished")
        write_cell(ws, 3, h["Start"], "soon")
        write_cell(ws, 4, h["Item ID"], "NOPE@9")
        write_cell(ws, 5, h["Item ID"], ws.cell(2, h["Item ID"]).value)
        ws.cell(6, h["Owner"]).value = "=A1"

    edited = _edit_roadmap(data, edit)
    before = _sha(db_path)
    with pytest.raises(WorkbookError) as exc:
        preview_roadmap(store, edited)
    text = str(exc.value)
    assert "Roadmap!O2: status 'finished' is not one of" in text
    assert "Roadmap!M3: 'soon' is not a date" in text
    assert "Roadmap!C4: unknown roadmap item 'NOPE@9'" in text
    assert "Roadmap!C5: item" in text and "appears twice (also on row 2)" in text
    assert "Roadmap!L6: formulas are not accepted" in text
    assert _sha(db_path) == before


def test_import_command_applies_roadmap_edits(store, run_cli, tmp_path):
    data = export_workbook(store, _roadmap_round(store).id)
    edited = _edit_roadmap(data, lambda ws, h: write_cell(ws, 2, h["Owner"], "Grace Hopper"))
    path = tmp_path / "roadmap.xlsx"
    path.write_bytes(edited)
    code, out, err = run_cli("import", path)
    assert code == 0 and "Nothing written" in out and "Grace Hopper" in out
    code, out, err = run_cli("import", path, "--yes", "--who", "cli")
    assert code == 0 and "Applied 1 change" in out, err
    assert any(e["new_value"] == "Grace Hopper" for e in store.audit_log())


# ---------------------------------------------------------------------------------
# A corpus of bad workbooks: each refused with a clear, located message; db untouched
# ---------------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buf.getvalue()


def _with_member(data: bytes, name: str, content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    members[name] = content
    return _zip(members)


def _corpus(tiny, default) -> dict[str, tuple[str, bytes, str]]:
    """name -> (file name, bytes, a message the error must contain)."""
    blank = questionnaire_workbook(tiny)
    good = fill(blank, TYPED)

    def cell(qid, column, value):
        def edit(wb, ws, h, row_of):
            ws.cell(row_of[qid], h[column]).value = value  # raw: "=..." becomes a formula

        return fill(blank, TYPED, edit=edit)

    def drop_meta(wb, ws, h, row_of):
        del wb["_meta"]

    content_types = b'<?xml version="1.0"?><Types xmlns="x"></Types>'
    return {
        "wrong file type": ("answers.csv", b"question,answer\nA-1,2\n", "only .xlsx"),
        "xlsm by name": ("filled.xlsm", good, "(.xlsm) are not accepted"),
        "xlsm by content": (
            "filled.xlsx",
            _with_member(good, "xl/vbaProject.bin", b"\x00macro"),
            "contains macros",
        ),
        "formula in a level cell": (
            "filled.xlsx",
            cell("A-1", "Your answer", "=1+2"),
            "Questionnaire!H2: formulas are not accepted",
        ),
        "unknown question id": (
            "filled.xlsx",
            cell("A-2", "Question ID", "NOPE-1"),
            "Questionnaire!A3: unknown question id 'NOPE-1'",
        ),
        "level 7": (
            "filled.xlsx",
            cell("A-1", "Your answer", 7),
            "Questionnaire!H2: A-1: '7' is not a level on the scale 0-3",
        ),
        "duplicate rows": (
            "filled.xlsx",
            cell("A-2", "Question ID", "A-1"),
            "Questionnaire!A3: question A-1 appears twice (also on row 2)",
        ),
        "confidence off the scale": (
            "filled.xlsx",
            cell("B-1", "Confidence (1-5)", 9),
            "Questionnaire!I4: B-1: confidence '9' is not a whole number from 1 to 5",
        ),
        "missing meta sheet": ("filled.xlsx", fill(blank, TYPED, edit=drop_meta), "no '_meta'"),
        "another rubric's file": (
            "filled.xlsx",
            questionnaire_workbook(default, {"MON-1": Answer(3)}),
            "this questionnaire is for rubric genai-production 2.0.0",
        ),
        "nothing answered": ("filled.xlsx", blank, "no question is answered"),
        "empty file": ("filled.xlsx", b"", "the file is empty"),
        "oversized file": (
            "filled.xlsx",
            b"PK" + b"\x00" * MAX_BYTES,
            "over the limit of 5,242,880 bytes (5 MB)",
        ),
        "zip bomb (size)": (
            "filled.xlsx",
            _zip({"[Content_Types].xml": content_types, "xl/a.xml": b"\x00" * 60_000_000}),
            "zip bomb",
        ),
        "zip bomb (ratio)": (
            "filled.xlsx",
            _zip({"[Content_Types].xml": content_types, "xl/a.xml": b" " * 8_000_000}),
            "zip bomb",
        ),
        "renamed non-zip": ("filled.xlsx", b"%PDF-1.7 this is not a workbook", "not a zip"),
        "zip but not a workbook": ("filled.xlsx", _zip({"hello.txt": b"hi"}), "Content_Types"),
    }


@pytest.fixture(scope="module")
def corpus(tiny_rubric, default_rubric):
    return _corpus(tiny_rubric, default_rubric)


def test_the_corpus_is_big_enough(corpus):
    assert len(corpus) >= 12


@pytest.mark.parametrize(
    "case",
    [
        "wrong file type",
        "xlsm by name",
        "xlsm by content",
        "formula in a level cell",
        "unknown question id",
        "level 7",
        "duplicate rows",
        "confidence off the scale",
        "missing meta sheet",
        "another rubric's file",
        "nothing answered",
        "empty file",
        "oversized file",
        "zip bomb (size)",
        "zip bomb (ratio)",
        "renamed non-zip",
        "zip but not a workbook",
    ],
)
def test_bad_workbook_is_refused_and_the_database_is_unchanged(
    case, corpus, db_path, run_cli, tmp_path, tiny_path
):
    name, data, message = corpus[case]
    path = tmp_path / name
    path.write_bytes(data)
    before = _sha(db_path)
    code, out, err = run_cli(
        "import", path, "--scope", SCOPE, "--rubric", tiny_path, "--stage", "trial",
        "--tier", "low", "--yes",
    )  # fmt: skip
    assert code == 1, out
    assert "refused, nothing was imported" in err
    assert message in err, err
    assert "Imported" not in out
    assert _sha(db_path) == before


def test_every_problem_is_listed_at_once(tiny_rubric):
    def edit(wb, ws, h, row_of):
        write_cell(ws, row_of["A-1"], h["Your answer"], 7)
        write_cell(ws, row_of["A-2"], h["Question ID"], "NOPE")
        ws.cell(row_of["B-1"], h["Notes"]).value = "=1"

    filled = fill(questionnaire_workbook(tiny_rubric), TYPED, edit=edit)
    with pytest.raises(WorkbookError) as exc:
        read_questionnaire(filled, tiny_rubric)
    assert [str(p).split(":")[0] for p in exc.value.problems] == [
        "Questionnaire!H2",
        "Questionnaire!A3",
        "Questionnaire!K4",
    ]


def test_good_file_through_the_command(db_path, run_cli, tmp_path, tiny_rubric, tiny_path):
    path = tmp_path / "filled.xlsx"
    path.write_bytes(fill(questionnaire_workbook(tiny_rubric), TYPED))
    before = _sha(db_path)
    args = ("import", path, "--scope", SCOPE, "--rubric", tiny_path, "--stage", "trial")
    code, out, err = run_cli(*args, "--tier", "low")
    assert code == 0 and "Nothing written" in out and "3 answered" in out, err
    assert _sha(db_path) == before
    code, out, err = run_cli(*args, "--tier", "low", "--yes")
    assert code == 0 and "Imported as assessment" in out, err
    aid = int(out.strip().rsplit(" ", 1)[1].rstrip("."))
    with open_store(db_path) as store:
        assert store.answers(aid) == EXPECTED


def test_a_roadmap_edit_made_after_the_export_is_flagged_and_reapplying_says_so(store):
    import io as _io

    from openpyxl import load_workbook as _load

    from groundwork import excel

    a = next(x for x in store.assessments() if x.final)
    data = excel.export_workbook(store, a.id)
    wb = _load(_io.BytesIO(data))
    ws = wb["Roadmap"]
    headers = [c.value for c in ws[1]]
    item = ws.cell(2, headers.index("Item ID") + 1).value
    ws.cell(2, headers.index("Owner") + 1).value = "From the workbook"
    buf = _io.BytesIO()
    wb.save(buf)
    edited = buf.getvalue()

    store.save_roadmap_item(a.scope_id, item, owner="Changed in the app")
    diff = excel.preview_roadmap(store, edited)
    [change] = diff.changes
    assert change.conflict and change.old == "Changed in the app"
    assert "changed in Groundwork since the export" in diff.summary()

    excel.apply_roadmap(store, diff)
    again = excel.preview_roadmap(store, edited)
    assert not again.changes and "already stored" in again.summary()


def test_a_sheet_that_claims_a_huge_size_is_read_as_what_it_holds(default_rubric):
    """18 kB that declares A1:XFD20000 must not be padded out to hundreds of millions of cells."""
    import io as _io
    import re
    import zipfile

    from groundwork.excel import WorkbookError, questionnaire_workbook, read_questionnaire

    source = zipfile.ZipFile(_io.BytesIO(questionnaire_workbook(default_rubric)))
    out = _io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(
                    r'<dimension ref="[^"]*" ?/>', '<dimension ref="A1:XFD20000"/>', body.decode()
                )
                cell = '<row r="20000"><c r="A20000" t="inlineStr"><is><t>x</t></is></c></row>'
                body = text.replace("</sheetData>", cell + "</sheetData>").encode()
            z.writestr(info, body)
    with pytest.raises(WorkbookError, match="no question is answered"):
        read_questionnaire(out.getvalue(), default_rubric, filename="q.xlsx")
