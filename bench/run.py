"""Benchmarks with goals: `make bench` measures each figure against an anchor measured in
the same run, prints value, anchor, ratio, goal and peak memory, and exits 1 when a goal
is missed.

Every anchor is the same work done plainly, like for like:

- Assess answer: the real Assess page (through app.py's st.navigation, with its sidebar)
  against a bare app with the same navigation (stub pages), the same sidebar and a bare
  Assess page with the same widgets for one dimension, whose answer radio saves through a
  bare SQLite upsert (new connection, process lock, BEGIN IMMEDIATE, one INSERT ... ON
  CONFLICT DO UPDATE, COMMIT). Both sides run through the same AppTest harness, patched
  to compile each script once and keep the bytecode, as a real server does (AppTest on
  its own recompiles app.py and the page on every run).
- Results: the data the Results page loads for one round, in a fresh process (nothing
  cached), then warm; goal absolute. Anchor: plain SELECTs of the same rows.
- Portfolio: `reports.portfolio` on synthetic data (bulk-inserted through the store's own
  schema, cached under bench/.cache/), first load in a fresh process and warm; anchor: one
  SELECT joining the latest rounds' answers to their rounds, then a weighted mean per
  round and dimension in pandas.
- History: one scope's rounds as the History page loads them (picker, summaries, target
  band) and the delta between its first and last rounds with the closed loop (roadmap
  work between every two rounds added to that scope through the store), on the same
  synthetic portfolio, warm in this process; anchor: one SELECT of the same answers and a
- Workshop: participants who joined with a code answering concurrently through
  `Store.save_participant_answer` (the join page's own save: token, then `change_answer`), each
  thread with its own Store; anchor: the bare upsert under the same locking, same threads.
- Workbook: `excel.export_workbook` against plain openpyxl writing the same cell values
  (the portfolio workbook likewise); each timed call starts after a full collection, so
  neither side pays for what the other left to the cycle collector.
- Server start: `groundwork serve` against bare `streamlit run app.py`, to a healthy
  `/_stcore/health`.
- CLI: `groundwork score ... --json` as a whole process; anchor: the bare interpreter.

Timed loops check that their work landed (rows saved, rows listed, sheets written); a
figure whose work did not land fails whatever its time. Sides are interleaved (ABBA) and
medians taken, so drift in the machine's load hits both alike.

Usage: bench/run.py [--only NAME[,NAME]] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
# The pages as `make run` serves them: demo mode, no sign-in.
os.environ.setdefault("GROUNDWORK_DEMO", "1")

from groundwork.rubric import DEFAULT_RUBRIC, Rubric, load_rubric  # noqa: E402
from groundwork.scoring import Answer, score, summarise  # noqa: E402
from groundwork.store import Store, let_go, open_store  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
BUILDER_VERSION = 2  # bump when the synthetic data changes shape (2: outcomes)
BIN = Path(sys.executable).parent
MIB = 1024 * 1024


class NotLanded(AssertionError):
    """A timed loop's work did not land: the figure fails whatever its time."""


def landed(condition: bool, message: str) -> None:
    if not condition:
        raise NotLanded(message)


# ---------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------


@dataclass
class Result:
    figure: str
    value: float | None
    anchor: float | None = None
    unit: str = "ms"
    max_value: float | None = None  # goal: value <= max_value
    max_ratio: float | None = None  # goal: value / anchor <= max_ratio
    peak_mib: float | None = None
    anchor_peak_mib: float | None = None
    landed: bool = True
    note: str = ""
    error: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.anchor:
            return None
        return self.value / self.anchor

    @property
    def goal(self) -> str:
        parts = []
        if self.max_value is not None:
            parts.append(f"<= {self.max_value:g} {self.unit}")
        if self.max_ratio is not None:
            parts.append(f"<= {self.max_ratio:g}x")
        return " and ".join(parts) or "(info)"

    @property
    def has_goal(self) -> bool:
        return self.max_value is not None or self.max_ratio is not None

    @property
    def passed(self) -> bool:
        if self.error or not self.landed or self.value is None:
            return False
        if self.max_value is not None and self.value > self.max_value:
            return False
        ratio = self.ratio
        if self.max_ratio is not None and (ratio is None or ratio > self.max_ratio):
            return False
        return True

    @property
    def verdict(self) -> str:
        if self.error or not self.landed:
            return "FAIL"
        if not self.has_goal:
            return "info"
        return "pass" if self.passed else "FAIL"


@dataclass
class Sizes:
    """How much work each figure does; --quick and the tests make it smaller."""

    pairs: int = 21  # interleaved pairs for the Assess figure
    results_runs: int = 5  # fresh processes for the Results figure
    portfolio: tuple[int, ...] = (50, 500, 2000)
    portfolio_rounds: int = 12
    portfolio_runs: int = 5  # fresh processes per size and side
    participants: int = 40
    answers: int = 30
    workshop_runs: int = 9
    workbook_runs: int = 15
    server_runs: int = 15
    cli_runs: int = 9

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            pairs=5,
            results_runs=3,
            portfolio=(50, 500),
            portfolio_runs=3,
            participants=10,
            answers=10,
            workshop_runs=1,
            workbook_runs=3,
            server_runs=2,
            cli_runs=3,
        )


@dataclass
class Context:
    tmp: Path
    sizes: Sizes = field(default_factory=Sizes)
    cache: Path = CACHE
    rubric: Rubric = field(default_factory=lambda: load_rubric(DEFAULT_RUBRIC))


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def median_or_none(xs: list[float | None]) -> float | None:
    known = [x for x in xs if x is not None]
    return statistics.median(known) if known else None


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def ms_since(t: float) -> float:
    return (time.perf_counter() - t) * 1000


def traced_peak(fn: Callable[[], object]) -> float:
    """Peak Python heap (MiB) while fn runs, above what was allocated before."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / MIB
    finally:
        tracemalloc.stop()


def interleave(a: Callable[[], float], b: Callable[[], float], n: int) -> tuple[list, list]:
    """n timings of each side in ABBA order; each callable returns its own time."""
    xs, ys = [], []
    for i in range(n):
        if i % 2 == 0:
            xs.append(a())
            ys.append(b())
        else:
            ys.append(b())
            xs.append(a())
    return xs, ys


# ---------------------------------------------------------------------------------
# Bare SQLite: the same locking as Store.write, nothing else
# ---------------------------------------------------------------------------------

_BARE_LOCK = threading.RLock()
BARE_UPSERT = (
    "insert into answers (assessment_id, participant_id, question_id, value, confidence,"
    " evidence, notes, answered_by, answered_at, version) values (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
    " on conflict (assessment_id, participant_id, question_id) do update set"
    " value = excluded.value, answered_by = excluded.answered_by,"
    " answered_at = excluded.answered_at, version = version + 1"
)


def bare_connect(path: Path | str) -> sqlite3.Connection:
    """A connection set up as Store sets up its own (autocommit, same pragmas)."""
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def bare_upsert(conn: sqlite3.Connection, aid: int, pid: int, qid: str, value: object) -> None:
    with _BARE_LOCK:
        conn.execute("BEGIN IMMEDIATE")
        try:
            stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")  # as a save stamps
            conn.execute(BARE_UPSERT, (aid, pid, qid, str(value), None, "", "", "", stamp))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def bare_save(path: str, aid: int, pid: int, qid: str, value: object) -> None:
    """One answer saved on a new connection, as a page's callback does."""
    conn = bare_connect(path)
    try:
        bare_upsert(conn, aid, pid, qid, value)
    finally:
        conn.close()


