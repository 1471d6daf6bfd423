"""The roadmap: gaps become steps, ordered by dependency and priority, packed into waves.

On the tiny rubric (scale 0-3) at stage "live", tier "low", with everything at 0:
the gate needs B-1 >= 2 and dimension A >= 1 (and A-1 >= 1 from the trial gate), so
A-1@1, A-2@1, B-1@1 and B-1@2 clear the gate; A-1@2, A-2@2 and A-2@3 reach the target.
A-2@2 depends on B-1@2 (another dimension); B-1@3 depends on A-1@3.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import PROPERTY, RUBRIC_FILES, RUBRICS, answer_sets, rubric_named

from groundwork.cli import main
from groundwork.roadmap import Roadmap, build_roadmap
from groundwork.rubric import Rubric, parse_dependency, parse_rubric
from groundwork.scoring import COVERAGE, NA, NA_WITHOUT_REASON, UNKNOWN, Answer, score

ZERO = {"A-1": 0, "A-2": 0, "B-1": 0}
START = dt.date(2027, 1, 4)


def ids(roadmap: Roadmap) -> list[str]:
    return [item.id for item in roadmap.items]


def by_wave(roadmap: Roadmap) -> list[list[str]]:
    return [[item.id for item in wave.items] for wave in roadmap.waves]


# ---------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------


def test_every_gap_becomes_one_step_per_level(tiny_rubric):
    roadmap = build_roadmap(tiny_rubric, ZERO, "live", "low")
    assert sorted(ids(roadmap)) == ["A-1@1", "A-1@2", "A-2@1", "A-2@2", "A-2@3", "B-1@1", "B-1@2"]
    for item in roadmap.items:
        question = tiny_rubric.question(item.question)
        assert item.id == f"{item.question}@{item.to_level}"
        assert item.from_level == item.to_level - 1
        assert item.dimension == tiny_rubric.dimension_of(item.question).id
        action = question.actions[item.to_level]
        assert (item.action, item.effort) == (action.action, action.effort)
        assert item.points == tiny_rubric.effort_points(action.effort)


def test_steps_carry_the_rubric_effort(tiny_rubric):
    items = {i.id: i for i in build_roadmap(tiny_rubric, ZERO, "live", "low").items}
    assert (items["B-1@2"].effort, items["B-1@2"].points) == ("L", 3)
    assert (items["A-2@3"].effort, items["A-2@3"].points) == (2, 2)  # plain points


def test_nothing_to_do_means_no_waves(tiny_rubric):
    roadmap = build_roadmap(tiny_rubric, {"A-1": 3, "A-2": 3, "B-1": 3}, "live", "high")
    assert roadmap.waves == []


def test_na_questions_get_no_steps_and_satisfy_dependencies(tiny_rubric):
    na = Answer(NA, notes="There is no beta in this system")
    roadmap = build_roadmap(tiny_rubric, {"A-1": 0, "A-2": 0, "B-1": na}, "live", "low")
    assert not any(i.question == "B-1" for i in roadmap.items)
    items = {i.id: i for i in roadmap.items}
    assert items["A-2@2"].depends_on == ("A-2@1",)  # the B-1@2 prerequisite does not apply


def test_na_without_a_reason_on_a_gated_question_asks_for_one(tiny_rubric):
    roadmap = build_roadmap(tiny_rubric, {"A-1": 2, "A-2": 2, "B-1": NA}, "live", "low")
    (item,) = [i for i in roadmap.items if i.question == "B-1"]
    assert item.id == "B-1@assess" and item.blocker
    assert item.action.startswith("Record why B-1 does not apply")


def test_unanswered_ungated_questions_get_no_steps(tiny_rubric):
    roadmap = build_roadmap(tiny_rubric, {"A-1": 2, "B-1": 2}, "live", "low")
    assert ids(roadmap) == []


# ---------------------------------------------------------------------------------
# Phases, blockers and priority
# ---------------------------------------------------------------------------------


def test_blockers_come_first(tiny_rubric):
    roadmap = build_roadmap(tiny_rubric, ZERO, "live", "low")
    assert [w.name for w in roadmap.waves] == ["Clear the gate", "Reach the target"]
    assert by_wave(roadmap) == [
        ["A-2@1", "A-1@1", "B-1@1", "B-1@2"],  # weighted gap 18, 4, 2, then B-1@1 before @2
        ["A-2@2", "A-2@3", "A-1@2"],
    ]
    assert all(i.blocker for i in roadmap.waves[0].items)
    assert not any(i.blocker for i in roadmap.waves[1].items)


def test_next_stage_gaps_come_last(tiny_rubric):
    roadmap = build_roadmap(tiny_rubric, {"A-1": 1, "A-2": 0, "B-1": 1}, "trial", "low")
    assert [w.name for w in roadmap.waves] == ["Reach the target", "Prepare for live"]
    assert by_wave(roadmap)[0] == ["A-2@1"]
    assert set(by_wave(roadmap)[1]) == {"A-1@2", "A-2@2", "A-2@3", "B-1@2"}


def test_a_dependency_is_pulled_in_across_dimensions(tiny_rubric):
    """B-1@3 (tier high raises B to 3) needs A-1@3, above A-1's own target of 2."""
    answers = {"A-1": 2, "A-2": 3, "B-1": 2}
    assert score(tiny_rubric, answers, "live", "high").question("A-1").gap == 0
    roadmap = build_roadmap(tiny_rubric, answers, "live", "high")
    assert ids(roadmap) == ["A-1@3", "B-1@3"]
    items = {i.id: i for i in roadmap.items}
    assert items["B-1@3"].depends_on == ("A-1@3",)
    assert items["A-1@3"].dimension == "A" and items["B-1@3"].dimension == "B"
    assert roadmap.wave_of("A-1@3") <= roadmap.wave_of("B-1@3")


