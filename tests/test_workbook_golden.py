"""The workbooks of demo rounds, cell by cell, against a recorded copy.

``tests/data/roadmap_workbook_golden.json`` holds every cell's value, number format and
style of two demo rounds' roadmap workbooks (a finalised round with history and a draft)
and of the questionnaire (blank, and pre-filled from that round), plus each sheet's
layout. A change to how the workbook is written must not change what it
holds. When the content is meant to change, regenerate the file and review its diff:
``.venv/bin/python tests/test_workbook_golden.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path

GOLDEN = Path(__file__).parent / "data" / "roadmap_workbook_golden.json"
TODAY = dt.date(2026, 2, 10)
START = dt.date(2027, 1, 1)
VOLATILE = {("_meta", "exported_at")}  # the export's own time stamp


def _value(value):
    if isinstance(value, dt.datetime | dt.date):
        return {"date": value.isoformat()}
    return value


def _colour(colour) -> str | None:
    return None if colour is None else str(colour.rgb)


def _cell(c) -> list:
    f, a, b = c.font, c.alignment, c.border
    fill = c.fill.fgColor.rgb if c.fill.fill_type else None
    return [
        c.coordinate,
        _value(c.value),
        c.data_type,
        c.number_format,
        [bool(f.b), f.sz, _colour(f.color)],
        fill,
        [a.horizontal, a.vertical, bool(a.wrap_text)],
        [b.left.style, b.right.style, b.top.style, b.bottom.style],
        bool(c.quotePrefix),
    ]


def describe(data: bytes) -> dict:
    """What a workbook holds: sheets, cells with values, formats and styles, layout."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    sheets = {}
    for ws in wb.worksheets:
        cells = []
        meta_key = None
        for row in ws.iter_rows():
            for c in row:
                if ws.title == "_meta" and c.column == 1:
                    meta_key = c.value
                described = _cell(c)
                if (ws.title, meta_key) in VOLATILE and c.column == 2:
                    described[1] = "<volatile>"
                if c.value is not None or c.has_style:
                    cells.append(described)
        sheets[ws.title] = {
            "state": ws.sheet_state,
            "dimensions": ws.dimensions,
            "freeze_panes": ws.freeze_panes,
            "auto_filter": ws.auto_filter.ref,
            "print_title_rows": ws.print_title_rows,
            "column_widths": {
                k: d.width for k, d in sorted(ws.column_dimensions.items()) if d.customWidth
            },
            "row_heights": {
                str(k): d.height for k, d in sorted(ws.row_dimensions.items()) if d.height
            },
            "validations": sorted(
                [v.type, v.formula1, str(v.sqref)] for v in ws.data_validations.dataValidation
            ),
            "conditional_formats": sorted(
                [str(rng.sqref), [r.type for r in rules]]
                for rng, rules in ws.conditional_formatting._cf_rules.items()
            ),
            "charts": len(ws._charts),
            "cells": cells,
        }
    return {
        "sheets": [ws.title for ws in wb.worksheets],
        "defined_names": sorted((n, d.attr_text) for n, d in wb.defined_names.items()),
        "workbook": sheets,
    }


def demo_workbooks(tmp: Path) -> dict[str, dict]:
    """The roadmap workbooks of two demo rounds (the latest finalised one and a draft),
    and the questionnaire, blank and pre-filled from the first."""
    from groundwork import demo
    from groundwork.excel import export_workbook, questionnaire_workbook
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
    from groundwork.store import open_store

    with open_store(tmp / "demo.db") as store:
        demo.seed(store, today=TODAY)
        rounds = store.assessments()
        final = max((a for a in rounds if a.final), key=lambda a: (a.date, a.id))
        draft = max((a for a in rounds if not a.final), key=lambda a: (a.date, a.id))
        books = {
            name: describe(export_workbook(store, a.id, start=START))
            for name, a in (("final", final), ("draft", draft))
        }
        scope = store.scope_path(final.scope_id)
        books["questionnaire"] = describe(questionnaire_workbook(load_rubric(DEFAULT_RUBRIC)))
        books["questionnaire, pre-filled"] = describe(
            questionnaire_workbook(
                load_rubric(DEFAULT_RUBRIC),
                store.answers(final.id),
                organisation=scope.split(" / ")[0],
                scope=scope,
                scope_id=final.scope_id,
            )
        )
        return books


def dumps(books: dict) -> str:
    """JSON with one cell per line, so a change shows as a readable diff."""
    cells = {}
    for name, book in books.items():
        for sheet, content in book["workbook"].items():
            key = f"@cells:{name}:{sheet}"
            cells[key] = content["cells"]
            content["cells"] = key
    text = json.dumps(books, indent=1, ensure_ascii=False)
    for key, rows in cells.items():
        lines = ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in rows)
        text = text.replace(json.dumps(key), "[\n" + lines + "\n ]" if rows else "[]")
    return text + "\n"


def test_demo_round_workbooks_hold_exactly_the_recorded_cells(tmp_path):
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    current = json.loads(json.dumps(demo_workbooks(tmp_path)))
    assert current.keys() == golden.keys()
    for name in golden:
        want, got = golden[name], current[name]
        assert got["sheets"] == want["sheets"], name
        assert got["defined_names"] == want["defined_names"], name
        for sheet in want["sheets"]:
            w, g = want["workbook"][sheet], got["workbook"][sheet]
            assert {k: v for k, v in g.items() if k != "cells"} == {
                k: v for k, v in w.items() if k != "cells"
            }, f"{name} {sheet}"
            assert len(g["cells"]) == len(w["cells"]), f"{name} {sheet}"
            for gc, wc in zip(g["cells"], w["cells"], strict=True):
                assert gc == wc, f"{name} {sheet}!{wc[0]}"


if __name__ == "__main__":
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    with tempfile.TemporaryDirectory() as d:
        books = demo_workbooks(Path(d))
    GOLDEN.write_text(dumps(books), encoding="utf-8")
    print(f"wrote {GOLDEN}")