def stored_value(path: Path | str, aid: int, qid: str, pid: int | None = None) -> str | None:
    conn = sqlite3.connect(path)
    try:
        sql = "select value from answers where assessment_id = ? and question_id = ?"
        args: list = [aid, qid]
        if pid is not None:
            sql += " and participant_id = ?"
            args.append(pid)
        row = conn.execute(sql, args).fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def new_round(path: Path, rubric: Rubric, name: str = "Bench") -> tuple[int, int]:
    """A database with one draft round: (assessment id, self participant id)."""
    with open_store(path) as s:
        org = s.create_organisation(name)
        scope = s.create_scope(org, "system", "Bot", stage="pilot", tier="limited")
        aid = s.create_assessment(scope, rubric, "production", "limited", label="Bench round")
        return aid, s.participant(aid)


# ---------------------------------------------------------------------------------
# Assess: save + rerun against a bare page with the same widgets
# ---------------------------------------------------------------------------------

BARE_APP = """
import streamlit as st

st.set_page_config(page_title="Bare", layout="wide")
pages = [
    st.Page("pages/portfolio.py", title="Portfolio", icon=":material/dashboard:", default=True),
    st.Page("pages/assess.py", title="Assess", icon=":material/edit_note:"),
    st.Page("pages/results.py", title="Results", icon=":material/fact_check:"),
    st.Page("pages/history.py", title="History", icon=":material/history:"),
    st.Page("pages/roadmap.py", title="Roadmap", icon=":material/timeline:"),
    st.Page("pages/outcomes.py", title="Outcomes", icon=":material/monitoring:"),
    st.Page("pages/workshop.py", title="Workshop", icon=":material/groups:"),
    st.Page("pages/rubric.py", title="Rubric", icon=":material/menu_book:"),
    st.Page("pages/users.py", title="Users", icon=":material/group:"),
    st.Page("pages/join.py", title="Join", url_path="join", visibility="hidden"),
]
page = st.navigation(pages)
with st.sidebar:
    st.caption("Bare app")
    st.caption("Bare mode: everyone is the same person.")
st.markdown(":orange-background[:material/lock_open: Bare mode]")
page.run()
"""

BARE_ASSESS = """
import sys
import streamlit as st

sys.path.insert(0, {bench!r})
from run import bare_save

DB, AID, PID = {db!r}, {aid}, {pid}
QUESTIONS = {questions!r}
LEVELS = {levels!r}
DIMS = {dims!r}


def save(qid):
    bare_save(DB, AID, PID, qid, st.session_state["q-" + qid])


st.title("Assess")
st.subheader("Bench / Bot")
st.caption("Bench round · target stage Production · risk tier Limited")
st.progress(0.5, text="14 of 28 questions answered")
st.radio("Dimension", DIMS, horizontal=True, key="dim")
st.markdown("### Dimension title")
st.caption("A dimension description of a sensible length. " * 3)
for qid, text, why, levels in QUESTIONS:
    with st.container(border=True):
        st.markdown("**" + qid + " · " + text + "**")
        st.caption("Why it matters: " + why)
        for col, (level, label, description) in zip(st.columns(len(LEVELS)), levels):
            col.markdown(f"**{{level}} · {{label}}**  \\n:small[:gray[{{description}}]]")
        st.radio("Your answer for " + qid, [*LEVELS, "na", "unknown"], index=None,
                 horizontal=True, key="q-" + qid, on_change=save, args=(qid,))
        c1, c2 = st.columns([1, 2])
        c1.pills("Confidence", [1, 2, 3, 4, 5], key="c-" + qid)
        c2.text_input("Evidence (links, documents)", key="e-" + qid, max_chars=4000)
        st.text_area("Notes", key="n-" + qid, max_chars=4000, height=68)
nav1, nav2, nav3 = st.columns(3)
nav1.button("Next: Data →")
nav2.page_link("pages/results.py", label="See the results", icon=":material/fact_check:")
with nav3.popover("Finalise this round"):
    st.warning("22 questions still unanswered.")
    st.write("A final round can no longer be edited; a correction is a new round.")
    st.button("Finalise", type="primary")
st.divider()
st.button("Start another round")
"""


