"""One question's widgets kept in step with the stored answer, so no one's work is lost.

Each tab remembers the version of the answer its widgets were loaded from (the *base*)
and which fields the person changed that are not stored yet (*pending*: text typed
before a level is chosen, or a change the store refused as a conflict). A save sends
only the pending fields and the base version; when someone else saved in between, the
store refuses it and the page shows their answer with "Keep mine" and "Take theirs".
A tab whose base is behind the store, with nothing pending, takes the stored answer and
says who changed it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from groundwork.scoring import Answer
from groundwork.store import AnswerConflict, Store, StoredAnswer

FIELDS = {"level": "value", "confidence": "confidence", "evidence": "evidence", "notes": "notes"}


@dataclass(frozen=True)
class Slot:
    """Whose answers a card edits: the round's own (Assess) or one workshop participant's
    (the join page). ``key`` names the widgets; ``change`` and ``record`` reach the store."""

    key: str
    change: Callable[..., StoredAnswer]  # (store, qid, *, based_on, override, who, **changes)
    record: Callable[[Store, str], StoredAnswer | None]


def round_slot(aid: int) -> Slot:
    """The round's own answers, as Assess edits them."""
    return Slot(
        f"a{aid}",
        lambda s, qid, **kw: s.change_answer(aid, qid, **kw),
        lambda s, qid: s.answer_record(aid, qid),
    )


def participant_slot(token: str, participant_id: int) -> Slot:
    """One workshop participant's answers, reached only through their token."""

    def change(s: Store, qid: str, *, based_on: int, override: bool, who: str, **changes):
        return s.save_participant_answer(token, qid, based_on=based_on, **changes)

    return Slot(f"p{participant_id}", change, lambda s, qid: s.own_answer(token, qid))


def widget_key(slot: Slot, qid: str, field: str) -> str:
    return f"{slot.key}-{qid}-{field}"


@dataclass(frozen=True)
class Base:
    """The stored answer a tab's widgets were loaded from (version 0: none yet)."""

    version: int
    answer: Answer | None
    by: str = ""
    at: str = ""


def _base(record: StoredAnswer | None) -> Base:
    if record is None:
        return Base(0, None)
    return Base(record.version, record.answer, record.answered_by, record.answered_at)


def _value(answer: Answer | None, widget: str) -> object:
    if answer is None:
        return "" if widget in ("evidence", "notes") else None
    return getattr(answer, FIELDS[widget])


def _keys(slot: Slot, qid: str) -> tuple[str, str, str]:
    return f"base-{slot.key}-{qid}", f"pending-{slot.key}-{qid}", f"notice-{slot.key}-{qid}"


def _load(slot: Slot, qid: str, record: StoredAnswer | None, widgets: set[str]) -> None:
    """Show the stored answer in the given widgets and make it this tab's base."""
    state = st.session_state
    base_key, pending_key, _ = _keys(slot, qid)
    for widget in widgets:
        state[widget_key(slot, qid, widget)] = _value(record.answer if record else None, widget)
    state[base_key] = _base(record)
    state[pending_key] = set(state.get(pending_key, set())) - widgets


def prepare(slot: Slot, qid: str, record: StoredAnswer | None) -> None:
    """Before the question's widgets are drawn: load them, or catch up with the store."""
    state = st.session_state
    base_key, pending_key, notice_key = _keys(slot, qid)
    if widget_key(slot, qid, "level") not in state or base_key not in state:
        state[pending_key] = set()
        _load(slot, qid, record, set(FIELDS))
        return
    base: Base = state[base_key]
    if (record.version if record else 0) <= base.version:
        return
    unsaved = pending(slot, qid)
    if unsaved:
        # Their answer is newer and this tab holds unsaved changes: refresh only the fields
        # the person did not touch, keep the base so a plain save is refused, and ask.
        for widget in set(FIELDS) - unsaved:
            state[widget_key(slot, qid, widget)] = _value(record.answer, widget)
        return
    _load(slot, qid, record, set(FIELDS))
    state[notice_key] = record


def pending(slot: Slot, qid: str) -> set[str]:
    return set(st.session_state.get(_keys(slot, qid)[1], set()))


def conflict(slot: Slot, qid: str, record: StoredAnswer | None) -> bool:
    """Someone saved a newer answer while this tab holds changes of its own."""
    base: Base | None = st.session_state.get(_keys(slot, qid)[0])
    newer = base is not None and (record.version if record else 0) > base.version
    return newer and bool(pending(slot, qid))


def _send(s: Store, slot: Slot, qid: str, who: str, *, based_on: int, override: bool) -> bool:
    """Store the pending fields; on a conflict keep them pending. True when stored."""
    state = st.session_state
    base_key, pending_key, notice_key = _keys(slot, qid)
    fields = pending(slot, qid)
    changes = {FIELDS[w]: state.get(widget_key(slot, qid, w)) for w in fields}
    for text in ("evidence", "notes"):
        if text in changes:
            changes[text] = changes[text] or ""
    try:
        saved = slot.change(s, qid, based_on=based_on, override=override, who=who, **changes)
    except AnswerConflict:
        return False  # the page shows their answer beside this one on the rerun
    state[base_key] = _base(saved)
    state[pending_key] = set()
    state.pop(notice_key, None)
    return True


def save(s: Store, slot: Slot, qid: str, widget: str, who: str) -> bool:
    """A widget changed: remember it, and store it once there is a level to attach it to."""
    state = st.session_state
    base_key, pending_key, _ = _keys(slot, qid)
    state[pending_key] = pending(slot, qid) | {widget}
    if state.get(widget_key(slot, qid, "level")) is None:
        return False  # nothing can be stored before an answer is chosen (the page says so)
    return _send(s, slot, qid, who, based_on=state[base_key].version, override=False)


def keep_mine(s: Store, slot: Slot, qid: str, who: str) -> bool:
    """Save this tab's changes over the newer answer, on purpose (an audited override)."""
    record = slot.record(s, qid)
    return _send(s, slot, qid, who, based_on=record.version if record else 0, override=True)


def take_theirs(s: Store, slot: Slot, qid: str) -> None:
    """Drop this tab's unsaved changes and show the stored answer."""
    st.session_state[_keys(slot, qid)[1]] = set()
    _load(slot, qid, slot.record(s, qid), set(FIELDS))


def describe(answer: Answer | None, level: Callable[[object], str]) -> str:
    """'3 · Defined; evidence: traces; notes: since May', for the notices."""
    if answer is None:
        return "no answer"
    parts = [level(answer.value)]
    if answer.evidence:
        parts.append(f"evidence: {answer.evidence}")
    if answer.notes:
        parts.append(f"notes: {answer.notes}")
    return "; ".join(parts)


def mine(slot: Slot, qid: str, level: Callable[[object], str]) -> str:
    """This tab's unsaved fields, in the same words."""
    state = st.session_state
    parts = []
    for widget in sorted(pending(slot, qid), key=list(FIELDS).index):
        value = state.get(widget_key(slot, qid, widget))
        if widget == "level":
            parts.append(level(value) if value is not None else "no answer")
        else:
            parts.append(f"{widget}: {value or '(empty)'}")
    return "; ".join(parts)


def when(at: str) -> str:
    """'2026-12-01 22:45 UTC' from a stored timestamp."""
    return at[:16].replace("T", " ") + " UTC" if at else "an unknown time"


def take_notice(slot: Slot, qid: str) -> StoredAnswer | None:
    """The newer answer this tab caught up with since the person last saved here."""
    return st.session_state.get(_keys(slot, qid)[2])
