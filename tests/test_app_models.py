"""An imported model on the pages: Assess offers each question's own answers, Results
shows the parents' and groups' scores and how they add up."""

from __future__ import annotations

import io
import zipfile

import pytest
from model_fixtures import write_dsomm, write_samm
from test_app import assert_clean, explicit_navigation, open_page  # noqa: F401

from groundwork import reports
from groundwork.models.files import files_from_dir
from groundwork.models.samm import import_samm
from groundwork.rubric import parse_rubric
from groundwork.scoring import Answer
from groundwork.store import open_store
from groundwork.ui.models import rubric_from_upload


@pytest.fixture
def samm_round(tmp_path):
    rubric = parse_rubric(import_samm(files_from_dir(write_samm(tmp_path / "core"))).to_yaml())
    db = tmp_path / "gw.db"
    with open_store(db) as s:
        org = s.create_organisation("Acme")
        system = s.create_scope(org, "system", "Payments", stage="target", tier="standard")
        aid = s.create_assessment(system, rubric, "target", "standard")
        s.save_answer(aid, "I-SB-A-1", Answer(1))
        s.save_answer(aid, "I-SB-B-1", Answer(3))
    return db, aid


def test_assess_offers_the_question_s_own_answers_and_quality_criteria(samm_round, monkeypatch):
    db, aid = samm_round
    at = open_page("pages/assess.py", db, monkeypatch, round=str(aid))
    assert_clean(at)
    radio = at.radio(key=f"a{aid}-I-SB-A-1-level")
    captions = list(radio.proto.captions)
    assert captions[:4] == [
        "**No**",
        "**Yes, for some applications**",
        "**Yes, for at least half**",
        "**Yes, for most**",
    ]
    criteria = next(e for e in at.expander if e.label.startswith("Quality criteria"))
    assert "I-SB-A-1 is written down" in criteria.text[0].value


def test_results_show_parent_and_group_scores(samm_round, monkeypatch):
    db, aid = samm_round
    at = open_page("pages/results.py", db, monkeypatch, round=str(aid))
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Implementation"] == "0.31"  # (0.625 + 0) / 2
    assert metrics["Governance"] == "0.00"
    groups = next(df.value for df in at.dataframe if "Groups" in df.value.columns)
    groups = groups.set_index("Dimension")
    assert groups.loc["Secure Build", "Score"] == 0.62  # 0.625 shown to two places
    assert groups.loc["Secure Build", "B"] == 1.0  # stream B: the sum of its activities
    assert groups.loc["Secure Build", "Groups"] == "A: Build Process · B: Software Dependencies"
    shown = "\n".join(m.value for m in at.markdown)
    assert "Sum over maturity levels of the mean at each level" in shown


def test_an_upload_is_read_as_samm_zip_dsomm_file_or_rubric(tmp_path):
    folder = write_samm(tmp_path / "core")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in folder.rglob("*.yml"):
            z.write(p, p.relative_to(tmp_path).as_posix())
    text, not_carried, kind = rubric_from_upload("core.zip", buf.getvalue())
    assert parse_rubric(text).id == "owasp-samm" and "SAMM" in kind and not_carried
    dsomm = write_dsomm(tmp_path).read_bytes()
    text, _, kind = rubric_from_upload("model.yaml", dsomm)
    assert parse_rubric(text).id == "dsomm" and "DSOMM" in kind
    same, none, kind = rubric_from_upload("mine.yaml", b"id: x\n")
    assert (same, none, kind) == ("id: x\n", [], "a rubric")


def test_the_rubric_page_browses_an_imported_model(samm_round, monkeypatch):
    db, _ = samm_round
    with open_store(db) as s:
        sha = next(r["sha256"] for r in s.rubrics() if r["rubric_id"] == "owasp-samm")
    at = open_page("pages/rubric.py", db, monkeypatch)
    at.selectbox(key="rubric-pick").set_value(sha).run()
    assert_clean(at)
    first = next(df.value for df in at.dataframe if "Action to reach it" in df.value.columns)
    assert list(first["Level"])[2] == "2 · Yes, for at least half"  # I-SB-A-1's own answers
    assert list(first["Action to reach it"])[1] == (
        "Activity I-SB-A-1: reach “Yes, for some applications”"
    )
    shown = "\n".join(t.value for t in at.text)
    assert "1: Secure Build objective 1" in shown


