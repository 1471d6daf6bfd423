"""The one cell sanitiser: user text never becomes a formula, in XLSX or CSV."""

from __future__ import annotations

import csv
import io

import pytest
from hostile import FORMULA_NOTES
from openpyxl import Workbook, load_workbook

from groundwork.safe import (
    MAX_CELL_CHARS,
    csv_document,
    needs_quote,
    safe_cell_text,
    safe_csv_text,
    strip_control,
    unescape_csv_text,
    write_cell,
)

INJECTIONS = [
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tleading tab",
    "\r=1+1",
    "looks fine\r=1+1",
    '\n=HYPERLINK("http://x","y")',
    "ok\t=1",
    "=1",
    "'=already quoted",
    "#N/A",
]
PLAIN = ["plain text", "a = b", "3 + 4", ""]
CONTROL_ANYWHERE = ("\t", "\r", "\n", "\x00")


def marked(text: str) -> bool:
    """What the sanitiser must mark as text: a leading trigger or a control anywhere."""
    return text.startswith(("=", "+", "-", "@")) or any(c in text for c in CONTROL_ANYWHERE)


def _roundtrip_xlsx(values: list[str]):
    wb = Workbook()
    for r, value in enumerate(values, start=1):
        write_cell(wb.active, r, 1, value)
    buf = io.BytesIO()
    wb.save(buf)
    return load_workbook(io.BytesIO(buf.getvalue())).active


@pytest.mark.parametrize("text", INJECTIONS + PLAIN)
def test_xlsx_keeps_exactly_what_was_typed_and_never_a_formula(text):
    ws = _roundtrip_xlsx([text])
    cell = ws.cell(1, 1)
    if text == "":
        assert cell.value is None
        return
    assert cell.value == text.replace("\r", "\n")  # XML turns CR into LF; we do it first
    assert cell.data_type == "s"
    assert bool(cell.quotePrefix) == marked(text)


def test_xlsx_read_only_mode_sees_text_not_formulas():
    wb = Workbook()
    for r, value in enumerate(INJECTIONS, start=1):
        write_cell(wb.active, r, 1, value)
    buf = io.BytesIO()
    wb.save(buf)
    ro = load_workbook(io.BytesIO(buf.getvalue()), read_only=True)
    cells = [row[0] for row in ro.active.iter_rows()]
    assert [c.value for c in cells] == [t.replace("\r", "\n") for t in INJECTIONS]
    assert all(c.data_type == "s" for c in cells)
    ro.close()


def test_control_characters_are_stripped_and_text_capped():
    assert strip_control("a\x00b\x07c\x1bd\te\nf\rg") == "abcd\te\nf\rg"
    text, quote = safe_cell_text("=" + "x" * 40_000)
    assert len(text) == MAX_CELL_CHARS and quote
    ws = _roundtrip_xlsx(["bell\x07 and nul\x00 gone"])
    assert ws.cell(1, 1).value == "bell and nul gone"


def test_numbers_and_dates_keep_their_type():
    import datetime as dt

    wb = Workbook()
    write_cell(wb.active, 1, 1, 3)
    write_cell(wb.active, 1, 2, 2.5)
    write_cell(wb.active, 1, 3, dt.date(2026, 1, 2))
    assert [c.data_type for c in wb.active[1]] == ["n", "n", "d"]


@pytest.mark.parametrize("text", INJECTIONS + PLAIN)
def test_csv_escapes_with_an_apostrophe_and_round_trips(text):
    buf = io.StringIO()
    csv.writer(buf).writerow([safe_csv_text(text)])
    (raw,) = next(csv.reader(io.StringIO(buf.getvalue())))
    if marked(text) or text.startswith("'"):
        assert raw.startswith("'")
    else:
        assert raw == text
    assert unescape_csv_text(raw) == text


def test_csv_frame_escapes_every_cell():
    pd = pytest.importorskip("pandas")
    from groundwork.safe import safe_csv_frame

    frame = pd.DataFrame({"a": ["=1+1", "ok"], "b": [1, 2]})
    out = safe_csv_frame(frame)
    assert list(out["a"]) == ["'=1+1", "ok"] and list(out["b"]) == [1, 2]


def test_a_control_character_anywhere_needs_marking():
    for text in ("looks fine\r=1+1", "a\nb", "a\tb", "a\x00b", "=x", "@x"):
        assert needs_quote(text), repr(text)
    assert not needs_quote("a = b") and not needs_quote("3 + 4")


# every formula-shaped note but NUL (stripped, so it cannot read back exactly), and two
# that only look like formulas
HOSTILE_NOTES = [n for n in FORMULA_NOTES if "\x00" not in n] + ["two\r\nlines", 'say "=1"']


def starts_formula(cell: str) -> bool:
    """A spreadsheet would run this cell: a trigger first (numbers like -1 are data)."""
    if not cell or cell.startswith("'"):
        return False
    try:
        float(cell)
        return False
    except ValueError:
        return cell[0] in "=+-@\t\r\n"


def hostile_frame():
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(
        {"question": [f"Q-{i}" for i in range(len(HOSTILE_NOTES))], "notes": HOSTILE_NOTES, "n": -1}
    )


def test_csv_document_quotes_every_field_and_no_cell_starts_a_formula():
    text = csv_document(hostile_frame())
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["question", "notes", "n"]
    assert len(rows) == len(HOSTILE_NOTES) + 1, "a line break stays inside its cell"
    assert not [cell for row in rows for cell in row if starts_formula(cell)]
    assert [unescape_csv_text(row[1]) for row in rows[1:]] == HOSTILE_NOTES
    # a reader that turns unquoted fields into numbers finds none: every field is quoted
    strict = csv.reader(io.StringIO(text, newline=""), quoting=csv.QUOTE_NONNUMERIC)
    assert all(isinstance(cell, str) for row in strict for cell in row)


def test_csv_document_reads_the_same_in_pandas():
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(
        io.StringIO(csv_document(hostile_frame())), dtype=str, keep_default_na=False
    )
    assert len(frame) == len(HOSTILE_NOTES)
    assert not [c for c in frame.to_numpy().ravel() if starts_formula(c)]
    assert [unescape_csv_text(n) for n in frame["notes"]] == HOSTILE_NOTES
