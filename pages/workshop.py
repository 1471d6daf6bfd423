"""Workshop console: open a workshop on a draft round, let the room join, watch answers
arrive, reveal dimension by dimension, record consensus and dissent, then finalise."""

import streamlit as st

from groundwork import ui
from groundwork.ui import console
from groundwork.ui.auth import require

require("facilitator")
st.title("Workshop")
with ui.friendly_errors(), ui.store() as s:
    aid = ui.round_picker(s)
    if aid is not None:
        a = s.assessment(aid)
        rubric = s.rubric(a.rubric_sha256)
        found = s.workshops(aid)
        if not found:
            if a.final:
                st.info("This round is final. Open a workshop on a draft round.")
            else:
                st.caption(
                    "Everyone answers blind on their own phone; you reveal the spread "
                    "dimension by dimension and record the consensus."
                )
                console.open_form(s, aid)
        else:
            w = found[-1]
            present = st.toggle("Present mode (for the projector: large type, no names)")
            state = "open" if w.is_open else ("expired" if w.status == "open" else w.status)
            until = w.expires_at[:16].replace("T", " ")
            st.caption(f"Workshop {w.id} · {state}" + (f" until {until} UTC" if w.is_open else ""))
            if w.is_open:
                console.join_panel(w, large=present)
            if not present:
                panel = console.live_panel if w.is_open else console.room_panel
                panel(w.id, a.rubric_sha256)
            st.divider()
            console.reveal_section(s, w, rubric, present=present)
            if not present:
                st.divider()
                if w.is_open:
                    with st.expander("Add an offline participant's questionnaire"):
                        console.offline_participant(s, w)
                console.closing(s, w)
                ui.workbook_download(
                    "Roadmap workbook with the Workshop sheet", aid, name=f"{a.label} workshop"
                )
                if not w.is_open and not a.final:
                    console.open_form(s, aid)
