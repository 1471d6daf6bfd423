"""Small Streamlit helpers shared by the pages: the store, the rubric, the round picker."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from groundwork import excel, words
from groundwork.rubric import DEFAULT_RUBRIC, Rubric
from groundwork.rubric_cache import load_rubric_file
from groundwork.scoring import Answer, Scorecard, answer_wording
from groundwork.store import Store, StoreError
from groundwork.ui import auth
from groundwork.ui.db import connect
from groundwork.ui.text import distinct, plain

log = logging.getLogger("groundwork")

PAGES = {
    "portfolio": "pages/portfolio.py",
    "assess": "pages/assess.py",
    "results": "pages/results.py",
    "history": "pages/history.py",
    "roadmap": "pages/roadmap.py",
    "outcomes": "pages/outcomes.py",
    "rubric": "pages/rubric.py",
    "workshop": "pages/workshop.py",
    "join": "pages/join.py",
    "users": "pages/users.py",
}
VERDICT_ICON = {"ready": "●", "not ready": "○"}


def store() -> Store:
    """A fresh connection for this script run (never kept in session state). A viewer's
    refuses every write, whatever control or callback asks for one."""
    s = connect()
    s.read_only = auth.read_only_reason()
    return s


@st.cache_resource(show_spinner=False)
def default_rubric() -> Rubric:
    """Parsed once per process; a Rubric is immutable, so every session may share it."""
    return load_rubric_file(DEFAULT_RUBRIC)


def who() -> str:
    """The name the audit log records: the signed-in user's (the demo's stand-in in demo
    mode)."""
    user = auth.current_user()
    return user.name if user else "anonymous"


AGAIN_SECONDS = 5.0  # a second press of a create button this soon is a double click


def done_just_now(action: str) -> bool:
    """True when this session did ``action`` a moment ago: a double click on a button
    that creates something (a round, a seat in a workshop) creates it once."""
    at = st.session_state.get(f"did-{action}")
    return at is not None and time.monotonic() - at < AGAIN_SECONDS


def did(action: str) -> None:
    """Note that ``action`` was just done (see :func:`done_just_now`)."""
    st.session_state[f"did-{action}"] = time.monotonic()


def url_choice(label: str, names: dict[int, str], key: str, param: str = "scope") -> int:
    """A selectbox of ``names`` (id -> label) that follows ``?param=ID`` in the URL and
    writes the choice back, so a link lands on it and a reload keeps it."""
    names = distinct(names)
    ids = list(names)
    wanted = query_int(param)
    chosen = st.selectbox(
        label,
        ids,
        index=ids.index(wanted) if wanted in names else 0,
        format_func=names.get,
        key=key,
    )
    if chosen != wanted:
        st.query_params[param] = str(chosen)
    return chosen


def query_int(name: str) -> int | None:
    value = st.query_params.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Show a plain message instead of a traceback; keep the details in the server log."""
    try:
        yield
    except StoreError as exc:
        st.error(plain(exc))
    except excel.WorkbookError as exc:
        show_problems("The workbook was refused", exc.problems)
    except Exception:  # noqa: BLE001 - the last line of defence for users
        log.exception("page failed")
        st.error(
            "Something went wrong on this page. Nothing you saved has been lost; "
            "reload the page to try again."
        )


def round_picker(s: Store, key: str = "round") -> int | None:
    """Choose a round (kept in the URL as ``?round=ID`` so a reload comes back to it)."""
    rounds = s.assessments()
    if not rounds:
        st.info("No assessment yet. Start one on the Assess page.")
        st.page_link(PAGES["assess"], label="Start an assessment", icon=":material/edit_note:")
        return None
    # selectbox options are plain text: no escaping needed (or wanted) here
    labels = distinct(
        {a.id: f"{s.scope_path(a.scope_id)} — {a.label} ({a.status})" for a in rounds}
    )
    ids = list(reversed(list(labels)))
    current = query_int(key)
    if st.query_params.get(key) is not None and current not in labels:
        st.warning(
            f"There is no round {plain(repr(st.query_params.get(key)))}; "
            "showing the latest instead."
        )
    if current not in labels:
        current = ids[0]
    chosen = st.selectbox(
        "Round", ids, index=ids.index(current), format_func=labels.get, key=f"picker-{key}"
    )
    if chosen != query_int(key):
        st.query_params[key] = str(chosen)
    return chosen