@contextmanager
def compiled_once() -> Iterator[None]:
    """AppTest, but compiling each script once and keeping the bytecode as a server does,
    and running pages through app.py's st.navigation (as the tests do)."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()

    class ExplicitNavigation(PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    saved = (app_test.ScriptCache, local_script_runner.ScriptCache, app_test.PagesManager)
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    app_test.PagesManager = ExplicitNavigation
    try:
        yield
    finally:
        app_test.ScriptCache, local_script_runner.ScriptCache, app_test.PagesManager = saved


@contextmanager
def database(path: Path) -> Iterator[None]:
    """GROUNDWORK_DB for the pages, put back as it was afterwards."""
    saved = os.environ.get("GROUNDWORK_DB")
    os.environ["GROUNDWORK_DB"] = str(path)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("GROUNDWORK_DB", None)
        else:
            os.environ["GROUNDWORK_DB"] = saved


def widget_counts(at) -> dict[str, int]:
    return {
        "radio": len(at.radio),
        "text_input": len(at.text_input),
        "text_area": len(at.text_area),
        "pills": len(at.button_group),
        "button": len(at.button),
    }


def bare_app(folder: Path, rubric: Rubric, db: Path, aid: int, pid: int) -> Path:
    dim = rubric.dimensions[0]
    questions = [
        (
            q.id,
            q.text,
            q.why or "",
            [(lv, rubric.label(lv), q.levels[lv]) for lv in rubric.levels],
        )
        for q in dim.questions
    ]
    (folder / "pages").mkdir(parents=True, exist_ok=True)
    others = ("portfolio", "results", "history", "roadmap", "outcomes", "workshop", "rubric")
    for name in (*others, "users", "join"):
        (folder / "pages" / f"{name}.py").write_text(
            f"import streamlit as st\nst.title({name.title()!r})\n"
        )
    (folder / "pages" / "assess.py").write_text(
        BARE_ASSESS.format(
            bench=str(ROOT / "bench"),
            db=str(db),
            aid=aid,
            pid=pid,
            questions=questions,
            levels=list(rubric.levels),
            dims=[f"{d.title} (0/{len(d.questions)})" for d in rubric.dimensions],
        )
    )
    (folder / "app.py").write_text(BARE_APP)
    return folder / "app.py"


def bench_assess(ctx: Context) -> list[Result]:
    from streamlit.testing.v1 import AppTest

    rubric = ctx.rubric
    real_db, bare_db = ctx.tmp / "assess.db", ctx.tmp / "assess-bare.db"
    aid, _ = new_round(real_db, rubric)
    bare_aid, bare_pid = new_round(bare_db, rubric)
    bare_file = bare_app(ctx.tmp / "bare-app", rubric, bare_db, bare_aid, bare_pid)
    qid = rubric.dimensions[0].questions[1].id
    counter = iter(range(1_000_000))
    with database(real_db), compiled_once():
        real = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        real.query_params["round"] = str(aid)
        real.run()
        real.switch_page("pages/assess.py").run()
        landed(not real.exception, f"Assess page failed: {real.exception}")
        bare = AppTest.from_file(str(bare_file), default_timeout=120)
        bare.run()
        bare.switch_page("pages/assess.py").run()
        landed(not bare.exception, f"bare page failed: {bare.exception}")
        shape_real, shape_bare = widget_counts(real), widget_counts(bare)
        landed(
            shape_real == shape_bare,
            f"not like for like: Assess page {shape_real}, bare page {shape_bare}",
        )

        def answer(at, key: str, db: Path, which: int) -> float:
            value = rubric.levels[next(counter) % len(rubric.levels)]
            if str(stored_value(db, which, qid)) == str(value):
                value = rubric.levels[next(counter) % len(rubric.levels)]
            t = time.perf_counter()
            at.radio(key=key).set_value(value).run()
            took = ms_since(t)
            landed(not at.exception, f"rerun failed: {at.exception}")
            got = stored_value(db, which, qid)
            landed(got == str(value), f"{qid} saved as {got!r}, expected {value!r}")
            return took

        real_key, bare_key = f"a{aid}-{qid}-level", f"q-{qid}"

        def one_real() -> float:
            return answer(real, real_key, real_db, aid)

        def one_bare() -> float:
            return answer(bare, bare_key, bare_db, bare_aid)

        one_real(), one_bare()  # warm both
        reals, bares = interleave(one_real, one_bare, ctx.sizes.pairs)
        peak, bare_peak = traced_peak(one_real), traced_peak(one_bare)
    ratios = [r / b for r, b in zip(reals, bares, strict=True)]
    return [
        Result(
            "Assess answer (save + rerun)",
            median(reals),
            median(bares),
            max_ratio=1.3,
            peak_mib=peak,
            anchor_peak_mib=bare_peak,
            note=(
                f"{len(reals)} interleaved pairs; median of pair ratios "
                f"{median(ratios):.2f}x; widgets per side {shape_real}"
            ),
        )
    ]


# ---------------------------------------------------------------------------------
# Fresh processes: Results and Portfolio first views after a restart
# ---------------------------------------------------------------------------------


def results_view(db: str, aid: int) -> int:
    """What the Results page loads for one round, in the order the page asks for it."""
    from groundwork import reports

    with Store(db) as s:
        rounds = s.assessments()
        labels = {a.id: f"{s.scope_path(a.scope_id)} — {a.label}" for a in rounds}
        stored = s.assessment(aid)
        s.rubric(stored.rubric_sha256)
        rnd = reports.load_round(s, aid, stored.stage, stored.tier)
        prev = reports.previous_round(s, stored)
        if prev:
            reports.comparable_card(s, prev, stored.stage, stored.tier)
        history = reports.history(s, stored.scope_id)
        s.audit_log("assessment", aid)
        s.scope(stored.scope_id)
        rows = reports.answer_rows(rnd)
    landed(aid in labels and len(history) >= 1, "the round or its history is missing")
    return len(rows)


def results_plain(db: str, aid: int) -> int:
    """The same rows read plainly: rounds, this round's and the previous round's answers,
    every round's answers of the scope, and the round's audit log."""
    conn = sqlite3.connect(db)
    try:
        rounds = conn.execute("select * from assessments order by created_at, id").fetchall()
        scope = conn.execute("select scope_id from assessments where id = ?", [aid]).fetchone()[0]
        conn.execute("select * from scopes").fetchall()
        rows = conn.execute(
            "select a.* from answers a join participants p on p.id = a.participant_id"
            " where a.assessment_id = ? and p.role = 'self'",
            [aid],
        ).fetchall()
        conn.execute(
            "select a.assessment_id, a.question_id, a.value from answers a"
            " join assessments r on r.id = a.assessment_id where r.scope_id = ?",
            [scope],
        ).fetchall()
        conn.execute(
            "select * from audit_log where entity = 'assessment' and entity_id = ?", [str(aid)]
        ).fetchall()
    finally:
        conn.close()
    landed(bool(rounds) and bool(rows), "the round was not found")
    return len(rows)


def portfolio_view(db: str) -> list[dict]:
    from groundwork import reports

    with Store(db) as s:
        return reports.portfolio(s)


def portfolio_plain(db: str, rubric: Rubric):
    """One SELECT of the latest rounds' answers joined to their rounds, then a weighted
    mean per round and dimension in pandas."""
    import pandas as pd

    weights = {q.id: (d.id, q.weight) for d in rubric.dimensions for q in d.questions}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        df = pd.read_sql_query(
            "select r.scope_id, r.id as round, a.question_id, a.value"
            " from answers a join assessments r on r.id = a.assessment_id"
            " join participants p on p.id = a.participant_id and p.role = 'self'"
            " where r.id in (select id from (select id, row_number() over (partition by"
            " scope_id order by created_at desc, id desc) as n from assessments) where n = 1)",
            conn,
        )
    finally:
        conn.close()
    df["level"] = pd.to_numeric(df["value"], errors="coerce")
    df = df.dropna(subset=["level"])
    df["dimension"] = df["question_id"].map(lambda q: weights[q][0])
    df["w"] = df["question_id"].map(lambda q: weights[q][1])
    df["lw"] = df["level"] * df["w"]
    g = df.groupby(["scope_id", "round", "dimension"])[["lw", "w"]].sum()
    g["score"] = g["lw"] / g["w"]
    return g


def worker(kind: str, db: str, extra: str, trace: bool, warm: int) -> dict:
    """Run in a fresh process: one first call, then warm calls; or only the first call
    under tracemalloc for its peak."""
    rubric = load_rubric(DEFAULT_RUBRIC) if kind == "portfolio-plain" else None
    if kind.startswith("portfolio"):
        import pandas  # noqa: F401  # the pages import it at start; keep it out of the time

        from groundwork import reports  # noqa: F401

    calls: dict[str, Callable[[], object]] = {
        "results-real": lambda: results_view(db, int(extra)),
        "results-plain": lambda: results_plain(db, int(extra)),
        "portfolio-real": lambda: portfolio_view(db),
        "portfolio-plain": lambda: portfolio_plain(db, rubric),
    }
    call = calls[kind]
    if kind.startswith("results"):
        from groundwork import reports  # noqa: F401

    if trace:
        out: dict = {}
        out["peak_mib"] = traced_peak(lambda: out.setdefault("result", call()))
        result = out["result"]
    else:
        t = time.perf_counter()
        result = call()
        first = ms_since(t)
        warms = []
        for _ in range(warm):
            t = time.perf_counter()
            call()
            warms.append(ms_since(t))
    if kind == "portfolio-real":
        count = sum(r["kind"] == "system" and r["verdict"] is not None for r in result)
    elif kind == "portfolio-plain":
        count = result.index.get_level_values("scope_id").nunique()
    else:
        count = result
    if trace:
        return {"peak_mib": out["peak_mib"], "count": count}
    return {"first_ms": first, "warm_ms": median(warms) if warms else None, "count": count}


def in_fresh_process(kind: str, db: Path, extra: str = "", trace=False, warm=5) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, str(db), extra]
    command += ["--warm", str(warm)] + (["--trace"] if trace else [])
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} worker failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_results(ctx: Context) -> list[Result]:
    from groundwork import demo

    db = ctx.tmp / "results.db"
    demo.reset(db)
    with Store(db) as s:
        aid = max(s.assessments(), key=lambda a: (a.created_at, a.id)).id
        expected = len(s.rubric(s.assessment(aid).rubric_sha256).questions)

    def run(kind: str) -> dict:
        out = in_fresh_process(kind, db, str(aid))
        landed(out["count"] == expected, f"{kind}: {out['count']} answer rows, {expected} expected")
        return out

    samples: dict[str, list[dict]] = {"results-real": [], "results-plain": []}
    interleave(
        lambda: samples["results-real"].append(run("results-real")) or 0.0,
        lambda: samples["results-plain"].append(run("results-plain")) or 0.0,
        ctx.sizes.results_runs,
    )
    peak = in_fresh_process("results-real", db, str(aid), trace=True)["peak_mib"]
    plain_peak = in_fresh_process("results-plain", db, str(aid), trace=True)["peak_mib"]
    real, plain = samples["results-real"], samples["results-plain"]
    note = f"demo database, latest round; {len(real)} fresh processes per side"
    return [
        Result(
            "Results first view after a restart",
            median([x["first_ms"] for x in real]),
            median([x["first_ms"] for x in plain]),
            max_value=50,
            peak_mib=peak,
            anchor_peak_mib=plain_peak,
            note=note,
        ),
        Result(
            "Results view, warm",
            median([x["warm_ms"] for x in real]),
            median([x["warm_ms"] for x in plain]),
            max_value=50,
            note="median of 5 warm calls per process",
        ),
    ]


# ---------------------------------------------------------------------------------
# Synthetic portfolio data, bulk-inserted through the store's own schema
# ---------------------------------------------------------------------------------


def schema_key() -> str:
    """Changes whenever the store's migrations change the schema (or the builder changes)."""
    with tempfile.TemporaryDirectory() as d:
        with open_store(Path(d) / "empty.db") as s:
            sql = sorted(
                r[0] or "" for r in s.db.conn.execute("select sql from sqlite_master").fetchall()
            )
    text = f"builder {BUILDER_VERSION}\n" + "\n".join(sql)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _filled_tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute("select name from sqlite_master where type = 'table'")
            if not r[0].startswith(("sqlite_", "_"))
        ]
        return {n for n in names if conn.execute(f'select count(*) from "{n}"').fetchone()[0]}
    finally:
        conn.close()


