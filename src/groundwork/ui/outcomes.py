"""Business outcomes on screen: a chart per measure (baseline, target, values over time,
the counter-measure beside it), the warnings Results shows, and the editor."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from groundwork import charts
from groundwork.outcomes import COUNTER, DIRECTIONS, HEADLINE, Measure, Outcome, status
from groundwork.store import Store
from groundwork.ui import PAGES, friendly_errors
from groundwork.ui.auth import current_user
from groundwork.ui.text import distinct, plain

PAGE = PAGES["outcomes"]
# what Results must not let pass: no baseline to compare with, and the seed's trap
RESULTS_FLAGS = {"no-baseline", "counter-no-baseline", "counter-worse-headline-better"}
BETTER = {"higher": "Higher is better", "lower": "Lower is better"}


def _figure(value: float | None, unit: str) -> str:
    return "—" if value is None else f"{value:g} {unit}".strip()


def outcome_charts(o: Outcome, key: str) -> None:
    """One outcome: its headline chart with the target, the counter-measure beside it,
    and what its status says."""
    s = status(o)
    line = f"**{plain(o.name)}** · {BETTER[o.headline.direction].lower()}"
    if s.progress is not None:
        line += f" · {max(s.progress, 0):.0%} of the way to the target"
        line += " (met)" if s.target_met else ""
    st.markdown(line)
    for w in s.warnings:
        st.warning(plain(w.message), icon=":material/warning:")
    left, right = st.columns(2)
    left.plotly_chart(
        charts.outcome_chart(o.headline, o.target),
        key=f"{key}-h",
        config={"displayModeBar": False},
    )
    if o.counter is not None:
        right.plotly_chart(
            charts.outcome_chart(o.counter, title=f"Counter-measure: {o.counter.name}"),
            key=f"{key}-c",
            config={"displayModeBar": False},
        )
    else:
        right.caption(
            "No counter-measure: name one that must not get worse (for example the error "
            "rate of the cases still handled by people), so a better headline cannot hide it."
        )


def outcome_section(store: Store, scope_id: int) -> None:
    """A system's outcomes as charts, and a link to record or edit them (History calls
    this beside the maturity trend)."""
    outcomes = store.outcomes(scope_id)
    st.subheader("Business outcomes")
    if not outcomes:
        st.caption("No outcome measure yet: maturity says the system runs, outcomes say it works.")
    for o in outcomes:
        outcome_charts(o, key=f"outcome-{o.id}")
    st.page_link(
        PAGE,
        label="Record or edit outcomes",
        icon=":material/monitoring:",
        query_params={"scope": str(scope_id)},
    )


def outcome_warnings(store: Store, scope_id: int) -> None:
    """On Results: outcomes without a baseline, and a counter-measure that got worse while
    the headline improved."""
    flags = [w for o in store.outcomes(scope_id) for w in status(o).warnings]
    flags = [w for w in flags if w.code in RESULTS_FLAGS]
    for w in flags:
        st.warning(f"Outcome: {plain(w.message)}", icon=":material/monitoring:")
    if flags:
        st.page_link(
            PAGE,
            label="See the outcomes",
            icon=":material/monitoring:",
            query_params={"scope": str(scope_id)},
        )


def _measure_inputs(prefix: str, key: str, measure: Measure | None = None) -> dict:
    m = measure
    c1, c2, c3 = st.columns([3, 1, 1.4])
    name = c1.text_input(f"{prefix} name", value=m.name if m else "", key=f"{key}-name")
    unit = c2.text_input("Unit", value=m.unit if m else "", key=f"{key}-unit", max_chars=40)
    direction = c3.radio(
        "Which way is better",
        DIRECTIONS,
        index=DIRECTIONS.index(m.direction) if m else 0,
        format_func=BETTER.get,
        key=f"{key}-dir",
    )
    c4, c5 = st.columns(2)
    baseline = c4.number_input(
        "Baseline", value=m.baseline if m else None, key=f"{key}-base", format="%g"
    )
    baseline_date = c5.date_input(
        "Baseline date", value=m.baseline_date if m else None, key=f"{key}-bdate"
    )
    return {
        "name": name,
        "unit": unit,
        "direction": direction,
        "baseline": baseline,
        "baseline_date": baseline_date,
        "values": m.values if m else (),
    }


def _definition_form(store: Store, scope_id: int, who: str, o: Outcome | None) -> None:
    key = f"of-{o.id if o else 'new'}"
    with st.form(key, clear_on_submit=o is None):
        head = _measure_inputs("Measure", f"{key}-h", o.headline if o else None)
        target = st.number_input(
            "Target", value=o.target if o else None, key=f"{key}-target", format="%g"
        )
        with_counter = st.checkbox(
            "Counter-measure that must not get worse",
            value=bool(o and o.counter),
            key=f"{key}-hc",
        )
        counter = _measure_inputs("Counter-measure", f"{key}-c", o.counter if o else None)
        if st.form_submit_button("Save outcome" if o else "Add outcome"):
            try:
                outcome = Outcome(
                    Measure(**head),
                    target,
                    Measure(**counter) if with_counter else None,
                    id=o.id if o else None,
                )
            except ValueError as exc:
                st.error(plain(exc))
                return
            with friendly_errors():
                store.save_outcome(scope_id, outcome, who=who)
                st.toast(f"Saved {plain(outcome.name)}")
                st.rerun()


def _value_form(store: Store, o: Outcome, who: str) -> None:
    with st.form(f"ov-{o.id}", clear_on_submit=True):
        c1, c2, c3 = st.columns([1.4, 1, 1])
        options = [HEADLINE] + ([COUNTER] if o.counter else [])
        names = {HEADLINE: o.headline.name, COUNTER: o.counter.name if o.counter else ""}
        names = distinct(names)  # a radio reads Markdown: the names go through plain()
        measure = c1.radio(
            "Measure", options, format_func=lambda k: plain(names[k]), key=f"ov-{o.id}-m"
        )
        day = c2.date_input("Date", value=dt.date.today(), key=f"ov-{o.id}-d")
        value = c3.number_input("Value", value=None, key=f"ov-{o.id}-v", format="%g")
        if st.form_submit_button("Record value"):
            if value is None:
                st.error("Enter the value to record.")
                return
            with friendly_errors():
                store.record_value(o.id, measure, day, value, who=who)  # type: ignore[arg-type]
                st.toast("Value recorded")
                st.rerun()


def outcome_editor(store: Store, scope_id: int, who: str) -> None:
    """Record a new outcome, values of existing ones, change or delete them."""
    user = current_user()
    if user is None or not user.can("facilitator"):
        st.caption("Recording outcomes needs the facilitator role.")
        return
    for o in store.outcomes(scope_id):
        with st.expander(f"Record a value or edit: {plain(o.name)}"):
            _value_form(store, o, who)
            readings = [
                {"Measure": m.name, "Date": r.date, "Value": r.value, "_m": role}
                for role, m in ((HEADLINE, o.headline), (COUNTER, o.counter))
                if m is not None
                for r in m.values
            ]
            if readings:
                st.dataframe(
                    [{k: v for k, v in r.items() if k != "_m"} for r in readings],
                    hide_index=True,
                    width="stretch",
                )
                labels = {
                    i: f"{r['Measure']} · {r['Date']} · {r['Value']:g}"
                    for i, r in enumerate(readings)
                }
                c1, c2 = st.columns([3, 1])
                pick = c1.selectbox(
                    "A value entered by mistake",
                    list(labels),
                    format_func=labels.get,
                    key=f"od-{o.id}",
                )
                if c2.button("Delete value", key=f"odb-{o.id}"):
                    r = readings[pick]
                    store.delete_value(o.id, r["_m"], r["Date"], who=who)  # type: ignore[arg-type]
                    st.rerun()
            st.markdown("**Change the definition**")
            _definition_form(store, scope_id, who, o)
            if st.button("Delete this outcome and its values", key=f"odel-{o.id}"):
                store.delete_outcome(o.id, who=who)  # type: ignore[arg-type]
                st.rerun()
    with st.expander("Add an outcome measure", expanded=not store.outcomes(scope_id)):
        _definition_form(store, scope_id, who, None)
