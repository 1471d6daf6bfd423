"""Writing a workbook: the bytes of an .xlsx, as openpyxl's own save writes them, faster.

openpyxl writes each worksheet to a temporary file through an element-by-element XML
serialiser, reads it back and deletes it; for a workbook of tens of thousands of cells
that serialiser is most of the time. Here each worksheet is written to a string, its rows
as text, byte for byte what openpyxl writes (tests compare every kind of workbook with
openpyxl's own save), and the cycle collector stays out of the way while a workbook is
built.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import io
import threading
from collections.abc import Callable, Generator
from typing import Any, ParamSpec, TypeVar
from xml.etree.ElementTree import _escape_attrib as escape_attrib
from xml.etree.ElementTree import _escape_cdata as escape_cdata
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell._writer import _set_attributes
from openpyxl.cell.cell import Cell
from openpyxl.compat.strings import safe_string
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import xmlfile


def to_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes, written as ``Workbook.save`` writes it, with each
    worksheet's XML kept in memory: openpyxl writes it to a temporary file, reads it back
    and deletes it, a tenth of a small workbook's save. The workbook is spent afterwards:
    its cells are let go."""
    buf = io.BytesIO()
    with ZipFile(buf, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        wb.properties.modified = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        _InMemoryWriter(wb, archive).write_data()
    for ws in wb.worksheets:
        # A workbook is written once. Its cells and their sheet refer to each other, so
        # without this only the cycle collector could free them, in one long pass some
        # time later; let go here, each cell is freed at once.
        ws._cells.clear()
    return buf.getvalue()


# values a cell writes as plain text or a number (anything else goes through openpyxl)
_PLAIN = (type(None), str, int, float, bool, dt.date, dt.datetime)


class _TextWorksheetWriter(WorksheetWriter):
    """openpyxl's worksheet writer into a string: as fast as its file (a text stream with
    no encoder between), where a bytes buffer would pass every one of the tens of thousands
    of small writes through an encoder."""

    def __init__(self, ws: Worksheet):
        super().__init__(ws, out=io.StringIO())

    def get_stream(self) -> Generator[Any, Any, None]:  # openpyxl's protocol, to a string
        with xmlfile(self.out, encoding="unicode") as xf:
            with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        el = yield
                        if el is True:
                            yield xf
                        elif el is not None:
                            xf.write(el)
                except GeneratorExit:
                    pass

    def write_row(self, xf: Any, row: list[Cell], row_idx: int) -> None:
        """One row's XML as openpyxl's writer makes it, character for character, built as
        text: its element-by-element serialiser is most of a large workbook's save. A
        row holding anything else than plain values (a formula, rich text, a comment) is
        left to openpyxl."""
        if any(c._comment is not None or c.data_type == "f" or type(c._value) not in _PLAIN
               for c in row):  # fmt: skip
            return super().write_row(xf, row, row_idx)
        attrs = {"r": f"{row_idx}"}
        attrs.update(self.ws.row_dimensions.get(row_idx, {}))
        parts = ["<row", *(f' {k}="{escape_attrib(v)}"' for k, v in attrs.items()), ">"]
        for cell in row:
            styled = cell.has_style
            if cell._value is None and not styled:
                continue
            value, cell_attrs = _set_attributes(cell, styled)
            parts.append("<c")
            parts += [f' {k}="{escape_attrib(v)}"' for k, v in cell_attrs.items()]
            if value is None or value == "":
                parts.append(" />")
            elif cell.data_type == "s":
                stripped = value.strip()
                space = ' xml:space="preserve"' if stripped and value != stripped else ""
                parts.append(f"><is><t{space}>{escape_cdata(value)}</t></is></c>")
            else:
                parts.append(f"><v>{escape_cdata(safe_string(value))}</v></c>")
        parts.append("</row>")
        xf._file("".join(parts))

    def read(self) -> bytes:
        self.close()
        # as the file openpyxl would write: UTF-8, anything unencodable as a reference
        return self.out.getvalue().encode("utf-8", "xmlcharrefreplace")


class _InMemoryWriter(ExcelWriter):
    def write_worksheet(self, ws: Worksheet) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _TextWorksheetWriter(ws)
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)


P = ParamSpec("P")
R = TypeVar("R")
_PAUSE_LOCK = threading.Lock()
_PAUSES = [0, False]  # workbooks being written now; whether the collector was on before


def collector_paused(build: Callable[P, R]) -> Callable[P, R]:
    """Write a workbook with Python's cycle collector paused. A workbook is tens of
    thousands of cells that all live until the file is written: the collector would scan
    them again and again and free nothing (a quarter of a 500-system portfolio
    workbook's time). Concurrent builds share one pause; the collector runs again, as
    it was, when the last one ends."""

    @functools.wraps(build)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        with _PAUSE_LOCK:
            if _PAUSES[0] == 0:
                _PAUSES[1] = gc.isenabled()
                gc.disable()
            _PAUSES[0] += 1
        try:
            return build(*args, **kwargs)
        finally:
            with _PAUSE_LOCK:
                _PAUSES[0] -= 1
                if _PAUSES[0] == 0 and _PAUSES[1]:
                    gc.enable()

    return paused
