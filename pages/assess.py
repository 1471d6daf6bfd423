"""Assess: start a round, then walk the rubric dimension by dimension; every answer is saved
as it is given, and the round and dimension travel in the URL so a reload resumes."""

from collections.abc import Callable

import pandas as pd
import streamlit as st

from groundwork import excel, interchange, reports, ui
from groundwork.limits import MAX_TEXT
from groundwork.rubric import Rubric
from groundwork.scoring import NA, UNKNOWN, answer_text, carry_answers
from groundwork.store import Store, StoredAnswer
from groundwork.ui import answers as sync
from groundwork.ui import auth, levels
from groundwork.ui.rubrics import choices as rubric_choices
from groundwork.ui.text import plain, rubric_text

CHOICE_LABELS = {NA: "N/A", UNKNOWN: "Don't know"}
CONFIDENCE = {1: "1 guess", 2: "2", 3: "3", 4: "4", 5: "5 certain"}
DRAFT = "draft: answers are saved as you go"


def choice_label(rubric: Rubric) -> Callable[[object], str]:
    """How an answer choice reads: '3 · Defined', 'N/A', "Don't know"."""
    return lambda v: CHOICE_LABELS.get(v, f"{v} · {rubric.label(v)}")


def save(aid: int, qid: str, widget: str) -> None:
    """Widget callback: store only the fields this person changed, based on the version
    this tab loaded, so a colleague's newer answer is never overwritten unseen."""
    with ui.friendly_errors(), ui.store() as s:
        if sync.save(s, aid, qid, widget, ui.who()):
            st.session_state["saved-flash"] = qid


def keep_mine(aid: int, qid: str) -> None:
    with ui.friendly_errors(), ui.store() as s:
        if sync.keep_mine(s, aid, qid, ui.who()):
            st.session_state["saved-flash"] = qid


def take_theirs(aid: int, qid: str) -> None:
    with ui.friendly_errors(), ui.store() as s:
        sync.take_theirs(s, aid, qid)


def newer_answer(
    aid: int, qid: str, record: StoredAnswer | None, label: Callable[[object], str]
) -> None:
    """Tell this person that someone else changed the question, and what it says now."""
    if record is not None and sync.conflict(aid, qid, record):
        st.warning(
            f"Someone else changed {plain(qid)} after you opened it, so your change is not saved "
            "yet. Keep yours (it replaces theirs, and the audit log shows both) or take theirs.",
            icon=":material/sync_problem:",
        )
        st.text(
            f"Theirs, set by {record.answered_by or 'someone'} at {sync.when(record.answered_at)}:"
            f" {sync.describe(record.answer, label)}\n"
            f"Yours, not saved: {sync.mine(aid, qid, label)}"
        )
        k1, k2, _ = st.columns([1, 1, 3])
        k1.button("Keep mine", key=f"keep-{aid}-{qid}", on_click=keep_mine, args=(aid, qid))
        k2.button("Take theirs", key=f"take-{aid}-{qid}", on_click=take_theirs, args=(aid, qid))
    elif (seen := sync.take_notice(aid, qid)) is not None:
        st.info(f"{plain(qid)} was changed by someone else; this page now shows their answer.")
        st.text(
            f"Changed by {seen.answered_by or 'someone'} at {sync.when(seen.answered_at)}:"
            f" {sync.describe(seen.answer, label)}"
        )


def go_to_dimension(aid: int, dim_id: str) -> None:
    st.session_state[f"dim-{aid}"] = dim_id
    st.query_params["dim"] = dim_id


def dimension_chosen(aid: int) -> None:
    """The dimension radio changed: the URL follows, so Back returns to where one was."""
    st.query_params["dim"] = st.session_state[f"dim-{aid}"]


