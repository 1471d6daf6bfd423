"""Assess: start a round, then walk the rubric dimension by dimension; every answer is saved
as it is given, and the round and dimension travel in the URL so a reload resumes."""

import streamlit as st

from groundwork import ui
from groundwork.store import Store
from groundwork.ui import auth
from groundwork.ui.answers import round_slot
from groundwork.ui.question_card import question_card, saved_toast
from groundwork.ui.start_round import start_form
from groundwork.ui.text import plain, rubric_text

DRAFT = "draft: answers are saved as you go"


def go_to_dimension(aid: int, dim_id: str) -> None:
    st.session_state[f"dim-{aid}"] = dim_id
    st.query_params["dim"] = dim_id


def dimension_chosen(aid: int) -> None:
    """The dimension radio changed: the URL follows, so Back returns to where one was."""
    st.query_params["dim"] = st.session_state[f"dim-{aid}"]


def walkthrough(s: Store, aid: int) -> None:
    a = s.assessment(aid)
    rubric = s.rubric(a.rubric_sha256)
    records = s.answer_records(aid)
    locked = a.final or not auth.allowed("facilitator")  # a viewer reads, as a final round
    st.subheader(plain(s.scope_path(a.scope_id)))
    st.caption(
        f"{plain(a.label)} · target stage **{plain(rubric.stage(a.stage).title)}** · "
        f"risk tier **{plain(rubric.tier(a.tier).title)}** · "
        f"rubric {plain(rubric.id)} {plain(rubric.version)} · "
        + ("final" if a.final else "draft · read only for your role" if locked else DRAFT)
    )
    total = len(rubric.questions)
    done = sum(q.id in records for q in rubric.questions)
    st.progress(done / total, text=f"{done} of {ui.count(total, 'question')} answered")

    dims = {d.id: d for d in rubric.dimensions}

    def dim_label(did: str) -> str:
        d = dims[did]
        n = sum(q.id in records for q in d.questions)
        mark = "✓ " if n == len(d.questions) else ""
        return f"{mark}{plain(d.title)} ({n}/{len(d.questions)})"

    # The URL is the truth about the dimension shown (the browser's Back and Forward
    # change it), so the radio follows it rather than the other way round.
    wanted = st.query_params.get("dim")
    ids = list(dims)
    st.session_state[f"dim-{aid}"] = wanted if wanted in dims else ids[0]
    chosen = st.radio(
        "Dimension",
        ids,
        format_func=dim_label,
        horizontal=True,
        key=f"dim-{aid}",
        on_change=dimension_chosen,
        args=(aid,),
    )
    if chosen != wanted:
        st.query_params["dim"] = chosen
    dim = dims[chosen]
    st.markdown(f"### {plain(dim.title)}")
    st.caption(
        (rubric_text(dim.description) + " " if dim.description else "")
        + (
            ""
            if locked
            else "Each answer is saved as you choose it; evidence and notes when you press "
            "Enter or leave the field."
        )
    )
    saved_toast()
    slot = round_slot(aid)
    for q in dim.questions:
        question_card(slot, rubric, q, records.get(q.id), who=ui.who(), disabled=locked)

    nav1, nav2, nav3 = st.columns(3)
    i = ids.index(chosen)
    if i + 1 < len(ids):
        nav1.button(
            f"Next: {plain(dims[ids[i + 1]].title)} →",
            on_click=go_to_dimension,
            args=(aid, ids[i + 1]),
        )
    nav2.page_link(
        ui.PAGES["results"],
        label="See the results",
        icon=":material/fact_check:",
        query_params={"round": str(aid)},
    )
    if not locked:
        missing = total - done
        with nav3.popover("Finalise this round"):
            if missing:
                st.warning(ui.count(missing, "question") + " still unanswered.")
            st.write("A final round can no longer be edited; a correction is a new round.")
            if st.button("Finalise", type="primary"):
                s.finalise(aid, who=ui.who())
                st.rerun()


st.title("Assess")
with ui.friendly_errors(), ui.store() as store:
    round_id = ui.query_int("round")
    if round_id is not None and store.has_assessment(round_id):
        walkthrough(store, round_id)
        st.divider()
        if auth.allowed("facilitator") and st.button("Start another round"):
            scope_of_round = store.assessment(round_id).scope_id
            st.query_params.clear()
            st.query_params["scope"] = str(scope_of_round)
            st.rerun()
    else:
        if st.query_params.get("round") is not None:
            st.warning(
                f"There is no round {plain(repr(st.query_params.get('round')))}. "
                "Start a new one below."
            )
        start_form(store)
