"""What the pages show: the portfolio's verdicts follow the latest round, drafts live."""

from groundwork import reports
from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
from groundwork.scoring import SCORING_VERSION, Answer
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


def test_the_headline_counts_a_stuck_pilot_by_its_age_and_no_draft_as_a_verdict(tmp_path):
    from groundwork import demo

    demo.reset(tmp_path / "demo.db")
    with open_store(tmp_path / "demo.db") as s:
        stages = load_rubric(DEFAULT_RUBRIC).stage_ids
        data = reports.portfolio_data(s, stages)
    summary = reports.headline(data.systems, stages)
    assert summary["systems"] == 4
    # the policy wording drafter has only a draft: no verdict, and not in any roll-up
    assert summary["assessed"] == 3 and summary["drafts"] == 2
    assert summary["ready"] == 1  # the adjuster knowledge search, ready to scale
    # the claims triage assistant has been a pilot for 290 days; the drafter for 40
    assert summary["stuck_in_pilot"] == 1
    stuck = data.systems[data.systems["stuck"]]
    assert list(stuck["name"]) == ["Claims triage assistant"]
    assert list(stuck["days_in_stage"]) == [290]
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


# ---------------------------------------------------------------------------------
# Final rounds are scored once: their summary is stored when they are finalised
# ---------------------------------------------------------------------------------


def _estate(tmp_path):
    """Two systems: one with a final round, one with a final round and a newer draft."""
    rubric = load_rubric(DEFAULT_RUBRIC)
    path = tmp_path / "gw.db"
    with open_store(path) as s:
        org = s.create_organisation("Acme")
        bot = s.create_scope(org, "system", "Bot", stage="pilot", tier="high")
        app = s.create_scope(org, "system", "App", stage="pilot", tier="minimal")
        mixed = {q.id: Answer(1 + i % 5) for i, q in enumerate(rubric.questions)}
        first = s.import_round(bot, rubric, "production", "high", mixed, final=True)
        old = s.import_round(app, rubric, "production", "minimal", mixed, final=True)
        draft = s.create_assessment(app, rubric, "production", "minimal", prefill_from=old)
    return path, rubric, {"first": first, "old": old, "draft": draft, "bot": bot, "app": app}


def _no_scoring(monkeypatch):
    from groundwork.store import rounds as store_module

    def refuse(*args, **kwargs):
        raise AssertionError("a final round was scored again")

    monkeypatch.setattr(reports, "score", refuse)
    monkeypatch.setattr(store_module, "score", refuse)
    reports._FINAL_SUMMARIES.clear()


def test_finalising_a_round_stores_its_summary(tmp_path):
    from groundwork.scoring import score, summarise

    path, rubric, ids = _estate(tmp_path)
    with open_store(path) as s:
        stored = s.summaries([ids["first"], ids["old"], ids["draft"]])
        assert set(stored) == {ids["first"], ids["old"]}, "drafts have none"
        for aid in (ids["first"], ids["old"]):
            a = s.assessment(aid)
            assert stored[aid] == summarise(score(rubric, s.answers(aid), a.stage, a.tier))
        s.save_answer(ids["draft"], "MON-1", Answer(5))
        s.finalise(ids["draft"], at="2027-01-05T10:00:00+00:00")
        assert ids["draft"] in s.summaries([ids["draft"]])
        row = s.db.execute(
            "select scoring_version, computed_at from round_summaries where assessment_id = ?",
            [ids["draft"]],
        ).fetchone()
        assert row == (SCORING_VERSION, "2027-01-05T10:00:00+00:00")


def test_the_portfolio_and_history_read_stored_summaries_without_scoring(tmp_path, monkeypatch):
    path, _, ids = _estate(tmp_path)
    with open_store(path) as s:
        reports._FINAL_SUMMARIES.clear()
        rows, trend = reports.portfolio(s), reports.history(s, ids["bot"])
    with open_store(path) as s:
        s.finalise(ids["draft"])
        rows_now = reports.portfolio(s)
        _no_scoring(monkeypatch)
        assert reports.portfolio(s) == rows_now
        assert reports.history(s, ids["bot"]) == trend
    assert [r for r in rows if r["scope_id"] == ids["bot"]] == [
        r for r in rows_now if r["scope_id"] == ids["bot"]
    ]


def test_drafts_are_still_scored_live(tmp_path, monkeypatch):
    path, _, ids = _estate(tmp_path)
    _no_scoring(monkeypatch)
    with open_store(path) as s:
        try:
            reports.portfolio(s)
        except AssertionError as exc:
            assert "scored again" in str(exc)
        else:
            raise AssertionError("the draft was not scored")


def test_missing_or_outdated_summaries_are_computed_again_and_rewritten(tmp_path, monkeypatch):
    from groundwork.store import rounds as store_module

    path, _, ids = _estate(tmp_path)
    with open_store(path) as s:
        reports._FINAL_SUMMARIES.clear()
        want = reports.portfolio(s)
        # a database from before summaries were stored
        s.db.execute("delete from round_summaries")
        s.db.conn.commit()
        reports._FINAL_SUMMARIES.clear()
        assert reports.portfolio(s) == want
        assert set(s.summaries([ids["first"], ids["old"]])) == {ids["first"]}, (
            "the latest final round's summary is stored on first use"
        )

        monkeypatch.setattr(store_module, "SCORING_VERSION", "next")
        assert s.summaries([ids["first"]]) == {}, "another version's summary is not used"
        reports._FINAL_SUMMARIES.clear()
        scored = []
        real = reports.score
        monkeypatch.setattr(reports, "score", lambda *a: scored.append(a[3]) or real(*a))
        assert reports.portfolio(s) == want
        assert len(scored) == 2, "the final round and the draft"
        versions = s.db.execute("select scoring_version from round_summaries").fetchall()
        assert versions == [("next",)]


def test_a_read_only_database_still_shows_the_portfolio(tmp_path):
    path, _, ids = _estate(tmp_path)
    with open_store(path) as s:
        s.db.execute("delete from round_summaries")
        s.db.conn.commit()
        reports._FINAL_SUMMARIES.clear()
        s.db.execute("PRAGMA query_only = ON")
        rows = reports.portfolio(s)
        assert next(r for r in rows if r["scope_id"] == ids["bot"])["verdict"] == "not ready"
        assert s.db.execute("select count(*) from round_summaries").fetchone() == (0,)
