"""The offline questionnaire and JSON imports on Assess: each becomes a new round after a
preview, and nothing is written until the person confirms."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from groundwork import excel, interchange, reports, ui
from groundwork.scoring import answer_text, carry_answers
from groundwork.store import Store
from groundwork.ui.text import plain


def open_round(aid: int) -> None:
    st.query_params.clear()
    st.query_params["round"] = str(aid)
    st.rerun()


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
            f"{ui.count(len(doc.outcomes), 'outcome')}, "
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
