"""What the workbook modules share: styles, the meta sheet and the problem type.

Every value goes through :func:`groundwork.safe.write_cell` (or its
:func:`~groundwork.safe.set_cell_value`), so no exported cell can hold a formula typed by a
user; formulas only ever come from charts and validations we build.

Table cells take their look from named styles registered once per workbook (one per
combination of alignment, number format, border and fill): openpyxl then copies a
ready style instead of hashing a new font, border and alignment for every cell.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.borders import DEFAULT_BORDER
from openpyxl.styles.fills import DEFAULT_EMPTY_FILL
from openpyxl.styles.fonts import DEFAULT_FONT
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from groundwork.safe import header_footer_text, set_cell_value, write_cell

FORMAT_VERSION = "1"
META_SHEET = "_meta"
LISTS_SHEET = "Lists"
DEFAULT_ACCENT = "1F4E79"
HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")
THIN = Side(style="thin", color="BFBFBF")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


@dataclass(frozen=True, order=True)
class WorkbookProblem:
    """One thing wrong with an uploaded workbook, where it is (row/column 0: the file)."""

    sheet: str
    row: int
    column: int
    message: str

    def __str__(self) -> str:
        if not self.sheet:
            return self.message
        if not self.row:
            return f"{self.sheet}: {self.message}"
        if not self.column:
            return f"{self.sheet}!row {self.row}: {self.message}"
        return f"{self.sheet}!{get_column_letter(self.column)}{self.row}: {self.message}"


class WorkbookError(ValueError):
    """A workbook that cannot be imported; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[WorkbookProblem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def accent_colour(accent: str | None) -> str:
    """An ``RRGGBB`` colour from ``#RRGGBB``/``RRGGBB``; the house blue when unset."""
    if not accent:
        return DEFAULT_ACCENT
    m = HEX.match(accent.strip())
    if not m:
        raise ValueError(f"accent colour {accent!r} is not of the form #RRGGBB")
    return m[1].upper()


class Sheet:
    """A worksheet plus the house style: a header row, safe cells, print set-up."""

    def __init__(self, ws: Worksheet, accent: str):
        self.ws = ws
        self.accent = accent
        self.header_fill = PatternFill("solid", fgColor=accent)
        self.header_font = Font(bold=True, color="FFFFFF")
        self._styles: dict[tuple, str] = {}

    def style(
        self,
        *,
        wrap: bool = False,
        fmt: str = "",
        grid: bool = False,
        fill: PatternFill | None = None,
        header: bool = False,
    ) -> str:
        """The name of the workbook's named style for this look, registered on first use."""
        key = (wrap, fmt, grid, fill.fgColor.rgb if fill else None, header)
        name = self._styles.get(key)
        if name is None:
            parts = ["header" if header else "cell", "wrap" if wrap else "top"]
            parts += [fmt] if fmt else []
            parts += ["grid"] if grid else []
            parts += [f"fill {key[3]}"] if fill else []
            parts += [self.accent] if header else []
            name = "Groundwork " + " ".join(parts)
            wb = self.ws.parent
            if name not in wb.named_styles:
                wb.add_named_style(
                    NamedStyle(
                        name,
                        font=self.header_font if header else DEFAULT_FONT,
                        fill=self.header_fill if header else (fill or DEFAULT_EMPTY_FILL),
                        border=GRID if grid else DEFAULT_BORDER,
                        alignment=WRAP if wrap else TOP,
                        number_format=fmt or "General",
                    )
                )
            self._styles[key] = name
        return name

    def cell(self, row: int, column: int, value: Any, *, wrap: bool = False, fmt: str = ""):
        c = self.ws.cell(row, column)
        c.style = self.style(wrap=wrap, fmt=fmt)
        return set_cell_value(c, value)

    def table(
        self,
        top: int,
        headers: list[tuple[str, float]],
        rows: list[list[Any]],
        *,
        wrap: set[int] | None = None,
        formats: dict[int, str] | None = None,
        fills: dict[int, PatternFill] | None = None,
        filter_: bool = True,
        fit: bool = True,
    ) -> tuple[int, int]:
        """Header row at ``top`` (name, width), then rows; returns (first, last) data row.

        ``wrap`` columns wrap their text (rows grow to fit it), ``formats`` maps a column to
        its number format and ``fills`` to its background (e.g. the columns to edit).
        ``fit=False`` leaves data rows at the default height (no wrapped text): a sheet of
        thousands of one-line rows writes much faster without a height on each."""
        wrap, formats, fills = wrap or set(), formats or {}, fills or {}
        ws = self.ws
        if ws._current_row != top - 1:  # the row ws.append writes next
            raise ValueError(f"a table starts on the sheet's next row, not row {top}")
        widths = [w for _, w in headers]
        header = self._array(self.style(wrap=True, grid=True, header=True))
        self._append(top, [(name, header) for name, _ in headers], widths, wrap_all=True)
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        looks = [
            self._array(
                self.style(
                    wrap=col in wrap, fmt=formats.get(col, ""), grid=True, fill=fills.get(col)
                )
            )
            for col in range(1, len(headers) + 1)
        ]
        extra = self._array(self.style(grid=True))
        for r, values in enumerate(rows, start=top + 1):
            self._append(
                r,
                [(v, looks[i] if i < len(looks) else extra) for i, v in enumerate(values)],
                widths,
                wrap=wrap,
                fit=fit,
            )
        last = top + len(rows)
        if filter_:
            ws.auto_filter.ref = f"A{top}:{get_column_letter(len(headers))}{max(last, top)}"
        ws.freeze_panes = f"B{top + 1}" if len(headers) > 1 else f"A{top + 1}"
        ws.print_title_rows = f"{top}:{top}"
        return top + 1, last

    def _array(self, name: str) -> Any:
        """The style array of a named style: new cells start from a copy of it."""
        return self.ws.parent._named_styles[name].as_tuple()

    def _append(
        self,
        row: int,
        cells: list[tuple[Any, Any]],
        widths: list[float],
        *,
        wrap: set[int] | frozenset[int] = frozenset(),
        wrap_all: bool = False,
        fit: bool = True,
    ) -> None:
        """Append one row of (value, style array) cells, every value through the sanitiser,
        and fit the row's height to its wrapped text. The cells go straight into the
        sheet at their places (what ``ws.append`` does, without its checks per cell: the
        row is new and every cell was made for this sheet)."""
        ws, lines = self.ws, 1
        placed = ws._cells
        for col, (value, style) in enumerate(cells, start=1):
            c = set_cell_value(Cell(ws, row, col, style_array=style), value)
            text = c.value
            if (wrap_all or col in wrap) and isinstance(text, str) and col <= len(widths):
                lines = max(lines, text_lines(text, widths[col - 1], bold=wrap_all))
            placed[(row, col)] = c
        ws._current_row = row
        if fit:
            _set_height(ws, row, lines)


LINE_POINTS = 15.0


def text_lines(text: str, width: float, bold: bool = False) -> int:
    """Roughly how many lines ``text`` wraps to in a column ``width`` characters wide."""
    per_line = max(width * (0.9 if bold else 1.0) - 1, 1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def fit_row(
    ws: Worksheet, row: int, widths: list[float], wrap: set[int], bold: bool = False
) -> None:
    """Set a row's height to fit its wrapped text: LibreOffice does not grow rows by itself
    when it opens a file, so without this wrapped text is cut off on screen and on paper."""
    lines = 1
    for col in wrap:
        value = ws.cell(row, col).value
        if isinstance(value, str) and col <= len(widths):
            lines = max(lines, text_lines(value, widths[col - 1], bold))
    _set_height(ws, row, lines)


def _set_height(ws: Worksheet, row: int, lines: int) -> None:
    ws.row_dimensions[row].height = min(409, LINE_POINTS * lines + 3)


def print_setup(ws: Worksheet, organisation: str, title: str) -> None:
    """Landscape, fit to one page wide, the organisation in the header, page numbers below."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddHeader.left.text = header_footer_text(organisation)
    ws.oddHeader.right.text = header_footer_text(title)
    ws.oddFooter.left.text = "Groundwork"
    ws.oddFooter.right.text = "Page &P of &N"


def add_meta(wb: Workbook, values: dict[str, Any], rows: list[list[Any]] | None = None) -> None:
    """The hidden, protected sheet holding the ids an import needs: key/value pairs, then
    an optional table (one row per question or roadmap item)."""
    ws = wb.create_sheet(META_SHEET)
    for r, (key, value) in enumerate(values.items(), start=1):
        write_cell(ws, r, 1, key)
        write_cell(ws, r, 2, value)
    if rows:
        top = len(values) + 2
        for r, row in enumerate(rows, start=top):
            for col, value in enumerate(row, start=1):
                write_cell(ws, r, col, value)
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
    ws.protection.enable()
