"""Rubric: browse the rubric, and upload another one (validated, every error with its line)."""

import pandas as pd
import streamlit as st

from groundwork import ui
from groundwork.models import ModelError
from groundwork.rubric import Rubric, RubricError, parse_rubric
from groundwork.store import Store
from groundwork.ui import auth
from groundwork.ui.models import rubric_from_upload
from groundwork.ui.rubrics import choices as rubric_choices
from groundwork.ui.text import plain, rubric_text

st.title("Rubric")


def gates_table(rubric: Rubric) -> pd.DataFrame:
    """One row per gated dimension or question, one column per stage (and per tier where a
    tier adds floors): the floor each gate sets, and the coverage it needs."""
    columns: dict[str, dict[str, str]] = {}
    for stage in rubric.stage_ids:
        gate = rubric.gates.get(stage)
        if not gate:
            continue
        for tier, floors in [("", gate), *gate.tiers.items()]:
            column = columns.setdefault(f"{stage} · {tier}" if tier else stage, {})
            if not tier and gate.min_answered:
                column["answered with a level"] = f"{gate.min_answered:.0%}"
            for key, value in [*floors.dimensions.items(), *floors.questions.items()]:
                column[key] = str(value)
    order = ["answered with a level"] + [
        x for d in rubric.dimensions for x in (d.id, *(q.id for q in d.questions))
    ]
    rows = [
        {"On": key, **{name: col.get(key, "") for name, col in columns.items()}}
        for key in order
        if any(key in col for col in columns.values())
    ]
    return pd.DataFrame(rows)


def eu_articles(rubric: Rubric, entries: list[str]) -> str:
    """'Art. 12 (provider; from 2027-12-02)': whom each cited article binds, and when."""
    out = []
    for entry in entries:
        art = rubric.article(entry)
        out.append(
            f"{entry} ({', '.join(art.binds)}; from {art.applies.isoformat()})" if art else entry
        )
    return ", ".join(out) or "—"


def browse(rubric: Rubric) -> None:
    st.subheader(f"{plain(rubric.title)} · {plain(rubric.version)}")
    if rubric.description:
        st.caption(rubric_text(rubric.description))
    if rubric.origin:
        st.caption("From: " + plain(" · ".join(f"{k}: {v}" for k, v in rubric.origin.items())))
    scale = pd.DataFrame(
        [
            {"Level": s.level, "Label": s.label, "Meaning": s.meaning}
            | ({"Worth": rubric.value(s.level)} if rubric.has_values else {})
            for s in rubric.scale
        ]
    )
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**Scale**")
        st.dataframe(scale, hide_index=True, width="stretch")
    with c2:
        st.markdown("**Risk tiers**")
        tiers = [
            {
                "Tier": t.title,
                "Raises targets by": t.uplift,
                "On": ", ".join(t.dimensions) if t.dimensions is not None else "every dimension",
                "Also applies the floors of": ", ".join(rubric.tier_chain(t.id)[1:]) or "—",
            }
            for t in rubric.tiers
        ]
        st.dataframe(pd.DataFrame(tiers), hide_index=True, width="stretch")
    with st.expander("Gates: what each stage requires", expanded=True):
        st.caption(
            "Floors carry to later stages. A column 'stage · tier' lists the floors that "
            "tier adds on top of the stage's own; they apply to every tier that includes it."
        )
        st.dataframe(gates_table(rubric), hide_index=True, width="stretch")

    for dim in rubric.dimensions:
        targets = ", ".join(f"{k} {v}" for k, v in dim.targets.items()) or "the top level"
        st.markdown(f"### {plain(dim.title)}")
        st.caption(
            f"{plain(dim.id)} · weight {dim.weight:g} · targets: {plain(targets)}. "
            + rubric_text(dim.description)
        )
        if dim.objectives:
            st.caption("Objectives by maturity level:")
            st.text("\n".join(f"{lv}: {text}" for lv, text in sorted(dim.objectives.items())))
        for q in dim.questions:
            with st.expander(f"{plain(q.id)} · {rubric_text(q.text)}"):
                if q.title or q.description:
                    st.markdown(
                        " ".join(
                            x
                            for x in (
                                f"**{plain(q.title)}**" if q.title else "",
                                rubric_text(q.description),
                            )
                            if x
                        )
                    )
                if q.about:
                    st.caption(f"About the {q.about}.")
                if q.why:
                    st.markdown(f"*Why it matters:* {rubric_text(q.why)}")
                table = pd.DataFrame(
                    [
                        {
                            "Level": f"{lv} · {rubric.label(lv, q)}",
                            "What it looks like": q.levels.get(lv, ""),
                            "What an assessor looks at": q.evidence.get(lv, ""),
                            "Metric": q.metrics.get(lv, ""),
                            "Action to reach it": rubric.action(q.id, lv).action
                            if lv > rubric.min_level
                            else "",
                            "Effort": str(rubric.action(q.id, lv).effort)
                            if lv > rubric.min_level
                            else "",
                            "Needs first": ", ".join(rubric.depends_on(q.id, lv)),
                        }
                        for lv in rubric.levels
                    ]
                )
                st.dataframe(table, hide_index=True, width="stretch")
                cw = q.crosswalk
                st.caption(
                    plain(
                        f"Weight {q.weight:g}. NIST AI RMF: {', '.join(cw.nist_ai_rmf) or '—'} · "
                        f"NIST AI 600-1: {', '.join(cw.nist_ai_600_1) or '—'} · "
                        f"EU AI Act: {eu_articles(rubric, cw.eu_ai_act)} · "
                        f"ISO/IEC 42001: {', '.join(cw.iso_42001) or '—'}"
                    )
                    + "".join(
                        f" · {plain(k)}: {plain(', '.join(v))}"
                        for k, v in (cw.model_extra or {}).items()
                    )
                )
                if q.quality:
                    st.caption("Quality criteria:")
                    st.text("\n".join(f"• {c}" for c in q.quality))
    if rubric.references:
        st.markdown("### Sources")
        for ref in rubric.references:
            st.markdown(f"- {rubric_text(ref.title)} (checked {ref.checked.isoformat()})")
            for d in ref.dates:
                st.caption(f"{d.date.isoformat()}: {rubric_text(d.applies)}")
            if ref.articles:
                articles = [
                    {
                        "Article": a.id,
                        "Title": a.title,
                        "Binds": ", ".join(a.binds),
                        "Applies from": a.applies.isoformat(),
                        "Scope": a.scope,
                    }
                    for a in ref.articles
                ]
                st.dataframe(pd.DataFrame(articles), hide_index=True, width="stretch")


