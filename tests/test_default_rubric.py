"""The shipped rubric, rubrics/genai-production.yaml: complete enough to run a real assessment."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from groundwork.rubric import Rubric, load_rubric, validate_file
from groundwork.scoring import Answer

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


# ---------------------------------------------------------------------------------
# Rubric 2.0.0: what a practitioner relies on in the text itself
# ---------------------------------------------------------------------------------

VAGUE = re.compile(r"\b(some|sometimes|now and then|occasional(ly)?)\b", re.IGNORECASE)


def test_every_question_says_whether_it_is_about_the_system_or_the_organisation(
    default_rubric,
):
    assert {q.about for q in default_rubric.questions} == {"system", "organisation"}


def test_every_level_has_an_evidence_prompt_and_observable_text(default_rubric):
    for q in default_rubric.questions:
        assert sorted(q.evidence) == default_rubric.levels, q.id
        for level, text in q.levels.items():
            assert not VAGUE.search(text), f"{q.id} level {level}: {text}"


def test_metrics_back_the_levels_that_have_one(default_rubric):
    with_metrics = [q.id for q in default_rubric.questions if q.metrics]
    assert len(with_metrics) >= len(default_rubric.questions) // 2


def test_handling_time_alone_never_scores_above_two_on_business_outcomes(default_rubric):
    mon5 = default_rubric.question("MON-5")
    assert "counter" in mon5.levels[3].lower()
    assert "baseline" in mon5.levels[2].lower()


def test_every_eu_article_cited_says_whom_it_binds_and_from_when(default_rubric):
    dates = {d.date for ref in default_rubric.references for d in ref.dates}
    for q in default_rubric.questions:
        for entry in q.crosswalk.eu_ai_act:
            article = default_rubric.article(entry)
            assert article is not None, f"{q.id}: {entry} is not listed"
            assert article.binds and article.applies in dates


def test_no_sentence_contradicts_the_dated_references(default_rubric):
    """Every date the rubric's prose names is one of its dated reference entries."""
    r = default_rubric
    prose = [r.description, *(t.description for t in r.tiers), *(s.description for s in r.stages)]
    for d in r.dimensions:
        prose.append(d.description)
        for q in d.questions:
            prose += [q.text, q.why, *q.levels.values(), *q.evidence.values()]
    months = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
    named = re.findall(rf"\b(\d{{1,2}}) ({months})\w* (20\d\d)\b", "\n".join(prose))
    known = {
        (str(d.date.day), d.date.strftime("%b"), str(d.date.year))
        for ref in r.references
        for d in ref.dates
    }
    assert named, "the tier descriptions name application dates"
    for day, month, year in named:
        assert (day, month[:3], year) in known, f"{day} {month} {year} is not a dated entry"


def test_the_seed_questions_are_there(default_rubric):
    ids = {q.id for q in default_rubric.questions}
    assert {"MON-6", "HUM-6", "ORG-6", "GOV-6"} <= ids
    assert 24 <= len(ids) <= 36


def test_a_one_point_zero_round_prefills_a_two_point_zero_round(tmp_path, default_rubric):
    from groundwork.rubric import load_rubric
    from groundwork.store import Store

    old = load_rubric(Path(__file__).parent / "data" / "genai-production-1.0.0.yaml")
    assert old.version == "1.0.0" and default_rubric.version == "2.0.0"
    with Store(tmp_path / "gw.db") as s:
        s.migrate()
        org = s.create_organisation("Org")
        scope = s.create_scope(org, "system", "Bot", stage="pilot", tier="minimal")
        first = s.create_assessment(scope, old, "production", "minimal")
        for i, q in enumerate(old.questions):
            s.save_answer(first, q.id, Answer(1 + i % 5, evidence=f"seen {q.id}"))
        s.finalise(first)
        second = s.create_assessment(
            scope, default_rubric, "production", "minimal", prefill_from=first
        )
        carried = s.answers(second)
    old_answers = {q.id: 1 + i % 5 for i, q in enumerate(old.questions)}
    for q in default_rubric.questions:
        source = next((i for i in (q.id, *q.replaces) if i in old_answers), None)
        if source is not None:
            assert carried[q.id].value == old_answers[source], q.id
    assert carried["MON-6"].value == old_answers["ORG-5"]  # MON-6 replaces ORG-5
    new = {q.id for q in default_rubric.questions} - set(carried)
    assert new == {"HUM-6", "ORG-6", "GOV-6"}  # new questions, nothing to carry
