"""The benchmark itself works: every figure runs once at a tiny size, returns a complete
result and its work lands. No timing is asserted here; `make bench` is for that."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_bench():
    spec = importlib.util.spec_from_file_location("groundwork_bench", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = load_bench()

TINY = bench.Sizes(
    pairs=1,
    results_runs=1,
    portfolio=(5,),
    portfolio_rounds=2,
    portfolio_runs=1,
    participants=3,
    answers=3,
    workshop_runs=1,
    workbook_runs=1,
    server_runs=1,
    cli_runs=1,
)


@pytest.mark.parametrize("name", list(bench.FIGURES))
def test_figure_runs_and_its_work_lands(name, tmp_path):
    ctx = bench.Context(tmp_path, TINY, cache=tmp_path / "cache")
    results = bench.FIGURES[name](ctx)  # a NotLanded error fails the test
    assert results
    for r in results:
        assert not r.error and r.landed, r
        assert r.value is not None and r.value > 0, r
        assert r.anchor is not None and r.anchor > 0, r
        assert r.ratio == pytest.approx(r.value / r.anchor)
        assert r.goal
        assert r.verdict in ("pass", "FAIL", "info")


def test_a_missed_goal_fails_and_the_table_says_so():
    ok = bench.Result("fast", 10.0, 10.0, max_ratio=1.3)
    slow = bench.Result("slow", 20.0, 10.0, max_ratio=1.3)
    absolute = bench.Result("absolute", 60.0, 1.0, max_value=50)
    lost = bench.Result("lost", 1.0, 1.0, max_ratio=2, landed=False)
    assert ok.passed and ok.verdict == "pass"
    assert not slow.passed and slow.verdict == "FAIL"
    assert not absolute.passed
    assert not lost.passed and lost.verdict == "FAIL"
    text = bench.table([ok, slow])
    assert "2.00x" in text and "FAIL" in text


def test_a_figure_whose_work_does_not_land_fails_the_run(monkeypatch, tmp_path, capsys):
    def lost(ctx):
        bench.landed(False, "saved 0 rows, expected 3")

    monkeypatch.setitem(bench.FIGURES, "lost", lost)
    monkeypatch.setattr(bench.tempfile, "gettempdir", lambda: str(tmp_path))
    assert bench.main(["--only", "lost"]) == 1
    assert "saved 0 rows, expected 3" in capsys.readouterr().out
