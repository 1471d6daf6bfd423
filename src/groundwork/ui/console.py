"""The facilitator's workshop console, in parts: how the room joins, who has joined and
answered (live), the reveal per dimension with its spread and the consensus, present
mode for the projector, offline participants, and closing and finalising."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from groundwork import excel, join, ui, workshop
from groundwork.rubric import Rubric
from groundwork.scoring import NA, UNKNOWN
from groundwork.store import Store, Workshop
from groundwork.ui import spread
from groundwork.ui.question_card import choice_label
from groundwork.ui.text import plain, rubric_text

PUBLIC_URL_KEY = "public-url"


def open_form(s: Store, aid: int) -> None:
    """Open a workshop on this draft round."""
    with st.form(f"open-{aid}"):
        hours = st.number_input(
            "Open for (hours)", min_value=1, max_value=72, value=12, help="Then it expires."
        )
        if st.form_submit_button("Open a workshop on this round", type="primary"):
            s.open_workshop(aid, who=ui.who(), hours=int(hours))
            st.rerun()


def join_panel(w: Workshop, *, large: bool = False) -> None:
    """The join code, the link and its QR code (drawn here: nothing is fetched)."""
    typed = st.session_state.get(PUBLIC_URL_KEY)
    base = join.public_url(typed, seen=st.context.url)
    link = join.join_link(base, w.code)
    left, right = st.columns([3, 2])
    with left:
        st.markdown(("# " if large else "### ") + f"Join code: {plain(w.code)}")
        st.text(link)
        if not large:
            st.text_input(
                "Public address of this server",
                key=PUBLIC_URL_KEY,
                placeholder=base,
                help=(
                    "What participants' phones reach: e.g. http://192.168.1.20:8501 on the "
                    "room's network (serve with --address 0.0.0.0), or your HTTPS name behind "
                    f"a reverse proxy. Set {join.PUBLIC_URL_ENV} to make it the default."
                ),
            )
            problem = join.check_base(typed) if typed else None
            if problem:
                st.warning(plain(problem))
            elif join.is_local(base):
                st.caption(
                    "This address works only on this computer: set the public address for "
                    "phones in the room."
                )
    right.image(join.qr_png(link), width=260 if large else 180, caption="Scan to join")


def room_panel(workshop_id: int, rubric_sha: str) -> None:
    """Who has joined and how many answered each question."""
    with ui.friendly_errors(), ui.store() as s:
        members = s.members(workshop_id)
        room = s.room_answers(workshop_id)
        rubric = s.rubric(rubric_sha)
    total = len(rubric.questions)
    st.markdown(f"**{ui.count(len(members), 'participant')} joined**")
    if members:
        st.dataframe(
            pd.DataFrame(
                [
                    {"Name": m.alias, "Role": m.role, "Answered": f"{m.answered} of {total}"}
                    for m in members
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    counts = {q.id: 0 for q in rubric.questions}
    for answers in room.values():
        for qid in answers:
            if qid in counts:
                counts[qid] += 1
    by_dim = [
        {
            "Dimension": d.title,
            "Answers per question": ", ".join(f"{q.id}: {counts[q.id]}" for q in d.questions),
        }
        for d in rubric.dimensions
    ]
    st.dataframe(pd.DataFrame(by_dim), hide_index=True, width="stretch")


live_panel = st.fragment(run_every=3)(room_panel)  # the same, refreshed while the room answers


def _comments(room: dict, qid: str) -> list[str]:
    """The room's comments on a question, without names and in no telling order."""
    return sorted(ans[qid].notes for ans in room.values() if qid in ans and ans[qid].notes)


def reveal_section(s: Store, w: Workshop, rubric: Rubric, *, present: bool = False) -> None:
    """Dimension by dimension: reveal, a timer, then per question the spread (flagged
    first) and the consensus form."""
    dims = {d.id: d for d in rubric.dimensions}
    shown = s.revealed(w.id)
    timers = s.timers(w.id)

    def label(did: str) -> str:
        return f"{'● ' if did in shown else ''}{plain(dims[did].title)}"

    did = st.radio("Dimension", list(dims), format_func=label, horizontal=True, key=f"rd-{w.id}")
    dim = dims[did]
    if did in timers:
        timer(w.id, did, present)
    if not present and w.status == "open":
        c1, c2, c3 = st.columns([2, 1, 1])
        if did not in shown:
            c1.button(
                f"Reveal {plain(dim.title)} to the room",
                type="primary",
                key=f"reveal-{w.id}-{did}",
                on_click=_reveal,
                args=(w.id, did),
            )
        minutes = c2.number_input("Timer (minutes)", 0, 120, 5, key=f"min-{w.id}-{did}")
        c3.button(
            "Start the timer" if minutes else "Stop the timer",
            key=f"timer-{w.id}-{did}",
            on_click=_timer,
            args=(w.id, did, int(minutes)),
        )
    if did not in shown:
        st.info("Not revealed yet: the room's answers stay hidden, here and on every phone.")
        return
    agreed = s.consensus(w.id)
    room = s.room_answers(w.id)
    values = {pid: {q: a.value for q, a in ans.items()} for pid, ans in room.items()}
    ids = [q.id for q in dim.questions]
    for one in workshop.flagged_first(workshop.spreads(ids, values, rubric.levels)):
        q = rubric.question(one.question_id)
        with st.container(border=True):
            head = f"**{plain(q.id)} · {rubric_text(q.text)}**"
            st.markdown(("### " if present else "") + head)
            left, right = st.columns([2, 3]) if not present else (st.container(), None)
            with left:
                spread.show(one, height=220 if present else 160, key=f"sp-{w.id}-{q.id}")
                comments = _comments(room, q.id)
                if comments and not present:
                    with st.expander(f"Comments ({len(comments)}, without names)"):
                        st.text("\n\n".join(comments))
            if right is not None:
                with right:
                    consensus_form(s, w, rubric, one, agreed.get(q.id))
            elif q.id in agreed:
                c = agreed[q.id]
                st.markdown(f"## Consensus: {plain(workshop.value_text(c.value))}")


