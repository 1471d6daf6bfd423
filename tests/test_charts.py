"""Chart builders: labels say what a bar is, overlapping lines stay apart, and user or
rubric text never becomes plotly's HTML."""

from __future__ import annotations

import datetime as dt

from groundwork import charts
from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
from groundwork.scoring import Answer, score

HOSTILE = 'Bot <a href="http://x">click</a> <b>bold</b>'


def _row(**over) -> dict:
    row = {
        "wave": 1,
        "wave_name": "Clear the gate",
        "id": "MON-1@3",
        "action": "Route every model call through an instrumented client or gateway that "
        "records model, version, prompt version, tokens, latency and errors.",
        "owner": "",
        "status": "not started",
        "start": "2027-01-01",
        "due": "2027-03-31",
        "blocker": True,
    }
    return {**row, **over}


def test_gantt_bars_carry_a_short_action_and_mark_blockers():
    fig = charts.gantt([_row(), _row(id="GOV-1@4", blocker=False, action="Write it down.")])
    blocker, other = sorted(set(fig.layout.yaxis.categoryarray), key=lambda s: "GOV" in s)
    assert blocker.startswith(f"{charts.BLOCKER_MARK} MON-1@3 · Route every model call")
    assert blocker.endswith("…") and len(blocker) < 70
    assert other == "GOV-1@4 · Write it down."


def _no_markup(fig) -> None:
    js = fig.to_json()
    for tag in ("<a", "<b>", "\\u003ca", "\\u003cb\\u003e"):
        assert tag not in js, tag
    assert "&lt;a" in js


def test_user_and_rubric_text_in_a_gantt_is_escaped():
    _no_markup(charts.gantt([_row(owner=HOSTILE, action=HOSTILE, wave_name=HOSTILE)]))


def test_dimension_titles_in_radar_gap_and_trend_are_escaped():
    import yaml

    data = yaml.safe_load(DEFAULT_RUBRIC.read_text(encoding="utf-8"))
    data["dimensions"][0]["title"] = HOSTILE
    from groundwork.rubric import parse_rubric

    rubric = parse_rubric(yaml.safe_dump(data, sort_keys=False))
    card = score(rubric, {"MON-1": Answer(2)}, "production", "minimal")
    _no_markup(charts.radar(card))
    _no_markup(charts.gap_bars(card))
    dims = [(d.id, d.title) for d in rubric.dimensions]
    history = [{"date": "2027-01-01", dims[0][0]: 2.0}, {"date": "2027-04-01", dims[0][0]: 3.0}]
    _no_markup(charts.trend(history, dims, 1, 5))


def test_overlapping_trend_lines_are_told_apart_by_dash_and_marker():
    rubric = load_rubric(DEFAULT_RUBRIC)
    dims = [(d.id, d.title) for d in rubric.dimensions]
    same = {did: 3.0 for did, _ in dims}  # every line on top of the others
    history = [{"date": d, **same} for d in ("2027-01-01", "2027-04-01")]
    fig = charts.trend(history, dims, 1, 5)
    styles = {(t.line.dash, t.marker.symbol) for t in fig.data}
    assert len(fig.data) == len(dims) == len(styles)
    sizes = [t.marker.size for t in fig.data]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == len(sizes)
    assert [t.x[0] for t in fig.data] == [dt.date(2027, 1, 1)] * len(dims)


def test_the_trend_marks_draft_rounds_and_shades_the_target_band():
    dims = [("A", "Alpha"), ("B", "Beta")]
    history = [
        {"date": "2027-01-01", "status": "final", "A": 2.0, "B": 3.0},
        {"date": "2027-04-01", "status": "draft", "A": 3.0, "B": 3.5},
    ]
    fig = charts.trend(history, dims, 1, 5, band=(3.0, 4.0, "targets for <b>Live</b>"))
    assert [list(t.marker.symbol) for t in fig.data] == [
        ["circle", "circle-open"],
        ["square", "square-open"],
    ]
    [band] = fig.layout.shapes
    assert (band.y0, band.y1) == (3.0, 4.0)
    assert fig.layout.annotations[0].text == "targets for &lt;b&gt;Live&lt;/b&gt;"
