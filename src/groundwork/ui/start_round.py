"""Start a round on Assess: what is assessed, its target stage and risk tier, the rubric,
and whether to pre-fill from the last round; open drafts are offered first."""

from __future__ import annotations

import streamlit as st

from groundwork import reports, ui
from groundwork.store import Store
from groundwork.ui import auth
from groundwork.ui.import_panel import offline, open_round
from groundwork.ui.rubrics import choices as rubric_choices
from groundwork.ui.text import plain


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
        started = st.form_submit_button("Start the round", type="primary")
        if started and not ui.done_just_now(f"start-round-{scope_id}"):
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
            ui.did(f"start-round-{scope_id}")
            open_round(aid)
    with st.expander("Work offline, or bring in a round from a file"):
        offline(s, scope_id)
