"""The verdict a practitioner signs, on the default rubric through ``groundwork score
--json``: risk tiers that gate, coverage, and N/A that needs a reason."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from strategies import PROPERTY, RUBRICS, answer_sets, rubric_named

from groundwork.rubric import DEFAULT_RUBRIC
from groundwork.scoring import NA, UNKNOWN, score


@pytest.fixture
def verdict(run_cli, tmp_path, default_rubric):
    """Score answers (every question at ``rest`` unless given) and return the JSON verdict."""

    def run(stage: str, tier: str, rest: object = 3, **given: object) -> dict:
        answers = {q.id: copy.copy(rest) for q in default_rubric.questions}
        answers.update({k.replace("_", "-"): copy.copy(v) for k, v in given.items()})
        path = tmp_path / "answers.yaml"
        path.write_text(yaml.safe_dump({"answers": answers}), encoding="utf-8")
        code, out, err = run_cli(
            "score", DEFAULT_RUBRIC, path, "--stage", stage, "--tier", tier, "--json"
        )
        assert code == 0, err
        return json.loads(out)["verdict"]

    return run


def blocked(verdict: dict) -> set[str]:
    return {b["question"] for b in verdict["blockers"] if b["question"]}


def test_high_risk_system_missing_live_checks_outcomes_and_audit_is_not_ready(verdict):
    missing = ["MON-3", "MON-5", "HUM-2", "HUM-5", "ORG-3", "GOV-3", "GOV-4", "DATA-3"]
    v = verdict("production", "high", rest=4, **{q: 1 for q in missing})
    assert v["pass"] is False
    assert blocked(v) == set(missing)


def test_high_risk_pilot_without_logs_data_protection_disclosure_or_risk_assessment(verdict):
    missing = ["MON-1", "DATA-4", "HUM-5", "GOV-2"]
    v = verdict("pilot", "high", **{q: 1 for q in missing})
    assert v["pass"] is False
    assert blocked(v) == set(missing)
    rules = {b["question"]: b["rule"] for b in v["blockers"]}
    assert rules["MON-1"] == "stage floor"
    assert rules["HUM-5"] == "tier floor"  # disclosure: the limited tier, which high includes
    assert rules["GOV-2"] == "tier floor"


def test_level_three_everywhere_passes_production_at_minimal_risk_not_at_high(verdict):
    assert verdict("production", "minimal")["pass"] is True
    high = verdict("production", "high")
    assert high["pass"] is False
    assert {b["rule"] for b in high["blockers"]} == {"tier floor"}
    assert blocked(high) >= {"GOV-2", "GOV-3", "HUM-1", "ORG-4"}


def test_a_limited_risk_pilot_without_disclosure_fails(verdict):
    assert verdict("pilot", "minimal", HUM_5=1)["pass"] is True
    v = verdict("pilot", "limited", HUM_5=1)
    assert v["pass"] is False
    (blocker,) = v["blockers"]
    assert (blocker["question"], blocker["rule"]) == ("HUM-5", "tier floor")
    assert "limited tier" in blocker["reason"]


@pytest.mark.parametrize("value", ["na", "unknown", {"answer": "na", "notes": "n/a here"}])
def test_all_na_or_all_dont_know_passes_no_stage(verdict, default_rubric, value):
    for stage in default_rubric.stage_ids:
        for tier in default_rubric.tier_ids:
            v = verdict(stage, tier, rest=value)
            assert v["pass"] is False, (stage, tier)
            assert "coverage" in {b["rule"] for b in v["blockers"]}


def test_the_top_level_everywhere_passes_every_stage_and_tier(verdict, default_rubric):
    for stage in default_rubric.stage_ids:
        for tier in default_rubric.tier_ids:
            assert verdict(stage, tier, rest=5)["pass"] is True, (stage, tier)


def test_too_few_answers_with_a_level_block_on_coverage(verdict, default_rubric):
    reason = {"answer": "na", "notes": "does not apply"}
    ids = [q.id for q in default_rubric.questions if q.id not in ("MON-1", "GOV-1")]
    v = verdict("pilot", "minimal", rest=5, **{q.replace("-", "_"): reason for q in ids[:10]})
    (blocker,) = v["blockers"]
    assert blocker["rule"] == "coverage" and blocker["question"] is None
    assert blocker["required"] == 0.8


def test_every_blocker_names_its_rule(verdict):
    v = verdict("production", "high", rest=1, MON_1="unknown", GOV_4="na")
    rules = {b["rule"] for b in v["blockers"]}
    assert rules >= {"stage floor", "tier floor", "don't know", "N/A without reason"}
    assert all(b["rule"] for b in v["blockers"])


@pytest.mark.parametrize("name", RUBRICS)
@PROPERTY
@given(data=st.data())
def test_a_uniform_rise_never_turns_a_pass_into_a_fail(name, data):
    rubric = rubric_named(name)
    answers = data.draw(answer_sets(rubric), label="answers")
    stage = data.draw(st.sampled_from(rubric.stage_ids), label="stage")
    tier = data.draw(st.sampled_from(rubric.tier_ids), label="tier")
    step = data.draw(st.integers(1, rubric.max_level - rubric.min_level), label="rise")
    raised = {
        q: min(v + step, rubric.max_level) if v not in (NA, UNKNOWN) else v
        for q, v in answers.items()
    }
    if score(rubric, answers, stage, tier).verdict.passed:
        assert score(rubric, raised, stage, tier).verdict.passed
