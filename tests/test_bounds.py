"""Bounded work for any input: hostile workbooks, JSON documents, logos and long texts are
refused with a located message, in bounded time and memory, and the database is unchanged.

Every hostile file is built here by code; none is committed."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import struct
import tracemalloc
import zipfile
import zlib

import pytest
from openpyxl import load_workbook

from groundwork import interchange
from groundwork.answers import AnswersError, parse_answers
from groundwork.excel import WorkbookError, preview_questionnaire, questionnaire_workbook
from groundwork.excel import imports as xl
from groundwork.limits import MAX_LOGO_SIDE, MAX_TEXT
from groundwork.scoring import Answer
from groundwork.store import StoreError

SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture
def store(demo_store):
    return demo_store


def db_hash(store) -> str:
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return hashlib.sha256(store.path.read_bytes()).hexdigest()


def _rezip(data: bytes, change) -> bytes:
    """The package with ``change(name, body) -> body | None`` applied to every member, and
    the extra members ``change`` returns for the name ``None``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, change(info.filename, src.read(info.filename)))
        for name, body in (change(None, None) or {}).items():
            z.writestr(name, body)
    return out.getvalue()


def _filled(rubric, evidence: str = "MARK", notes: str = "MARK") -> bytes:
    """A questionnaire with every question answered (level 3), evidence and notes typed."""
    wb = load_workbook(io.BytesIO(questionnaire_workbook(rubric)))
    ws = wb["Questionnaire"]
    h = {c.value: c.column for c in ws[1]}
    for r in range(2, ws.max_row + 1):
        ws.cell(r, h["Your answer"]).value = 3
        ws.cell(r, h["Evidence"]).value = evidence
        ws.cell(r, h["Notes"]).value = notes
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _shared_strings(data: bytes, strings: list[str], mark: str = "MARK") -> bytes:
    """Every inline cell holding ``mark`` now points at shared string 0; ``strings`` become
    the package's shared-string table (openpyxl writes inline strings, Excel does not)."""
    inline = f't="inlineStr"><is><t>{mark}</t></is></c>'.encode()

    def change(name, body):
        if name is None:
            table = "".join(f"<si><t>{s}</t></si>" for s in strings)
            return {"xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">{table}</sst>'}
        if name.startswith("xl/worksheets/"):
            return body.replace(inline, b't="s"><v>0</v></c>')
        if name == "[Content_Types].xml":
            extra = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST}" /></Types>'
            return body.replace(b"</Types>", extra.encode())
        return body

    return _rezip(data, change)


def _letters(n: int, seed: int = 1) -> str:
    """``n`` pseudo-random letters: text that compresses only a few times over."""
    import random

    rnd = random.Random(seed)
    return "".join(rnd.choices("abcdefghijklmnopqrstuvwxyz ", k=n))


def _refused(store, data: bytes) -> WorkbookError:
    before = db_hash(store)
    with pytest.raises(WorkbookError) as caught:
        preview_questionnaire(store, data, filename="q.xlsx")
    assert db_hash(store) == before
    return caught.value


# ---------------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------------


