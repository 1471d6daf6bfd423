"""The roadmap workbook and the questionnaire: sheets, native charts, dropdowns, frozen
panes, the hidden meta sheet, and no user text ever written as a formula."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart, RadarChart
from openpyxl.writer.excel import ExcelWriter

from groundwork import demo
from groundwork.excel import export_workbook, questionnaire_workbook
from groundwork.excel.questionnaire import level_cell
from groundwork.reports import roadmap_view
from groundwork.scoring import NA, UNKNOWN, Answer
from groundwork.store import open_store

INJECTIONS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tleading tab"]
SHEETS = ["Summary", "Dimensions", "Questions", "Roadmap", "History", "Rubric"]


@pytest.fixture
def store(demo_store):
    return demo_store


def _latest_with_history(store):
    """The newest round of the scope with the most rounds (history worth charting)."""
    rounds = store.assessments()
    scope = max({a.scope_id for a in rounds}, key=lambda s: len(store.assessments(s)))
    return store.assessments(scope)[-1]


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_roadmap_workbook_sheets_charts_and_meta(store):
    a = _latest_with_history(store)
    data = export_workbook(store, a.id, accent="#AA3300")
    wb = _book(data)
    assert wb.sheetnames[: len(SHEETS)] == SHEETS
    assert wb.active.title == "Summary"
    assert {type(c) for c in wb["Summary"]._charts} == {RadarChart, BarChart}
    assert [type(c) for c in wb["History"]._charts] == [LineChart]
    assert len(wb["History"]._charts[0].series) == 6  # one line per dimension

    meta = wb["_meta"]
    assert meta.sheet_state == "hidden" and meta.protection.sheet
    values = {r[0].value: r[1].value for r in meta.iter_rows(max_row=8)}
    rubric = store.rubric(a.rubric_sha256)
    assert values["kind"] == "roadmap" and values["format_version"] == "1"
    assert values["assessment_id"] == a.id and values["scope_id"] == a.scope_id
    assert (values["rubric_id"], values["rubric_version"], values["rubric_sha256"]) == (
        rubric.id,
        rubric.version,
        rubric.sha256,
    )
    assert wb["Lists"].sheet_state == "hidden"
    for name in SHEETS:
        assert wb[name].sheet_state == "visible"

    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows(min_row=3, max_row=60)}
    assert summary["Organisation"] == demo.ORGANISATION
    assert rubric.sha256 in summary["Provenance"]
    assert summary["Verdict"].startswith(("READY", "NOT READY"))
    assert wb["Dimensions"]["A1"].fill.fgColor.rgb.endswith("AA3300")


def test_roadmap_sheet_dropdown_panes_filters_and_print_setup(store):
    a = _latest_with_history(store)
    wb = _book(export_workbook(store, a.id))
    ws = wb["Roadmap"]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["Wave", "Phase", "Item ID"]
    status_col = headers.index("Status") + 1
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1 and lists[0].formula1 == "GW_Status"
    from openpyxl.utils import get_column_letter

    assert f"{get_column_letter(status_col)}2" in lists[0].sqref
    assert "GW_Status" in wb.defined_names
    statuses = [c.value for c in wb["Lists"]["A"]]
    assert statuses == ["not started", "in progress", "blocked", "done", "dropped"]
    waves = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert waves == sorted(waves) and waves

    for name in SHEETS:
        sheet = wb[name]
        assert sheet.freeze_panes, name
        assert sheet.page_setup.orientation == "landscape", name
        assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert demo.ORGANISATION in sheet.oddHeader.left.text
    for name in ("Dimensions", "Questions", "Roadmap", "History", "Rubric"):
        assert wb[name].auto_filter.ref and wb[name].print_title_rows == "$1:$1"
    assert ws.freeze_panes == "D2"
    assert wb["Dimensions"].conditional_formatting  # colour by gap


def test_no_user_text_becomes_a_formula(store):
    a = store.assessments()[-1]
    rubric = store.rubric(a.rubric_sha256)
    qids = [q.id for q in rubric.questions]
    answers = {qid: Answer(3) for qid in qids}
    for qid, text in zip(qids, INJECTIONS, strict=False):
        answers[qid] = Answer(2, 3, evidence=text, notes=text)
    answers[qids[-1]] = Answer(NA, notes="=cmd|' /C calc'!A0")
    answers[qids[-2]] = Answer(UNKNOWN, evidence='@HYPERLINK("x")')
    aid = store.import_round(a.scope_id, rubric, a.stage, a.tier, answers, who="t")
    item = roadmap_view(store, aid).rows[0]["id"]
    store.save_roadmap_item(a.scope_id, item, owner="=1+1", notes="-2+3")

    data = export_workbook(store, aid)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    wb = _book(data)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    found = {c.value: c for c in cells if isinstance(c.value, str)}
    for text in [*INJECTIONS, "=cmd|' /C calc'!A0", '@HYPERLINK("x")', "=1+1", "-2+3"]:
        assert text in found, text
        assert found[text].data_type == "s" and found[text].quotePrefix, text


def test_logo_is_placed_on_the_summary(store, tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), "navy").save(logo)
    wb = _book(export_workbook(store, store.assessments()[-1].id, logo=logo))
    assert len(wb["Summary"]._images) == 1


def test_bad_accent_is_refused(store):
    with pytest.raises(ValueError, match="#RRGGBB"):
        export_workbook(store, store.assessments()[-1].id, accent="red")


def test_questionnaire_layout(default_rubric):
    wb = _book(questionnaire_workbook(default_rubric, organisation="Acme", scope="Bot"))
    assert wb.sheetnames[0] == "Instructions" and wb.active.title == "Instructions"
    ws = wb["Questionnaire"]
    headers = [c.value for c in ws[1]]
    n = len(default_rubric.scale)
    assert headers[3 : 3 + n] == [f"{s.level} {s.label}" for s in default_rubric.scale]
    assert headers[3 + n :] == ["Your answer", "Confidence (1-5)", "Evidence", "Notes"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [q.id for q in default_rubric.questions]
    first = default_rubric.questions[0]
    assert list(rows[0][3 : 3 + n]) == [level_cell(first, s.level) for s in default_rubric.scale]
    assert rows[0][3].startswith(first.levels[1]) and "Look at: " in rows[0][3]
    assert ws.freeze_panes == "D2"

    dvs = {dv.formula1: dv for dv in ws.data_validations.dataValidation}
    assert set(dvs) == {"GW_Levels", "GW_Confidence"}
    assert all(dv.type == "list" and not dv.showDropDown for dv in dvs.values())
    assert "GW_Levels" in wb.defined_names
    lists = wb["Lists"]
    assert lists.sheet_state == "hidden"
    choices = [c.value for c in lists["A"] if c.value is not None]
    assert choices == [*default_rubric.levels, "N/A", "Don't know"]
    assert "Lists" in wb.defined_names["GW_Levels"].attr_text

    meta = wb["_meta"]
    assert meta.sheet_state == "hidden" and meta.protection.sheet
    values = {}
    for key, value, *_ in meta.iter_rows(values_only=True):
        if key is None:
            break
        values[key] = value
    assert values["kind"] == "questionnaire"
    assert values["rubric_sha256"] == default_rubric.sha256
    table = list(meta.iter_rows(min_row=len(values) + 3, values_only=True))
    assert [r[1] for r in table] == [q.id for q in default_rubric.questions]
    assert [r[0] for r in table] == list(range(2, 2 + len(default_rubric.questions)))


def test_questionnaire_on_another_scale_and_prefilled(tiny_rubric):
    answers = {"A-1": Answer(2, 4, "doc", "=note"), "B-1": Answer(UNKNOWN), "GONE": Answer(1)}
    wb = _book(questionnaire_workbook(tiny_rubric, answers))
    ws = wb["Questionnaire"]
    headers = [c.value for c in ws[1]]
    assert headers[3:7] == ["0 None", "1 Some", "2 Most", "3 All"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["A-1"][7:] == (2, 4, "doc", "=note")
    assert rows["B-1"][7] == "Don't know" and rows["A-2"][7] is None
    assert [c.value for c in wb["Lists"]["A"] if c.value is not None] == [
        0, 1, 2, 3, "N/A", "Don't know",
    ]  # fmt: skip


def test_the_history_sheet_stops_at_the_exported_round(store):
    from groundwork.reports import history

    first = store.assessments()[0]
    later = [h for h in history(store, first.scope_id) if h["assessment_id"] != first.id]
    assert later, "the demo scope has later rounds"
    wb = _book(export_workbook(store, first.id))
    labels = [row[1].value for row in wb["History"].iter_rows(min_row=2)]
    assert first.label in labels
    assert not {h["label"] for h in later} & set(labels)


def test_the_dimensions_sheet_shows_how_each_score_is_reached(store):
    a = _latest_with_history(store)
    ws = _book(export_workbook(store, a.id))["Dimensions"]
    headers = [c.value for c in ws[1]]
    column = headers.index("How the score is reached") + 1
    formulas = [ws.cell(r, column) for r in range(2, ws.max_row + 1)]
    assert formulas and all(c.data_type == "s" for c in formulas)  # text, never a formula
    assert any(" / (" in c.value and "=" in c.value for c in formulas)


def test_the_summary_prints_on_one_page_with_both_charts(tmp_path):
    """Fit to one page, a print area that holds the table and the charts, and the gap chart
    right under the radar (not far below, where it started a second page)."""
    from openpyxl.utils import column_index_from_string, range_boundaries

    from groundwork.excel.export import CHART_CM, DEFAULT_ROW_POINTS

    db = tmp_path / "demo.db"
    demo.reset(db)
    with open_store(db) as s:
        aid = s.assessments()[-1].id
        book = load_workbook(io.BytesIO(export_workbook(s, aid)))
    ws = book["Summary"]
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 1)
    _, _, right, bottom = range_boundaries(ws.print_area.split("!")[-1].replace("$", ""))
    radar, bar = sorted(ws._charts, key=lambda c: c.anchor._from.row)
    assert isinstance(radar, RadarChart) and isinstance(bar, BarChart)
    radar_top, bar_top = radar.anchor._from.row + 1, bar.anchor._from.row + 1
    rows = range(radar_top, bar_top)
    above = sum(ws.row_dimensions[r].height or DEFAULT_ROW_POINTS for r in rows)
    radar_pt = CHART_CM["radar"][0] / 2.54 * 72
    assert radar_pt <= above <= radar_pt + 3 * DEFAULT_ROW_POINTS * 4  # no overlap, no big gap
    for chart in (radar, bar):
        assert chart.anchor._from.col + 1 >= column_index_from_string("D")
    assert bottom >= bar_top + 1 and right >= column_index_from_string("L")


def test_a_workbook_build_leaves_the_cycle_collector_as_it_found_it():
    """Builds pause the collector (cells are many objects that all live until the file
    is written) and give it back, even when a build fails, and across nested builds."""
    import gc

    from groundwork.excel.writer import collector_paused

    seen = []

    @collector_paused
    def inner():
        seen.append(gc.isenabled())

    @collector_paused
    def outer(fail: bool):
        inner()
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("broken")

    assert gc.isenabled()
    outer(False)
    assert seen == [False, False] and gc.isenabled()
    with pytest.raises(ValueError):
        outer(True)
    assert gc.isenabled()
    gc.disable()
    try:
        outer(False)
        assert not gc.isenabled()  # it was off: it stays off
    finally:
        gc.enable()


STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")  # an export's own time


def _parts(data: bytes) -> dict[str, bytes]:
    """A workbook's parts, its time stamps blanked (core properties, _meta's exported_at)."""
    book = zipfile.ZipFile(io.BytesIO(data))
    return {
        n: STAMP.sub(b"<time>", book.read(n)) for n in book.namelist() if n != "docProps/core.xml"
    }


def _both_ways(build) -> tuple[dict, dict]:
    """The same workbook built twice: written by to_bytes, and by openpyxl's own save."""
    import groundwork.excel.writer as writer

    books = []
    original = writer.to_bytes
    for module in (writer, *_BUILDERS):
        module.to_bytes = lambda wb: books.append(wb) or b""
    try:
        build()
        build()
    finally:
        for module in (writer, *_BUILDERS):
            module.to_bytes = original
    theirs = io.BytesIO()
    with zipfile.ZipFile(theirs, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(books[1], archive).write_data()
    return _parts(original(books[0])), _parts(theirs.getvalue())


def test_worksheets_written_as_text_are_the_bytes_openpyxl_writes():
    """to_bytes writes each worksheet's rows as text in memory; what it writes must be
    exactly what openpyxl's own save writes, whatever the cells hold."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.chart import Reference
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font

    def build():
        wb = Workbook()
        ws = wb.active
        ws.append(["Système", "数据", "emoji 🚀", "<b>&amp;</b>", "quote \" and '", "a\nb"])
        ws.append([1, 2.5, dt.date(2026, 3, 31), dt.datetime(2026, 3, 31, 9, 30), True, False])
        ws.append(["  padded ", "   ", "", None, 10**20, -0.0001234])
        ws.append([float("nan"), 1e-300, "tab\there", "=not a formula"])
        ws["E4"].data_type = "s"
        ws["A5"] = "bold"
        ws["A5"].font = Font(bold=True)
        ws["B5"].alignment = Alignment(wrap_text=True)  # styled, empty
        ws["C6"] = "=SUM(A2:B2)"  # a formula: its row is left to openpyxl
        ws["D7"] = "noted"
        ws["D7"].comment = Comment("a comment", "me")
        ws.column_dimensions["B"].width = 30
        ws.row_dimensions[2].height = 40
        ws.row_dimensions[9].height = 30  # an empty row with a height
        ws.freeze_panes = "B2"
        chart = BarChart()
        chart.add_data(Reference(ws, min_col=1, min_row=2, max_col=2, max_row=2))
        ws.add_chart(chart, "H5")
        wb.create_sheet("Second").append(["more", 3])
        wb.create_sheet("Empty")
        wb.properties.modified = dt.datetime(2026, 1, 1)
        writer.to_bytes(wb)

    import groundwork.excel.writer as writer

    ours, theirs = _both_ways(build)
    assert ours.keys() == theirs.keys()
    assert sum(n.startswith("xl/worksheets/sheet") for n in ours) == 3
    for name in ours:
        assert ours[name] == theirs[name], name


def test_every_demo_workbook_is_written_as_openpyxl_writes_it(store, default_rubric):
    """The round workbook, the questionnaire, the delta and the portfolio workbooks of the
    demo, written by to_bytes, are byte for byte what openpyxl's own save writes."""
    from groundwork.excel import delta_workbook, portfolio_workbook

    a = _latest_with_history(store)
    first = store.assessments(a.scope_id)[0]
    builds = {
        "round": lambda: export_workbook(store, a.id),
        "questionnaire": lambda: questionnaire_workbook(default_rubric),
        "delta": lambda: delta_workbook(store, first.id, a.id),
        "portfolio": lambda: portfolio_workbook(store, default_rubric),
    }
    for kind, build in builds.items():
        ours, theirs = _both_ways(build)
        assert ours.keys() == theirs.keys(), kind
        for name in ours:
            assert ours[name] == theirs[name], f"{kind}: {name}"


def _builder_modules():
    from groundwork.excel import delta, export, portfolio, questionnaire

    return (delta, export, portfolio, questionnaire)


_BUILDERS = _builder_modules()
