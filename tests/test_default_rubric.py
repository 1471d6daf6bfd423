"""The shipped rubric, rubrics/genai-production.yaml: complete enough to run a real assessment."""

from __future__ import annotations

import datetime as dt

from groundwork.rubric import Rubric, load_rubric, validate_file

FRAMEWORKS = ("nist_ai_rmf", "nist_ai_600_1", "eu_ai_act", "iso_42001")
DIMENSIONS = ["MON", "DATA", "COST", "HUM", "ORG", "GOV"]


def question_ids(rubric: Rubric) -> list[str]:
    return [q.id for q in rubric.questions]


def test_default_rubric_validates(default_rubric_path):
    assert validate_file(default_rubric_path) == []
    rubric = load_rubric(default_rubric_path)
    assert rubric.id == "genai-production"
    assert rubric.version


def test_scale_is_one_to_five_with_labels(default_rubric):
    assert default_rubric.levels == [1, 2, 3, 4, 5]
    assert all(s.label and s.meaning for s in default_rubric.scale)


def test_stages_and_tiers(default_rubric):
    assert default_rubric.stage_ids == ["pilot", "production", "scale"]
    assert default_rubric.tier_ids == ["minimal", "limited", "high"]


def test_six_dimensions_of_four_to_six_questions(default_rubric):
    assert [d.id for d in default_rubric.dimensions] == DIMENSIONS
    for dimension in default_rubric.dimensions:
        assert 4 <= len(dimension.questions) <= 6, dimension.id
        assert dimension.title and dimension.description
        assert set(dimension.targets) == set(default_rubric.stage_ids)


def test_question_ids_are_unique(default_rubric):
    ids = question_ids(default_rubric)
    assert len(ids) == len(set(ids))


def all_questions(rubric: Rubric):
    for dimension in rubric.dimensions:
        for question in dimension.questions:
            yield dimension, question


def test_every_question_describes_all_five_levels(default_rubric):
    for _, question in all_questions(default_rubric):
        assert sorted(question.levels) == [1, 2, 3, 4, 5], question.id
        for level, text in question.levels.items():
            assert text.strip(), f"{question.id} level {level} has no description"
        assert len(set(question.levels.values())) == 5, f"{question.id} repeats a description"
        assert question.text.strip().endswith("?"), question.id


def test_every_question_has_actions_for_levels_two_to_five(default_rubric):
    for _, question in all_questions(default_rubric):
        assert sorted(question.actions) == [2, 3, 4, 5], question.id
        for level, action in question.actions.items():
            assert action.action.strip(), f"{question.id}: empty action for level {level}"
            assert default_rubric.effort_points(action.effort) > 0


def test_every_question_is_crosswalked(default_rubric):
    """NIST AI RMF and ISO/IEC 42001 cover every question; the NIST AI 600-1 and EU AI Act
    lists stay empty where no action or article fits (inference cost, for instance)."""
    for _, question in all_questions(default_rubric):
        for framework in FRAMEWORKS:
            entries = getattr(question.crosswalk, framework)
            if framework in ("nist_ai_rmf", "iso_42001"):
                assert entries, f"{question.id} has no {framework} crosswalk"
            assert all(str(e).strip() for e in entries), f"{question.id}: empty {framework}"


def test_every_reference_has_a_checked_date(default_rubric):
    assert {r.id for r in default_rubric.references} >= {
        "eu-ai-act",
        "nist-ai-rmf",
        "nist-ai-600-1",
        "iso-42001",
    }
    for reference in default_rubric.references:
        assert isinstance(reference.checked, dt.date), reference.id
        assert reference.title and reference.url.startswith("https://")
        for milestone in reference.dates:
            assert isinstance(milestone.date, dt.date) and milestone.applies


def test_at_least_one_gate_per_stage(default_rubric):
    for stage in default_rubric.stage_ids:
        gate = default_rubric.gates.get(stage)
        assert gate is not None, f"no gate for stage {stage}"
        assert gate.questions or gate.dimensions, f"the {stage} gate sets no floor"


def test_floors_never_exceed_the_stage_target(default_rubric):
    """A floor above the target would make a stage impossible to pass at its own target."""
    for stage, gate in default_rubric.gates.items():
        for did, floor in gate.dimensions.items():
            assert floor <= default_rubric.dimension(did).targets[stage]
        for qid, floor in gate.questions.items():
            question = default_rubric.question(qid)
            target = question.targets.get(stage, default_rubric.dimension_of(qid).targets[stage])
            assert floor <= target, f"{qid} floor {floor} above its {stage} target {target}"


def test_targets_rise_from_stage_to_stage(default_rubric):
    for dimension in default_rubric.dimensions:
        targets = [dimension.targets[s] for s in default_rubric.stage_ids]
        assert targets == sorted(targets), dimension.id


def test_dependencies_point_at_real_questions_and_levels(default_rubric):
    ids = set(question_ids(default_rubric))
    for _, question in all_questions(default_rubric):
        for level, action in question.actions.items():
            for dependency in action.depends_on:
                qid, dep_level = dependency.split("@")
                assert qid in ids and 2 <= int(dep_level) <= 5, (question.id, level, dependency)


def test_high_risk_tier_raises_oversight_and_governance(default_rubric):
    high = default_rubric.tier("high")
    assert high.uplift == 1
    assert set(high.dimensions or []) == {"HUM", "GOV"}
