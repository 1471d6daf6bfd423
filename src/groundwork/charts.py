"""Plotly figure builders: data in, ``go.Figure`` out. No Streamlit here.

Plotly reads a subset of HTML in every label, title and hover text (``<a href>``, ``<b>``,
``<br>``), so user and rubric text passes :func:`text` before it goes into a figure.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from groundwork.outcomes import Measure
from groundwork.scoring import Scorecard, score_range
from groundwork.workshop import Spread

CURRENT, TARGET, PREVIOUS = "#2563eb", "#f59e0b", "#94a3b8"
BLOCKER_MARK = "■"  # in every common font; shown before a blocker's label
# Lines of a trend stay apart where they overlap: each dimension its own dash and marker,
# the markers shrinking so that equal scores show as nested rings.
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "pentagon", "cross"]


def text(value: object) -> str:
    """User or rubric text as plotly shows it: literally, never as its HTML subset. Only
    <, > and & start markup there; quotes stay as they are (plotly would show &quot;)."""
    return html.escape("" if value is None else str(value), quote=False)


def short(value: object, width: int = 48) -> str:
    """A long text cut at a word, with an ellipsis (before it is escaped)."""
    words = " ".join(str(value or "").split())
    if len(words) <= width:
        return words
    cut = words[: width - 1].rsplit(" ", 1)[0] if " " in words[: width - 1] else words[: width - 1]
    return cut.rstrip(" ,.;:") + "…"


def _wrap(raw: str, width: int = 13) -> str:
    """Break a long axis label over lines so it is not cut at the chart's edge (escaped)."""
    lines: list[str] = []
    line = ""
    for word in text(raw).split():
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

    span = score_range(card.rubric)
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
                "range": list(span),
                "dtick": 1 if span[1] - span[0] >= 2 else (span[1] - span[0]) / 4,
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
        {"Dimension": text(d.title), "Gap": round(d.gap or 0.0, 2), "Weighted gap": d.weighted_gap}
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


def gantt_label(row: dict) -> str:
    """'■ MON-1@3 · Route every model call through an…': what the bar is, at a glance."""
    mark = f"{BLOCKER_MARK} " if row.get("blocker") else ""
    return f"{mark}{text(row['id'])} · {text(short(row.get('action')))}"


def gantt(rows: list[dict]) -> go.Figure:
    """Roadmap items on a calendar, one bar per item in roadmap order, coloured by status,
    labelled with a short action; blockers of the gate are marked."""
    if not rows:
        return go.Figure()
    frame = pd.DataFrame(rows)
    frame["Start"] = pd.to_datetime(frame["start"])
    # px.timeline draws up to the end instant, so add a day to include the due date.
    frame["Finish"] = pd.to_datetime(frame["due"]) + pd.Timedelta(days=1)
    frame["Item"] = [gantt_label(r) for r in rows]
    frame["Status"] = frame["status"]
    frame["blocker"] = frame["blocker"].map(lambda b: "yes, clears the gate" if b else "no")
    for column in ("id", "action", "owner", "wave_name"):
        frame[column] = frame[column].map(text)
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
        hover_data={"id": True, "action": True, "owner": True, "wave_name": True, "blocker": True},
        labels={"id": "item", "wave_name": "wave"},
        color_discrete_map=colours,
        category_orders={"Status": list(colours), "Item": list(frame["Item"])},
    )
    fig.update_yaxes(title=None, automargin=True)
    fig.update_layout(
        height=max(300, 24 * len(frame) + 80), margin={"l": 10, "r": 10, "t": 10, "b": 10}
    )
    return fig


def _symbols(symbol: str, history: list[dict]) -> str | list[str]:
    """The line's marker, hollow on draft rounds (their answers may still change)."""
    if not any(h.get("status") == "draft" for h in history):
        return symbol
    return [f"{symbol}-open" if h.get("status") == "draft" else symbol for h in history]


