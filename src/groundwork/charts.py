"""Plotly figure builders: data in, ``go.Figure`` out. No Streamlit here."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from groundwork.scoring import Scorecard

CURRENT, TARGET, PREVIOUS = "#2563eb", "#f59e0b", "#94a3b8"


def radar(card: Scorecard, previous: Scorecard | None = None) -> go.Figure:
    """Current vs target per dimension (and the previous round), on the rubric's scale."""
    labels = [d.title for d in card.dimensions]
    closed = labels + labels[:1]

    def trace(values: list[float | None], name: str, color: str, fill: bool) -> go.Scatterpolar:
        vals = [v if v is not None else card.rubric.min_level for v in values]
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
        polar={"radialaxis": {"range": [card.rubric.min_level, card.rubric.max_level], "dtick": 1}},
        legend={"orientation": "h", "y": -0.15},
        margin={"l": 110, "r": 110, "t": 30, "b": 30},
        height=420,
    )
    return fig


def gap_bars(card: Scorecard) -> go.Figure:
    """Gap to target per dimension, largest first."""
    rows = [
        {"Dimension": d.title, "Gap": d.gap or 0.0, "Weighted gap": d.weighted_gap}
        for d in card.dimensions
    ]
    frame = pd.DataFrame(rows).sort_values("Gap")
    fig = px.bar(
        frame,
        x="Gap",
        y="Dimension",
        orientation="h",
        text_auto=".2f",
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
    """Roadmap items on a calendar, one bar per item, grouped by wave."""
    if not rows:
        return go.Figure()
    frame = pd.DataFrame(rows)
    frame["Start"] = pd.to_datetime(frame["start"])
    # px.timeline draws up to the end instant, so add a day to include the due date.
    frame["Finish"] = pd.to_datetime(frame["due"]) + pd.Timedelta(days=1)
    frame["Wave"] = frame["wave"].map(lambda n: f"Wave {n}")
    frame["Item"] = frame["id"]
    palette = ["#1d4ed8", "#3b82f6", "#60a5fa", "#93c5fd", "#64748b", "#94a3b8", "#cbd5e1"]
    fig = px.timeline(
        frame,
        x_start="Start",
        x_end="Finish",
        y="Item",
        color="Wave",
        hover_data={"action": True, "owner": True, "status": True},
        color_discrete_sequence=palette,
    )
    fig.update_yaxes(autorange="reversed", title=None)
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
