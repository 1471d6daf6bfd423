"""The History page, the comparison of two stored rounds, the work done between them and
the Delta workbook, on the demo data."""

from __future__ import annotations

import io
import shutil

import pytest
from openpyxl import load_workbook
from test_app import assert_clean, open_page

from groundwork import compare
from groundwork.excel.delta import delta_workbook
from groundwork.store import StoreError, open_store
from groundwork.tracking import DONE_AND_MOVED, MOVED_WITHOUT_PLAN, NO_GAIN_YET, UP

HISTORY = "pages/history.py"
CLAIMS = "Claims triage assistant"
ONE_ROUND = "Policy wording drafter"


@pytest.fixture
def demo_db(demo_template, tmp_path):
    path = tmp_path / "groundwork.db"
    shutil.copy(demo_template, path)
    return path


def scope_named(s, name: str):
    return next(x for x in s.scopes() if x.name == name)


def history_of(name: str, db, monkeypatch):
    with open_store(db) as s:
        scope_id = scope_named(s, name).id
    at = open_page(HISTORY, db, monkeypatch)
    at.selectbox(key="history-scope").set_value(scope_id).run()
    assert_clean(at)
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_demo_history_shows_trends_a_delta_and_every_closed_loop_group(demo_db, monkeypatch):
    at = history_of(CLAIMS, demo_db, monkeypatch)
    assert at.title[0].value == "History"
    assert at.get("plotly_chart"), "the trend chart"
    shown = metrics(at)
    assert int(shown["Questions up"]) > 0 and int(shown["Questions down"]) > 0
    assert int(shown["Blockers cleared"]) > 0
    assert shown["Readiness"].endswith("%")
    for group in ("Done and moved", "Done, no gain yet", "Moved without a plan"):
        assert int(shown[group]) >= 1, group
    rounds = at.dataframe[0].value
    assert len(rounds) == 3 and set(rounds["Verdict"]) <= {"● ready", "○ not ready"}
    loop = at.dataframe[-1].value
    assert {"done and moved", "done, no gain yet", "moved without a plan"} <= set(loop["Group"])
    # the system's business outcomes beside its maturity trend
    assert "Business outcomes" in [h.value for h in at.subheader]
    assert len(at.get("plotly_chart")) >= 2, "the trend and at least one outcome chart"


def test_a_scope_with_one_round_says_there_is_nothing_to_compare(demo_db, monkeypatch):
    at = history_of(ONE_ROUND, demo_db, monkeypatch)
    assert any("nothing to compare" in i.value for i in at.info)
    assert at.get("plotly_chart"), "the single round still has its trend point"
    assert "Done and moved" not in metrics(at)


def test_choosing_the_same_round_twice_shows_no_movement(demo_db, monkeypatch):
    at = history_of(CLAIMS, demo_db, monkeypatch)
    with open_store(demo_db) as s:
        first = s.assessments(scope_named(s, CLAIMS).id)[0]
    at.selectbox(key=at.selectbox[2].key).set_value(first.id).run()
    assert_clean(at)
    shown = metrics(at)
    assert (shown["Questions up"], shown["Questions down"], shown["Blockers cleared"]) == (
        "0",
        "0",
        "0",
    )


def test_a_new_round_starts_pre_filled_from_an_earlier_one(demo_db, monkeypatch):
    at = history_of(CLAIMS, demo_db, monkeypatch)
    with open_store(demo_db) as s:
        scope = scope_named(s, CLAIMS)
        first = s.assessments(scope.id)[0]
    at.selectbox(key="prefill-from").set_value(first.id)
    next(t for t in at.text_input if t.label == "Name of the new round").input("Q1 2027 review")
    next(b for b in at.button if b.label == "Start the round").click().run()
    assert_clean(at)
    with open_store(demo_db) as s:
        newest = max(s.assessments(scope.id), key=lambda a: a.id)
        assert (newest.label, newest.based_on, newest.status) == (
            "Q1 2027 review",
            first.id,
            "draft",
        )
        assert s.answers(newest.id) == s.answers(first.id)


def test_work_done_between_rounds_is_read_from_the_audit_log(demo_store):
    s = demo_store
    scope = scope_named(s, CLAIMS)
    rounds = s.assessments(scope.id)
    done = compare.work_done_between(s, rounds[0], rounds[-1])
    assert {"MON-1@3", "GOV-3@2", "COST-1@assess"} <= set(done)
    assert all(rounds[0].finalised_at < at <= rounds[-1].finalised_at for at in done.values())
    # marked done before the window opened, or reopened since: not work of this window
    s.save_roadmap_item(scope.id, "GOV-3@2", at="2026-05-20T09:00:00+00:00", status="in progress")
    s.save_roadmap_item(scope.id, "MON-6@2", at="2026-01-01T09:00:00+00:00", status="done")
    later = compare.work_done_between(s, rounds[0], rounds[-1])
    assert "GOV-3@2" not in later and "MON-6@2" not in later
    assert set(done) - later.keys() == {"GOV-3@2"}


def test_comparing_rounds_puts_them_in_order_and_keeps_to_one_scope(demo_store):
    s = demo_store
    rounds = s.assessments(scope_named(s, CLAIMS).id)
    forward = compare.compare(s, rounds[0].id, rounds[-1].id)
    backward = compare.compare(s, rounds[-1].id, rounds[0].id)
    assert (backward.before.id, backward.after.id) == (rounds[0].id, rounds[-1].id)
    assert forward.loop.counts() == backward.loop.counts()
    assert all(forward.loop.counts()[g] >= 1 for g in (DONE_AND_MOVED, NO_GAIN_YET))
    assert forward.loop.counts()[MOVED_WITHOUT_PLAN] >= 1
    assert forward.delta.moved(UP)
    other = s.assessments(scope_named(s, ONE_ROUND).id)[0]
    with pytest.raises(StoreError, match="same scope"):
        compare.compare(s, rounds[0].id, other.id)


