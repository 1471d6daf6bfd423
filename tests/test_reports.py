"""What the pages show: the portfolio's verdicts follow the latest round, drafts live."""

from groundwork import reports
from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
from groundwork.scoring import Answer
from groundwork.store import open_store


def test_portfolio_follows_the_latest_round_and_live_drafts(tmp_path):
    rubric = load_rubric(DEFAULT_RUBRIC)
    with open_store(tmp_path / "gw.db") as s:
        org = s.create_organisation("Acme")
        bot = s.create_scope(org, "system", "Bot", stage="pilot", tier="minimal")
        full = {q.id: Answer(5) for q in rubric.questions}
        first = s.import_round(bot, rubric, "production", "minimal", full, final=True)
        row = next(r for r in reports.portfolio(s) if r["scope_id"] == bot)
        assert (row["assessment_id"], row["verdict"], row["readiness"]) == (first, "ready", 1.0)

        draft = s.create_assessment(bot, rubric, "production", "minimal", prefill_from=first)
        assert next(r for r in reports.portfolio(s) if r["scope_id"] == bot)["verdict"] == "ready"
        s.save_answer(draft, "MON-1", Answer(1))
        row = next(r for r in reports.portfolio(s) if r["scope_id"] == bot)
        assert (row["assessment_id"], row["verdict"], row["blockers"]) == (draft, "not ready", 1)


def test_roadmap_edits_match_rows_by_id_and_ignore_untouched_fields():
    import datetime as dt

    before = [
        {
            "id": "MON-1@3",
            "owner": "",
            "status": "not started",
            "start": "2027-01-01",
            "due": "2027-03-31",
            "notes": "",
        },
        {
            "id": "GOV-1@3",
            "owner": "Ana",
            "status": "done",
            "start": "2027-01-01",
            "due": "2027-03-31",
            "notes": None,
        },
    ]
    after = [  # reordered, dates as the grid returns them
        {
            "id": "GOV-1@3",
            "owner": "Ana",
            "status": "done",
            "start": dt.date(2027, 1, 1),
            "due": dt.date(2027, 3, 31),
            "notes": float("nan"),
        },
        {
            "id": "MON-1@3",
            "owner": " Priya ",
            "status": "in progress",
            "start": dt.date(2027, 1, 1),
            "due": dt.date(2027, 2, 28),
            "notes": "",
        },
    ]
    assert reports.roadmap_edits(before, after) == {
        "MON-1@3": {"owner": "Priya", "status": "in progress", "due": "2027-02-28"}
    }


def test_portfolio_summary_counts_systems_stuck_in_pilot(tmp_path):
    from groundwork import demo

    demo.reset(tmp_path / "demo.db")
    with open_store(tmp_path / "demo.db") as s:
        stages = load_rubric(DEFAULT_RUBRIC).stage_ids
        summary = reports.portfolio_summary(reports.portfolio(s), stages)
    assert summary["systems"] == 4 and summary["assessed"] == 4
    assert summary["ready"] == 1  # the adjuster knowledge search, ready to scale
    # the policy wording drafter, and the high-risk claims triage assistant, still short of
    # the documentation a high-risk system needs for production
    assert summary["stuck_in_pilot"] == 2
    assert summary["beyond_pilot"] == 2


def test_the_portfolio_shows_the_newest_round_by_date_not_by_insertion(tmp_path):
    rubric = load_rubric(DEFAULT_RUBRIC)
    with open_store(tmp_path / "gw.db") as s:
        org = s.create_organisation("Acme")
        bot = s.create_scope(org, "system", "Bot")
        answers = {q.id: Answer(3) for q in rubric.questions}
        newer = s.import_round(
            bot,
            rubric,
            "production",
            "minimal",
            answers,
            created_at="2027-01-10T09:00:00+00:00",
            final=True,
        )
        s.import_round(
            bot,
            rubric,
            "production",
            "minimal",
            answers,
            created_at="2020-01-10T09:00:00+00:00",
            final=True,
        )  # an archive, later
        row = next(r for r in reports.portfolio(s) if r["scope_id"] == bot)
        assert row["assessment_id"] == newer and row["date"] == "2027-01-10"


def test_a_previous_round_on_another_rubric_is_compared_as_it_was_stored(tmp_path):
    from pathlib import Path

    tiny = load_rubric(Path(__file__).parent / "data" / "tiny.yaml")
    rubric = load_rubric(DEFAULT_RUBRIC)
    with open_store(tmp_path / "gw.db") as s:
        org = s.create_organisation("Acme")
        bot = s.create_scope(org, "system", "Bot")
        old = s.import_round(bot, tiny, "live", "low", {"A-1": Answer(2)}, final=True)
        card = reports.comparable_card(s, s.assessment(old), "production", "minimal")
        assert (card.stage, card.tier) == ("live", "low")
        assert card.rubric.id == "tiny" and rubric.id != "tiny"


def test_a_new_round_aims_where_the_last_one_did_else_one_stage_up(tmp_path):
    rubric = load_rubric(DEFAULT_RUBRIC)
    with open_store(tmp_path / "gw.db") as s:
        org = s.create_organisation("Acme")
        bot = s.create_scope(org, "system", "Bot", stage="pilot", tier="high")
        assert reports.default_stage_and_tier(s, bot, rubric) == ("production", "high")
        s.create_assessment(bot, rubric, "scale", "limited")
        assert reports.default_stage_and_tier(s, bot, rubric) == ("scale", "limited")
        unit = s.create_scope(org, "unit", "Claims")
        assert reports.default_stage_and_tier(s, unit, rubric) == ("production", "minimal")