def test_a_prerequisite_of_a_gate_step_joins_the_gate(tiny_text):
    raised = tiny_text.replace("questions: {B-1: 2}", "questions: {B-1: 3}").replace(
        "text: Is beta done?", "text: Is beta done?\n        targets: {live: 3}"
    )
    rubric = parse_rubric(raised)
    roadmap = build_roadmap(rubric, {"A-1": 2, "A-2": 3, "B-1": 2}, "live", "low")
    assert by_wave(roadmap) == [["A-1@3", "B-1@3"]]
    assert roadmap.waves[0].name == "Clear the gate"
    assert all(i.blocker for i in roadmap.items)


def test_default_rubric_cost_step_pulls_monitoring(default_rubric):
    answers = {q.id: 5 for q in default_rubric.questions} | {"COST-1": 2, "MON-1": 2}
    roadmap = build_roadmap(default_rubric, answers, "production", "minimal")
    items = {i.id: i for i in roadmap.items}
    assert "MON-1@3" in items["COST-1@3"].depends_on
    order = ids(roadmap)
    assert order.index("MON-1@3") < order.index("COST-1@3")
    assert roadmap.wave_of("MON-1@3") <= roadmap.wave_of("COST-1@3")

    met = build_roadmap(default_rubric, answers | {"MON-1": 3}, "production", "minimal")
    cost = next(i for i in met.items if i.id == "COST-1@3")
    assert cost.depends_on == ()


def test_unknown_answers_become_assess_items(tiny_rubric):
    answers = {"A-1": UNKNOWN, "A-2": UNKNOWN, "B-1": 2}
    roadmap = build_roadmap(tiny_rubric, answers, "live", "low")
    items = {i.id: i for i in roadmap.items}
    assess = items["A-1@assess"]
    assert (assess.question, assess.from_level, assess.to_level) == ("A-1", None, None)
    assert "Is alpha done?" in assess.action
    assert assess.effort == "S" and assess.points == 1  # the smallest effort
    # A-1 is gated (trial floor), A-2 is not
    assert roadmap.waves[0].name == "Clear the gate"
    assert "A-1@assess" in by_wave(roadmap)[0]
    assert items["A-1@assess"].blocker
    assert "A-2@assess" in items


def test_a_dependency_on_an_unknown_question_waits_for_its_assessment(default_rubric):
    answers = {q.id: 5 for q in default_rubric.questions} | {"COST-1": 2, "MON-1": UNKNOWN}
    roadmap = build_roadmap(default_rubric, answers, "pilot", "minimal")
    items = {i.id: i for i in roadmap.items}
    assert "MON-1@assess" in items["COST-1@3"].depends_on
    assert ids(roadmap).index("MON-1@assess") < ids(roadmap).index("COST-1@3")


