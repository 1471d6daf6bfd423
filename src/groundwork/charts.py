"""Plotly figure builders: data in, ``go.Figure`` out. No Streamlit here."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from groundwork.scoring import Scorecard

CURRENT, TARGET, PREVIOUS = "#2563eb", "#f59e0b", "#94a3b8"


def _wrap(text: str, width: int = 13) -> str:
    """Break a long axis label over lines so it is not cut at the chart's edge."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def radar(card: Scorecard, previous: Scorecard | None = None) -> go.Figure:
    """Current vs target per dimension (and the previous round), on the rubric's scale."""
    labels = [_wrap(d.title) for d in card.dimensions]
    closed = labels + labels[:1]

    def trace(values: list[float | None], name: str, color: str, fill: bool) -> go.Scatterpolar:
        vals = list(values)  # None leaves a gap: not answered is not a score of zero
        return go.Scatterpolar(
            r=vals + vals[:1],
            theta=closed,
            name=name,
            line={"color": color},
            fill="toself" if fill else None,
            opacity=0.85,
        )

    fig = go.Figure()
    fig.add_trace(trace([d.target for d in card.dimensions], "Target", TARGET, False))
    if previous is not None:
        by_id = {d.id: d.score for d in previous.dimensions}
        fig.add_trace(
            trace([by_id.get(d.id) for d in card.dimensions], "Previous round", PREVIOUS, False)
        )
    fig.add_trace(trace([d.score for d in card.dimensions], "Current", CURRENT, True))
    fig.update_layout(
        polar={
            "radialaxis": {
                "range": [card.rubric.min_level, card.rubric.max_level],
                "dtick": 1,
                "gridcolor": "rgba(128,128,128,0.35)",
            },
            "angularaxis": {"gridcolor": "rgba(128,128,128,0.35)"},
            "bgcolor": "rgba(0,0,0,0)",  # follows the light or dark page
        },
        legend={"orientation": "h", "y": -0.15},
        margin={"l": 105, "r": 105, "t": 40, "b": 30},
        paper_bgcolor="rgba(0,0,0,0)",
        height=420,
    )
    return fig


def gap_bars(card: Scorecard) -> go.Figure:
    """Gap to target per dimension, largest first."""
    rows = [
        {"Dimension": d.title, "Gap": round(d.gap or 0.0, 2), "Weighted gap": d.weighted_gap}
        for d in card.dimensions
    ]
    frame = pd.DataFrame(rows).sort_values("Gap")
    frame["Label"] = frame["Gap"].map(lambda g: f"{g:.2f}")  # as the tables print it
    fig = px.bar(
        frame,
        text="Label",
        x="Gap",
        y="Dimension",
        orientation="h",
        hover_data=["Weighted gap"],
        color_discrete_sequence=[TARGET],
    )
    fig.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"range": [0, max(1.0, frame["Gap"].max() * 1.15)]},
    )
    return fig


def gantt(rows: list[dict]) -> go.Figure:
    """Roadmap items on a calendar, one bar per item in roadmap order, coloured by status."""
    if not rows:
        return go.Figure()
    frame = pd.DataFrame(rows)
    frame["Start"] = pd.to_datetime(frame["start"])
    # px.timeline draws up to the end instant, so add a day to include the due date.
    frame["Finish"] = pd.to_datetime(frame["due"]) + pd.Timedelta(days=1)
    frame["Item"] = frame["id"] + "  (wave " + frame["wave"].astype(str) + ")"
    frame["Status"] = frame["status"]
    colours = {
        "done": "#16a34a",
        "in progress": "#2563eb",
        "not started": "#94a3b8",
        "blocked": "#dc2626",
        "dropped": "#cbd5e1",
    }
    fig = px.timeline(
        frame,
        x_start="Start",
        x_end="Finish",
        y="Item",
        color="Status",
        hover_data={"action": True, "owner": True, "wave_name": True},
        color_discrete_map=colours,
        category_orders={"Status": list(colours), "Item": list(frame["Item"])},
    )
    fig.update_yaxes(title=None)
    fig.update_layout(
        height=max(300, 22 * len(frame) + 80), margin={"l": 10, "r": 10, "t": 10, "b": 10}
    )
    return fig


def trend(history: list[dict], dimensions: list[tuple[str, str]], low: int, high: int) -> go.Figure:
    """Dimension scores over the scope's rounds."""
    records = [
        {"Date": dt.date.fromisoformat(h["date"]), "Dimension": title, "Score": h.get(did)}
        for h in history
        for did, title in dimensions
    ]
    fig = px.line(pd.DataFrame(records), x="Date", y="Score", color="Dimension", markers=True)
    fig.update_layout(
        yaxis={"range": [low, high], "dtick": 1},
        height=360,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return fig
