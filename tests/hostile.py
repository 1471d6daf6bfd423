"""A database whose names, round label and rubric are full of Markdown a browser would act
on (an image from an outside host, a link, bold), for the app and browser tests of safe
text, and answers whose notes try to start spreadsheet formulas, for the export tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from groundwork.rubric import Rubric, parse_rubric
from groundwork.store import open_store

ROOT = Path(__file__).resolve().parents[1]
IMAGE = "![x](http://example.invalid/x.png)"
LINK = "[link](http://example.invalid/)"


def hostile(what: str) -> str:
    """'Acme **bold** ![x](http://example.invalid/x.png) [link](http://example.invalid/)'."""
    return f"{what} **bold** {IMAGE} {LINK}"


def prose(what: str) -> str:
    """Rubric prose may use emphasis, so it says **emphasis**, never **bold**."""
    return f"{what} **emphasis** {IMAGE} {LINK}"


ORGANISATION = hostile("Acme")
UNIT = hostile("Claims")
SYSTEM = hostile("Triage bot")
ROUND = hostile("Q1 2027")
FORMULA_NOTES = [
    "looks fine\r=1+1",
    '\n=HYPERLINK("http://example.invalid/","x")',
    "\t=1",
    "@SUM(1)",
    "=1+1",
    "+1",
    "-1+2",
    "'=quoted already",
    "ok\x00=NUL",
]


def rubric_text() -> str:
    """tests/data/tiny.yaml with every title, label, description and text made hostile:
    titles and labels as names are, prose with the emphasis it is allowed."""
    data: dict[str, Any] = yaml.safe_load((ROOT / "tests" / "data" / "tiny.yaml").read_text())
    data["title"] = hostile("Tiny rubric")
    data["description"] = prose("About this rubric")
    for level in data["scale"]:
        level["label"] = hostile(level["label"])
    for item in data["stages"] + data["tiers"]:
        item["title"] = hostile(item["title"])
        item["description"] = prose("What it means")
    for dim in data["dimensions"]:
        dim["title"] = hostile(dim["title"])
        dim["description"] = prose("Why the dimension matters")
        for q in dim["questions"]:
            q["text"] = prose(q["text"])
            q["why"] = prose("Because")
            q["levels"] = {k: prose(v) for k, v in q["levels"].items()}
            q["evidence"] = {k: prose("Look at") for k in q["levels"]}
            q["metrics"] = {k: prose("Count") for k in q["levels"]}
            for action in q["actions"].values():
                action["action"] = prose(action["action"])
    data["references"] = [
        {
            "id": "ref",
            "title": prose("A regulation"),
            "url": "http://example.invalid/ref",
            "checked": "2026-01-01",
            "dates": [{"date": "2026-02-01", "applies": prose("Applies")}],
        }
    ]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def rubric() -> Rubric:
    return parse_rubric(rubric_text(), "hostile.yaml")


def seed(db: Path) -> dict[str, int]:
    """Organisation, unit and system with hostile names, and one round of the hostile
    rubric (hostile label) whose notes try to start formulas; returns their ids."""
    with open_store(db) as s:
        org = s.create_organisation(ORGANISATION)
        unit = s.create_scope(org, "unit", UNIT)
        system = s.create_scope(org, "system", SYSTEM, parent_id=unit, stage="pilot")
        aid = s.create_assessment(system, rubric(), "live", "high", label=ROUND)
        for qid, value, notes in (("A-1", 1, FORMULA_NOTES[0]), ("B-1", 0, FORMULA_NOTES[1])):
            s.update_answer(aid, qid, value=value, notes=notes, evidence=FORMULA_NOTES[3])
        s.update_answer(aid, "A-2", value=2, notes=FORMULA_NOTES[2])
    return {"organisation": org, "unit": unit, "system": system, "assessment": aid}
