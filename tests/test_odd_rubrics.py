"""A rubric that validates never breaks the pages or the exports, however unusual: a 0-1
scale with one stage and no gates, the 0-3 tiny rubric, and tier floors above targets."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from test_app import assert_clean, explicit_navigation, open_page  # noqa: F401

from groundwork import excel, interchange
from groundwork.rubric import parse_rubric
from groundwork.scoring import NA, UNKNOWN, Answer
from groundwork.store import open_store

DATA = Path(__file__).parent / "data"

BINARY = """
id: binary
version: "1"
title: Yes or no
scale: [{level: 0, label: "No"}, {level: 1, label: "Yes"}]
stages: [{id: live, title: Live}]
tiers: [{id: any, title: Any}]
dimensions:
  - id: D
    title: Only
    targets: {live: 1}
    questions:
      - {id: Q1, text: "One?", levels: {0: "no",1: "yes"}, actions: {1: {action: do it, effort: 1}}}
      - {id: Q2, text: "Two?", levels: {0: "no",1: "yes"}, actions: {1: {action: do it, effort: 3}}}
"""


def tiered() -> str:
    text = (DATA / "tiny.yaml").read_text(encoding="utf-8")
    return text.replace(
        "  - {id: high, title: High, uplift: 1, dimensions: [B]}",
        "  - {id: high, title: High, uplift: 1, dimensions: [B], includes: [low]}",
    ).replace(
        "  live:\n    questions: {B-1: 2}\n",
        "  live:\n    min_answered: 0.5\n    questions: {B-1: 2}\n"
        "    tiers:\n      high: {questions: {A-1: 3}, dimensions: {B: 3}}\n"
        "      low: {questions: {A-2: 1}}\n",
    )


RUBRICS = {
    "binary": BINARY,
    "tiny": (DATA / "tiny.yaml").read_text(encoding="utf-8"),
    "tiered": tiered(),
}


@pytest.fixture(params=list(RUBRICS))
def stored_round(request, tmp_path):
    rubric = parse_rubric(RUBRICS[request.param], f"{request.param}.yaml")
    db = tmp_path / "gw.db"
    with open_store(db) as s:
        org = s.create_organisation("Org")
        scope = s.create_scope(
            org, "system", "Odd", stage=rubric.stage_ids[0], tier=rubric.tier_ids[-1]
        )
        aid = s.create_assessment(scope, rubric, rubric.stage_ids[-1], rubric.tier_ids[-1])
        picks = [rubric.min_level, NA, UNKNOWN, rubric.max_level]
        for i, q in enumerate(rubric.questions):
            value = picks[i % len(picks)]
            s.save_answer(aid, q.id, Answer(value, notes="does not apply" if value == NA else ""))
    return rubric, db, aid


def test_exports_work_for_any_valid_rubric(stored_round):
    rubric, db, aid = stored_round
    with open_store(db) as s:
        book = openpyxl.load_workbook(io.BytesIO(excel.export_workbook(s, aid)))
        assert "Summary" in book.sheetnames
        assert excel.questionnaire_workbook(rubric, s.answers(aid))
        assert interchange.export_json(s, aid)


@pytest.mark.parametrize("page", ["pages/assess.py", "pages/results.py", "pages/roadmap.py"])
def test_pages_work_for_any_valid_rubric(stored_round, page, monkeypatch):
    _, db, aid = stored_round
    assert_clean(open_page(page, db, monkeypatch, round=str(aid)))
