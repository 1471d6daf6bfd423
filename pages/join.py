"""Join a workshop from a phone: a code, a name the room knows you by and a role, then
the rubric one question at a time. No account: the token in the URL is this person's
place in the workshop, so a reload or a reconnect resumes their own answers. Nobody
else's answers are shown, until the facilitator reveals a dimension, and then only as
counts per level."""

import streamlit as st

from groundwork import ui, workshop
from groundwork.store import Seat, Store, StoreError
from groundwork.ui import spread
from groundwork.ui.answers import participant_slot
from groundwork.ui.question_card import question_card, saved_toast
from groundwork.ui.text import plain, rubric_text


def go_to(qid: str) -> None:
    st.query_params["q"] = qid


def join_form(s: Store) -> None:
    code = (st.query_params.get("code") or "").strip()
    if code:
        try:
            s.workshop_by_code(code)
        except StoreError as exc:
            st.error(plain(exc))
    with st.form("join"):
        code = st.text_input("Join code", value=code, max_chars=12, placeholder="e.g. ACD234")
        alias = st.text_input(
            "Your name in the room",
            max_chars=40,
            placeholder="a first name or a nickname",
            help="The facilitator sees it; the room does not.",
        )
        role = st.selectbox("Your role", workshop.ROOM_ROLES, format_func=str.capitalize)
        pressed = st.form_submit_button("Join", type="primary", width="stretch")
        if pressed and not ui.done_just_now(f"join-{code}"):
            token = s.join_workshop(code, alias, role)
            ui.did(f"join-{code}")
            st.query_params.clear()
            st.query_params["token"] = token
            st.rerun()


@st.fragment(run_every=5)
def room(token: str, qid: str, dimension: str, scale: tuple[int, ...]) -> None:
    """Once the facilitator reveals this dimension: how the room answered (no names)."""
    with ui.friendly_errors(), ui.store() as s:
        shown, values = s.revealed_room(token)
        timers = s.timers(s.seat(token).workshop_id)
    if dimension in timers:
        st.caption(f"Timer: {spread.time_left(*timers[dimension])}")
    if dimension not in shown:
        return
    (one,) = workshop.spreads([qid], values, scale)
    st.markdown("**How the room answered**")
    spread.show(one, height=140, key=f"room-{qid}")


def answering(s: Store, token: str, seat: Seat) -> None:
    a = s.assessment(seat.assessment_id)
    rubric = s.rubric(a.rubric_sha256)
    records = s.own_answers(token)
    st.caption(f"{plain(s.scope_path(a.scope_id))} · {plain(a.label)}")
    st.caption(
        f"You are **{plain(seat.alias)}** ({plain(seat.role)}). Your answers are yours "
        "alone until the facilitator reveals a dimension; the room then sees only how many "
        "gave each level, never who. Keep this page's address to come back to your answers."
    )
    questions = rubric.questions
    ids = [q.id for q in questions]
    wanted = st.query_params.get("q")
    if wanted not in ids:
        wanted = next((qid for qid in ids if qid not in records), ids[0])
        st.query_params["q"] = wanted
    i = ids.index(wanted)
    q = questions[i]
    dim = rubric.dimension_of(q.id)
    done = sum(qid in records for qid in ids)
    st.progress(done / len(ids), text=f"{done} of {len(ids)} answered · question {i + 1}")
    st.markdown(f"#### {plain(dim.title)}")
    if dim.description:
        st.caption(rubric_text(dim.description))
    saved_toast()
    question_card(
        participant_slot(token, seat.participant_id),
        rubric,
        q,
        records.get(q.id),
        who=seat.alias,
        evidence=False,
        notes_label="Comment (optional)",
    )
    back, ahead = st.columns(2)
    if i > 0:
        back.button("← Previous", on_click=go_to, args=(ids[i - 1],), width="stretch")
    if i + 1 < len(ids):
        ahead.button("Next →", on_click=go_to, args=(ids[i + 1],), width="stretch", type="primary")
    else:
        ahead.success("That was the last question. Thank you!")
    with st.expander("Jump to a question"):
        st.selectbox(
            "Question",
            ids,
            index=i,
            format_func=lambda qid: f"{'✓ ' if qid in records else ''}{qid}",
            key="jump",
            on_change=lambda: go_to(st.session_state["jump"]),
        )
    room(token, q.id, dim.id, tuple(rubric.levels))


st.title("Workshop")
with ui.friendly_errors(), ui.store() as store:
    token = st.query_params.get("token")
    if token:
        try:
            seat = store.seat(token)
        except StoreError as exc:
            st.error(plain(exc))
            st.query_params.pop("token", None)
            join_form(store)
        else:
            answering(store, token, seat)
    else:
        join_form(store)