def start_form(s: Store) -> None:
    rubric = ui.default_rubric()
    scopes = [sc for sc in s.scopes() if sc.kind in ("system", "unit", "organisation")]
    if not scopes:
        st.info("Create an organisation and an AI system on the Portfolio page first.")
        st.page_link(
            ui.PAGES["portfolio"], label="Go to the portfolio", icon=":material/dashboard:"
        )
        return
    names = {sc.id: s.scope_path(sc.id) for sc in scopes}
    ids = sorted(
        names, key=lambda i: (scopes[[x.id for x in scopes].index(i)].kind != "system", names[i])
    )
    wanted = ui.query_int("scope")
    scope_id = st.selectbox(
        "What are you assessing?",
        ids,
        format_func=names.get,
        index=ids.index(wanted) if wanted in ids else 0,
    )
    rounds = s.assessments(scope_id)

    drafts = [a for a in rounds if not a.final]
    if drafts:
        st.info(ui.count(len(drafts), "round") + " of this scope still open.")
        for a in drafts:
            st.page_link(
                ui.PAGES["assess"],
                label=f"Resume {plain(a.label)} (target {plain(a.stage)})",
                icon=":material/play_arrow:",
                query_params={"round": str(a.id)},
            )

    if not auth.allowed("facilitator"):
        st.info("Your role can read rounds, not start them: a facilitator starts a round.")
        return
    default_stage, default_tier = reports.default_stage_and_tier(s, scope_id, rubric)
    with st.form("start-round"):
        st.markdown("**Start a new round**")
        c1, c2 = st.columns(2)
        stage = c1.selectbox(
            "Target stage: the stage you want to be ready for",
            rubric.stage_ids,
            index=rubric.stage_ids.index(default_stage),
            format_func=lambda x: rubric.stage(x).title,
        )
        tier = c2.selectbox(
            "Risk tier",
            rubric.tier_ids,
            index=rubric.tier_ids.index(default_tier),
            format_func=lambda t: rubric.tier(t).title,
        )
        stored = rubric_choices(s.rubrics(), rubric)
        sha = st.selectbox("Rubric", list(stored), format_func=stored.get)
        prefill = None
        if rounds:
            last = rounds[-1]
            if st.checkbox(
                f"Pre-fill from the last round ({plain(last.label)}, {last.date})", value=True
            ):
                prefill = last.id
        label = st.text_input("Name of this round", placeholder="e.g. Q1 2027 review")
        if st.form_submit_button("Start the round", type="primary"):
            chosen = rubric if sha == rubric.sha256 else s.rubric(sha)
            aid = s.create_assessment(
                scope_id,
                chosen,
                stage,
                tier,
                who=ui.who(),
                label=label.strip(),
                prefill_from=prefill,
            )
            open_round(aid)
    with st.expander("Work offline, or bring in a round from a file"):
        offline(s, scope_id)


def offline(s: Store, scope_id: int) -> None:
    """The offline questionnaire and JSON imports: each becomes a new round after a preview."""
    rubric = ui.default_rubric()
    rounds = s.assessments(scope_id)
    path = s.scope_path(scope_id)

    def blank() -> bytes:
        with ui.store() as mine:
            last = mine.assessments(scope_id)
            answers = mine.answers(last[-1].id) if last else None
            return excel.questionnaire_workbook(
                rubric, answers, organisation=path.split(" / ")[0], scope=path, scope_id=scope_id
            )

    st.markdown("**Work offline**")
    st.download_button(
        "Questionnaire workbook (Excel)" + (", pre-filled from the last round" if rounds else ""),
        blank,
        file_name=ui.file_name(path.split(" / ")[-1], "questionnaire", ext="xlsx"),
        mime=ui.XLSX,
        icon=":material/download:",
    )
    upload = st.file_uploader(
        "Filled questionnaire (.xlsx) or assessment (.json)",
        type=["xlsx", "json"],
        key=f"offline-{scope_id}",
    )
    if upload is None:
        return
    data = upload.getvalue()
    if upload.name.lower().endswith(".json"):
        try:
            doc = interchange.read_document(data)
        except interchange.InterchangeError as exc:
            ui.show_problems(f"{upload.name} was refused", exc.problems)
            return
        st.info(
            f"{plain(upload.name)}: {plain(doc.round.label)}, "
            f"{ui.count(len(doc.answers), 'answer')}, "
            f"{ui.count(len(doc.roadmap), 'roadmap item')}, "
            f"from {plain(interchange.made_for(doc))}."
        )
        elsewhere = interchange.made_for_another(doc, path)
        if elsewhere:
            st.warning(
                f"This assessment was made for {plain(interchange.made_for(doc))}, "
                f"not for {plain(path)}."
            )
        confirmed = not elsewhere or st.checkbox(
            f"Yes, import it into {plain(path)}", key="json-anyway"
        )
        if st.button(
            f"Import as a new round of {plain(path)}", type="primary", disabled=not confirmed
        ):
            aid = interchange.import_document(s, doc, scope_id, who=ui.who())
            open_round(aid)
        return
    preview = excel.preview_questionnaire(s, data, filename=upload.name)
    stage, tier = reports.default_stage_and_tier(s, scope_id, preview.rubric)
    made_for, made_for_path = preview.made_for
    elsewhere = made_for is not None and made_for != scope_id
    if elsewhere:
        st.warning(
            f"This questionnaire was made for {plain(made_for_path or 'another system')}, "
            f"not for {plain(path)}."
        )
    c1, c2 = st.columns(2)
    stage = c1.selectbox(
        "Target stage",
        preview.rubric.stage_ids,
        index=preview.rubric.stage_ids.index(stage),
        key="imp-stage",
        format_func=lambda x: preview.rubric.stage(x).title,
    )
    tier = c2.selectbox(
        "Risk tier",
        preview.rubric.tier_ids,
        index=preview.rubric.tier_ids.index(tier),
        key="imp-tier",
        format_func=lambda t: preview.rubric.tier(t).title,
    )
    label = st.text_input(
        "Name of the new round", value=f"Imported from {upload.name}", key="imp-label"
    )
    st.text(preview.summary(stage, tier))
    rows = pd.DataFrame(ui.text_table(preview.rows()))
    if rounds:
        last = carry_answers(preview.rubric, s.answers(rounds[-1].id))
        rows.insert(
            2,
            f"Last round ({rounds[-1].label})",
            [answer_text(last[q].value) if q in last else "" for q in rows["question"]],
        )
    st.dataframe(rows, hide_index=True, width="stretch", height="content")
    confirmed = not elsewhere or st.checkbox(f"Yes, import it into {plain(path)}", key="imp-anyway")
    if st.button(f"Import as a new round of {plain(path)}", type="primary", disabled=not confirmed):
        aid = excel.import_questionnaire(
            s, preview, scope_id, stage, tier, who=ui.who(), label=label.strip()
        )
        open_round(aid)