def trend(
    history: list[dict],
    dimensions: list[tuple[str, str]],
    low: float,
    high: float,
    band: tuple[float, float, str] | None = None,
) -> go.Figure:
    """Dimension scores over the scope's rounds (hollow markers on drafts); ``band``
    (lowest and highest dimension target, and what they are the targets of) shades where
    the scores need to get to."""
    fig = go.Figure()
    if band is not None:
        bottom, top, name = band
        fig.add_hrect(
            y0=bottom - 0.05 if bottom == top else bottom,
            y1=top + 0.05 if bottom == top else top,
            fillcolor=TARGET,
            opacity=0.18,
            line_width=0,
            layer="below",
            annotation_text=text(name),
            annotation_position="top left",
        )
    dates = [dt.date.fromisoformat(h["date"]) for h in history]
    for i, (did, title) in enumerate(dimensions):
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=[h.get(did) for h in history],
                name=text(title),
                mode="lines+markers",
                line={"dash": DASHES[i % len(DASHES)], "width": 2},
                marker={
                    "symbol": _symbols(SYMBOLS[i % len(SYMBOLS)], history),
                    "size": max(6, 16 - 2 * i),
                    "line": {"width": 1, "color": "white"},
                },
                hovertemplate="%{x}: %{y:.2f}<extra>" + text(title) + "</extra>",
            )
        )
    fig.update_layout(
        legend={"orientation": "h", "y": -0.2},
        xaxis={"title": None},
        yaxis={
            "range": [low, high],
            "dtick": 1 if high - low >= 2 else (high - low) / 4,
            "title": "Score",
        },
        height=360,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return fig


def heatmap(frame: pd.DataFrame, titles: dict[str, str], low: float, high: float) -> go.Figure:
    """Rows (systems or units) x dimensions, coloured on the rubric's scale; an empty cell
    is a system without a final round, never a score of zero."""
    rows = [text(short(r, 40)) for r in frame.index]
    columns = [_wrap(titles.get(c, c)) for c in frame.columns]
    values = frame.to_numpy(dtype=float)
    labels = [["" if v != v else f"{v:.1f}" for v in row] for row in values]
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=columns,
            y=rows,
            text=labels,
            texttemplate="%{text}",
            zmin=low,
            zmax=high,
            colorscale=[[0, "#dc2626"], [0.5, "#facc15"], [1, "#16a34a"]],
            hovertemplate="%{y} · %{x}: %{z:.2f}<extra></extra>",
            colorbar={"title": "Score", "dtick": 1},
            xgap=2,
            ygap=2,
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(
        height=max(260, 34 * len(rows) + 120),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def readiness_trend(frame: pd.DataFrame) -> go.Figure:
    """The share of systems ready for their next stage, per quarter, with the counts."""
    share = (frame["share"] * 100).round(1)
    fig = go.Figure(
        go.Scatter(
            x=list(frame["quarter"]),
            y=list(share),
            mode="lines+markers+text",
            text=[f"{r} of {a}" for r, a in zip(frame["ready"], frame["assessed"], strict=True)],
            textposition="top center",
            line={"color": CURRENT, "width": 3},
            hovertemplate="%{x}: %{y:.0f}% ready (%{text})<extra></extra>",
        )
    )
    fig.update_layout(
        yaxis={"range": [0, 105], "title": "Ready for the next stage (%)", "ticksuffix": "%"},
        xaxis={"title": None, "type": "category"},
        height=340,
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
    )
    return fig


def outcome_chart(m: Measure, target: float | None = None, title: str = "") -> go.Figure:
    """A measure over time: its baseline, its dated values and (for a headline) its target."""
    unit = f" ({text(m.unit)})" if m.unit else ""
    fig = go.Figure()
    points = [(r.date, r.value) for r in m.values]
    if m.baseline is not None:
        start = m.baseline_date or (points[0][0] if points else None)
        fig.add_trace(
            go.Scatter(
                x=[start],
                y=[m.baseline],
                name="Baseline",
                mode="markers",
                marker={"symbol": "diamond", "size": 13, "color": PREVIOUS},
                hovertemplate="Baseline %{x}: %{y}<extra></extra>",
            )
        )
        if start is not None:
            points = [(start, m.baseline), *points]
    if points:
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in points],
                y=[p[1] for p in points],
                name="Measured",
                mode="lines+markers",
                line={"color": CURRENT, "width": 3},
                hovertemplate="%{x}: %{y}<extra></extra>",
            )
        )
    if target is not None:
        fig.add_hline(
            y=target,
            line={"color": TARGET, "dash": "dash", "width": 2},
            annotation_text=f"Target {target:g}",
            annotation_position="top left",
        )
    better = "lower" if m.direction == "lower" else "higher"
    fig.update_layout(
        title={"text": f"{text(title or m.name)}{unit}", "font": {"size": 14}},
        yaxis={"title": f"{better} is better"},
        legend={"orientation": "h", "y": -0.25},
        height=300,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return fig


FLAGGED = "#dc2626"


def spread_bars(spread: Spread, height: int = 160) -> go.Figure:
    """A workshop question's answers as a small histogram: one bar per level on the scale,
    then N/A and don't know; counts only, never names. Red when the room disagrees."""
    labels = [str(level) for level in spread.counts] + ["N/A", "?"]
    counts = [*spread.counts.values(), spread.na, spread.unknown]
    colour = FLAGGED if spread.flagged else CURRENT
    fig = px.bar(
        pd.DataFrame({"Answer": labels, "People": counts}),
        x="Answer",
        y="People",
        text="People",
        color_discrete_sequence=[colour],
    )
    fig.update_traces(textposition="outside", cliponaxis=False)
    fig.update_layout(
        height=height,
        margin={"l": 4, "r": 4, "t": 16, "b": 4},
        xaxis={"title": None, "type": "category"},
        yaxis={"visible": False, "range": [0, max(counts + [1]) * 1.3]},
    )
    return fig


def spread_heatmap(
    rows: list[str], questions: list[str], values: list[list[int | None]], low: int, high: int
) -> go.Figure:
    """Participants (labelled by role) x questions, coloured by the level each gave; blank
    where they gave none (N/A, don't know or no answer)."""
    fig = px.imshow(
        values,
        x=[text(q) for q in questions],
        y=[text(r) for r in rows],
        zmin=low,
        zmax=high,
        color_continuous_scale="RdYlGn",
        text_auto=True,
        aspect="auto",
    )
    fig.update_layout(
        height=max(220, 28 * len(rows) + 120),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        coloraxis_colorbar={"title": "Level", "dtick": 1},
        xaxis={"side": "top"},
    )
    return fig
