"""Deltas between rounds and the closed loop (groundwork.tracking): pure, property-tested."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from strategies import PROPERTY, RUBRICS, answer_sets, rubric_named

from groundwork.rubric import load_rubric, parse_rubric
from groundwork.scoring import NA, UNKNOWN, Answer, carry_answers, score
from groundwork.tracking import (
    ABSENT,
    CHANGED,
    DONE_AND_MOVED,
    DOWN,
    GROUPS,
    MIRROR,
    MOVED_WITHOUT_PLAN,
    NO_GAIN_YET,
    SAME,
    UP,
    closed_loop,
    delta,
    item_question,
    pair_questions,
    value_text,
)


def cards(data, name: str):
    rubric = rubric_named(name)
    stage, tier = rubric.stage_ids[-1], rubric.tier_ids[-1]
    before = data.draw(answer_sets(rubric), label="before")
    after = data.draw(answer_sets(rubric), label="after")
    return score(rubric, before, stage, tier), score(rubric, after, stage, tier)


def done_items(data, rubric):
    ids = [q.id for q in rubric.questions]
    suffixes = st.sampled_from(["assess", *map(str, rubric.levels)])
    items = st.tuples(st.sampled_from([*ids, "GONE-9"]), suffixes).map(lambda t: "@".join(t))
    return data.draw(
        st.dictionaries(items, st.dates().map(lambda d: d.isoformat()), max_size=8), label="done"
    )


@PROPERTY
@given(name=st.sampled_from(RUBRICS), data=st.data())
def test_a_round_compared_with_itself_shows_no_movement(name, data):
    card, _ = cards(data, name)
    d = delta(card, card)
    assert all(q.movement == SAME for q in d.questions)
    assert all(x.movement == SAME and not x.change for x in d.dimensions)
    assert d.cleared == [] and d.appeared == []
    assert d.readiness_change in (None, 0)
    loop = closed_loop(d, {})
    assert loop.rows == [], "nothing moved, so nothing moved without a plan"


@PROPERTY
@given(name=st.sampled_from(RUBRICS), data=st.data())
def test_swapping_the_two_rounds_mirrors_every_delta(name, data):
    a, b = cards(data, name)
    forward, back = delta(a, b), delta(b, a)
    fwd = {(q.before_id, q.after_id): q for q in forward.questions}
    for q in back.questions:
        f = fwd[(q.after_id, q.before_id)]
        assert (f.before, f.after) == (q.after, q.before)
        assert f.movement == MIRROR[q.movement]
        assert f.change == (None if q.change is None else -q.change)
    dims = {x.id: x for x in forward.dimensions}
    for x in back.dimensions:
        f = dims[x.id]
        assert (f.before, f.after) == (x.after, x.before)
        assert f.movement == MIRROR[x.movement]
    assert forward.cleared == back.appeared and forward.appeared == back.cleared
    if forward.readiness_change is not None:
        assert forward.readiness_change == -back.readiness_change
    assert forward.passed == back.passed[::-1]


@PROPERTY
@given(name=st.sampled_from(RUBRICS), data=st.data())
def test_every_done_item_lands_in_exactly_one_group(name, data):
    a, b = cards(data, name)
    done = done_items(data, a.rubric)
    loop = closed_loop(delta(a, b), done)
    planned = [r.item for r in loop.rows if r.item is not None]
    assert sorted(planned) == sorted(done), "each done item once"
    for r in loop.rows:
        assert r.group in GROUPS
        assert (r.item is None) == (r.group == MOVED_WITHOUT_PLAN)
    counts = loop.counts()
    assert counts[DONE_AND_MOVED] + counts[NO_GAIN_YET] == len(done)
    # a question that improved is either planned work or moved without a plan, never both
    improved = {q.id for q in delta(a, b).questions if q.improved}
    unplanned = {r.question for r in loop.group(MOVED_WITHOUT_PLAN)}
    moved = {r.question for r in loop.group(DONE_AND_MOVED)}
    assert unplanned | moved == improved and not unplanned & moved
    assert {item_question(i) for i in done} >= moved


TWO_LEVELS = """
id: r
version: "{version}"
title: R
scale: [{{level: 1, label: a}}, {{level: 2, label: b}}, {{level: 3, label: c}}]
stages: [{{id: pilot, title: Pilot}}, {{id: production, title: Production}}]
tiers: [{{id: low, title: Low, uplift: 0}}]
gates:
  production:
    questions: {{{gated}: 2}}
