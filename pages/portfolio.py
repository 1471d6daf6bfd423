"""Portfolio: organisations, units and AI systems, and where each one stands."""

import pandas as pd
import streamlit as st

from groundwork import demo, reports, ui
from groundwork.limits import MAX_LOGO_BYTES, MAX_LOGO_SIDE
from groundwork.store import Store
from groundwork.ui import auth, portfolio
from groundwork.ui.text import distinct, plain


def branding(s: Store, orgs: list[dict], org_names: dict) -> None:
    """Admins only: the accent colour and logo of an organisation's exported workbooks."""
    with st.expander("Branding of exported workbooks"), st.form("branding"):
        org_id = st.selectbox(
            "Organisation", list(org_names), format_func=org_names.get, key="brand-org"
        )
        current = next(o for o in orgs if o["id"] == org_id)
        accent = st.color_picker("Accent colour", current.get("accent") or "#1D4ED8")
        logo = st.file_uploader(
            f"Logo (PNG or JPEG, up to {MAX_LOGO_BYTES // 1_000_000} MB and "
            f"{MAX_LOGO_SIDE}×{MAX_LOGO_SIDE} pixels)",
            type=["png", "jpg"],
        )
        if current.get("logo"):
            st.caption("A logo is set; uploading another replaces it.")
        if st.form_submit_button("Save branding") and auth.allowed("admin"):
            with ui.friendly_errors():
                s.set_branding(
                    org_id,
                    accent=accent,
                    logo=logo.getvalue() if logo else None,
                    who=ui.who(),
                )
                st.toast("Branding saved: the next workbook export uses it.")


st.title("Portfolio")
ui.welcome()
st.caption(
    "Every AI system, its stage and risk tier, and where its latest final round leaves it; "
    "open drafts are shown as drafts and left out of every roll-up."
)

