"""The demo's scores, verdicts, portfolio, history, roadmaps and workbooks stay exactly as
recorded in tests/data/golden_demo.json.

Run ``python tests/test_golden.py --write`` to record them again after a deliberate change
to scoring, the roadmap or the export; review the diff of the JSON file before committing.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden_demo.json"
TODAY = dt.date(2026, 2, 10)
START = dt.date(2026, 3, 2)
VOLATILE_META = {"exported_at"}


def _cells(data: bytes) -> dict[str, list[list]]:
    wb = load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows(values_only=True):
            if ws.title.startswith("_") and row and row[0] in VOLATILE_META:
                row = (row[0], "<volatile>", *row[2:])
            rows.append([v.isoformat() if hasattr(v, "isoformat") else v for v in row])
        out[ws.title] = rows
    return out


def _brief(card) -> dict:
    """The headline of a what-if scorecard: scores, readiness, verdict and blockers."""
    return {
        "score": card.score,
        "readiness": card.readiness,
        "passed": card.verdict.passed,
        "blockers": [
            [b.rule, b.question, b.dimension, b.level, b.required] for b in card.verdict.blockers
        ],
        "dimensions": {d.id: d.score for d in card.dimensions},
    }


def snapshot(path: Path) -> dict:
    """Everything the demo shows, as plain JSON values."""
    from groundwork import demo, reports
    from groundwork.excel import export_workbook
    from groundwork.scoring import score
    from groundwork.store import open_store

    with open_store(path) as store:
        demo.seed(store, today=TODAY)
    with open_store(path) as store:
        rounds, latest = [], store.latest_assessments()
        for a in store.assessments():
            rubric = store.rubric(a.rubric_sha256)
            answers = store.answers(a.id)
            cards = {
                f"{stage}/{tier}": _brief(score(rubric, answers, stage, tier))
                for stage in rubric.stage_ids
                for tier in rubric.tier_ids
            }
            view = reports.roadmap_view(store, a.id, start=START)
            rounds.append(
                {
                    "id": a.id,
                    "scope": store.scope_path(a.scope_id),
                    "label": a.label,
                    "status": a.status,
                    "stored": score(rubric, answers, a.stage, a.tier).to_dict(),
                    "what_if": cards,
                    "roadmap": view.roadmap.to_dict(),
                    "roadmap_rows": view.rows,
                }
            )
            if a.id == latest[a.scope_id].id:
                rounds[-1]["workbook"] = _cells(export_workbook(store, a.id, start=START))
        return {
            "rounds": rounds,
            "portfolio": reports.portfolio(store),
            "history": {s.id: reports.history(store, s.id) for s in store.scopes()},
        }


def _json(value: object) -> str:
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def test_demo_matches_the_golden_record(tmp_path):
    got = json.loads(_json(snapshot(tmp_path / "demo.db")))
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert got["portfolio"] == want["portfolio"]
    assert got["history"] == want["history"]
    assert len(got["rounds"]) == len(want["rounds"])
    for g, w in zip(got["rounds"], want["rounds"], strict=True):
        assert set(g) == set(w)
        for key in w:
            assert g[key] == w[key], f"round {w['id']} ({w['scope']}, {w['label']}): {key}"
    assert got == want


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_golden.py --write")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        GOLDEN.write_text(_json(snapshot(Path(tmp) / "demo.db")), encoding="utf-8")
    print(f"wrote {GOLDEN}")
