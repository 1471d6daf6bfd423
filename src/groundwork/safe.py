"""One sanitiser for every exported cell: user text never becomes a formula.

Spreadsheets run text that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or
carriage return) as a formula, so a participant's note could fetch URLs or run commands on
a board member's machine (OWASP ASVS 1.2.10, CVE-2021-41270). A line break or tab inside
the text is as dangerous: a reader that splits rows on a bare carriage return or a tab
turns ``looks fine\r=1+1`` into a cell ``=1+1``. So text that starts with a trigger or
holds a control character anywhere is marked as text. Every export goes through this
module:

- XLSX: :func:`write_cell` stores text as a string cell (never type ``f``) and sets the
  cell's ``quotePrefix`` style when it starts with a trigger, so Excel and LibreOffice show
  exactly what was typed and keep it text when someone edits the cell.
- CSV: :func:`safe_csv_text` prepends an apostrophe (the OWASP advice) to text that needs
  it or already starts with one; :func:`unescape_csv_text` undoes it exactly.
  :func:`csv_document` writes every field quoted, so a line break stays inside its cell.
- Everywhere: control characters are stripped (they corrupt workbooks) and text is capped
  at Excel's 32,767 characters. In XLSX a carriage return becomes a line feed: XML parsers
  turn a raw CR into LF anyway, so we do it once, on purpose, and the cell reads the same.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # tab, LF and CR included
MAX_CELL_CHARS = 32_767


def strip_control(text: str) -> str:
    """Drop control characters (they break workbooks), keeping tab, CR and newline."""
    return CONTROL.sub("", text)


def needs_quote(text: str) -> bool:
    """A leading formula trigger, or a control character anywhere (tab, CR, LF, NUL)."""
    return text.startswith(FORMULA_TRIGGERS) or ANY_CONTROL.search(text) is not None


def safe_cell_text(value: str) -> tuple[str, bool]:
    """Text fit for a cell, and whether it must be marked as text (quotePrefix)."""
    text = value if type(value) is str else str(value)
    if ANY_CONTROL.search(text) is None:  # the usual text: nothing to strip or turn
        return text[:MAX_CELL_CHARS], text.startswith(FORMULA_TRIGGERS)
    text = strip_control(text)  # a control character: always marked as text
    return text.replace("\r\n", "\n").replace("\r", "\n")[:MAX_CELL_CHARS], True


def write_cell(ws: Any, row: int, column: int, value: Any) -> Any:
    """Write one value into an openpyxl worksheet safely; returns the cell.

    Numbers, booleans and dates keep their type; everything else is written as text that
    can never be read as a formula or an error code (``#N/A`` typed by a user stays text).
    """
    return set_cell_value(ws.cell(row=row, column=column), value)


def set_cell_value(cell: Any, value: Any) -> Any:
    """:func:`write_cell` for a cell already at hand (after its style is set: the
    quotePrefix mark is part of the style); returns the cell."""
    if value is None or value == "":
        cell.value = None
        return cell
    if isinstance(value, bool | int | float | dt.date | dt.datetime):
        cell.value = value
        return cell
    text, quote = safe_cell_text(value)
    # Set as openpyxl's own setter would for text it accepts, without its type dispatch and
    # its second scan for control characters (gone already): the workbook's hottest line.
    # Typed "s" outright, which openpyxl would make a formula for "=..." and an error for "#N/A".
    cell._value = text
    cell.data_type = "s"
    if quote:
        cell.quotePrefix = True
    return cell


def safe_csv_text(value: object) -> object:
    """For CSV: text a spreadsheet would run as a formula gets a leading apostrophe.

    Text that already starts with an apostrophe gets one more, so that
    :func:`unescape_csv_text` can always restore exactly what was typed.
    """
    if not isinstance(value, str):
        return value
    quote = needs_quote(value) or value.startswith("'")
    text = strip_control(value)[:MAX_CELL_CHARS]
    return "'" + text if quote else text


def unescape_csv_text(text: str) -> str:
    """Undo :func:`safe_csv_text` when reading one of our CSV files back."""
    return text[1:] if text.startswith("'") else text


def safe_csv_frame(frame):  # pandas.DataFrame -> pandas.DataFrame
    return frame.map(safe_csv_text)


def csv_document(frame) -> str:  # pandas.DataFrame -> str
    """The one way the app writes CSV: every cell sanitised, every field quoted."""
    return safe_csv_frame(frame).to_csv(index=False, quoting=csv.QUOTE_ALL)


def header_footer_text(text: str) -> str:
    """Text for a print header or footer, where ``&`` starts a control code."""
    return strip_control(text).replace("\r", " ").replace("\n", " ").replace("&", "&&")[:200]
