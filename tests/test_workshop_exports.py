"""What a workshop leaves behind: the Workshop sheet of the workbook and the spread on
Results, with the consensus, rationale and dissent, and names only when chosen."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from test_app import assert_clean, explicit_navigation, open_page  # noqa: F401

from groundwork import excel
from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
from groundwork.scoring import NA
from groundwork.store import open_store


@pytest.fixture
def finished(tmp_path):
    """A round whose workshop three people answered and the room agreed on."""
    path = tmp_path / "ws.db"
    with open_store(path) as s:
        org = s.create_organisation("Acme")
        system = s.create_scope(org, "system", "Claims bot")
        aid = s.create_assessment(system, load_rubric(DEFAULT_RUBRIC), "production", "minimal")
        w = s.open_workshop(aid)
        for name, role, level in (("Ana", "risk", 1), ("Bo", "business", 4), ("Cy", "risk", NA)):
            token = s.join_workshop(w.code, name, role)
            s.save_participant_answer(token, "MON-1", value=level)
            s.save_participant_answer(token, "MON-2", value=3)
        s.set_consensus(
            w.id, "MON-1", 2, rationale="=dashboards only", dissent="Bo: alerts exist", who="f"
        )
        s.set_consensus(w.id, "MON-2", 3, who="f")
        s.finalise_workshop(w.id, who="f")
    return path, aid, w.id


def workshop_sheet(path, aid):
    with open_store(path) as s:
        data = excel.export_workbook(s, aid)
    return load_workbook(io.BytesIO(data))["Workshop"]


def test_the_workbook_has_a_workshop_sheet(finished):
    path, aid, _ = finished
    ws = workshop_sheet(path, aid)
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Question ID", "Dimension", "Question"]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "MON-1")
    record = dict(zip(header, row, strict=False))
    assert (record["Level 1"], record["Level 4"], record["N/A"]) == (1, 1, 1)
    assert record["Disagreement"] == "yes" and record["Consensus"] == "2"
    assert record["Rationale"] == "=dashboards only" and record["Dissent"] == "Bo: alerts exist"
    cell = next(c for c in ws["A"] if c.value == "MON-1").row
    assert ws.cell(cell, header.index("Rationale") + 1).data_type == "s"  # never a formula
    texts = {c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)}
    assert {"risk 1", "risk 2", "business 1"} <= texts
    assert not any("Ana" in t for t in texts if t != "Bo: alerts exist"), "no names by default"


def test_names_only_when_the_facilitator_chooses(finished):
    path, aid, wid = finished
    with open_store(path) as s:
        s.set_show_names(wid, True)
    texts = {c.value for r in workshop_sheet(path, aid).iter_rows() for c in r}
    assert "Ana (risk)" in texts


def test_a_round_without_a_workshop_has_no_such_sheet(demo_store):
    aid = demo_store.assessments()[0].id
    data = excel.export_workbook(demo_store, aid)
    assert "Workshop" not in load_workbook(io.BytesIO(data)).sheetnames


def test_results_show_the_spread_and_the_dissent(finished, monkeypatch):
    path, aid, _ = finished
    at = open_page("pages/results.py", path, monkeypatch, round=str(aid))
    assert_clean(at)
    assert any(m.value == "#### Workshop spread" for m in at.markdown)
    table = next(d.value for d in at.dataframe if "Dissent" in d.value.columns)
    mon = table[table["Question"] == "MON-1"].iloc[0]
    assert mon["Consensus"] == "2" and mon["Dissent"] == "Bo: alerts exist"
    with open_store(path) as s:
        assert s.answers(aid)["MON-1"].value == 2  # the consensus is the round's answer
