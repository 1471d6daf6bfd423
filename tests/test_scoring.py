"""Scores, targets, gaps, the gate verdict and readiness (DESIGN.md, "Scoring semantics").

The tiny rubric (tests/data/tiny.yaml, scale 0-3) is scored by hand:

    dimension A (weight 2): A-1 (weight 1), A-2 (weight 3, own live target 3)
    dimension B (weight 1): B-1 (weight 1)
    targets: trial 1, live 2 for both dimensions; tier "high" adds 1 on B only
    gates: trial A-1 >= 1; live B-1 >= 2 and dimension A >= 1
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import PROPERTY, RUBRICS, answer_sets, rubric_named

from groundwork.rubric import Rubric, parse_rubric
from groundwork.scoring import (
    NA,
    UNKNOWN,
    Answer,
    Scorecard,
    explain_dimension,
    explain_overall,
    explain_readiness,
    question_target,
    score,
)

approx = pytest.approx


# ---------------------------------------------------------------------------------
# By hand
# ---------------------------------------------------------------------------------


def test_tiny_scored_by_hand_high_tier(tiny_rubric):
    card = score(tiny_rubric, {"A-1": 1, "A-2": 2, "B-1": 3}, "live", "high")

    targets = {q.id: q.target for q in card.questions}
    # dimension target 2 (A is not uplifted); A-2: its own live target 3;
    # B-1: dimension target 2 + uplift 1 = 3.
    assert targets == {"A-1": 2, "A-2": 3, "B-1": 3}
    assert {q.id: q.gap for q in card.questions} == {"A-1": 1, "A-2": 1, "B-1": 0}
    # weighted gap = gap x question weight x dimension weight
    assert {q.id: q.weighted_gap for q in card.questions} == {"A-1": 2, "A-2": 6, "B-1": 0}

    a, b = card.dimension("A"), card.dimension("B")
    assert a.score == approx((1 * 1 + 2 * 3) / 4)  # 1.75
    assert a.target == approx((2 * 1 + 3 * 3) / 4)  # 2.75
    assert a.gap == approx(1.0)
    assert a.weighted_gap == approx(8)
    assert (b.score, b.target, b.gap, b.weighted_gap) == (3, 3, 0, 0)
    assert (a.answered, a.na, a.unknown) == (2, 0, 0)

    assert card.score == approx((1.75 * 2 + 3 * 1) / 3)  # 2.1667
    assert card.target == approx((2.75 * 2 + 3 * 1) / 3)  # 2.8333
    assert card.gap == approx(card.target - card.score)
    # readiness = sum w*min(level, target) / sum w*target, w = 1x2, 3x2, 1x1
    assert card.readiness == approx((2 * 1 + 6 * 2 + 1 * 3) / (2 * 2 + 6 * 3 + 1 * 3))  # 0.68
    assert card.verdict.passed and card.verdict.blockers == []


def test_overshooting_is_not_rewarded(tiny_rubric):
    card = score(tiny_rubric, {"A-1": 1, "A-2": 2, "B-1": 3}, "live", "low")
    assert card.question("B-1").target == 2
    assert card.question("B-1").gap == 0
    assert card.dimension("B").gap == 0
    # B-1 at 3 counts as 2 towards readiness
    assert card.readiness == approx((2 * 1 + 6 * 2 + 1 * 2) / (2 * 2 + 6 * 3 + 1 * 2))
    assert card.target == approx((2.75 * 2 + 2 * 1) / 3)


def test_readiness_is_one_at_target(tiny_rubric):
    card = score(tiny_rubric, {"A-1": 2, "A-2": 3, "B-1": 2}, "live", "low")
    assert card.readiness == 1
    assert card.gap == 0
    assert all(d.gap == 0 for d in card.dimensions)


def tiny_variant(text: str, old: str, new: str) -> Rubric:
    assert text.count(old) == 1
    return parse_rubric(text.replace(old, new))


def test_tier_uplift_is_capped_at_the_top_of_the_scale(tiny_text):
    rubric = tiny_variant(tiny_text, "uplift: 1, dimensions: [B]}", "uplift: 2}")
    live = {q.id: question_target(rubric, q.id, "live", "high") for q in rubric.questions}
    assert live == {"A-1": 3, "A-2": 3, "B-1": 3}  # 2+2, 3+2 and 2+2, all capped at 3
    trial = {q.id: question_target(rubric, q.id, "trial", "high") for q in rubric.questions}
    assert trial == {"A-1": 3, "A-2": 3, "B-1": 3}
    card = score(rubric, {"A-1": 3, "A-2": 3, "B-1": 3}, "live", "high")
    assert card.gap == 0 and card.readiness == 1


def test_tier_uplift_only_on_its_dimensions(tiny_rubric):
    low = {q.id: question_target(tiny_rubric, q.id, "trial", "low") for q in tiny_rubric.questions}
    high = {
        q.id: question_target(tiny_rubric, q.id, "trial", "high") for q in tiny_rubric.questions
    }
    assert low == {"A-1": 1, "A-2": 1, "B-1": 1}
    assert high == {"A-1": 1, "A-2": 1, "B-1": 2}


def test_question_target_overrides_the_dimension_target(tiny_rubric):
    assert question_target(tiny_rubric, "A-2", "live", "low") == 3
    assert question_target(tiny_rubric, "A-2", "trial", "low") == 1  # no own trial target


def test_na_and_unknown_are_left_out_of_the_dimension(tiny_rubric):
    card = score(tiny_rubric, {"A-1": NA, "A-2": 2, "B-1": UNKNOWN}, "live", "low")
    a, b = card.dimension("A"), card.dimension("B")
    assert a.score == 2  # only A-2 counts
    assert a.target == 3  # ... and only its target
    assert (a.answered, a.na, a.unknown) == (1, 1, 0)
    assert b.score is None and b.gap is None
    assert (b.answered, b.na, b.unknown) == (0, 0, 1)
    assert card.score == 2  # B has no score, so only A counts
    assert card.target == 3
    assert card.readiness == approx(2 / 3)
    assert card.question("A-1").gap is None and card.question("A-1").weighted_gap is None
    assert card.question("A-1").exclusion == "N/A"
    assert card.question("B-1").exclusion == "don't know"


def test_nothing_answered(tiny_rubric):
    card = score(tiny_rubric, {}, "trial", "low")
    assert card.score is None and card.gap is None and card.readiness is None
    assert all(d.score is None for d in card.dimensions)
    assert card.dimension("A").target == 1  # still shows what is wanted
    assert card.question("A-1").exclusion == "not answered"


def test_answers_may_carry_evidence(tiny_rubric):
    plain = score(tiny_rubric, {"A-1": 1, "A-2": 2, "B-1": 3}, "live", "low")
    rich = score(
        tiny_rubric,
        {"A-1": Answer(1, confidence=4, evidence="doc"), "A-2": Answer(2), "B-1": Answer(3)},
        "live",
        "low",
    )
    assert rich.to_dict() == plain.to_dict()


# ---------------------------------------------------------------------------------
# The gate
# ---------------------------------------------------------------------------------


def blockers(card: Scorecard) -> list[tuple[str | None, str, int]]:
    return [(b.question, b.dimension, b.required) for b in card.verdict.blockers]


def test_unknown_on_a_gated_question_is_a_blocker(tiny_rubric):
    card = score(tiny_rubric, {"A-1": 2, "A-2": 2, "B-1": UNKNOWN}, "live", "low")
    assert not card.verdict.passed
    (blocker,) = card.verdict.blockers
    assert (blocker.question, blocker.dimension, blocker.required) == ("B-1", "B", 2)
    assert blocker.level is None
    assert "don't know" in blocker.reason


def test_unanswered_gated_question_is_a_blocker(tiny_rubric):
    card = score(tiny_rubric, {"A-1": 2, "A-2": 2}, "live", "low")
    assert blockers(card) == [("B-1", "B", 2)]
    assert "not answered" in card.verdict.blockers[0].reason


def test_na_with_a_reason_on_a_gated_question_is_not_a_blocker(tiny_rubric):
    reasoned = Answer(NA, notes="Beta is not built in this system")
    card = score(tiny_rubric, {"A-1": 2, "A-2": 2, "B-1": reasoned}, "live", "low")
    assert card.verdict.passed


def test_na_without_a_reason_on_a_gated_question_is_a_blocker(tiny_rubric):
    for silent in (NA, Answer(NA, notes="  ")):
        card = score(tiny_rubric, {"A-1": 2, "A-2": 2, "B-1": silent}, "live", "low")
        (blocker,) = card.verdict.blockers
        assert (blocker.question, blocker.rule) == ("B-1", "N/A without reason")
        assert "without a reason" in blocker.reason


def test_question_below_its_floor_is_a_blocker(tiny_rubric):
    card = score(tiny_rubric, {"A-1": 2, "A-2": 2, "B-1": 1}, "live", "low")
    (blocker,) = card.verdict.blockers
    assert (blocker.question, blocker.level, blocker.required) == ("B-1", 1, 2)
    assert blocker.reason == "B-1 is at level 1, below the floor of 2 set by the live gate"
    assert blocker.rule == "stage floor"


def test_dimension_floor_blocker(tiny_rubric):
    card = score(tiny_rubric, {"A-1": 1, "A-2": 0, "B-1": 2}, "live", "low")
    assert card.dimension("A").score == approx(0.25)  # (1x1 + 0x3) / 4
    (blocker,) = card.verdict.blockers
    assert blocker.question is None and blocker.dimension == "A"
    assert blocker.level == approx(0.25) and blocker.required == 1
    assert "Alpha" in blocker.reason and "below the floor of 1" in blocker.reason


def test_gated_dimension_with_nothing_answered_is_a_blocker(tiny_rubric):
    na = Answer(NA, notes="No alpha here")
    card = score(tiny_rubric, {"A-1": na, "A-2": UNKNOWN, "B-1": 2}, "live", "low")
    assert blockers(card) == [(None, "A", 1)]
    assert card.verdict.blockers[0].level is None


def test_a_gated_dimension_answered_na_throughout_does_not_block(tiny_rubric):
    """A dimension that does not apply to the system has no score and no floor to meet."""
    na = Answer(NA, notes="This system has no alpha")
    card = score(tiny_rubric, {"A-1": na, "A-2": na, "B-1": 2}, "live", "low")
    assert card.dimension("A").score is None
    assert blockers(card) == []


def test_a_gated_dimension_answered_na_throughout_without_reasons_blocks(tiny_rubric):
    card = score(tiny_rubric, {"A-1": NA, "A-2": NA, "B-1": 2}, "live", "low")
    assert {(b.question, b.rule) for b in card.verdict.blockers} == {
        (None, "N/A without reason"),
        ("A-1", "N/A without reason"),
    }


def test_floors_are_cumulative_across_stages(tiny_rubric):
    """The trial floor on A-1 still applies when the target stage is live."""
    answers = {"A-1": 0, "A-2": 3, "B-1": 2}
    assert blockers(score(tiny_rubric, answers, "trial", "low")) == [("A-1", "A", 1)]
    assert blockers(score(tiny_rubric, answers, "live", "low")) == [("A-1", "A", 1)]


def test_later_floors_do_not_apply_to_earlier_stages(tiny_rubric):
    answers = {"A-1": 1, "A-2": 0, "B-1": 0}
    assert score(tiny_rubric, answers, "trial", "low").verdict.passed
    live = score(tiny_rubric, answers, "live", "low")
    assert blockers(live) == [(None, "A", 1), ("B-1", "B", 2)]


def test_the_highest_floor_of_all_stages_so_far_applies(tiny_text):
    text = tiny_text.replace("questions: {A-1: 1}", "questions: {A-1: 1, B-1: 2}")
    text = text.replace("questions: {B-1: 2}\n", "questions: {B-1: 1}\n")
    text = text.replace("text: Is beta done?", "text: Is beta done?\n        targets: {trial: 2}")
    rubric = parse_rubric(text)
    assert rubric.gates["trial"].questions["B-1"] == 2
    assert rubric.gates["live"].questions["B-1"] == 1
    # trial says B-1 >= 2, live says B-1 >= 1: live still needs 2
    card = score(rubric, {"A-1": 2, "A-2": 2, "B-1": 1}, "live", "low")
    assert blockers(card) == [("B-1", "B", 2)]


def test_blockers_are_listed_in_rubric_order(default_rubric):
    answers = {q.id: 1 for q in default_rubric.questions}
    card = score(default_rubric, answers, "production", "minimal")
    dims = [d.id for d in default_rubric.dimensions]
    order = [(dims.index(b.dimension), b.question is not None) for b in card.verdict.blockers]
    assert order == sorted(order)
    assert len(card.verdict.blockers) == 6 + 19  # every dimension floor and question floor


def test_unknown_stage_or_tier_is_an_error(tiny_rubric):
    with pytest.raises(ValueError, match="unknown stage 'production'"):
        score(tiny_rubric, {}, "production", "low")
    with pytest.raises(ValueError, match="unknown tier 'extreme'"):
        score(tiny_rubric, {}, "live", "extreme")


@pytest.mark.parametrize(
    ("answers", "named"),
    [({"Z-1": 1}, "Z-1"), ({"A-1": 4}, "A-1"), ({"A-1": "maybe"}, "A-1"), ({"A-1": True}, "A-1")],
)
def test_bad_answers_are_rejected_by_name(tiny_rubric, answers, named):
    with pytest.raises(ValueError, match=named):
        score(tiny_rubric, answers, "live", "low")


# ---------------------------------------------------------------------------------
# Derivations
# ---------------------------------------------------------------------------------


def test_derivations_show_the_sums(tiny_rubric):
    card = score(tiny_rubric, {"A-1": 1, "A-2": 2, "B-1": NA}, "live", "low")
    dim = explain_dimension(card, "A")
    assert dim.formula == "(1×1 + 2×3) / (1 + 3) = 1.75"
    assert [t["question"] for t in dim.terms] == ["A-1", "A-2"]
    b = explain_dimension(card, "B")
    assert b.value is None and b.excluded[0]["reason"] == "N/A"
    overall = explain_overall(card)
    assert overall.value == approx(1.75)
    assert overall.excluded == [
        {
            "dimension": "B",
            "score": None,
            "weight": 1.0,
            "target": 2.0,
            "reason": "no question answered",
        }
    ]
    readiness = explain_readiness(card)
    assert readiness.value == approx((2 * 1 + 6 * 2) / (2 * 2 + 6 * 3))
    assert readiness.formula.endswith(f"= {card.readiness:.1%}")


# ---------------------------------------------------------------------------------
# Properties, on both rubrics
# ---------------------------------------------------------------------------------


def draw_case(data: st.DataObject, rubric: Rubric) -> tuple[dict, str, str]:
    answers = data.draw(answer_sets(rubric), label="answers")
    stage = data.draw(st.sampled_from(rubric.stage_ids), label="stage")
    tier = data.draw(st.sampled_from(rubric.tier_ids), label="tier")
    return answers, stage, tier


def numbers(card: Scorecard) -> dict[str, float | None]:
    """Every score, target and gap on the card, by name."""
    out: dict[str, float | None] = {
        "score": card.score,
        "target": card.target,
        "gap": card.gap,
        "readiness": card.readiness,
    }
    for d in card.dimensions:
        for field in ("score", "target", "gap", "weighted_gap"):
            out[f"{d.id}.{field}"] = getattr(d, field)
    for q in card.questions:
        for field in ("level", "target", "gap", "weighted_gap"):
            out[f"{q.id}.{field}"] = getattr(q, field)
    return out


EPS = 1e-9


@pytest.mark.parametrize("name", RUBRICS)
@PROPERTY
@given(data=st.data())
def test_scores_stay_within_the_scale(name, data):
    rubric = rubric_named(name)
    answers, stage, tier = draw_case(data, rubric)
    card = score(rubric, answers, stage, tier)
    lo, hi = rubric.min_level, rubric.max_level
    for value in [card.score, card.target, *(d.score for d in card.dimensions)]:
        assert value is None or lo - EPS <= value <= hi + EPS
    for d in card.dimensions:
        assert lo - EPS <= d.target <= hi + EPS
        assert d.gap is None or d.gap >= 0
        assert d.weighted_gap >= 0
    for q in card.questions:
        assert lo <= q.target <= hi
        assert q.gap is None or q.gap >= 0
        assert q.weighted_gap is None or q.weighted_gap >= 0
    assert card.gap is None or card.gap >= 0
    assert card.readiness is None or 0 <= card.readiness <= 1


@pytest.mark.parametrize("name", RUBRICS)
@PROPERTY
@given(data=st.data())
def test_na_for_unanswered_questions_changes_no_score(name, data):
    rubric = rubric_named(name)
    answers, stage, tier = draw_case(data, rubric)
    missing = [q.id for q in rubric.questions if q.id not in answers]
    assume(missing)
    filled = data.draw(st.lists(st.sampled_from(missing), min_size=1, unique=True), label="na")
    before = score(rubric, answers, stage, tier)
    after = score(rubric, {**answers, **dict.fromkeys(filled, NA)}, stage, tier)
    assert numbers(after) == numbers(before)


@pytest.mark.parametrize("name", RUBRICS)
@PROPERTY
@given(data=st.data())
def test_raising_one_level_never_lowers_a_score_nor_raises_a_gap(name, data):
    rubric = rubric_named(name)
    answers, stage, tier = draw_case(data, rubric)
    raisable = [qid for qid, v in answers.items() if isinstance(v, int) and v < rubric.max_level]
    assume(raisable)
    qid = data.draw(st.sampled_from(raisable), label="raised")
    before = numbers(score(rubric, answers, stage, tier))
    after = numbers(score(rubric, {**answers, qid: answers[qid] + 1}, stage, tier))
    for key, old in before.items():
        new = after[key]
        if old is None:
            assert new is None, key
            continue
        if key.endswith("gap"):
            assert new <= old + EPS, (key, old, new)
        elif key.endswith("target"):
            assert new == approx(old), key
        else:  # scores, levels and readiness
            assert new >= old - EPS, (key, old, new)


@pytest.mark.parametrize("name", RUBRICS)
@PROPERTY
@given(data=st.data())
def test_verdict_passes_exactly_when_every_floor_is_met(name, data):
    rubric = rubric_named(name)
    answers, stage, tier = draw_case(data, rubric)
    card = score(rubric, answers, stage, tier)
    assert card.verdict.passed == (card.verdict.blockers == [])
    assert card.verdict.stage == stage

    # an independent reading of the gates: the floors of this stage and the ones before,
    # for every tier and for this tier and the tiers it includes; N/A here has no reason
    stages = rubric.stage_ids[: rubric.stage_ids.index(stage) + 1]
    tiers, todo = set(), [tier]
    while todo:
        t = todo.pop()
        if t not in tiers:
            tiers.add(t)
            todo += rubric.tier(t).includes
    q_floors: dict[str, int] = {}
    d_floors: dict[str, int] = {}
    share = 0.0
    for s in stages:
        gate = rubric.gates.get(s)
        if gate is None:
            continue
        share = max(share, gate.min_answered or 0.0)
        for floors in [gate, *(gate.tiers[t] for t in tiers if t in gate.tiers)]:
            for qid, floor in floors.questions.items():
                q_floors[qid] = max(floor, q_floors.get(qid, floor))
            for did, floor in floors.dimensions.items():
                d_floors[did] = max(floor, d_floors.get(did, floor))
    expected = set()
    for qid, floor in q_floors.items():
        answer = answers.get(qid)
        if answer is None or answer in (NA, UNKNOWN) or answer < floor:
            expected.add(("question", qid))
    for did, floor in d_floors.items():
        dim_score = card.dimension(did).score
        if dim_score is None or dim_score < floor:
            expected.add(("dimension", did))
    answered = sum(isinstance(answers.get(q.id), int) for q in rubric.questions)
    if answered == 0 or answered < share * len(rubric.questions):
        expected.add(("coverage", None))
    found = {
        ("question", b.question)
        if b.question
        else ("dimension", b.dimension)
        if b.dimension
        else ("coverage", None)
        for b in card.verdict.blockers
    }
    assert found == expected
    assert len(card.verdict.blockers) == len(found)  # each unmet floor named once
    assert card.verdict.passed == (not expected)
