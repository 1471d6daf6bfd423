"""Benchmarks: `make bench` prints medians of several runs. Figures, not pass/fail."""

from __future__ import annotations

import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from groundwork import demo, reports  # noqa: E402
from groundwork.roadmap import build_roadmap  # noqa: E402
from groundwork.rubric import DEFAULT_RUBRIC, load_rubric  # noqa: E402
from groundwork.scoring import Answer, score  # noqa: E402
from groundwork.store import Store, open_store  # noqa: E402


def median_ms(fn: Callable[[], object], runs: int = 7, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def line(name: str, value: float, unit: str = "ms") -> None:
    print(f"  {name:<58} {value:>10.2f} {unit}")


def bench_domain(rubric) -> None:
    answers = {q.id: Answer(1 + i % 3) for i, q in enumerate(rubric.questions)}

    def both() -> None:
        score(rubric, answers, "production", "high")
        build_roadmap(rubric, answers, "production", "high", start=dt.date(2027, 1, 1), capacity=8)

    line("score + roadmap of one round (28 questions)", median_ms(both, runs=21))


def bench_store(tmp: Path, rubric) -> int:
    with open_store(tmp / "store.db") as s:
        org = s.create_organisation("Bench")
        scope = s.create_scope(org, "system", "Bot")
        aid = s.create_assessment(scope, rubric, "production", "minimal")
        counter = iter(range(10_000))

        def save() -> None:
            with Store(s.path) as mine:
                mine.save_answer(aid, "MON-1", Answer(1 + next(counter) % 5))

        line("save one answer (new connection, audited upsert)", median_ms(save, runs=21))
    return aid


BARE_PAGE = """
import streamlit as st
st.title("Assess")
st.progress(0.5, text="14 of 28 questions answered")
st.radio("Dimension", list("ABCDEF"), horizontal=True, key="dim")
for i in range({n}):
    with st.container(border=True):
        st.markdown(f"**Q-{{i}} question text**")
        st.caption("Why it matters")
        for col, level in zip(st.columns(5), range(1, 6)):
            with col.container(border=False):
                st.markdown(f"**{{level}} · Label**")
                st.caption("A level description of a sensible length for a rubric. " * 2)
        st.radio(f"Your answer for Q-{{i}}", [1, 2, 3, 4, 5, "na", "unknown"], index=None,
                 horizontal=True, key=f"q{{i}}")
        a, b = st.columns([1, 2])
        a.pills("Confidence", [1, 2, 3, 4, 5], key=f"c{{i}}")
        b.text_input("Evidence", key=f"e{{i}}")
        st.text_area("Notes", key=f"n{{i}}", height=68)
"""


def bench_assess_rerun(tmp: Path, rubric, aid: int) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest, app_test

    class ExplicitNavigation(PagesManager):
        """Run pages through app.py's st.navigation, as the server does (see tests)."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    app_test.PagesManager = ExplicitNavigation

    os.environ["GROUNDWORK_DB"] = str(tmp / "store.db")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["round"] = str(aid)
    at.run()
    at.switch_page("pages/assess.py").run()
    values = iter(range(10_000))
    radio = f"a{aid}-MON-2-level"

    def answer() -> None:
        at.radio(key=radio).set_value(1 + next(values) % 5).run()

    assert not at.exception, at.exception
    n = len(rubric.dimensions[0].questions)
    bare_file = tmp / "bare.py"
    bare_file.write_text(BARE_PAGE.format(n=n))
    bare = AppTest.from_file(str(bare_file), default_timeout=60)
    bare.run()

    def bare_answer() -> None:
        bare.radio(key="q1").set_value(1 + next(values) % 5).run()

    # Interleaved pairs, so drift in the machine's load hits both sides alike; the ratio is
    # the median of the pairs' ratios.
    answer(), bare_answer()
    reals, bares = [], []
    for _ in range(41):
        reals.append(median_ms(answer, runs=1, warmup=0))
        bares.append(median_ms(bare_answer, runs=1, warmup=0))
    ratio = statistics.median(r / b for r, b in zip(reals, bares, strict=True))
    line("Assess page rerun after one answer (AppTest, through app.py)", statistics.median(reals))
    line("bare page, same widgets, no logic (AppTest)", statistics.median(bares))
    line("ratio, median of 41 interleaved pairs (goal: at most 1.5)", ratio, "x")


def bench_results(tmp: Path) -> None:
    path = tmp / "demo.db"
    demo.reset(path)
    with Store(path) as s:
        latest = max(a.id for a in s.assessments())

        def results() -> None:
            rnd = reports.load_round(s, latest)
            prev = reports.previous_round(s, rnd.assessment)
            if prev:
                reports.load_round(s, prev.id)
            reports.history(s, rnd.assessment.scope_id)

        line("Results page data for one round (round, previous, history)", median_ms(results))
        line(
            "Roadmap page data for one round",
            median_ms(lambda: reports.roadmap_view(s, latest, start=dt.date(2027, 1, 1))),
        )


def bench_portfolio(tmp: Path, rubric) -> None:
    path = tmp / "big.db"
    t = time.perf_counter()
    with open_store(path) as s:
        org = s.create_organisation("Big")
        questions = [q.id for q in rubric.questions][:30]
        for n in range(500):
            scope = s.create_scope(org, "system", f"System {n}", stage="pilot", tier="limited")
            for r in range(12):
                answers = {q: Answer(1 + (n + r + i) % 5) for i, q in enumerate(questions)}
                day = dt.date(2024, 1, 1) + dt.timedelta(days=91 * r)
                s.import_round(
                    scope,
                    rubric,
                    "production",
                    "limited",
                    answers,
                    label=f"R{r}",
                    created_at=f"{day}T09:00:00+00:00",
                    final=True,
                )
    built = time.perf_counter() - t
    print(
        f"  (synthetic data: 500 systems x 12 rounds x {len(questions)} questions, "
        f"built in {built:.1f} s, {path.stat().st_size / 1e6:.1f} MB)"
    )
    with Store(path) as s:

        def cold() -> None:
            reports._FINAL_SUMMARIES.clear()
            reports.portfolio(s)

        line("portfolio, 500 systems x 12 rounds, first load", median_ms(cold, runs=5))
        line(
            "portfolio, 500 systems x 12 rounds, later loads",
            median_ms(lambda: reports.portfolio(s), runs=5),
        )


def peak_mb(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def bench_export(tmp: Path, rubric) -> None:
    from openpyxl import Workbook, load_workbook

    from groundwork.excel import export_workbook

    path = tmp / "export.db"
    with open_store(path) as s:
        org = s.create_organisation("Export")
        scope = s.create_scope(org, "system", "Bot", stage="pilot", tier="high")
        for r in range(12):
            answers = {
                q.id: Answer(1 + (r // 3 + i) % 5, evidence=f"evidence {i}")
                for i, q in enumerate(rubric.questions)
            }
            day = dt.date(2024, 1, 1) + dt.timedelta(days=91 * r)
            aid = s.import_round(
                scope,
                rubric,
                "production",
                "high",
                answers,
                label=f"R{r}",
                created_at=f"{day}T09:00:00+00:00",
                final=True,
            )

        def export() -> bytes:
            return export_workbook(s, aid, start=dt.date(2027, 1, 1))

        data = export()
        book = load_workbook(io.BytesIO(data))
        shape = [(ws.max_row, ws.max_column) for ws in book.worksheets]
        cells = sum(r * c for r, c in shape)

        def plain() -> bytes:
            wb = Workbook()
            wb.remove(wb.active)
            for n, (rows, cols) in enumerate(shape):
                ws = wb.create_sheet(f"S{n}")
                for row in range(rows):
                    ws.append([f"cell {row}:{c}" for c in range(cols)])
            out = io.BytesIO()
            wb.save(out)
            return out.getvalue()

        t_real, t_plain = median_ms(export, runs=5), median_ms(plain, runs=5)
        m_real, m_plain = peak_mb(export), peak_mb(plain)
        print(
            f"  (workbook: {len(book.worksheets)} sheets, {cells} cells, "
            f"{len(data) / 1e3:.0f} kB; 12 rounds of history)"
        )
        line("export the roadmap workbook", t_real)
        line("plain openpyxl, same cells, no styling", t_plain)
        line("time ratio", t_real / t_plain, "x")
        line("peak memory, export", m_real, "MB")
        line("peak memory, plain openpyxl", m_plain, "MB")
        line("memory ratio", m_real / m_plain, "x")


def main() -> None:
    rubric = load_rubric(DEFAULT_RUBRIC)
    print("Groundwork benchmarks (median of several runs)")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        bench_domain(rubric)
        aid = bench_store(tmp, rubric)
        bench_assess_rerun(tmp, rubric, aid)
        bench_results(tmp)
        bench_export(tmp, rubric)
        bench_portfolio(tmp, rubric)


if __name__ == "__main__":
    main()