def test_the_delta_workbook_holds_the_changes_as_text_never_formulas(demo_store):
    s = demo_store
    scope = scope_named(s, CLAIMS)
    rounds = s.assessments(scope.id)
    s.update_scope(scope.id, name='=HYPERLINK("http://x")')
    wb = load_workbook(io.BytesIO(delta_workbook(s, rounds[-1].id, rounds[0].id)))
    assert wb.sheetnames == ["Delta", "Closed loop", "_meta"]
    delta = wb["Delta"]
    assert delta["A1"].value.startswith("What changed: ")
    assert (delta["B3"].value, delta["C3"].value) == (rounds[0].label, rounds[-1].label)
    assert all(c.data_type != "f" for row in delta.iter_rows() for c in row)
    assert delta.oddHeader.right.text and "HYPERLINK" in delta.oddHeader.right.text
    rows = list(wb["Closed loop"].iter_rows(values_only=True))
    groups = {r[0] for r in rows[1:] if r and r[0]}
    assert {DONE_AND_MOVED, NO_GAIN_YET, MOVED_WITHOUT_PLAN} <= groups
    moved = next(r for r in rows if r[3] == "MON-1@3")
    assert (moved[0], moved[5], moved[6]) == (DONE_AND_MOVED, 2, 4)


def test_the_delta_workbook_from_the_command_line(demo_db, run_cli, monkeypatch, tmp_path):
    monkeypatch.setenv("GROUNDWORK_DB", str(demo_db))
    with open_store(demo_db) as s:
        rounds = s.assessments(scope_named(s, CLAIMS).id)
        other = s.assessments(scope_named(s, ONE_ROUND).id)[0]
    out = tmp_path / "delta.xlsx"
    code, printed, _ = run_cli("export", "--delta", rounds[0].id, rounds[-1].id, out)
    assert code == 0 and "Delta workbook" in printed
    assert load_workbook(out).sheetnames == ["Delta", "Closed loop", "_meta"]
    code, _, err = run_cli("export", "--delta", rounds[0].id, other.id, tmp_path / "x.xlsx")
    assert code == 1 and "same scope" in err
    code, _, err = run_cli("export", "--delta", rounds[0].id, 9999, tmp_path / "x.xlsx")
    assert code == 1 and "no assessment with id 9999" in err


def test_a_saved_answer_shows_in_the_comparison_on_the_next_run(demo_db, monkeypatch):
    with open_store(demo_db) as s:
        scope = scope_named(s, ONE_ROUND)
        only = s.assessments(scope.id)[0]
        rubric = s.rubric(only.rubric_sha256)
        draft = s.create_assessment(
            scope.id,
            rubric,
            only.stage,
            only.tier,
            prefill_from=only.id,
            label="Next",
            created_at="2030-01-01T09:00:00+00:00",
        )
    at = history_of(ONE_ROUND, demo_db, monkeypatch)
    assert metrics(at)["Questions up"] == "0"
    with open_store(demo_db) as s:
        answers = s.answers(only.id)
        qid = next(q for q, a in answers.items() if isinstance(a.value, int) and a.value < 5)
        s.update_answer(draft, qid, value=answers[qid].value + 1)
    at.run()
    assert_clean(at)
    assert metrics(at)["Questions up"] == "1", "the cached delta was dropped when the round changed"


def test_every_scope_path_comes_from_one_read(demo_store):
    paths = demo_store.scope_paths()
    assert paths == {sc.id: demo_store.scope_path(sc.id) for sc in demo_store.scopes()}


def test_the_roadmap_workbook_carries_what_changed_since_the_round_before(demo_store):
    from groundwork.excel import export_workbook

    s = demo_store
    rounds = s.assessments(scope_named(s, CLAIMS).id)
    wb = load_workbook(io.BytesIO(export_workbook(s, rounds[-1].id)))
    assert {"Delta", "Closed loop"} <= set(wb.sheetnames)
    assert (wb["Delta"]["B3"].value, wb["Delta"]["C3"].value) == (
        rounds[-2].label,
        rounds[-1].label,
    )
    first = s.assessments(scope_named(s, ONE_ROUND).id)[0]
    assert "Delta" not in load_workbook(io.BytesIO(export_workbook(s, first.id))).sheetnames


def test_rounds_on_two_rubric_versions_compare_on_the_page(tmp_path, monkeypatch):
    from pathlib import Path

    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
    from groundwork.scoring import Answer

    old = load_rubric(Path(__file__).parent / "data" / "genai-production-1.0.0.yaml")
    new = load_rubric(DEFAULT_RUBRIC)
    db = tmp_path / "versions.db"
    with open_store(db) as s:
        org = s.create_organisation("Org")
        scope = s.create_scope(org, "system", "Bot", stage="pilot", tier="minimal")
        answers = {q.id: Answer(2) for q in old.questions}
        first = s.import_round(scope, old, "production", "minimal", answers, final=True)
        second = s.create_assessment(scope, new, "production", "minimal", prefill_from=first)
        s.update_answer(second, "MON-6", value=4)
    at = history_of("Bot", db, monkeypatch)
    moved = at.dataframe[2].value
    assert "MON-6 (from ORG-5)" in set(moved["Question"])
    row = moved[moved["Question"] == "MON-6 (from ORG-5)"].iloc[0]
    assert (row["Before"], row["After"], row["Moved"]) == ("2", "4", "▲ up")
    assert {"HUM-6", "ORG-6", "GOV-6"} <= set(moved["Question"])  # new: not in 1.0.0