WELCOME = (
    "Groundwork assesses a generative-AI system against a rubric of the six things that "
    "decide whether it survives production: monitoring, data, inference cost, human "
    "oversight, skills and organisation, and governance. It names the blockers to the "
    "next stage and plans the work to clear them, in order, as a roadmap you can track."
)


def welcome() -> None:
    """What Groundwork is, in two sentences, and the ways in."""
    st.markdown(WELCOME)
    c1, c2, c3 = st.columns(3)
    c1.page_link(PAGES["assess"], label="Assess a system", icon=":material/edit_note:")
    c2.page_link(PAGES["portfolio"], label="Look at the portfolio", icon=":material/dashboard:")
    c3.page_link(PAGES["rubric"], label="Read the rubric", icon=":material/menu_book:")


def file_name(*parts: str, ext: str) -> str:
    """'groundwork-claims-triage-assistant-q4-2026.xlsx': says what the file is about."""
    words = "-".join(p for p in parts if p)
    slug = re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")[:80]
    return f"groundwork-{slug}.{ext}"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 blocker', '3 blockers'."""
    return words.count(n, noun, plural)


def cell_text(value: object) -> str:
    """A preview cell as people write it: 4, not 4.0; nothing for a missing value."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text_table(rows: list[dict]) -> list[dict]:
    """Rows for a preview table, every cell as text (a blank never turns 4 into 4.0)."""
    return [{k: cell_text(v) for k, v in r.items()} for r in rows]


def answer_details(card: Scorecard, answers: dict[str, Answer]) -> None:
    """Behind each answer: its confidence, evidence and notes, one expander per dimension."""
    by_dim: dict[str, list] = {}
    for q in card.questions:
        given = answers.get(q.id)
        if given is not None and (given.evidence or given.notes or given.confidence):
            by_dim.setdefault(q.dimension, []).append((q, given))
    if not by_dim:
        st.caption("No answer of this round has evidence, notes or a confidence yet.")
        return
    titles = {d.id: d.title for d in card.dimensions}
    for did, items in by_dim.items():
        with st.expander(
            f"Evidence and notes: {plain(titles.get(did, did))} ({count(len(items), 'answer')})"
        ):
            for q, given in items:
                confidence = f" · confidence {given.confidence} of 5" if given.confidence else ""
                said = answer_wording(card.rubric, q.id, given.value)
                st.markdown(f"**{plain(q.id)}** · {plain(said)}{confidence}")
                lines = []
                if given.evidence:
                    lines.append(f"Evidence: {given.evidence}")
                if given.notes:
                    lines.append(f"Notes: {given.notes}")
                if lines:
                    st.text("\n".join(lines))  # as typed: plain text, never Markdown


def show_problems(title: str, problems: list) -> None:
    """Every problem of a refused file, as plain text (never HTML)."""
    st.error(f"{plain(title)}: {count(len(problems), 'problem')}. Nothing was changed.")
    st.code("\n".join(str(p) for p in problems), language=None)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_download(label: str, assessment_id: int, name: str = "", **options: object) -> None:
    """A download of the roadmap workbook, built only when clicked (own connection)."""

    def build() -> bytes:
        with store() as s:
            return excel.export_workbook(s, assessment_id, **options)  # type: ignore[arg-type]

    st.download_button(
        label,
        build,
        file_name=file_name(name or f"round {assessment_id}", "roadmap", ext="xlsx"),
        mime=XLSX,
        icon=":material/table_view:",
    )