dimensions:
  - id: D
    title: Dee
    targets: {{pilot: 1, production: 3}}
    questions:
{questions}
"""


def question(qid: str, replaces: str = "") -> str:
    extra = f"\n        replaces: [{replaces}]" if replaces else ""
    return (
        f"      - id: {qid}\n        text: {qid}?\n        levels: {{1: x, 2: y, 3: z}}\n"
        f"        actions: {{2: {{action: do, effort: S}}, 3: {{action: do, effort: S}}}}" + extra
    )


def test_rounds_on_different_rubric_versions_compare_through_replaces():
    old = parse_rubric(
        TWO_LEVELS.format(
            version="1", gated="D-1", questions="\n".join([question("D-1"), question("D-2")])
        )
    )
    new = parse_rubric(
        TWO_LEVELS.format(
            version="2",
            gated="D-10",
            questions="\n".join([question("D-10", "D-1"), question("D-3")]),
        )
    )
    assert set(pair_questions(old, new)) == {("D-1", "D-10"), ("D-2", None), (None, "D-3")}
    assert set(pair_questions(new, old)) == {("D-10", "D-1"), (None, "D-2"), ("D-3", None)}
    before = score(old, {"D-1": 1, "D-2": 2}, "production", "low")
    after = score(new, {"D-10": 3, "D-3": UNKNOWN}, "production", "low")
    d = delta(before, after)
    rows = {(q.before_id, q.after_id): q for q in d.questions}
    assert rows[("D-1", "D-10")].movement == UP and rows[("D-1", "D-10")].renamed
    assert rows[("D-2", None)].after == ABSENT and rows[("D-2", None)].movement == CHANGED
    assert rows[(None, "D-3")].before == ABSENT
    # the floor on D-1 is the floor on D-10: the renamed question's blocker is cleared
    assert [b.question for b in d.cleared] == ["D-1"]
    assert all(b.question != "D-10" for b in d.appeared)
    assert value_text(ABSENT) == "not in this rubric version"


def test_the_closed_loop_sorts_done_work_by_what_moved(tiny_rubric):
    before = score(tiny_rubric, {"A-1": 1, "A-2": 1, "B-1": UNKNOWN}, "live", "low")
    after = score(tiny_rubric, {"A-1": 2, "A-2": 1, "B-1": 2}, "live", "low")
    d = delta(before, after)
    assert {q.id: q.movement for q in d.questions} == {"A-1": UP, "A-2": SAME, "B-1": CHANGED}
    loop = closed_loop(d, {"A-1@2": "2026-01-10", "A-2@2": "2026-01-12"})
    groups = {r.item or r.question: r.group for r in loop.rows}
    assert groups == {
        "A-1@2": DONE_AND_MOVED,
        "A-2@2": NO_GAIN_YET,
        "B-1": MOVED_WITHOUT_PLAN,  # don't know became a level with no item done
    }
    assert loop.counts() == {DONE_AND_MOVED: 1, NO_GAIN_YET: 1, MOVED_WITHOUT_PLAN: 1}


def test_na_and_dont_know_are_explicit_and_never_count_as_moving_up(tiny_rubric):
    before = score(tiny_rubric, {"A-1": 2, "A-2": NA}, "live", "low")
    after = score(tiny_rubric, {"A-1": NA, "A-2": UNKNOWN}, "live", "low")
    rows = {q.id: q for q in delta(before, after).questions}
    assert rows["A-1"].movement == CHANGED and not rows["A-1"].improved
    assert (value_text(rows["A-2"].before), value_text(rows["A-2"].after)) == (
        "N/A",
        "Don't know",
    )
    assert value_text(rows["B-1"].before) == "not answered"
    assert rows["B-1"].movement == SAME
    assert DOWN == MIRROR[UP]


@st.composite
def two_versions(draw):
    """An old rubric and a new one whose questions were kept, renamed (``replaces``),
    dropped or added; with answers to each."""
    n = draw(st.integers(1, 5), label="old questions")
    fates = draw(st.lists(st.sampled_from(["keep", "rename", "drop"]), min_size=n, max_size=n))
    added = draw(st.integers(0 if "drop" not in fates or fates.count("drop") < n else 1, 3))
    old_ids = [f"D-{i}" for i in range(n)]
    new = [(f"D-{i}", "") if f == "keep" else (f"D-{i}0", f"D-{i}") for i, f in enumerate(fates)]
    new = [q for q, f in zip(new, fates, strict=True) if f != "drop"]
    new += [(f"D-{n + i}", "") for i in range(added)]
    old_rubric = parse_rubric(
        TWO_LEVELS.format(
            version="1", gated=old_ids[0], questions="\n".join(question(q) for q in old_ids)
        )
    )
    new_rubric = parse_rubric(
        TWO_LEVELS.format(
            version="2", gated=new[0][0], questions="\n".join(question(q, r) for q, r in new)
        )
    )
    cards = []
    for rubric in (old_rubric, new_rubric):
        answers = draw(answer_sets(rubric))
        cards.append(score(rubric, answers, "production", "low"))
    return cards[0], cards[1], dict((r, q) for q, r in new if r)


@PROPERTY
@given(versions=two_versions())
def test_rounds_on_two_rubric_versions_pair_every_question_once_and_mirror(versions):
    old, new, renamed = versions
    d, back = delta(old, new), delta(new, old)
    befores = [q.before_id for q in d.questions if q.before_id]
    afters = [q.after_id for q in d.questions if q.after_id]
    assert sorted(befores) == sorted(q.id for q in old.rubric.questions)
    assert sorted(afters) == sorted(q.id for q in new.rubric.questions)
    assert {(q.before_id, q.after_id) for q in d.questions if q.renamed} == set(renamed.items())
    forward = {(q.before_id, q.after_id): q for q in d.questions}
    for q in back.questions:
        f = forward[(q.after_id, q.before_id)]
        assert (f.before, f.after, f.movement) == (q.after, q.before, MIRROR[q.movement])
    assert d.cleared == back.appeared and d.appeared == back.cleared


def test_a_question_split_off_in_a_new_version_continues_the_old_one(default_rubric):
    old = load_rubric(Path(__file__).parent / "data" / "genai-production-1.0.0.yaml")
    pairs = pair_questions(old, default_rubric)
    # ORG-5 is kept, and MON-6 (new in 2.0.0) replaces it: both continue the old ORG-5,
    # as a round pre-filled from a 1.0.0 round carries ORG-5's answer into both
    assert ("ORG-5", "ORG-5") in pairs and ("ORG-5", "MON-6") in pairs
    assert {b for a, b in pairs if a is None} == {"HUM-6", "ORG-6", "GOV-6"}
    carried = carry_answers(default_rubric, {q.id: Answer(1) for q in old.questions})
    assert {b for a, b in pairs if a} == set(carried)
    assert {(b, a) for a, b in pair_questions(default_rubric, old)} == set(pairs)
    before = score(old, {"ORG-5": 1}, "production", "minimal")
    after = score(default_rubric, {"ORG-5": 1, "MON-6": 3}, "production", "minimal")
    rows = {(q.before_id, q.after_id): q.movement for q in delta(before, after).questions}
    assert (rows[("ORG-5", "ORG-5")], rows[("ORG-5", "MON-6")]) == (SAME, UP)
