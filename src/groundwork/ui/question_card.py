"""One question as a card: the rubric text, the five levels with what each means, N/A and
don't know, confidence, evidence and notes. Assess and the workshop's join page draw the
same card; a :class:`~groundwork.ui.answers.Slot` says whose answer it edits, and every
change is saved as it is given, never over someone's newer answer unseen."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from groundwork import ui
from groundwork.limits import MAX_TEXT
from groundwork.rubric import Question, Rubric
from groundwork.scoring import NA, UNKNOWN
from groundwork.store import StoredAnswer
from groundwork.ui import answers as sync
from groundwork.ui import levels
from groundwork.ui.answers import Slot
from groundwork.ui.text import plain, rubric_text

CHOICE_LABELS = {NA: "N/A", UNKNOWN: "Don't know"}
CONFIDENCE = {1: "1 guess", 2: "2", 3: "3", 4: "4", 5: "5 certain"}
FLASH = "saved-flash"


def choice_label(rubric: Rubric) -> Callable[[object], str]:
    """How an answer choice reads: '3 · Defined', 'N/A', "Don't know"."""
    return lambda v: CHOICE_LABELS.get(v, f"{v} · {rubric.label(v)}")


def save(slot: Slot, qid: str, widget: str, who: str) -> None:
    """Widget callback: store only the fields this person changed, based on the version
    this tab loaded, so a colleague's newer answer is never overwritten unseen."""
    with ui.friendly_errors(), ui.store() as s:
        if sync.save(s, slot, qid, widget, who):
            st.session_state[FLASH] = qid


def keep_mine(slot: Slot, qid: str, who: str) -> None:
    with ui.friendly_errors(), ui.store() as s:
        if sync.keep_mine(s, slot, qid, who):
            st.session_state[FLASH] = qid


def take_theirs(slot: Slot, qid: str) -> None:
    with ui.friendly_errors(), ui.store() as s:
        sync.take_theirs(s, slot, qid)


def saved_toast() -> None:
    """'Saved MON-1' once, after the rerun that stored it."""
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.toast(f"Saved {plain(flash)}", icon=":material/save:")


def newer_answer(
    slot: Slot, qid: str, record: StoredAnswer | None, label: Callable[[object], str], who: str
) -> None:
    """Tell this person that someone else changed the question, and what it says now."""
    if record is not None and sync.conflict(slot, qid, record):
        st.warning(
            f"Someone else changed {plain(qid)} after you opened it, so your change is not saved "
            "yet. Keep yours (it replaces theirs, and the audit log shows both) or take theirs.",
            icon=":material/sync_problem:",
        )
        st.text(
            f"Theirs, set by {record.answered_by or 'someone'} at {sync.when(record.answered_at)}:"
            f" {sync.describe(record.answer, label)}\n"
            f"Yours, not saved: {sync.mine(slot, qid, label)}"
        )
        k1, k2, _ = st.columns([1, 1, 3])
        k1.button(
            "Keep mine", key=f"keep-{slot.key}-{qid}", on_click=keep_mine, args=(slot, qid, who)
        )
        k2.button(
            "Take theirs", key=f"take-{slot.key}-{qid}", on_click=take_theirs, args=(slot, qid)
        )
    elif (seen := sync.take_notice(slot, qid)) is not None:
        st.info(f"{plain(qid)} was changed by someone else; this page now shows their answer.")
        st.text(
            f"Changed by {seen.answered_by or 'someone'} at {sync.when(seen.answered_at)}:"
            f" {sync.describe(seen.answer, label)}"
        )


def question_card(
    slot: Slot,
    rubric: Rubric,
    q: Question,
    record: StoredAnswer | None,
    *,
    who: str,
    disabled: bool = False,
    evidence: bool = True,
    notes_label: str = "Notes",
) -> None:
    """The card of one question, saving every change through ``slot``."""
    label = choice_label(rubric)
    with st.container(border=True):
        st.markdown(f"**{plain(q.id)} · {rubric_text(q.text)}**")
        if q.why:
            st.caption(f"Why it matters: {rubric_text(q.why)}")
        keys = {f: sync.widget_key(slot, q.id, f) for f in sync.FIELDS}
        sync.prepare(slot, q.id, record)
        newer_answer(slot, q.id, record, label, who)
        st.radio(
            f"Your answer for {plain(q.id)}",
            [*rubric.levels, NA, UNKNOWN],
            key=keys["level"],
            format_func=lambda v: plain(label(v)),
            captions=levels.captions(rubric, q),
            on_change=save,
            args=(slot, q.id, "level", who),
            disabled=disabled,
        )
        levels.assessor_guide(rubric, q, st.session_state[keys["level"]])
        if evidence:
            c1, c2 = st.columns([2, 3])
        else:
            c1 = c2 = st.container()
        c1.pills(
            "Confidence",
            list(CONFIDENCE),
            format_func=CONFIDENCE.get,
            key=keys["confidence"],
            on_change=save,
            args=(slot, q.id, "confidence", who),
            disabled=disabled,
        )
        if evidence:
            c2.text_input(
                "Evidence (links, documents)",
                key=keys["evidence"],
                max_chars=MAX_TEXT,
                help=f"Up to {MAX_TEXT:,} characters.",
                on_change=save,
                args=(slot, q.id, "evidence", who),
                disabled=disabled,
            )
        st.text_area(
            notes_label,
            key=keys["notes"],
            max_chars=MAX_TEXT,
            help=f"Up to {MAX_TEXT:,} characters.",
            on_change=save,
            args=(slot, q.id, "notes", who),
            disabled=disabled,
            height=68,
        )
        if st.session_state[keys["level"]] is None and (
            st.session_state.get(keys["evidence"]) or st.session_state[keys["notes"]]
        ):
            what = "evidence and notes" if evidence else notes_label.lower()
            st.caption(f"Choose an answer to save this question's {what}.")