def offer(s, name: str, text: str, not_carried: list[str], kind: str) -> None:
    """Check an uploaded (or imported) rubric; when valid, offer to store it."""
    try:
        candidate = parse_rubric(text, name)
    except RubricError as exc:
        st.error(f"{ui.count(len(exc.problems), 'problem')} in {plain(name)}; nothing was stored.")
        st.code("\n".join(str(p) for p in exc.problems), language=None)
        return
    st.success(
        f"{plain(name)} is valid: {plain(candidate.title)} {plain(candidate.version)}, "
        f"{len(candidate.dimensions)} dimensions, {len(candidate.questions)} questions."
    )
    if kind != "a rubric":
        st.info(f"Imported from {kind}.")
        if not_carried:
            with st.expander("Fields of the model the rubric does not carry"):
                st.text("\n".join(not_carried))
        st.download_button(
            "Download the rubric (YAML)",
            text,
            file_name=f"{candidate.id}.yaml",
            mime="application/x-yaml",
        )
    if st.button("Use it for new rounds", type="primary") and auth.allowed("admin"):
        s.save_rubric(candidate)
        st.toast("Stored: choose it when you start a round.")


def upload_form(s: Store) -> None:
    """Admins only: a new rubric or a model, checked in full before it can be stored."""
    st.write(
        "Upload a rubric in YAML. It is checked in full; if it is valid you can use it "
        "for new rounds. The format is described in docs/rubric-format.md in the Groundwork "
        "repository; `groundwork validate FILE` gives the same checks on the command line."
    )
    st.caption(
        "Or bring a model you already use: a zip of OWASP SAMM's core model folder "
        "(github.com/owaspsamm/core), or DSOMM's generated/model.yaml. It becomes a "
        "rubric that scores as the model's own tool does."
    )
    upload = st.file_uploader(
        "Rubric, SAMM zip or DSOMM file", type=["yaml", "yml", "zip"], key="rubric-upload"
    )
    if upload is not None:
        try:
            text, not_carried, kind = rubric_from_upload(upload.name, upload.getvalue())
        except ModelError as exc:
            st.error(f"{plain(upload.name)} cannot be imported: {plain(str(exc))}")
        else:
            offer(s, upload.name, text, not_carried, kind)


with ui.friendly_errors(), ui.store() as s:
    admin = auth.allowed("admin")
    tabs = st.tabs(["Browse", "Upload a rubric"] if admin else ["Browse"])
    if admin:
        with tabs[1]:
            upload_form(s)
    default = ui.default_rubric()
    stored = rubric_choices(s.rubrics(), default)
    with tabs[0]:
        sha = st.selectbox("Rubric", list(stored), format_func=stored.get, key="rubric-pick")
        browse(default if sha == default.sha256 else s.rubric(sha))