def tables_the_store_fills(tmp: Path, rubric: Rubric) -> set[str]:
    """Which tables one final round written through the store puts rows in."""
    path = tmp / "store-path.db"
    with open_store(path) as s:
        org = s.create_organisation("Check")
        scope = s.create_scope(org, "system", "Bot", stage="pilot", tier="limited")
        answers = {q.id: Answer(1 + i % 5) for i, q in enumerate(rubric.questions)}
        s.import_round(scope, rubric, "production", "limited", answers, final=True)
        s.import_round(scope, rubric, "production", "limited", answers)  # a draft too
    return _filled_tables(path)


def _insert(conn: sqlite3.Connection, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    cols = list(rows[0])
    sql = f'insert into "{table}" ({", ".join(cols)}) values ({", ".join("?" * len(cols))})'
    conn.executemany(sql, [tuple(r[c] for c in cols) for r in rows])


def build_portfolio(path: Path, rubric: Rubric, systems: int, rounds: int) -> None:
    """systems AI systems (in units of 25) with rounds final rounds each, every question
    answered: some N/A (with a reason) and some unknown, as real rounds have."""
    with open_store(path) as s:
        org = s.create_organisation("Bench portfolio")
        org_scope = s.organisation_scope(org).id
        s.save_rubric(rubric)
    questions = [q.id for q in rubric.questions]
    stages, tiers = rubric.stage_ids, rubric.tier_ids
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    stamp = "2024-01-01T09:00:00+00:00"
    scopes, assessments, participants, answers, audit = [], [], [], [], []
    next_id = {"scope": org_scope + 1, "aid": 1, "pid": 1}
    units = []
    for u in range(max(1, systems // 25)):
        sid = next_id["scope"]
        next_id["scope"] += 1
        units.append(sid)
        scopes.append(_scope_row(sid, org, org_scope, "unit", f"Unit {u}", None, None, stamp))
    for n in range(systems):
        sid = next_id["scope"]
        next_id["scope"] += 1
        stage, tier = stages[n % len(stages)], tiers[n % len(tiers)]
        parent = units[n % len(units)]
        scopes.append(_scope_row(sid, org, parent, "system", f"System {n}", stage, tier, stamp))
        audit.append(_audit_row(stamp, "create", "scope", sid, "name", f"System {n}"))
        target = rubric.next_stage(stage) or stage
        for r in range(rounds):
            aid, pid = next_id["aid"], next_id["pid"]
            next_id["aid"] += 1
            next_id["pid"] += 1
            day = (dt.date(2024, 1, 1) + dt.timedelta(days=91 * r)).isoformat()
            at = f"{day}T09:00:00+00:00"
            assessments.append(
                {
                    "id": aid,
                    "scope_id": sid,
                    "label": f"R{r}",
                    "stage": target,
                    "tier": tier,
                    "rubric_sha256": rubric.sha256,
                    "rubric_id": rubric.id,
                    "rubric_version": rubric.version,
                    "status": "final",
                    "based_on": None,
                    "created_by": "",
                    "created_at": at,
                    "updated_at": at,
                    "finalised_at": at,
                }
            )
            participants.append(
                {"id": pid, "assessment_id": aid, "name": "Self-assessment", "role": "self",
                 "created_at": at}
            )  # fmt: skip
            for i, q in enumerate(questions):
                k = n * 7 + r * 3 + i
                value = "unknown" if k % 23 == 0 else "na" if k % 29 == 0 else 1 + (n + r + i) % 5
                answers.append(
                    {
                        "assessment_id": aid,
                        "participant_id": pid,
                        "question_id": q,
                        "value": str(value),
                        "confidence": 1 + k % 5,
                        "evidence": f"document {i}",
                        "notes": "not offered in this system" if value == "na" else "",
                        "answered_by": "",
                        "answered_at": at,
                        "version": 1,
                    }
                )
            audit.append(_audit_row(at, "create", "assessment", aid, "stage", target))
            audit.append(_audit_row(at, "import", "assessment", aid, "answers", len(questions)))
            audit.append(_audit_row(at, "finalise", "assessment", aid, "status", "final"))
    _insert(conn, "scopes", scopes)
    _insert(conn, "assessments", assessments)
    _insert(conn, "participants", participants)
    _insert(conn, "answers", answers)
    _insert(conn, "audit_log", audit)
    _insert_outcomes(conn, [s["id"] for s in scopes if s["kind"] == "system"], rounds)
    conn.execute("COMMIT")
    conn.close()
    # a final round's summary is stored when it is finalised: the same here, in bulk
    with open_store(path) as s:
        final = [a for a in s.assessments() if a.final]
        for i in range(0, len(final), 500):
            chunk = final[i : i + 500]
            given = s.answers_for([a.id for a in chunk])
            s.save_summaries(
                {a.id: summarise(score(rubric, given[a.id], a.stage, a.tier)) for a in chunk}
            )
    let_go(path)  # the store keeps an idle connection, which would hold the WAL open
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


def _insert_outcomes(conn: sqlite3.Connection, system_ids: list[int], rounds: int) -> None:
    """Every fourth system has an outcome with a counter-measure, a value per round each."""
    stamp = "2024-01-01T09:00:00+00:00"
    outcomes, values = [], []
    for n, sid in enumerate(system_ids[::4], start=1):
        outcomes.append(
            {"id": n, "scope_id": sid, "name": "Cost per case", "unit": "EUR",
             "direction": "lower", "baseline": 40.0, "baseline_date": "2024-01-01",
             "target": 30.0, "counter_name": "Errors in cases left to people",
             "counter_unit": "%", "counter_direction": "lower", "counter_baseline": 2.0,
             "counter_baseline_date": "2024-01-01", "created_at": stamp, "updated_at": stamp}
        )  # fmt: skip
        for r in range(rounds):
            day = (dt.date(2024, 1, 1) + dt.timedelta(days=91 * r)).isoformat()
            for measure, value in (("headline", 40.0 - r - n % 3), ("counter", 2.0 + r * 0.1)):
                values.append(
                    {"outcome_id": n, "measure": measure, "date": day, "value": value,
                     "recorded_by": "bench", "recorded_at": stamp}
                )  # fmt: skip
    _insert(conn, "outcomes", outcomes)
    _insert(conn, "outcome_values", values)


def _scope_row(sid, org, parent, kind, name, stage, tier, stamp) -> dict:
    return {
        "id": sid,
        "organisation_id": org,
        "parent_id": parent,
        "kind": kind,
        "name": name,
        "description": "",
        "stage": stage,
        "tier": tier,
        "created_at": stamp,
    }


def _audit_row(at, action, entity, entity_id, field_name, new) -> dict:
    return {
        "at": at,
        "who": "bench",
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "field": field_name,
        "old_value": None,
        "new_value": str(new),
    }


def portfolio_db(ctx: Context, systems: int) -> tuple[Path, float | None]:
    """The cached database for this size and schema, built when missing: (path, build s)."""
    rounds = ctx.sizes.portfolio_rounds
    q = len(ctx.rubric.questions)
    name = f"portfolio-{systems}x{rounds}x{q}-{ctx.rubric.sha256[:8]}-{schema_key()}.db"
    path = ctx.cache / name
    if path.exists():
        return path, None
    ctx.cache.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    part.unlink(missing_ok=True)
    t = time.perf_counter()
    build_portfolio(part, ctx.rubric, systems, rounds)
    part.rename(path)
    return path, time.perf_counter() - t


PORTFOLIO_GOALS = {500: (150, 2.0), 2000: (600, None)}  # systems: (ms, x the anchor)


def bench_portfolio(ctx: Context) -> list[Result]:
    store_fills = tables_the_store_fills(ctx.tmp, ctx.rubric)
    results = []
    for systems in ctx.sizes.portfolio:
        results += portfolio_size(ctx, systems, store_fills)
    return results


def portfolio_size(ctx: Context, systems: int, store_fills: set[str]) -> list[Result]:
    cached, built = portfolio_db(ctx, systems)
    missing = store_fills - _filled_tables(cached)
    landed(
        not missing,
        f"the synthetic data leaves {sorted(missing)} empty, which the store fills: "
        "update build_portfolio in bench/run.py",
    )

    def run(kind: str, db: Path) -> dict:
        out = in_fresh_process(kind, db)
        landed(out["count"] == systems, f"{kind}: {out['count']} systems, {systems} expected")
        return out

    real, plain = [], []

    def one_real() -> float:
        copy = ctx.tmp / f"portfolio-{systems}.db"  # a pristine copy: a first load may write
        shutil.copyfile(cached, copy)
        real.append(run("portfolio-real", copy))
        return 0.0

    def one_plain() -> float:
        plain.append(run("portfolio-plain", cached))
        return 0.0

    interleave(one_real, one_plain, ctx.sizes.portfolio_runs)
    shutil.copyfile(cached, ctx.tmp / "portfolio-trace.db")
    peak = in_fresh_process("portfolio-real", ctx.tmp / "portfolio-trace.db", trace=True)
    plain_peak = in_fresh_process("portfolio-plain", cached, trace=True)
    max_value, max_ratio = PORTFOLIO_GOALS.get(systems, (None, None))
    size = f"{systems} systems x {ctx.sizes.portfolio_rounds} rounds"
    note = (
        f"{len(ctx.rubric.questions)} questions a round; {cached.stat().st_size / 1e6:.0f} MB; "
        + (f"built in {built:.1f} s" if built is not None else "from bench/.cache")
        + f"; {len(real)} fresh processes per side"
    )
    return [
        Result(
            f"Portfolio {size}, {label}",
            median([x[key] for x in real]),
            median([x[key] for x in plain]),
            max_value=max_value,
            max_ratio=max_ratio,
            peak_mib=peak["peak_mib"] if key == "first_ms" else None,
            anchor_peak_mib=plain_peak["peak_mib"] if key == "first_ms" else None,
            note=note if key == "first_ms" else "median of 5 warm calls per process, both sides",
        )
        for label, key in (("first load", "first_ms"), ("warm", "warm_ms"))
    ]


# ---------------------------------------------------------------------------------
# Portfolio page data and the portfolio workbook
# ---------------------------------------------------------------------------------

PAGE_SIZES = (500, 2000)
PAGE_RATIO = 2.0  # portfolio page data <= 2x the plain group-by
WORKBOOK_GOALS = {500: (5000, 1.5)}  # systems: (ms, x plain openpyxl)


def page_data(db: Path, rubric: Rubric) -> int:
    """What the Portfolio page computes: every system, the heatmap, the unit roll-up and
    the trend (reports.portfolio_data and its frames). Returns the systems assessed. The
    rubric is parsed once, as the page's cached default rubric is."""
    from groundwork import reports

    dims = [d.id for d in rubric.dimensions]
    with Store(db) as s:
        data = reports.portfolio_data(s, rubric.stage_ids, today=dt.date(2027, 6, 1))
    heat = reports.heatmap(data, data.systems, dims)
    reports.unit_rollup(data, data.systems, dims)
    reports.trend(data, data.systems)
    return int(heat.notna().any(axis=1).sum())


def page_plain(db: Path) -> int:
    """The anchor: the same rows read with plain SQL (each system's unit and its latest
    final round's dimension scores, every final verdict), then a pandas group-by per unit
    and dimension and one per quarter."""
    import pandas as pd

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        scores = pd.read_sql_query(
            "with f as (select * from (select a.id, a.scope_id, row_number() over (partition"
            " by scope_id order by created_at desc, id desc) as n from assessments a"
            " where status = 'final') where n = 1)"
            " select f.scope_id, p.name as unit, j.key as dimension, j.value as score"
            " from f join scopes s on s.id = f.scope_id join scopes p on p.id = s.parent_id"
            " join round_summaries r on r.assessment_id = f.id, json_each(r.dimensions) j",
            conn,
        )
        verdicts = pd.read_sql_query(
            "select a.scope_id, substr(a.created_at, 1, 10) as date, r.verdict"
            " from assessments a join round_summaries r on r.assessment_id = a.id"
            " where a.status = 'final'",
            conn,
        )
    finally:
        conn.close()
    scores.groupby(["unit", "dimension"])["score"].agg(["mean", "min", "max", "std", "count"])
    verdicts["quarter"] = pd.PeriodIndex(pd.to_datetime(verdicts["date"]), freq="Q")
    verdicts["ready"] = verdicts["verdict"] == "ready"
    verdicts.groupby("quarter")["ready"].mean()
    return int(scores["scope_id"].nunique())


def bench_portfolio_page(ctx: Context) -> list[Result]:
    results = []
    for systems in _page_sizes(ctx):
        db, _ = portfolio_db(ctx, systems)
        landed(page_data(db, ctx.rubric) == systems, f"portfolio page data: not {systems} systems")
        landed(page_plain(db) == systems, f"plain group-by: not {systems} systems")
        reals, plains = interleave(
            lambda db=db: _ms(lambda: page_data(db, ctx.rubric)),
            lambda db=db: _ms(lambda: page_plain(db)),
            ctx.sizes.portfolio_runs,
        )
        results.append(
            Result(
                f"Portfolio page data, {systems} systems x {ctx.sizes.portfolio_rounds} rounds",
                median(reals),
                median(plains),
                max_ratio=PAGE_RATIO,
                peak_mib=traced_peak(lambda db=db: page_data(db, ctx.rubric)),
                anchor_peak_mib=traced_peak(lambda db=db: page_plain(db)),
                note="systems, heatmap, unit roll-up and trend; anchor: plain SQL and a "
                f"pandas group-by; median of {len(reals)} interleaved runs",
            )
        )
    return results


def _page_sizes(ctx: Context) -> tuple[int, ...]:
    """500 and 2000 systems (the sizes the goals name), or the tests' tiny size."""
    return tuple(n for n in ctx.sizes.portfolio if n in PAGE_SIZES) or ctx.sizes.portfolio[:1]


def _ms(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return ms_since(t)


def _ms_from_clean(fn: Callable[[], object]) -> float:
    """:func:`_ms` after a full collection, untimed: neither side of a workbook figure
    pays for the other's leftovers (openpyxl's cells form cycles with their sheet)."""
    gc.collect()
    return _ms(fn)


def sheet_values(data: bytes) -> dict[str, list[list]]:
    """Every sheet's cell values of a workbook: what the plain-openpyxl anchor writes."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book}


def plain_workbook(sheets: dict[str, list[list]]) -> bytes:
    """The anchor of the workbook figures: plain openpyxl writing the same cell values."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def bench_portfolio_workbook(ctx: Context) -> list[Result]:

    from groundwork.excel import portfolio_workbook

    results = []
    for systems in _page_sizes(ctx):
        db, _ = portfolio_db(ctx, systems)
        store = Store(db)

        def real(store: Store = store) -> bytes:
            return portfolio_workbook(store, ctx.rubric, today=dt.date(2027, 6, 1))

        first = real()
        sheets = sheet_values(first)
        cells = sum(sum(v is not None for v in row) for rows in sheets.values() for row in rows)
        landed(len(sheets["Heatmap"]) == systems + 1, "the heatmap misses systems")

        def plain(sheets: dict = sheets) -> bytes:
            return plain_workbook(sheets)

        runs = max(1, min(ctx.sizes.workbook_runs, 5))
        reals, plains = interleave(
            lambda: _ms_from_clean(real), lambda: _ms_from_clean(plain), runs
        )
        max_value, max_ratio = WORKBOOK_GOALS.get(systems, (None, None))
        results.append(
            Result(
                f"Portfolio workbook, {systems} systems",
                median(reals),
                median(plains),
                max_value=max_value,
                max_ratio=max_ratio,
                peak_mib=traced_peak(real),
                anchor_peak_mib=traced_peak(plain),
                note=f"{len(sheets)} sheets, {cells} cells, {len(first) / 1e6:.1f} MB; anchor: "
                f"plain openpyxl writing the same cells; median of {len(reals)} runs",
            )
        )
        store.close()
    return results


# ---------------------------------------------------------------------------------
# History: one scope's rounds, and the delta between two of them
# ---------------------------------------------------------------------------------


def history_view(db: str, scope_id: int) -> int:
    """What the History page loads for its picker, trend and table: the scopes that have
    rounds with their paths, every round's summary and the band of the next stage's targets."""
    from groundwork import compare, reports

    with Store(db) as s:
        with_rounds = s.assessed_scopes()
        paths = s.scope_paths()
        landed(scope_id in with_rounds and scope_id in paths, "the scope is not in the picker")
        rows = reports.history(s, scope_id)
        compare.next_stage_band(s, scope_id)
    return len(rows)


def history_plain(db: str, scope_id: int, weights: dict[str, tuple[str, float]]) -> int:
    """The same rounds' answers in one SELECT, then a weighted mean per round and
    dimension in a pandas group-by."""
    import pandas as pd

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        df = pd.read_sql_query(
            "select r.id as round, a.question_id, a.value from answers a"
            " join assessments r on r.id = a.assessment_id"
            " join participants p on p.id = a.participant_id and p.role = 'self'"
            " where r.scope_id = ?",
            conn,
            params=[scope_id],
        )
    finally:
        conn.close()
    return _weighted_by_dimension(df, weights).index.get_level_values("round").nunique()


def _weighted_by_dimension(df, weights: dict[str, tuple[str, float]]):
    import pandas as pd

    df["level"] = pd.to_numeric(df["value"], errors="coerce")
    df = df.dropna(subset=["level"])
    df["dimension"] = df["question_id"].map(lambda q: weights[q][0])
    df["w"] = df["question_id"].map(lambda q: weights[q][1])
    df["lw"] = df["level"] * df["w"]
    g = df.groupby(["round", "dimension"])[["lw", "w"]].sum()
    g["score"] = g["lw"] / g["w"]
    return g


def delta_view(db: str, first: int, second: int) -> int:
    """What the History page computes for two rounds: the delta and the closed loop."""
    from groundwork import compare

    with Store(db) as s:
        c = compare.compare(s, first, second)
    landed(any(r.item for r in c.loop.rows), "the closed loop placed no done item")
    return len(c.delta.questions)


def delta_plain(db: str, first: int, second: int, weights: dict[str, tuple[str, float]]) -> int:
    """The two rounds' answers in one SELECT, the change per question from a pivot and
    the change per dimension from a group-by."""
    import pandas as pd

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        df = pd.read_sql_query(
            "select a.assessment_id as round, a.question_id, a.value from answers a"
            " join participants p on p.id = a.participant_id and p.role = 'self'"
            " where a.assessment_id in (?, ?)",
            conn,
            params=[first, second],
        )
    finally:
        conn.close()
    levels = df.assign(level=pd.to_numeric(df["value"], errors="coerce")).pivot(
        index="question_id", columns="round", values="level"
    )
    moved = levels[second] - levels[first]
    dims = _weighted_by_dimension(df, weights)["score"].unstack("round")
    landed(len(dims) > 0, "no dimension scores")
    return len(moved)


def add_roadmap_work(db: Path, scope_id: int, rubric: Rubric) -> int:
    """Roadmap work between every two rounds of one scope, through the store (status
    changes, some reopened), so the closed loop has items to place; returns how many
    items end up done between the first and the last round."""
    from groundwork import compare

    questions = [q.id for q in rubric.questions]
    with Store(db) as s:
        rounds = s.assessments(scope_id)
        for r, a in enumerate(rounds[:-1]):
            start = dt.datetime.fromisoformat(a.finalised_at or a.created_at)
            for j in range(4):
                item = f"{questions[(r * 4 + j) % len(questions)]}@{2 + j % 3}"
                at = (start + dt.timedelta(days=10 + j)).isoformat()
                s.save_roadmap_item(scope_id, item, at=at, owner="Bench", status="in progress")
                at = (start + dt.timedelta(days=30 + j)).isoformat()
                s.save_roadmap_item(scope_id, item, at=at, status="done" if j else "blocked")
        done = len(compare.work_done_between(s, rounds[0], rounds[-1]))
    let_go(db)
    return done


HISTORY_GOALS = {500: 100, 2000: 100}  # systems: ms, for each of the two figures


def bench_history(ctx: Context) -> list[Result]:
    """One scope's history and the delta between its first and last rounds, in this
    process (warm: the page's process has imported everything), against plain pandas."""
    sizes = [n for n in ctx.sizes.portfolio if n >= 500] or list(ctx.sizes.portfolio[:1])
    weights = {q.id: (d.id, q.weight) for d in ctx.rubric.dimensions for q in d.questions}
    results = []
    import pandas  # noqa: F401  # the pages import it at start; keep it out of the time

    from groundwork import compare, reports  # noqa: F401

    for systems in sizes:
        cached, _ = portfolio_db(ctx, systems)
        db = ctx.tmp / f"history-{systems}.db"
        shutil.copyfile(cached, db)
        with Store(db) as s:
            scope = next(x for x in s.scopes() if x.name == f"System {systems // 2}")
            rounds = s.assessments(scope.id)
        let_go(db)
        done = add_roadmap_work(db, scope.id, ctx.rubric)
        landed(done > 0, "no roadmap work between the rounds to place in the closed loop")
        first, last = rounds[0].id, rounds[-1].id
        want, questions = len(rounds), len(ctx.rubric.questions)
        size = f"{systems} systems x {ctx.sizes.portfolio_rounds} rounds"
        runs = max(5, ctx.sizes.portfolio_runs * 3)
        for figure, real, plain, expected in (
            (
                f"History of one scope, {size}",
                partial(history_view, str(db), scope.id),
                partial(history_plain, str(db), scope.id, weights),
                want,
            ),
            (
                f"Delta of two rounds, {size}",
                partial(delta_view, str(db), first, last),
                partial(delta_plain, str(db), first, last, weights),
                questions,
            ),
        ):
            got: list[int] = []

            def timed(fn: Callable[[], int], got: list[int] = got) -> Callable[[], float]:
                def run() -> float:
                    t = time.perf_counter()
                    got.append(fn())
                    return ms_since(t)

                return run

            xs, ys = interleave(timed(real), timed(plain), runs)
            landed(got[0] == expected, f"{figure}: {got[0]} rows, {expected} expected")
            results.append(
                Result(
                    figure,
                    median(xs),
                    median(ys),
                    max_value=HISTORY_GOALS.get(systems),
                    peak_mib=traced_peak(real),
                    anchor_peak_mib=traced_peak(plain),
                    note=f"median of {runs} interleaved calls per side"
                    + ("; anchor: plain pandas group-by over the same rows"),
                )
            )
    return results


# ---------------------------------------------------------------------------------
# Workshop: concurrent answers
# ---------------------------------------------------------------------------------


def workshop(path: Path, rubric: Rubric, people: int, per_person: int, bare: bool) -> dict:
    """people threads, each with its own connection, answering per_person times."""
    with open_store(path) as s:
        org = s.create_organisation("Workshop")
        scope = s.create_scope(org, "system", "Bot", stage="pilot", tier="limited")
        aid = s.create_assessment(scope, rubric, "production", "limited")
        room = s.open_workshop(aid)
        tokens = [s.join_workshop(room.code, f"Person {i}", "engineering") for i in range(people)]
        pids = [s.seat(token).participant_id for token in tokens]
    questions = [q.id for q in rubric.questions]
    levels = rubric.levels
    times: list[float] = []
    errors: list[str] = []
    start = threading.Barrier(people)

    def person(i: int) -> None:
        pid = pids[i]
        mine: list[float] = []
        try:
            if bare:
                conn = bare_connect(path)
            else:
                store = Store(path)
            seen: dict[str, int] = {}
            start.wait()
            for k in range(per_person):
                qid = questions[k % len(questions)]
                value = levels[(i + k) % len(levels)]
                t = time.perf_counter()
                if bare:
                    bare_upsert(conn, aid, pid, qid, value)
                else:
                    stored = store.save_participant_answer(
                        tokens[i], qid, based_on=seen.get(qid, 0), value=value
                    )
                    seen[qid] = stored.version
                mine.append(ms_since(t))
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            (conn if bare else store).close()
            times.extend(mine)

    threads = [threading.Thread(target=person, args=(i,)) for i in range(people)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = ms_since(t)
    conn = sqlite3.connect(path)
    saved = conn.execute(
        "select count(*), coalesce(sum(version), 0) from answers where assessment_id = ?", [aid]
    ).fetchone()
    conn.close()
    rows = people * min(per_person, len(questions))
    versions = people * per_person  # a question answered again moves to the next version
    landed(not errors, f"{len(errors)} errors, first: {errors[:1]}")
    landed(
        tuple(saved) == (rows, versions),
        f"saved {saved[0]} rows at {saved[1]} versions, expected {rows} at {versions}",
    )
    return {"p95": p95(times), "median": median(times), "wall_ms": wall, "saves": len(times)}


def bench_workshop(ctx: Context) -> list[Result]:
    people, per = ctx.sizes.participants, ctx.sizes.answers
    real, bare = [], []
    runs = iter(range(1000))

    def one(is_bare: bool, out: list) -> float:
        path = ctx.tmp / f"workshop-{next(runs)}.db"
        out.append(workshop(path, ctx.rubric, people, per, is_bare))
        return 0.0

    interleave(lambda: one(False, real), lambda: one(True, bare), ctx.sizes.workshop_runs)
    peak = traced_peak(lambda: one(False, []))
    bare_peak = traced_peak(lambda: one(True, []))
    ratios = [r["p95"] / b["p95"] for r, b in zip(real, bare, strict=True)]
    return [
        Result(
            f"Workshop {people} x {per} answers, p95 of one save",
            median([r["p95"] for r in real]),
            median([b["p95"] for b in bare]),
            max_ratio=2.0,
            peak_mib=peak,
            anchor_peak_mib=bare_peak,
            note=(
                f"0 errors, all saved; {len(real)} runs per side, pair ratios "
                f"{', '.join(f'{x:.1f}' for x in ratios)}; wall "
                f"{median([r['wall_ms'] for r in real]):.0f} ms vs "
                f"{median([b['wall_ms'] for b in bare]):.0f} ms"
            ),
        )
    ]


# ---------------------------------------------------------------------------------
# Workbook
# ---------------------------------------------------------------------------------


def bench_workbook(ctx: Context) -> list[Result]:
    from openpyxl import load_workbook

    from groundwork.excel import export_workbook

    rubric = ctx.rubric
    path = ctx.tmp / "workbook.db"
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
                scope, rubric, "production", "high", answers, label=f"R{r}",
                created_at=f"{day}T09:00:00+00:00", final=r < 11,
            )  # fmt: skip
    store = Store(path)
    first = export_workbook(store, aid, start=dt.date(2027, 1, 1))
    sheets = sheet_values(first)
    cells = sum(sum(v is not None for v in row) for rows in sheets.values() for row in rows)

    def check(data: bytes) -> None:
        names = load_workbook(io.BytesIO(data), read_only=True).sheetnames
        landed(names == list(sheets), f"workbook sheets {names}, expected {list(sheets)}")

    def real() -> bytes:
        return export_workbook(store, aid, start=dt.date(2027, 1, 1))

    def plain() -> bytes:
        return plain_workbook(sheets)

    def timed(fn: Callable[[], bytes]) -> Callable[[], float]:
        def run() -> float:
            written: list[bytes] = []
            took = _ms_from_clean(lambda: written.append(fn()))
            check(written[0])
            return took

        return run

    timed(plain)()
    reals, plains = interleave(timed(real), timed(plain), ctx.sizes.workbook_runs)
    peak, plain_peak = traced_peak(real), traced_peak(plain)
    store.close()
    return [
        Result(
            "One-round workbook (export_workbook)",
            median(reals),
            median(plains),
            max_ratio=2.0,
            peak_mib=peak,
            anchor_peak_mib=plain_peak,
            note=f"{len(sheets)} sheets, {cells} cells, {len(first) / 1e3:.0f} kB",
        )
    ]


# ---------------------------------------------------------------------------------
# Processes: server start and the CLI
# ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_hwm_mib(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its descendants, summed."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(next(x for x in status.splitlines() if x.startswith("VmHWM")).split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def start_to_health(command: list[str], port: int, env: dict) -> tuple[float, float]:
    """Seconds from launch to a healthy /_stcore/health, and the tree's peak MiB."""
    url = f"http://127.0.0.1:{port}/_stcore/health"
    t = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{command[0]} exited: {proc.stderr.read().decode()[-800:]}")
            if time.perf_counter() - t > 60:
                raise RuntimeError(f"{command[0]} not healthy after 60 s")
            try:
                with urllib.request.urlopen(url, timeout=1) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            time.sleep(0.01)
        took = time.perf_counter() - t
        return took, tree_hwm_mib(proc.pid)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def bench_server(ctx: Context) -> list[Result]:
    from groundwork import demo

    db = ctx.tmp / "server.db"
    demo.reset(db)  # not empty: serve does not load the demo
    env = {**os.environ, "GROUNDWORK_DB": str(db), "PYTHONUNBUFFERED": "1"}
    env.pop("GROUNDWORK_ADDRESS", None)
    mems: dict[str, list[float]] = {"real": [], "bare": []}

    def real() -> float:
        port = free_port()
        took, mem = start_to_health(
            [str(BIN / "groundwork"), "serve", "--port", str(port)], port, env
        )
        mems["real"].append(mem)
        return took

    def bare() -> float:
        port = free_port()
        command = [
            str(BIN / "streamlit"), "run", "app.py", "--server.port", str(port),
            "--server.headless", "true", "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        took, mem = start_to_health(command, port, env)
        mems["bare"].append(mem)
        return took

    reals, bares = interleave(real, bare, ctx.sizes.server_runs)
    return [
        Result(
            "Server start to health (groundwork serve)",
            median(reals),
            median(bares),
            unit="s",
            max_ratio=1.15,
            peak_mib=median(mems["real"]),
            anchor_peak_mib=median(mems["bare"]),
            note=f"anchor: streamlit run app.py; {len(reals)} starts per side",
        )
    ]


TIME = Path("/usr/bin/time")


def timed_process(command: list[str], scratch: Path) -> tuple[float, float | None, str]:
    """Wall seconds, the process's own peak RSS in MiB, and its stdout.

    The peak comes from /usr/bin/time, which forks and execs the command: a child forked
    straight from this (large) process would report this process's RSS as its own peak.
    Without /usr/bin/time the peak is not known (None).
    """
    report = scratch / "maxrss.txt"
    wrapped = [str(TIME), "-f", "%M", "-o", str(report), *command] if TIME.exists() else command
    t = time.perf_counter()
    done = subprocess.run(wrapped, cwd=ROOT, capture_output=True, timeout=120)
    took = time.perf_counter() - t
    landed(done.returncode == 0, f"{command[0]} exited {done.returncode}: {done.stderr[-400:]!r}")
    peak = int(report.read_text().split()[-1]) / 1024 if TIME.exists() else None
    return took, peak, done.stdout.decode()


def bench_cli(ctx: Context) -> list[Result]:
    real_cmd = [
        str(BIN / "groundwork"), "score", "rubrics/genai-production.yaml",
        "examples/pilot.yaml", "--json",
    ]  # fmt: skip
    bare_cmd = [sys.executable, "-c", "pass"]
    mems: dict[str, list[float]] = {"real": [], "bare": []}

    def real() -> float:
        took, mem, out = timed_process(real_cmd, ctx.tmp)
        doc = json.loads(out)
        landed(isinstance(doc, dict) and "verdict" in doc, "no verdict in the JSON")
        mems["real"].append(mem)
        return took

    def bare() -> float:
        took, mem, _ = timed_process(bare_cmd, ctx.tmp)
        mems["bare"].append(mem)
        return took

    real(), bare()
    reals, bares = interleave(real, bare, ctx.sizes.cli_runs)
    return [
        Result(
            "CLI score --json, whole process",
            median(reals),
            median(bares),
            unit="s",
            max_value=0.35,
            peak_mib=median_or_none(mems["real"]),
            anchor_peak_mib=median_or_none(mems["bare"]),
            note=f"anchor: python -c pass; {len(reals)} runs per side",
        )
    ]


# ---------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------

FIGURES: dict[str, Callable[[Context], list[Result]]] = {
    "assess": bench_assess,
    "results": bench_results,
    "portfolio": bench_portfolio,
    "portfolio-page": bench_portfolio_page,
    "portfolio-workbook": bench_portfolio_workbook,
    "history": bench_history,
    "workshop": bench_workshop,
    "workbook": bench_workbook,
    "server": bench_server,
    "cli": bench_cli,
}


def fmt(x: float | None, unit: str = "") -> str:
    if x is None:
        return "—"
    if unit == "s":
        return f"{x:.3f} s"
    if unit == "ms":
        return f"{x:.1f} ms"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}"


def table(results: list[Result]) -> str:
    head = ("figure", "value", "anchor", "ratio", "goal", "peak MiB", "anchor MiB", "result")
    rows = [head]
    for r in results:
        rows.append(
            (
                r.figure,
                fmt(r.value, r.unit),
                fmt(r.anchor, r.unit),
                "—" if r.ratio is None else f"{r.ratio:.2f}x",
                r.goal,
                fmt(r.peak_mib),
                fmt(r.anchor_peak_mib),
                r.verdict,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            c.ljust(w) if i in (0, 4) else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_figures(names: list[str], ctx: Context) -> list[Result]:
    results: list[Result] = []
    for name in names:
        t = time.perf_counter()
        print(f"[{name}] running...", flush=True)
        try:
            got = FIGURES[name](ctx)
        except NotLanded as exc:
            got = [Result(f"{name}: work did not land", None, landed=False, error=str(exc))]
        except Exception as exc:  # noqa: BLE001 - one broken figure must not hide the others
            got = [Result(f"{name}: failed", None, error=f"{type(exc).__name__}: {exc}")]
        results += got
        print(f"[{name}] {time.perf_counter() - t:.0f} s", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma-separated, of: {', '.join(FIGURES)}")
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer runs")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--warm", type=int, default=5, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, db, extra = args.worker
        print(json.dumps(worker(kind, db, extra, args.trace, args.warm)))
        return 0
    names = args.only.split(",") if args.only else list(FIGURES)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    sizes = Sizes.quick() if args.quick else Sizes()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="groundwork-bench-") as d:
        results = run_figures(names, Context(Path(d), sizes))
    took = time.perf_counter() - started
    print()
    print(f"Groundwork benchmarks{' (--quick)' if args.quick else ''}: {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(table(results))
    print()
    for r in results:
        if r.error or r.note:
            print(f"  {r.figure}: {r.error or r.note}")
    goals = [r for r in results if r.has_goal or r.error or not r.landed]
    missed = [r for r in goals if not r.passed]
    print()
    print(
        f"{len(goals) - len(missed)} of {len(goals)} goals met, {len(missed)} missed "
        f"({took:.0f} s): {'PASS' if not missed else 'FAIL'}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
