"""The portfolio roll-ups: each system's latest final round only, time in stage from the
audit log, filters, unit spread, the quarterly trend, and the portfolio workbook."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from groundwork import reports
from groundwork.excel import portfolio_workbook
from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
from groundwork.scoring import Answer
from groundwork.store import open_store

RUBRIC = load_rubric(DEFAULT_RUBRIC)
DIMS = [d.id for d in RUBRIC.dimensions]
TODAY = dt.date(2026, 12, 1)


def every(level: int) -> dict[str, Answer]:
    return {q.id: Answer(level) for q in RUBRIC.questions}


@pytest.fixture
def store(tmp_path):
    """Two units; three systems with final rounds over several quarters, one with a draft."""
    with open_store(tmp_path / "p.db") as s:
        org = s.create_organisation("Acme")
        claims = s.create_scope(org, "unit", "Claims")
        sales = s.create_scope(org, "unit", "Sales")
        made = "2026-01-10T09:00:00+00:00"
        a = s.create_scope(org, "system", "A", parent_id=claims, stage="pilot", tier="minimal",
                           created_at=made)  # fmt: skip
        b = s.create_scope(org, "system", "B", parent_id=claims, stage="pilot", tier="high",
                           created_at="2026-11-01T09:00:00+00:00")  # fmt: skip
        c = s.create_scope(org, "system", "C", parent_id=sales, stage="production",
                           tier="limited", created_at=made)  # fmt: skip
        for sid, level, when in (
            (a, 2, "2026-02-01"), (a, 5, "2026-05-01"), (c, 3, "2026-02-01"),
            (c, 4, "2026-08-01"), (b, 1, "2026-11-02"),
        ):  # fmt: skip
            at = f"{when}T09:00:00+00:00"
            s.import_round(sid, RUBRIC, "production" if sid != c else "scale",
                           s.scope(sid).tier, every(level), created_at=at, final=True)  # fmt: skip
        # a newer draft of A: shown as a draft, never in a roll-up
        s.import_round(a, RUBRIC, "production", "minimal", every(1),
                       created_at="2026-11-20T09:00:00+00:00")  # fmt: skip
        yield s, {"A": a, "B": b, "C": c}


def test_roll_ups_read_the_latest_final_round_and_leave_drafts_out(store):
    s, ids = store
    data = reports.portfolio_data(s, RUBRIC.stage_ids, today=TODAY)
    row = data.systems.set_index("name").loc["A"]
    assert row["drafts"] == 1 and row["verdict"] == "ready"  # the level-5 final round
    heat = reports.heatmap(data, data.systems, DIMS)
    assert heat.loc["A"].tolist() == [5.0] * len(DIMS)  # not the draft's 1s
    assert heat.loc["B"].tolist() == [1.0] * len(DIMS)


def test_time_in_stage_counts_from_the_last_stage_change_else_creation(store):
    s, ids = store
    s.update_scope(ids["C"], stage="scale", who="ana")
    data = reports.portfolio_data(s, RUBRIC.stage_ids, today=dt.date.today(), days=180)
    systems = data.systems.set_index("name")
    assert systems.loc["C", "days_in_stage"] == 0  # moved today, as the audit log says
    assert systems.loc["A", "days_in_stage"] == (dt.date.today() - dt.date(2026, 1, 10)).days
    data = reports.portfolio_data(s, RUBRIC.stage_ids, today=TODAY, days=180)
    stuck = data.systems[data.systems["stuck"]]
    assert list(stuck["name"]) == ["A"]  # B is a young pilot; C is not a pilot
    assert (
        not reports.portfolio_data(s, RUBRIC.stage_ids, today=TODAY, days=400)
        .systems["stuck"]
        .any()
    )


def test_the_pilot_age_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("GROUNDWORK_PILOT_DAYS", "90")
    assert reports.pilot_days() == 90
    monkeypatch.setenv("GROUNDWORK_PILOT_DAYS", "soon")
    assert reports.pilot_days() == reports.PILOT_DAYS


def test_filters_combine_and_an_empty_filter_keeps_everything(store):
    s, _ = store
    systems = reports.portfolio_data(s, RUBRIC.stage_ids, today=TODAY).systems
    assert len(reports.filter_systems(systems)) == 3
    assert set(reports.filter_systems(systems, units=["Claims"])["name"]) == {"A", "B"}
    assert set(reports.filter_systems(systems, units=["Claims"], tiers=["high"])["name"]) == {"B"}
    assert set(reports.filter_systems(systems, verdicts=["ready"])["name"]) == {"A", "C"}
    assert reports.filter_systems(systems, stages=["scale"]).empty


def test_the_unit_roll_up_gives_the_mean_and_spread_across_systems(store):
    s, _ = store
    data = reports.portfolio_data(s, RUBRIC.stage_ids, today=TODAY)
    rollup = reports.unit_rollup(data, data.systems, DIMS).set_index(["unit", "dimension"])
    mon = rollup.loc[("Claims", "MON")]
    assert (mon["mean"], mon["low"], mon["high"], mon["systems"]) == (3.0, 1.0, 5.0, 2)
    assert mon["sd"] == pytest.approx(2.828, abs=1e-3)
    assert rollup.loc[("Sales", "MON"), "systems"] == 1
    units = reports.unit_heatmap(reports.unit_rollup(data, data.systems, DIMS), DIMS)
    assert units.loc["Claims", "MON"] == 3.0


def test_the_trend_carries_each_system_forward_until_its_next_final_round(store):
    s, _ = store
    data = reports.portfolio_data(s, RUBRIC.stage_ids, today=TODAY)
    trend = reports.trend(data, data.systems).set_index("quarter")
    assert list(trend.index) == ["2026 Q1", "2026 Q2", "2026 Q3", "2026 Q4"]
    assert trend.loc["2026 Q1", "assessed"] == 2 and trend.loc["2026 Q1", "ready"] == 0
    assert trend.loc["2026 Q2", "ready"] == 1  # A reached level 5
    assert trend.loc["2026 Q4", "assessed"] == 3
    assert trend.loc["2026 Q4", "share"] == pytest.approx(2 / 3)  # A, and C at level 4


def test_the_trend_looks_back_a_bounded_number_of_quarters(tmp_path):
    with open_store(tmp_path / "old.db") as s:
        org = s.create_organisation("Acme")
        sid = s.create_scope(org, "system", "Old", stage="pilot", tier="minimal")
        for when in ("0900-01-01", "2026-01-01"):
            s.import_round(sid, RUBRIC, "production", "minimal", every(5),
                           created_at=f"{when}T09:00:00+00:00", final=True)  # fmt: skip
        data = reports.portfolio_data(s, RUBRIC.stage_ids, today=TODAY)
    trend = reports.trend(data, data.systems)
    assert len(trend) == reports.TREND_QUARTERS
    assert trend["assessed"].iloc[0] == 1  # the old round still counts at the window's start


def test_a_read_only_database_still_rolls_up_rounds_without_stored_summaries(store, tmp_path):
    s, _ = store
    s.db.conn.execute("delete from round_summaries")
    s.db.conn.commit()
    path = s.path
    s.close()
    path.chmod(0o444)
    try:
        with open_store(path, migrate=False) as ro:
            data = reports.portfolio_data(ro, RUBRIC.stage_ids, today=TODAY)
    finally:
        path.chmod(0o644)
    assert set(data.systems["verdict"]) == {"ready", "not ready"}
    assert reports.heatmap(data, data.systems, DIMS).loc["A", "MON"] == 5.0
    assert reports.trend(data, data.systems)["assessed"].iloc[-1] == 3


def test_the_portfolio_workbook_holds_every_part_with_safe_text(store):
    s, ids = store
    s.update_scope(ids["B"], name="=HYPERLINK('http://x')", who="ana")
    wb = load_workbook(io.BytesIO(portfolio_workbook(s, RUBRIC, today=TODAY, days=180)))
    assert wb.sheetnames == ["Heatmap", "Stages", "Units", "Outcomes", "Trend", "_meta"]
    heat = wb["Heatmap"]
    assert heat["A1"].value == "System" and heat.max_row == 4
    assert heat.conditional_formatting, "the heatmap is coloured on the scale"
    cell = next(c for c in heat["A"] if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s" and cell.quotePrefix
    stages = pd.DataFrame(wb["Stages"].values)
    stages.columns = stages.iloc[0]
    stuck = stages[stages["Stuck (over 180 days)"] == "stuck in pilot"]
    assert list(stuck["System"]) == ["A"] and list(stuck["Days in stage"]) == [325]
    assert wb["Units"].max_row == 1 + 2 * len(DIMS)
    trend = wb["Trend"]
    assert trend._charts, "the trend has a native chart"
    assert [r[0] for r in trend.iter_rows(min_row=2, values_only=True)][-1] == "2026 Q4"


def test_export_portfolio_on_the_command_line(run_cli, tmp_path, monkeypatch):
    from groundwork import demo

    db = demo.reset(tmp_path / "demo.db")
    monkeypatch.setenv("GROUNDWORK_DB", str(db))
    out = tmp_path / "portfolio.xlsx"
    code, stdout, _ = run_cli("export", "--portfolio", out)
    assert code == 0 and "Portfolio workbook written" in stdout
    wb = load_workbook(out)
    assert "Claims triage assistant" in [c.value for c in wb["Stages"]["A"]]
    outcomes = [r for r in wb["Outcomes"].iter_rows(min_row=2, values_only=True)]
    assert any("improved while the counter-measure" in (r[11] or "") for r in outcomes)
    code, _, err = run_cli("export", "--portfolio", tmp_path / "p.csv")
    assert code != 0 and ".xlsx" in err


def test_cached_portfolio_data_is_keyed_on_every_write(store):
    s, ids = store
    before = s.data_version()
    assert s.data_version() == before  # reading changes nothing
    aid = s.create_assessment(ids["B"], RUBRIC, "production", "high")
    after_round = s.data_version()
    s.save_answer(aid, "MON-1", Answer(3))
    after_answer = s.data_version()
    s.finalise(aid)
    assert len({before, after_round, after_answer, s.data_version()}) == 4


def test_the_round_workbook_has_the_systems_outcomes(demo_store):
    from groundwork.excel import export_workbook

    claims = next(x.id for x in demo_store.scopes(kind="system") if x.name.startswith("Claims"))
    aid = demo_store.assessments(claims)[-1].id
    wb = load_workbook(io.BytesIO(export_workbook(demo_store, aid)))
    rows = list(wb["Outcomes"].iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in rows] == ["headline", "counter"]
    assert "got worse" in rows[0][11]


@pytest.mark.parametrize("systems", [0, 1])
def test_an_organisation_without_assessed_systems_rolls_up_to_nothing(tmp_path, systems):
    with open_store(tmp_path / "e.db") as s:
        org = s.create_organisation("Acme")
        for n in range(systems):
            s.create_scope(org, "system", f"Bot {n}", stage="pilot", tier="high")
        data = reports.portfolio_data(s, RUBRIC.stage_ids, today=TODAY)
        assert len(reports.heatmap(data, data.systems, DIMS)) == systems
        assert reports.unit_rollup(data, data.systems, DIMS).empty
        assert reports.unit_heatmap(reports.unit_rollup(data, data.systems, DIMS), DIMS).empty
        assert reports.trend(data, data.systems).empty
        assert reports.headline(data.systems, RUBRIC.stage_ids)["assessed"] == 0
        wb = load_workbook(io.BytesIO(portfolio_workbook(s, RUBRIC, today=TODAY)))
        assert wb["Heatmap"].max_row == 1 + systems