def test_gated_dimension_with_nothing_answered_is_assessed_first(tiny_rubric):
    """Dimension A's live floor cannot be judged until one of its questions is known."""
    answers = {"A-1": Answer(NA, notes="No alpha"), "A-2": UNKNOWN, "B-1": 2}
    assert not score(tiny_rubric, answers, "live", "low").verdict.passed
    roadmap = build_roadmap(tiny_rubric, answers, "live", "low")
    assert by_wave(roadmap)[0] == ["A-2@assess"]
    assert roadmap.waves[0].name == "Clear the gate"


# ---------------------------------------------------------------------------------
# Waves: capacity and calendar
# ---------------------------------------------------------------------------------


def test_capacity_splits_phases_into_waves(tiny_rubric):
    roadmap = build_roadmap(tiny_rubric, ZERO, "live", "low", capacity=3)
    assert by_wave(roadmap) == [
        ["A-2@1", "A-1@1", "B-1@1"],
        ["B-1@2"],
        ["A-2@2", "A-2@3"],
        ["A-1@2"],
    ]
    assert [w.points for w in roadmap.waves] == [3, 3, 3, 3]
    assert [w.name for w in roadmap.waves] == [
        "Clear the gate (1 of 2)",
        "Clear the gate (2 of 2)",
        "Reach the target (1 of 2)",
        "Reach the target (2 of 2)",
    ]


def test_an_item_bigger_than_capacity_gets_a_wave_of_its_own(tiny_rubric):
    roadmap = build_roadmap(tiny_rubric, ZERO, "live", "low", capacity=2)
    for wave in roadmap.waves:
        assert wave.points <= 2 or len(wave.items) == 1
    assert ["B-1@2"] in by_wave(roadmap)  # 3 points, alone
    assert ["A-1@2"] in by_wave(roadmap)


def test_calendar_from_start_and_wave_length(tiny_rubric):
    roadmap = build_roadmap(tiny_rubric, ZERO, "live", "low", capacity=3, start=START, wave_days=30)
    dates = [(w.start, w.end) for w in roadmap.waves]
    assert dates == [
        (dt.date(2027, 1, 4), dt.date(2027, 2, 2)),
        (dt.date(2027, 2, 3), dt.date(2027, 3, 4)),
        (dt.date(2027, 3, 5), dt.date(2027, 4, 3)),
        (dt.date(2027, 4, 4), dt.date(2027, 5, 3)),
    ]


def test_default_wave_is_ninety_days(tiny_rubric):
    (first, second) = build_roadmap(tiny_rubric, ZERO, "live", "low", start=START).waves
    assert (first.end - first.start).days + 1 == 90
    assert second.start == START + dt.timedelta(days=90)


def test_no_start_means_no_dates(tiny_rubric):
    roadmap = build_roadmap(tiny_rubric, ZERO, "live", "low")
    assert all(w.start is None and w.end is None for w in roadmap.waves)
    assert roadmap.to_dict()["waves"][0]["start"] is None


@pytest.mark.parametrize(("capacity", "wave_days"), [(0, 90), (-1, 90), (None, 0)])
def test_capacity_and_wave_length_must_be_positive(tiny_rubric, capacity, wave_days):
    with pytest.raises(ValueError):
        build_roadmap(tiny_rubric, ZERO, "live", "low", capacity=capacity, wave_days=wave_days)


def test_order_does_not_depend_on_the_order_of_answers(default_rubric):
    answers = {q.id: 1 + i % 3 for i, q in enumerate(default_rubric.questions)}
    forward = build_roadmap(default_rubric, answers, "production", "high", capacity=5)
    backward = build_roadmap(
        default_rubric, dict(reversed(answers.items())), "production", "high", capacity=5
    )
    assert forward.to_dict() == backward.to_dict()
    assert forward == build_roadmap(default_rubric, answers, "production", "high", capacity=5)


# ---------------------------------------------------------------------------------
# Properties, on both rubrics
# ---------------------------------------------------------------------------------


def draw_case(data: st.DataObject, rubric: Rubric) -> tuple[dict, str, str, int | None]:
    answers = data.draw(answer_sets(rubric), label="answers")
    stage = data.draw(st.sampled_from(rubric.stage_ids), label="stage")
    tier = data.draw(st.sampled_from(rubric.tier_ids), label="tier")
    capacity = data.draw(st.one_of(st.none(), st.integers(1, 8)), label="capacity")
    return answers, stage, tier, capacity


