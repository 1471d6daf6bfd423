"""The one cell sanitiser: user text never becomes a formula, in XLSX or CSV."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from groundwork.safe import (
    MAX_CELL_CHARS,
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
    "=1",
    "'=already quoted",
    "#N/A",
]
PLAIN = ["plain text", "a = b", "3 + 4", "line one\nline two", ""]


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
    assert bool(cell.quotePrefix) == text.startswith(("=", "+", "-", "@", "\t", "\r"))


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
    if text.startswith(("=", "+", "-", "@", "\t", "\r", "'")):
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