with ui.friendly_errors(), ui.store() as s:
    rubric = ui.default_rubric()
    orgs = s.organisations()
    rows = reports.portfolio(s)

    can_edit, is_admin = auth.allowed("facilitator"), auth.allowed("admin")
    if not orgs and not can_edit:
        st.info("No organisation yet. A facilitator or an admin can create one.")
    elif not orgs:
        st.info("No organisation yet. Create one below to start, or explore the demo first.")
        if st.button("Load the demo organisation", icon=":material/auto_awesome:"):
            with ui.friendly_errors():
                demo.seed(s)
                st.rerun()
    else:
        data = portfolio.data(s, rubric)
        chosen = portfolio.filters(data, rubric)
        portfolio.headline(data, chosen, rubric)
        portfolio.stuck_list(data, chosen, rubric)
        heat, stages, units, trend = st.tabs(["Heatmap", "Stages", "Units", "Trend"])
        with heat:
            portfolio.heatmap_section(data, chosen, rubric)
        with stages:
            portfolio.stage_section(data, chosen, rubric)
        with units:
            portfolio.unit_section(data, chosen, rubric)
        with trend:
            portfolio.trend_section(data, chosen)
        portfolio.workbook_download(str(s.path))

    for org in orgs:
        st.subheader(plain(org["name"]))
        scopes = [r for r in rows if r["organisation_id"] == org["id"]]
        by_id = {r["scope_id"]: r for r in scopes}

        def parent_name(row: dict, by_id: dict = by_id) -> str:
            parent = by_id.get(row["parent_id"])
            return parent["name"] if parent and parent["kind"] == "unit" else "—"

        systems = [r for r in scopes if r["kind"] != "organisation"]

        def verdict(r: dict) -> str:
            if not r["verdict"]:
                return "not assessed"
            if r["status"] == "draft":  # an open round is no verdict on the system yet
                return f"draft · {r['answered']} of {ui.count(r['questions'], 'question')} answered"
            return f"{ui.VERDICT_ICON[r['verdict']]} {r['verdict']}"

        def final(r: dict) -> bool:
            return bool(r["verdict"]) and r["status"] != "draft"

        table = pd.DataFrame(
            [
                {
                    "Name": r["name"],
                    "Kind": r["kind"],
                    "Unit": parent_name(r) if r["kind"] == "system" else "",
                    "Stage": r["stage"] or "",
                    "Risk tier": r["tier"] or "",
                    "Target": r["target"] or "",
                    "Verdict": verdict(r),
                    "Blockers": str(r["blockers"]) if final(r) else "",
                    "Readiness": r["readiness"] * 100
                    if final(r) and r["readiness"] is not None
                    else None,
                    "Last round": r["date"] or "",
                }
                for r in sorted(systems, key=lambda r: (parent_name(r), r["kind"], r["name"]))
            ]
        )
        if table.empty:
            st.caption("No units or systems yet.")
        else:
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                column_config={
                    "Readiness": st.column_config.ProgressColumn(
                        "Readiness", format="%.0f%%", min_value=0, max_value=100
                    ),
                },
            )
        assessed = [r for r in systems if r["assessment_id"]]
        if assessed:
            cols = st.columns(min(2, len(assessed)))
            for i, r in enumerate(assessed):
                cols[i % len(cols)].page_link(
                    ui.PAGES["results"],
                    label=f"Results: {plain(r['name'])}",
                    icon=":material/fact_check:",
                    query_params={"round": str(r["assessment_id"])},
                )
                cols[i % len(cols)].page_link(
                    ui.PAGES["history"],
                    label=f"History: {plain(r['name'])}",
                    icon=":material/history:",
                    query_params={"scope": str(r["scope_id"])},
                )

    if not can_edit:
        st.stop()  # a viewer reads; the forms below change things
    st.divider()
    left, middle, right = st.columns(3)
    with left, st.form("new-org", clear_on_submit=True):
        st.markdown("**New organisation**")
        name = st.text_input("Organisation name")
        if st.form_submit_button("Create organisation"):
            with ui.friendly_errors():
                s.create_organisation(name, who=ui.who())
                st.toast(f"Created {plain(name.strip())}")
                st.rerun()

    if orgs:
        org_names = {o["id"]: o["name"] for o in orgs}
        with middle, st.form("new-scope", clear_on_submit=True):
            st.markdown("**New unit or AI system**")
            org_id = st.selectbox("Organisation", list(org_names), format_func=org_names.get)
            kind = st.radio(
                "Kind",
                ["system", "unit"],
                horizontal=True,
                format_func={"system": "AI system", "unit": "Business unit"}.get,
            )
            name = st.text_input("Name", key="new-scope-name")
            units = {r["scope_id"]: r["name"] for r in rows if r["kind"] == "unit"}
            parent = st.selectbox(
                "Inside unit (optional)",
                [None, *units],
                format_func=lambda u: "—" if u is None else units[u],
            )
            stage = st.selectbox("Current stage (systems)", rubric.stage_ids)
            tier = st.selectbox(
                "Risk tier (systems)", rubric.tier_ids, format_func=lambda t: rubric.tier(t).title
            )
            assess_now = st.checkbox("Start assessing a new system right away", value=True)
            if st.form_submit_button("Create"):
                with ui.friendly_errors():
                    new_id = s.create_scope(
                        org_id,
                        kind,
                        name,
                        parent_id=parent,
                        stage=stage if kind == "system" else None,
                        tier=tier if kind == "system" else None,
                        who=ui.who(),
                    )
                    st.toast(f"Created {plain(name.strip())}")
                    if kind == "system" and assess_now:
                        st.switch_page(ui.PAGES["assess"], query_params={"scope": str(new_id)})
                    st.rerun()

        with right, st.form("rename", clear_on_submit=True):
            st.markdown("**Rename or move to another stage**")
            names = distinct({r["scope_id"]: f"{r['name']} ({r['kind']})" for r in rows})
            kinds = {r["scope_id"]: r["kind"] for r in rows}
            target = st.selectbox("Which", list(names), format_func=names.get)
            new_name = st.text_input("New name (leave empty to keep)")
            new_stage = st.selectbox(
                "Stage (systems)",
                [None, *rubric.stage_ids],
                format_func=lambda x: "keep" if x is None else x,
            )
            if st.form_submit_button("Save"):
                changes = {}
                if new_name.strip():
                    changes["name"] = new_name
                if new_stage and kinds.get(target) == "system":
                    changes["stage"] = new_stage
                with ui.friendly_errors():
                    s.update_scope(target, who=ui.who(), **changes)
                    st.toast("Saved")
                    st.rerun()

        if is_admin:
            branding(s, orgs, org_names)

        systems_all = distinct({r["scope_id"]: r["name"] for r in rows if r["kind"] == "system"})
        if systems_all:
            st.divider()
            pick = st.selectbox(
                "Start an assessment for",
                list(systems_all),
                format_func=systems_all.get,
                key="start-for",
            )
            if st.button("Start an assessment", type="primary"):
                st.switch_page(ui.PAGES["assess"], query_params={"scope": str(pick)})