def prerequisites(rubric: Rubric, answers: dict, item) -> list[str]:
    """The item ids that must come before ``item``, read from the rubric itself."""
    if item.to_level is None:
        return []
    needed = []
    current = answers.get(item.question)
    if isinstance(current, int) and item.to_level - 1 > current:
        needed.append(f"{item.question}@{item.to_level - 1}")
    for dependency in rubric.question(item.question).actions[item.to_level].depends_on:
        qid, level = parse_dependency(dependency)
        answer = answers.get(qid)
        if answer == NA or (isinstance(answer, int) and answer >= level):
            continue
        needed.append(f"{qid}@{level}" if isinstance(answer, int) else f"{qid}@assess")
    return needed


@pytest.mark.parametrize("name", RUBRICS)
@PROPERTY
@given(data=st.data())
def test_no_step_comes_before_its_prerequisites(name, data):
    rubric = rubric_named(name)
    answers, stage, tier, capacity = draw_case(data, rubric)
    roadmap = build_roadmap(rubric, answers, stage, tier, capacity=capacity)
    position = {item.id: n for n, item in enumerate(roadmap.items)}
    assert len(position) == len(roadmap.items), "item ids must be unique"
    wave = {item.id: w.number for w in roadmap.waves for item in w.items}
    for item in roadmap.items:
        for before in {*item.depends_on, *prerequisites(rubric, answers, item)}:
            assert before in position, f"{item.id} needs {before}, which is missing"
            assert position[before] < position[item.id], f"{before} listed after {item.id}"
            assert wave[before] <= wave[item.id], f"{before} in a later wave than {item.id}"


@pytest.mark.parametrize("name", RUBRICS)
@PROPERTY
@given(data=st.data())
def test_every_gap_has_its_steps(name, data):
    rubric = rubric_named(name)
    answers, stage, tier, capacity = draw_case(data, rubric)
    card = score(rubric, answers, stage, tier)
    roadmap = build_roadmap(rubric, answers, stage, tier, capacity=capacity)
    items = {item.id: item for item in roadmap.items}
    for q in card.questions:
        if q.gap:
            for level in range(q.level + 1, q.target + 1):
                step = items.get(f"{q.id}@{level}")
                assert step is not None, f"{q.id} has a gap but no step to level {level}"
                assert (step.question, step.from_level, step.to_level) == (q.id, level - 1, level)
        if q.answer == UNKNOWN:
            assert f"{q.id}@assess" in items
        if q.answer == NA:  # nothing to climb; without a reason, a gate asks for one
            steps = {i.id for i in roadmap.items if i.question == q.id}
            silent = any(
                b.rule == NA_WITHOUT_REASON and b.question in (q.id, None)
                for b in card.verdict.blockers
                if b.dimension == q.dimension
            )
            assert steps == ({f"{q.id}@assess"} if silent else set())
    for item in roadmap.items:
        if item.to_level is not None:
            assert item.id == f"{item.question}@{item.to_level}"
            assert item.action == rubric.question(item.question).actions[item.to_level].action
        else:
            assert item.id == f"{item.question}@assess"


@pytest.mark.parametrize("name", RUBRICS)
@PROPERTY
@given(data=st.data())
def test_waves_respect_capacity_and_put_the_gate_first(name, data):
    rubric = rubric_named(name)
    answers, stage, tier, capacity = draw_case(data, rubric)
    card = score(rubric, answers, stage, tier)
    roadmap = build_roadmap(rubric, answers, stage, tier, capacity=capacity, start=START)
    assert [w.number for w in roadmap.waves] == list(range(1, len(roadmap.waves) + 1))
    phases = [w.phase for w in roadmap.waves]
    assert phases == sorted(phases)
    blockers = [i.blocker for i in roadmap.items]
    assert blockers == sorted(blockers, reverse=True), "every blocker before any other step"
    for wave in roadmap.waves:
        assert wave.items
        if capacity is not None:
            assert wave.points <= capacity or len(wave.items) == 1
        assert wave.start == START + dt.timedelta(days=90 * (wave.number - 1))
    if capacity is None:
        assert len(phases) == len(set(phases))
    gate = {(i.question, i.dimension) for i in roadmap.items if i.blocker}
    for blocker in card.verdict.blockers:
        if blocker.rule == COVERAGE:  # answering what is not known yet comes first
            for q in card.questions:
                if q.answer != NA and q.level is None:
                    assert (q.id, q.dimension) in gate
        elif blocker.question:
            assert any(q == blocker.question for q, _ in gate), blocker.reason
        elif any(answers.get(q.id) != NA for q in rubric.dimension(blocker.dimension).questions):
            # (a dimension answered N/A throughout has nothing left to do)
            assert any(d == blocker.dimension for _, d in gate), blocker.reason