@st.fragment(run_every=5)
def timer(workshop_id: int, dimension_id: str, present: bool) -> None:
    """The dimension's countdown, kept current without rerunning the console."""
    with ui.friendly_errors(), ui.store() as s:
        running = s.timers(workshop_id).get(dimension_id)
    if running:
        st.markdown(
            ("## " if present else "**")
            + f"Timer: {spread.time_left(*running)}"
            + ("" if present else "**")
        )


def _reveal(workshop_id: int, dimension_id: str) -> None:
    with ui.friendly_errors(), ui.store() as s:
        s.reveal(workshop_id, dimension_id, who=ui.who())


def _timer(workshop_id: int, dimension_id: str, minutes: int) -> None:
    with ui.friendly_errors(), ui.store() as s:
        s.start_timer(workshop_id, dimension_id, minutes, who=ui.who())


def consensus_form(s: Store, w: Workshop, rubric: Rubric, one: workshop.Spread, agreed) -> None:
    """The consensus level (the median by default), a rationale and the dissent."""
    options = [*rubric.levels, NA, UNKNOWN]
    current = agreed.value if agreed else one.default
    label = choice_label(rubric)
    if agreed:
        st.success(
            f"Consensus {plain(workshop.value_text(agreed.value))}, set by "
            f"{plain(agreed.set_by or 'someone')}",
            icon=":material/handshake:",
        )
    else:
        st.caption(plain(spread.proposal(one)))
    with st.form(f"cons-{w.id}-{one.question_id}", border=False):
        value = st.selectbox(
            "Consensus",
            options,
            index=options.index(current) if current in options else None,
            format_func=label,
            disabled=w.status == "finalised",
        )
        rationale = st.text_area(
            "Rationale", value=agreed.rationale if agreed else "", height=68, max_chars=2000
        )
        hint = workshop.minority_text(one, value if value is not None else current)
        dissent = st.text_area(
            "Dissent (the minority view)",
            value=agreed.dissent if agreed else "",
            placeholder=hint or "nobody disagreed",
            height=68,
            max_chars=2000,
        )
        if st.form_submit_button("Save the consensus", disabled=w.status == "finalised"):
            if value is None:
                st.warning("Choose a consensus level first.")
            else:
                s.set_consensus(
                    w.id,
                    one.question_id,
                    value,
                    rationale=rationale,
                    dissent=dissent,
                    who=ui.who(),
                )
                st.rerun()


def offline_participant(s: Store, w: Workshop) -> None:
    """A filled questionnaire as one more participant's answers."""
    upload = st.file_uploader(
        "Filled questionnaire (.xlsx)", type=["xlsx"], key=f"offline-ws-{w.id}"
    )
    c1, c2 = st.columns(2)
    alias = c1.text_input("Their name in the room", max_chars=40, key=f"off-alias-{w.id}")
    role = c2.selectbox(
        "Their role", workshop.ROOM_ROLES, format_func=str.capitalize, key=f"off-role-{w.id}"
    )
    if upload is None:
        return
    rubric = s.rubric(s.assessment(w.assessment_id).rubric_sha256)
    preview = excel.preview_questionnaire(s, upload.getvalue(), filename=upload.name, rubric=rubric)
    st.caption(f"{ui.count(len(preview.answers), 'answer')} in {plain(upload.name)}.")
    if st.button("Add as a participant", disabled=not alias.strip(), key=f"off-add-{w.id}"):
        s.import_participant(w.id, alias, role, preview.answers, who=ui.who())
        st.success(f"Added {plain(alias)}'s answers.")


def closing(s: Store, w: Workshop) -> None:
    """Close (no more answers), names in exports, and finalise (consensus to the round)."""
    agreed = s.consensus(w.id)
    show = st.checkbox(
        "Name participants in the workbook (otherwise roles only)",
        value=w.show_names,
        key=f"names-{w.id}",
    )
    if show != w.show_names:
        s.set_show_names(w.id, show, who=ui.who())
    c1, c2 = st.columns(2)
    if w.status == "open":
        c1.button(
            "Close the workshop",
            key=f"close-{w.id}",
            on_click=_close,
            args=(w.id,),
            help="No more joins or answers; what was given stays.",
        )
    if w.status != "finalised":
        with c2.popover("Finalise: the consensus becomes the round's answers"):
            st.write(
                f"{ui.count(len(agreed), 'question')} with a consensus. Their level, rationale "
                "and dissent become the round's own answers; everyone's answers stay stored."
            )
            final = st.checkbox("Also finalise the round", key=f"fin-round-{w.id}")
            if st.button("Finalise the workshop", type="primary", key=f"fin-{w.id}"):
                written = s.finalise_workshop(w.id, who=ui.who(), final_round=final)
                st.success(f"{ui.count(written, 'answer')} written to the round.")
                st.rerun()
    else:
        st.success("Finalised: the consensus is the round's answers.")
        st.page_link(
            ui.PAGES["results"],
            label="See the results and the spread",
            icon=":material/fact_check:",
            query_params={"round": str(w.assessment_id)},
        )


def _close(workshop_id: int) -> None:
    with ui.friendly_errors(), ui.store() as s:
        s.close_workshop(workshop_id, who=ui.who())
