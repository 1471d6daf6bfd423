"""Roadmap: the gaps as phased, dependency-ordered waves, with owners, dates and status
stored against each item's stable id so they survive regeneration and the next round."""

import datetime as dt

import pandas as pd
import streamlit as st

from groundwork import charts, excel, reports, ui
from groundwork.limits import MAX_TEXT
from groundwork.roadmap import DEFAULT_WAVE_DAYS
from groundwork.safe import csv_document
from groundwork.store import ROADMAP_STATUSES
from groundwork.ui import auth
from groundwork.ui.text import plain

COLUMNS = {
    "id": "Item",
    "action": "Action",
    "owner": "Owner",
    "status": "Status",
    "start": "Start",
    "due": "Due",
    "wave": "Wave",
    "blocker": "Blocker",
    "notes": "Notes",
    "depends_on": "After",
    "dimension": "Dimension",
    "effort": "Effort",
}
ROW_HEIGHT = 35  # px per row of the table, so its height shows every row


def keep_start(scope_id: int, key: str) -> None:
    """The start of wave 1 changed: keep it for the scope, so every visit plans the same."""
    with ui.friendly_errors(), ui.store() as s:
        s.set_roadmap_start(scope_id, st.session_state[key], who=ui.who())


st.title("Roadmap")
with ui.friendly_errors(), ui.store() as s:
    aid = ui.round_picker(s)
    if aid is not None:
        a = s.assessment(aid)
        locked = not auth.allowed("facilitator")  # a viewer reads the plan and downloads it
        c1, c2, c3 = st.columns(3)
        start_key = f"rm-start-{a.scope_id}"
        start = c1.date_input(
            "Start of wave 1",
            value=reports.roadmap_start(s, aid),
            key=start_key,
            on_change=keep_start,
            args=(a.scope_id, start_key),
            help="Kept for this system: its roadmap starts here on every visit and export.",
            disabled=locked,
        )
        wave_days = c2.number_input(
            "Days per wave",
            min_value=7,
            max_value=730,
            value=DEFAULT_WAVE_DAYS,
            step=7,
            key="rm-days",
        )
        capacity = c3.number_input(
            "Effort points per wave (0 = no limit)", min_value=0, value=0, step=1, key="rm-capacity"
        )
        view = reports.roadmap_view(
            s, aid, start=start, capacity=capacity or None, wave_days=int(wave_days)
        )
        where = f"{s.scope_path(a.scope_id)} · {a.label} · target stage {a.stage}, tier {a.tier}."
        st.caption(
            f"{plain(where)} Owners, dates and status belong to the system and carry "
            "over to its next rounds."
        )

        if not view.rows:
            st.success("Nothing to do: every target for this stage and the next is met.")
        else:
            done = sum(r["status"] == "done" for r in view.rows)
            st.progress(
                done / len(view.rows), text=f"{done} of {ui.count(len(view.rows), 'item')} done"
            )
            for wave in view.roadmap.waves:
                st.markdown(
                    f"**Wave {wave.number}: {plain(wave.name)}** · {wave.start} → {wave.end} · "
                    f"{ui.count(len(wave.items), 'item')}, {ui.count(wave.points, 'effort point')}"
                )
                with st.expander(f"Every action of wave {wave.number} in full"):
                    st.markdown(
                        "\n".join(
                            f"- **{plain(i.id)}**{' (blocker)' if i.blocker else ''}: "
                            f"{plain(i.action)}"
                            for i in wave.items
                        )
                    )
            st.plotly_chart(charts.gantt(view.rows), config={"displayModeBar": False})

            frame = pd.DataFrame(view.rows)[list(COLUMNS)].rename(columns=COLUMNS)
            editable = pd.DataFrame(view.rows)[list(COLUMNS)]
            for column in ("start", "due"):
                editable[column] = pd.to_datetime(editable[column]).dt.date
            st.caption("Edit owner, status, dates and notes in the table, then save.")
            edited = st.data_editor(
                editable,
                hide_index=True,
                width="stretch",
                height=ROW_HEIGHT * len(editable) + 40,  # every row, no inner scrolling
                row_height=ROW_HEIGHT,
                key=f"rm-table-{aid}",
                disabled=True if locked else [c for c in COLUMNS if c not in reports.EDITABLE],
                column_config={
                    **{k: st.column_config.Column(v) for k, v in COLUMNS.items()},
                    "id": st.column_config.TextColumn("Item", pinned=True),
                    "action": st.column_config.TextColumn("Action", width=420),
                    "status": st.column_config.SelectboxColumn(
                        "Status", options=list(ROADMAP_STATUSES), required=True
                    ),
                    "start": st.column_config.DateColumn("Start"),
                    "due": st.column_config.DateColumn("Due"),
                    "notes": st.column_config.TextColumn("Notes", max_chars=MAX_TEXT),
                },
            )
            edits = reports.roadmap_edits(view.rows, edited.to_dict("records"))
            if (
                edits
                and not locked
                and st.button(
                    f"Save {ui.count(len(edits), 'edited item')}", type="primary", key="rm-save"
                )
            ):
                with ui.friendly_errors():
                    s.save_roadmap_items(a.scope_id, edits, who=ui.who())
                    st.toast(f"Saved {ui.count(len(edits), 'item')}")
                    st.rerun()

            st.markdown("#### Update an item")
            ids = [r["id"] for r in view.rows]
            by_id = {r["id"]: r for r in view.rows}
            item_id = st.selectbox(
                "Item", ids, key="rm-item", format_func=lambda i: f"{i} — {by_id[i]['action'][:80]}"
            )
            row = by_id[item_id]
            with st.form(f"edit-{item_id}"):
                f1, f2 = st.columns(2)
                owner = f1.text_input("Owner", value=row["owner"], disabled=locked)
                status = f2.selectbox(
                    "Status",
                    ROADMAP_STATUSES,
                    index=ROADMAP_STATUSES.index(row["status"]),
                    disabled=locked,
                )
                d1, d2 = st.columns(2)
                begin = d1.date_input(
                    "Start", value=dt.date.fromisoformat(row["start"]), disabled=locked
                )
                due = d2.date_input("Due", value=dt.date.fromisoformat(row["due"]), disabled=locked)
                notes = st.text_area(
                    "Notes",
                    value=row["notes"],
                    height=68,
                    max_chars=MAX_TEXT,
                    help=f"Up to {MAX_TEXT:,} characters.",
                    disabled=locked,
                )
                if st.form_submit_button("Save item", type="primary", disabled=locked):
                    if due < begin:
                        st.error("The due date is before the start date.")
                    else:
                        # only what was changed here: untouched dates stay planned, not fixed
                        changes = reports.roadmap_edits(
                            [row],
                            [
                                {
                                    "id": item_id,
                                    "owner": owner,
                                    "status": status,
                                    "start": begin,
                                    "due": due,
                                    "notes": notes,
                                }
                            ],
                        ).get(item_id, {})
                        changed = changes and s.save_roadmap_item(
                            a.scope_id, item_id, who=ui.who(), **changes
                        )
                        st.toast("Saved" if changed else "Nothing changed")
                        st.rerun()

            st.markdown("#### Share and collect")
            ui.workbook_download(
                "Download the roadmap workbook (Excel)",
                aid,
                name=f"{s.scope(a.scope_id).name} {a.label}",
                start=start,
                capacity=capacity or None,
                wave_days=int(wave_days),
            )
            st.caption(
                "Owners can edit owner, start, due, status and notes in the workbook; "
                "upload it here to see what changed, then apply."
            )
            upload = st.file_uploader(
                "Edited roadmap workbook (.xlsx)",
                type=["xlsx"],
                key=f"rm-upload-{aid}",
                disabled=locked,
            )
            if upload is not None:
                diff = excel.preview_roadmap(s, upload.getvalue(), filename=upload.name)
                if diff.scope_id != a.scope_id:
                    st.warning("This workbook belongs to another system; its changes apply there.")
                if not diff.changes:
                    st.info(plain(diff.summary()))
                else:
                    if diff.conflicts:
                        st.warning(
                            f"{ui.count(len(diff.conflicts), 'field')} changed in Groundwork "
                            "after this workbook was exported; applying replaces those changes."
                        )
                    st.dataframe(
                        pd.DataFrame(
                            [
                                {
                                    "Item": c.item_id,
                                    "Field": c.field,
                                    "Now": c.old,
                                    "Becomes": c.new,
                                    "Changed since export": "yes" if c.conflict else "",
                                }
                                for c in diff.changes
                            ]
                        ),
                        hide_index=True,
                        width="stretch",
                    )
                    if st.button(f"Apply {ui.count(len(diff.changes), 'change')}", type="primary"):
                        n = excel.apply_roadmap(s, diff, who=ui.who())
                        st.toast(f"Applied {ui.count(n, 'change')}")
                        st.rerun()

            csv = csv_document(frame)
            st.download_button(
                "Download the roadmap (CSV)",
                csv,
                file_name=ui.file_name(s.scope(a.scope_id).name, a.label, "roadmap", ext="csv"),
                mime="text/csv",
            )