@pytest.mark.parametrize("name", RUBRICS)
@PROPERTY
@given(data=st.data())
def test_same_input_gives_the_same_roadmap(name, data):
    rubric = rubric_named(name)
    answers, stage, tier, capacity = draw_case(data, rubric)

    def document(given_answers: dict) -> str:
        roadmap = build_roadmap(rubric, given_answers, stage, tier, capacity=capacity, start=START)
        return json.dumps(roadmap.to_dict(), indent=2)

    first = document(answers)
    assert document(answers) == first
    assert document(dict(reversed(answers.items()))) == first  # the file's order is irrelevant


def roadmap_json(rubric_path: Path, answers_path: Path, *args: str) -> bytes:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["roadmap", str(rubric_path), str(answers_path), "--json", *args])
    assert code == 0
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("name", RUBRICS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_cli_json_is_byte_identical_run_to_run(name, data):
    rubric = rubric_named(name)
    answers, stage, tier, capacity = draw_case(data, rubric)
    path = RUBRIC_FILES[name]
    args = ["--stage", stage, "--tier", tier, "--start", "2027-01-04"]
    if capacity is not None:
        args += ["--capacity", str(capacity)]
    with tempfile.TemporaryDirectory() as tmp:
        answers_path = Path(tmp) / "answers.yaml"
        answers_path.write_text(yaml.safe_dump({"answers": answers}), encoding="utf-8")
        first = roadmap_json(path, answers_path, *args)
        second = roadmap_json(path, answers_path, *args)
    assert first == second
    document = json.loads(first)
    assert (document["stage"], document["tier"]) == (stage, tier)
    expected = build_roadmap(rubric, answers, stage, tier, capacity=capacity, start=START)
    assert document["waves"] == expected.to_dict()["waves"]


def test_items_are_scheduled_inside_their_wave_after_their_prerequisites(default_rubric):
    answers = {q.id: 1 for q in default_rubric.questions}
    roadmap = build_roadmap(
        default_rubric, answers, "production", "minimal", start=dt.date(2027, 1, 4), capacity=12
    )
    by_id = {i.id: i for i in roadmap.items}
    for wave in roadmap.waves:
        ends = []
        for item in wave.items:
            assert wave.start <= item.start <= item.end <= wave.end, item.id
            for dep in item.depends_on:
                if dep in {i.id for i in wave.items}:
                    assert by_id[dep].end < item.start, (dep, item.id)
            ends.append(item.end)
        assert max(ends) == wave.end  # the wave's longest chain fills it


@pytest.mark.parametrize("days", [7, 30, 89, 90, 91])
def test_a_chain_inside_a_wave_never_overlaps_whatever_the_wave_length(tiny_rubric, days):
    roadmap = build_roadmap(
        tiny_rubric,
        {"A-1": 0, "A-2": 0, "B-1": 0},
        "live",
        "high",
        start=dt.date(2027, 1, 1),
        wave_days=days,
    )
    by_id = {i.id: i for i in roadmap.items}
    for item in roadmap.items:
        for dep in item.depends_on:
            if roadmap.wave_of(dep) == roadmap.wave_of(item.id):
                assert by_id[dep].end < item.start, (dep, item.id, days)


def test_a_dimension_floor_above_its_questions_targets_still_gets_steps(tiny_text):
    """The floor blocks, so the roadmap must climb to it even past the questions' targets."""
    text = tiny_text.replace("    dimensions: {A: 1}", "    dimensions: {A: 2}")
    text = text.replace(
        "    targets: {trial: 1, live: 2}\n    questions:\n      - id: A-1",
        "    targets: {trial: 1, live: 2}\n    questions:\n      - id: A-1",
    )
    rubric = parse_rubric(text.replace("targets: {live: 3}", "targets: {live: 1}"))
    answers = {"A-1": 1, "A-2": 1, "B-1": 2}
    card = score(rubric, answers, "live", "low")
    assert [b.dimension for b in card.verdict.blockers] == ["A"]
    roadmap = build_roadmap(rubric, answers, "live", "low")
    gate = [i.id for i in roadmap.items if i.blocker]
    assert {"A-1@2", "A-2@2"} <= set(gate)