def open_round(aid: int) -> None:
    st.query_params.clear()
    st.query_params["round"] = str(aid)
    st.rerun()


def walkthrough(s: Store, aid: int) -> None:
    a = s.assessment(aid)
    rubric = s.rubric(a.rubric_sha256)
    records = s.answer_records(aid)
    answers = {qid: r.answer for qid, r in records.items()}
    label = choice_label(rubric)
    locked = a.final or not auth.allowed("facilitator")  # a viewer reads, as a final round
    st.subheader(plain(s.scope_path(a.scope_id)))
    st.caption(
        f"{plain(a.label)} · target stage **{plain(rubric.stage(a.stage).title)}** · "
        f"risk tier **{plain(rubric.tier(a.tier).title)}** · "
        f"rubric {plain(rubric.id)} {plain(rubric.version)} · "
        + ("final" if a.final else "draft · read only for your role" if locked else DRAFT)
    )
    total = len(rubric.questions)
    done = sum(q.id in answers for q in rubric.questions)
    st.progress(done / total, text=f"{done} of {ui.count(total, 'question')} answered")

    dims = {d.id: d for d in rubric.dimensions}

    def dim_label(did: str) -> str:
        d = dims[did]
        n = sum(q.id in answers for q in d.questions)
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

    flash = st.session_state.pop("saved-flash", None)
    if flash:
        st.toast(f"Saved {plain(flash)}", icon=":material/save:")

    for q in dim.questions:
        with st.container(border=True):
            st.markdown(f"**{plain(q.id)} · {rubric_text(q.text)}**")
            if q.why:
                st.caption(f"Why it matters: {rubric_text(q.why)}")
            keys = {f: sync.widget_key(aid, q.id, f) for f in sync.FIELDS}
            sync.prepare(aid, q.id, records.get(q.id))
            newer_answer(aid, q.id, records.get(q.id), label)
            options = [*rubric.levels, NA, UNKNOWN]
            st.radio(
                f"Your answer for {plain(q.id)}",
                options,
                key=keys["level"],
                format_func=lambda v: plain(label(v)),
                captions=levels.captions(rubric, q),
                on_change=save,
                args=(aid, q.id, "level"),
                disabled=locked,
            )
            levels.assessor_guide(rubric, q, st.session_state[keys["level"]])
            c1, c2 = st.columns([2, 3])
            c1.pills(
                "Confidence",
                list(CONFIDENCE),
                format_func=CONFIDENCE.get,
                key=keys["confidence"],
                on_change=save,
                args=(aid, q.id, "confidence"),
                disabled=locked,
            )
            c2.text_input(
                "Evidence (links, documents)",
                key=keys["evidence"],
                max_chars=MAX_TEXT,
                help=f"Up to {MAX_TEXT:,} characters.",
                on_change=save,
                args=(aid, q.id, "evidence"),
                disabled=locked,
            )
            st.text_area(
                "Notes",
                key=keys["notes"],
                max_chars=MAX_TEXT,
                help=f"Up to {MAX_TEXT:,} characters.",
                on_change=save,
                args=(aid, q.id, "notes"),
                disabled=locked,
                height=68,
            )
            if st.session_state[keys["level"]] is None and (
                st.session_state[keys["evidence"]] or st.session_state[keys["notes"]]
            ):
                st.caption("Choose an answer to save this question's evidence and notes.")

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