def test_one_shared_string_used_by_every_cell_is_refused_in_bounded_memory(store, default_rubric):
    """The reported attack: ~3 MB on disk, one 4 MB string behind every evidence and notes
    cell, which expanded to 224 million characters of stored text."""
    data = _shared_strings(_filled(default_rubric), [_letters(4_000_000)])
    assert len(data) < xl.MAX_BYTES
    tracemalloc.start()
    try:
        error = _refused(store, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "more than 2,000,000 characters of text in all" in str(error)
    assert re.match(r"Questionnaire![A-Z]+\d+: ", str(error))
    assert peak < 40 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_a_cell_over_excels_limit_is_named(store, default_rubric):
    data = _shared_strings(_filled(default_rubric, notes="short"), ["x" * 40_000])
    error = _refused(store, data)
    first = error.problems[0]
    assert (first.sheet, first.row) == ("Questionnaire", 2)
    assert "40,000 characters, over Excel's limit of 32,767" in first.message
    assert str(first).startswith("Questionnaire!") and re.match(
        r"Questionnaire![A-Z]+2: ", str(first)
    )


def test_evidence_over_the_text_limit_is_named_by_cell(store, default_rubric):
    long = "e" * (MAX_TEXT + 1)
    error = _refused(store, _filled(default_rubric, evidence=long, notes="ok"))
    evidence_col = next(p.column for p in error.problems)
    assert all(p.column == evidence_col for p in error.problems)
    assert "evidence: 10,001 characters, over the limit of 10,000" in str(error)
    assert str(error).startswith("Questionnaire!")
    # at the limit it imports
    ok = preview_questionnaire(
        store, _filled(default_rubric, evidence="e" * MAX_TEXT), filename="q.xlsx"
    )
    assert all(len(a.evidence) == MAX_TEXT for a in ok.answers.values())


def test_too_many_shared_strings_are_refused_before_openpyxl_parses_them(store, default_rubric):
    strings = [str(i) for i in range(xl.MAX_SHARED_STRINGS + 1)]
    error = _refused(store, _shared_strings(_filled(default_rubric), strings))
    assert "has more than 20,000 entries" in str(error)
    assert error.problems[0].sheet == ""  # a file-level message


def test_a_part_over_the_size_limit_is_refused(store, default_rubric):
    table = os.urandom(xl.MAX_PART_BYTES + 1).translate(bytes(b"acgt"[i % 4] for i in range(256)))

    def change(name, body):
        return {"xl/media/filler.bin": table} if name is None else body

    data = _rezip(_filled(default_rubric), change)
    assert len(data) < xl.MAX_BYTES
    error = _refused(store, data)
    assert "part xl/media/filler.bin unpacks to 10 MB, over the limit of 10 MB" in str(error)


def test_hidden_sheets_we_do_not_know_are_never_opened(store, default_rubric):
    """45 hidden extra sheets: before, each one was parsed at open (70 s of CPU for a file
    under the ratio limit). Here they are not even valid XML, so parsing one would fail."""
    wb = load_workbook(io.BytesIO(_filled(default_rubric)))
    for n in range(45):
        wb.create_sheet(f"hidden{n}").sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    names = {f"xl/worksheets/sheet{n}.xml" for n in range(5, 50)}

    def change(name, body):
        if name in names:
            return b"<worksheet><sheetData><row><c><v>1</v>" * 20_000  # broken, 800 kB
        return body

    data = _rezip(buf.getvalue(), change)
    preview = preview_questionnaire(store, data, filename="q.xlsx")
    assert len(preview.answers) == len(default_rubric.questions)


def test_too_many_filled_cells_are_refused(store, default_rubric):
    import random

    rnd = random.Random(3)
    cells = 50
    rows = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{_col(c)}{r}"><v>{rnd.randint(0, 10**6)}</v></c>' for c in range(cells))
        + "</row>"
        for r in range(100, 100 + xl.MAX_CELLS // cells + 2)
    )

    def change(name, body):
        if name == "xl/worksheets/sheet2.xml":
            return body.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
        return body

    error = _refused(store, _rezip(_filled(default_rubric), change))
    assert str(error).startswith("more than 100,000 filled cells")


def _col(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


# ---------------------------------------------------------------------------------
# Evidence and notes: one limit for the store, answers files and imports
# ---------------------------------------------------------------------------------


def test_the_store_refuses_long_evidence_and_notes(store, default_rubric):
    a = store.create_assessment(
        store.scopes(kind="system")[0].id, default_rubric, "pilot", "limited"
    )
    qid = default_rubric.questions[0].id
    before = db_hash(store)
    with pytest.raises(
        StoreError, match=f"{qid} evidence: 10,001 characters, over the limit of 10,000"
    ):
        store.save_answer(a, qid, Answer(3, evidence="x" * (MAX_TEXT + 1)))
    with pytest.raises(StoreError, match=f"{qid} notes: 10,001 characters"):
        store.update_answer(a, qid, value=2, notes="x" * (MAX_TEXT + 1))
    with pytest.raises(StoreError, match=f"{qid} notes: 10,001"):
        store.import_round(
            store.scopes(kind="system")[0].id,
            default_rubric,
            "pilot",
            "limited",
            {qid: Answer(3, notes="n" * (MAX_TEXT + 1))},
        )
    with pytest.raises(StoreError, match=f"{qid}@2 notes: 10,001"):
        store.save_roadmap_item(1, f"{qid}@2", notes="n" * (MAX_TEXT + 1))
    assert db_hash(store) == before
    assert store.save_answer(a, qid, Answer(3, evidence="x" * MAX_TEXT))


def test_an_answers_file_with_long_notes_is_refused(tiny_rubric):
    text = "answers:\n  A-1: {level: 2, notes: '" + "n" * (MAX_TEXT + 1) + "'}\n"
    with pytest.raises(AnswersError, match="answers: A-1: notes: 10,001 characters"):
        parse_answers(text, tiny_rubric, fmt="yaml")


# ---------------------------------------------------------------------------------
# JSON documents
# ---------------------------------------------------------------------------------


def _doc(store) -> dict:
    final = next(a for a in store.assessments() if a.final)
    return json.loads(interchange.export_json(store, final.id))


@pytest.mark.parametrize(
    "damage, message",
    [
        (
            lambda d: d["round"].update(created_at="0001-01-01T00:00:00+05:00"),
            re.escape("round.created_at: 0001-01-01T00:00:00+05:00 is out of range in UTC"),
        ),
        (
            lambda d: d["round"].update(finalised_at="9999-12-31T23:59:59-05:00"),
            re.escape("round.finalised_at: 9999-12-31T23:59:59-05:00 is out of range in UTC"),
        ),
        (
            lambda d: d["round"].update(finalised_at="2000-01-01T00:00:00Z"),
            re.escape("round.finalised_at: 2000-01-01T00:00:00+00:00 is before created_at"),
        ),
        (lambda d: d["answers"][3].update(answer=True), r"answers\[3\].answer: "),
        (lambda d: d["answers"][2].update(confidence=True), r"answers\[2\].confidence: "),
        (lambda d: d["answers"][1].update(answer=99), r"answers\[1\].answer: .*not a level"),
        (
            lambda d: d["answers"][0].update(evidence="x" * (MAX_TEXT + 1)),
            r"answers\[0\].evidence: String should have at most 10000 characters",
        ),
        (
            lambda d: d["roadmap"][0].update(start="2026-05-01", due="2026-04-01"),
            r"roadmap\[0\].due: 2026-04-01 is before the start date 2026-05-01",
        ),
        (
            lambda d: d["roadmap"][1].update(id="NOPE-1@3"),
            r"roadmap\[1\].id: unknown roadmap item 'NOPE-1@3'",
        ),
        (
            lambda d: d["roadmap"][0].update(notes="n" * (MAX_TEXT + 1)),
            r"roadmap\[0\].notes: String should have at most",
        ),
    ],
)
def test_a_hostile_document_is_refused_by_field_path_and_changes_nothing(store, damage, message):
    doc = _doc(store)
    damage(doc)
    scope = next(a for a in store.assessments() if a.final).scope_id
    before = db_hash(store)
    with pytest.raises(interchange.InterchangeError, match=message):
        interchange.import_json(store, json.dumps(doc), scope)
    assert db_hash(store) == before


def test_an_old_document_with_a_zone_and_no_finalised_time_still_imports(store):
    doc = _doc(store)
    doc["round"].update(created_at="2025-01-01T10:00:00+05:00", finalised_at=None)
    scope = next(a for a in store.assessments() if a.final).scope_id
    aid = interchange.import_json(store, json.dumps(doc), scope)
    assert store.assessment(aid).created_at == "2025-01-01T05:00:00+00:00"


# ---------------------------------------------------------------------------------
# Logo
# ---------------------------------------------------------------------------------


def _png(width: int, height: int) -> bytes:
    """A PNG header declaring ``width``×``height`` (a decompression bomb when huge)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "size, message",
    [
        ((100_000, 100_000), "the logo is over 4096×4096 pixels"),  # PIL's bomb error
        ((20_000, 20_000), "the logo is over 4096×4096 pixels"),  # PIL's bomb warning
        ((MAX_LOGO_SIDE + 1, 10), "the logo is 4097×10, over 4096×4096 pixels"),
    ],
)
def test_a_huge_pixel_logo_is_refused_before_decoding(store, size, message):
    org = store.organisations()[0]["id"]
    before = db_hash(store)
    with pytest.raises(StoreError, match=message):
        store.set_branding(org, logo=_png(*size))
    assert db_hash(store) == before
    assert not (store.path.parent / "logos").exists()
