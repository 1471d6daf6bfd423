"""How a workshop question's spread is shown: a small histogram and its numbers, with the
disagreement flag. Counts only: no view here ever receives a participant's name."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from groundwork import charts
from groundwork.store import now
from groundwork.ui.text import plain
from groundwork.workshop import Spread, value_text


def numbers(s: Spread) -> str:
    """'4 answers · median 3 · range 2-4 · sd 0.71' (plain text, for st.caption)."""
    if s.median is None:
        core = "no level given"
    else:
        median = f"{s.median:g}"
        core = (
            f"median {median} · range {s.low}–{s.high} · sd {s.sd:.2f}"
            if s.low != s.high
            else f"everyone said {s.low}"
        )
    extra = []
    if s.na:
        extra.append(f"{s.na} N/A")
    if s.unknown:
        extra.append(f"{s.unknown} don't know")
    people = f"{s.total} answer{'' if s.total == 1 else 's'}"
    return " · ".join([people, core, *extra])


def show(s: Spread, *, height: int = 160, key: str = "") -> None:
    """The histogram, the numbers and, when flagged, why."""
    st.plotly_chart(
        charts.spread_bars(s, height=height),
        config={"displayModeBar": False, "staticPlot": True},
        key=key or None,
    )
    st.caption(plain(numbers(s)))
    if s.flagged:
        st.markdown(f":red[**Disagreement:**] {plain(s.why_flagged())}")
    elif s.mixed:
        st.caption("Some gave a level and some said N/A or don't know.")


def proposal(s: Spread) -> str:
    """'Proposed consensus: 3 (the median)' for the default."""
    default = s.default
    if default is None:
        return "No answer yet."
    why = "the median" if s.median is not None and s.median == int(s.median) else None
    if why is None and s.median is not None:
        why = f"the median {s.median:g}, rounded down"
    return f"Proposed consensus: {value_text(default)}" + (f" ({why})" if why else "")


def time_left(started_at: str, minutes: int) -> str:
    """'3 min left' / 'time is up' for a dimension's timer."""
    end = dt.datetime.fromisoformat(started_at) + dt.timedelta(minutes=minutes)
    left = (end - dt.datetime.fromisoformat(now())).total_seconds()
    if left <= 0:
        return "time is up"
    return f"{int(left // 60)} min {int(left % 60):02d} s left"