def test_results_and_the_answers_csv_show_the_model_s_own_answer_wording(samm_round, monkeypatch):
    db, aid = samm_round
    at = open_page("pages/results.py", db, monkeypatch, round=str(aid))
    assert_clean(at)
    table = next(df.value for df in at.dataframe if "Weighted gap" in df.value.columns)
    answers = dict(zip(table["Question"], table["Answer"], strict=True))
    assert answers["I-SB-A-1"] == "1 · Yes, for some applications (0.25)"
    assert answers["I-SB-B-1"] == "3 · Yes, for most (1)"
    assert answers["G-SM-A-1"] == "—"  # not answered (it still counts as 0)
    with open_store(db) as s:
        rows = {r["question"]: r for r in reports.answer_rows(reports.load_round(s, aid))}
    assert rows["I-SB-A-1"]["answer"] == "1 · Yes, for some applications (0.25)"
    assert rows["G-SM-A-1"]["answer"] == ""


def test_the_default_rubric_s_answers_still_read_as_levels():
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
    from groundwork.scoring import NA, UNKNOWN, answer_wording

    rubric = load_rubric(DEFAULT_RUBRIC)
    for q in rubric.questions:
        assert [answer_wording(rubric, q.id, level) for level in rubric.levels] == rubric.levels
        assert answer_wording(rubric, q.id, NA) == "N/A"
        assert answer_wording(rubric, q.id, UNKNOWN) == "Don't know"
        assert answer_wording(rubric, q.id, None) is None


@pytest.fixture
def samm_history(samm_round):
    """Two final rounds of the SAMM system: the fixture's, then one with Governance up."""
    db, first = samm_round
    with open_store(db) as s:
        a = s.assessment(first)
        s.finalise(first, at="2027-01-10T09:00:00+00:00")
        second = s.create_assessment(
            a.scope_id, s.rubric(a.rubric_sha256), "target", "standard", prefill_from=first
        )
        s.save_answer(second, "G-SM-A-1", Answer(3))  # level 1 of Strategy and Metrics: 0.5
        s.finalise(second, at="2027-04-10T09:00:00+00:00")
    return db, a.scope_id, first, second


def test_history_keeps_and_shows_the_parents_scores(samm_history, monkeypatch):
    db, scope, first, second = samm_history
    with open_store(db) as s:
        stored = s.summaries([first, second])
        assert stored[first]["parents"] == {"I": pytest.approx(0.3125), "G": 0.0}
        assert stored[second]["parents"]["G"] == pytest.approx(0.5)
        rows = reports.history(s, scope)
    assert [r["parents"]["G"] for r in rows] == [0.0, pytest.approx(0.5)]
    at = open_page("pages/history.py", db, monkeypatch, scope=str(scope))
    assert_clean(at)
    table = next(df.value for df in at.dataframe if "Overall score" in df.value.columns)
    assert list(table["Implementation"]) == [0.31, 0.31]
    assert list(table["Governance"]) == [0.0, 0.5]
    assert "Verdict" not in table.columns, "a model without gates has no verdict to show"
    assert "Percent to target" in table.columns
    shown = "\n".join(m.value for m in at.markdown)
    assert "Scores by part over the rounds" in shown


def test_summaries_from_before_parent_scores_are_recomputed_with_them(samm_history):
    db, scope, first, second = samm_history
    with open_store(db) as s:  # the database as it was before parents were kept
        s.db.execute("alter table round_summaries drop column parents")
        s.db.execute("update round_summaries set scoring_version = '1'")
        s.db.execute("delete from _sqlite_migrations where name = 'm011_parent_scores'")
        s.db.conn.commit()
    reports._FINAL_SUMMARIES.clear()
    with open_store(db) as s:
        assert s.summaries([first, second]) == {}, "an older version's summary is not used"
        rows = reports.history(s, scope)
        assert [r["parents"]["G"] for r in rows] == [0.0, pytest.approx(0.5)]
        assert s.summaries([second])[second]["parents"]["G"] == pytest.approx(0.5)


def test_results_lead_an_ungated_model_with_its_score_and_percent_to_target(
    samm_round, monkeypatch
):
    db, aid = samm_round
    at = open_page("pages/results.py", db, monkeypatch, round=str(aid))
    assert_clean(at)
    assert not at.success and not [e for e in at.error if "ready" in e.value.lower()]
    # overall (0.3125 + 0) / 2; percent to target (0.25 + 1) / 18 activities at 1 each
    assert at.info[0].value.startswith("**Score 0.16 of 3 · 7% of the way to Target posture**")
    assert "no go/no-go verdict" in at.info[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Percent to target"] == "7%" and "Readiness" not in metrics


def test_an_ungated_model_with_nothing_answered_says_so(samm_round, monkeypatch):
    from groundwork.scoring import gated

    db, aid = samm_round
    with open_store(db) as s:
        rubric = s.rubric(s.assessment(aid).rubric_sha256)
        empty = s.create_assessment(s.assessment(aid).scope_id, rubric, "target", "standard")
    assert not gated(rubric, "target")
    at = open_page("pages/results.py", db, monkeypatch, round=str(empty))
    assert_clean(at)
    assert at.info[0].value.startswith("**No score yet:** no question is answered.")
