"""Rubric loading and validation: every kind of mistake is reported as FILE:LINE: message.

Each broken rubric is made by editing the text of tests/data/tiny.yaml (a 0-3 scale) and
marking the line the error must point at with a ``# <-`` comment, so the expected line
number is read from the text itself rather than counted by hand.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from groundwork.rubric import (
    Problem,
    RubricError,
    json_schema,
    load_rubric,
    parse_dependency,
    parse_rubric,
    validate_file,
)

REPO = Path(__file__).resolve().parents[1]
MARK = "# <-"
FILE = "broken.yaml"


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once in the rubric text"
    return text.replace(old, new)


def marked_line(text: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if MARK in line]
    assert len(lines) == 1, "mark exactly one line with '# <-'"
    return lines[0]


def problems_in(text: str) -> list[Problem]:
    with pytest.raises(RubricError) as info:
        parse_rubric(text, FILE)
    return info.value.problems


def assert_reported(text: str, fragment: str, *, alone: bool = True) -> Problem:
    """The rubric is rejected with a problem containing ``fragment`` at the marked line."""
    problems = problems_in(text)
    shown = "\n".join(map(str, problems))
    line = marked_line(text)
    hits = [p for p in problems if p.line == line and fragment in p.message]
    assert hits, f"expected {FILE}:{line}: ...{fragment}... among:\n{shown}"
    if alone:
        assert len(problems) == 1, f"expected only that problem, got:\n{shown}"
    hit = hits[0]
    assert hit.file == FILE
    assert str(hit) == f"{FILE}:{line}: {hit.message}"
    return hit


# ---------------------------------------------------------------------------------
# The valid rubric
# ---------------------------------------------------------------------------------


def test_tiny_rubric_loads_with_its_own_scale(tiny_rubric, tiny_text):
    assert tiny_rubric.levels == [0, 1, 2, 3]
    assert (tiny_rubric.min_level, tiny_rubric.max_level) == (0, 3)
    assert tiny_rubric.label(2) == "Most"
    assert tiny_rubric.stage_ids == ["trial", "live"]
    assert tiny_rubric.tier_ids == ["low", "high"]
    assert [q.id for q in tiny_rubric.questions] == ["A-1", "A-2", "B-1"]
    assert tiny_rubric.dimension_of("B-1").id == "B"
    assert tiny_rubric.next_stage("trial") == "live"
    assert tiny_rubric.next_stage("live") is None
    assert tiny_rubric.effort_points("L") == 3
    assert tiny_rubric.effort_points(2) == 2


def test_rubric_keeps_its_source_and_hash(tiny_rubric, tiny_text):
    """An assessment stores the rubric text and hash, so old scores stay explainable."""
    assert tiny_rubric.source == tiny_text
    assert tiny_rubric.sha256 == hashlib.sha256(tiny_text.encode("utf-8")).hexdigest()
    changed = parse_rubric(tiny_text.replace("title: Tiny rubric", "title: Tiny rubric 2"))
    assert changed.sha256 != tiny_rubric.sha256


BARE = """\
id: bare
version: "1"
title: Bare
dimensions:
  - id: D
    title: Only
    targets: {pilot: 2, production: 3, scale: 4}
    questions:
      - id: D-1
        text: Anything?
        levels: {1: a, 2: b, 3: c, 4: d, 5: e}
        actions:
          2: {action: do b, effort: S}
          3: {action: do c, effort: M}
          4: {action: do d, effort: L}
          5: {action: do e, effort: 3}
"""


def test_a_rubric_without_scale_stages_or_tiers_gets_the_defaults():
    rubric = parse_rubric(BARE)
    assert rubric.levels == [1, 2, 3, 4, 5]
    assert rubric.stage_ids == ["pilot", "production", "scale"]
    assert rubric.tier_ids == ["minimal", "limited", "high"]
    assert rubric.efforts == {"S": 1, "M": 2, "L": 4}
    assert rubric.gates == {}
    assert rubric.question("D-1").weight == rubric.dimension("D").weight == 1.0


def test_parse_dependency():
    assert parse_dependency("MON-1@3") == ("MON-1", 3)
    assert parse_dependency(" B-1@0 ") == ("B-1", 0)
    for bad in ("MON-1", "MON-1@", "@3", "MON-1@three", "MON 1@3"):
        with pytest.raises(ValueError, match="QUESTION@LEVEL"):
            parse_dependency(bad)


# ---------------------------------------------------------------------------------
# One test per kind of error, each at its exact line
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("        text: Is alpha done?\n", f"        text: Is alpha: done?  {MARK}\n"),
        ("        weight: 1\n", f"        weight: 1\n\tnotes: tabs  {MARK}\n"),
        ("  - id: B\n", f"  - id: B\n   title: [misaligned  {MARK}\n"),
    ],
    ids=["colon-in-plain-text", "tab-indent", "bad-indent"],
)
def test_yaml_syntax_error(tiny_text, old, new):
    assert_reported(edit(tiny_text, old, new), "YAML syntax error")


def test_unknown_key(tiny_text):
    text = edit(tiny_text, "        weight: 1\n", f"        wieght: 1  {MARK}\n")
    problem = assert_reported(text, "unknown key 'wieght'")
    assert "A-1" in problem.message  # names the question it is in


def test_unknown_top_level_key(tiny_text):
    text = edit(tiny_text, "title: Tiny rubric\n", f"title: Tiny rubric\nowner: me  {MARK}\n")
    assert_reported(text, "unknown key 'owner'")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        (
            "      - id: A-1\n        text: Is alpha done?\n",
            f"      - id: A-1  {MARK}\n",
            "text",
        ),
        (
            '      - id: B-1\n        text: Is beta done?\n        levels: {0: "no", 1: a little,'
            " 2: mostly, 3: fully}\n",
            f"      - id: B-1  {MARK}\n        text: Is beta done?\n",
            "levels",
        ),
    ],
    ids=["question-text", "question-levels"],
)
def test_missing_required_key(tiny_text, old, new, key):
    assert_reported(edit(tiny_text, old, new), f"missing required key '{key}'")


A2_LEVELS = '        levels: {0: "no", 1: a little, 2: mostly, 3: fully}\n        actions:\n          1: {action: count'  # noqa: E501


def test_missing_level_description(tiny_text):
    block = (
        f'        levels:  {MARK}\n          0: "no"\n          1: a little\n          3: fully\n'
    )
    text = edit(tiny_text, A2_LEVELS, block + "        actions:\n          1: {action: count")
    problem = assert_reported(text, "missing description for level 2")
    assert "A-2" in problem.message


def test_extra_level_off_the_scale(tiny_text):
    block = (
        '        levels:\n          0: "no"\n          1: a little\n          2: mostly\n'
        f"          3: fully\n          4: beyond  {MARK}\n"
    )
    text = edit(tiny_text, A2_LEVELS, block + "        actions:\n          1: {action: count")
    assert_reported(text, "level 4 is not on the scale 0-3")


def test_duplicate_question_id(tiny_text):
    text = edit(tiny_text, "      - id: A-2\n", f"      - id: A-1  {MARK}\n")
    assert_reported(text, "duplicate id 'A-1'")


def test_duplicate_question_id_across_dimensions(tiny_text):
    text = edit(tiny_text, "      - id: B-1\n", f"      - id: A-2  {MARK}\n")
    text = edit(text, "questions: {B-1: 2}", "questions: {A-2: 2}")
    text = edit(text, '"B-1@2"', '"A-1@2"')
    assert_reported(text, "duplicate id 'A-2'")


def test_duplicate_dimension_id(tiny_text):
    text = edit(tiny_text, "  - id: B\n", f"  - id: A  {MARK}\n")
    text = edit(text, "dimensions: [B]", "dimensions: [A]")
    assert_reported(text, "duplicate dimension id 'A'")


def test_duplicate_yaml_key(tiny_text):
    text = edit(tiny_text, "        weight: 3\n", f"        weight: 3\n        weight: 2  {MARK}\n")
    assert_reported(text, "duplicate key 'weight'")


@pytest.mark.parametrize(
    ("old", "new", "value"),
    [
        ("        weight: 3\n", f"        weight: 0  {MARK}\n", "0"),
        ("        weight: 1\n", f"        weight: -1.5  {MARK}\n", "-1.5"),
        ("    weight: 2\n", f"    weight: 0  {MARK}\n", "0"),
    ],
    ids=["question-zero", "question-negative", "dimension-zero"],
)
def test_weight_not_positive(tiny_text, old, new, value):
    assert_reported(edit(tiny_text, old, new), f"weight must be greater than 0 (got {value})")


@pytest.mark.parametrize(
    ("old", "new", "value"),
    [
        ("targets: {live: 3}", f"targets: {{live: 4}}  {MARK}", 4),
        (
            "    weight: 2\n    targets: {trial: 1, live: 2}\n",
            f"    weight: 2\n    targets: {{trial: -1, live: 2}}  {MARK}\n",
            -1,
        ),
    ],
    ids=["question", "dimension"],
)
def test_target_outside_the_scale(tiny_text, old, new, value):
    assert_reported(edit(tiny_text, old, new), f"target {value} is outside the scale 0-3")


@pytest.mark.parametrize(
    ("old", "new", "value"),
    [
        ("questions: {B-1: 2}", f"questions: {{B-1: 4}}  {MARK}", 4),
        ("dimensions: {A: 1}", f"dimensions: {{A: -1}}  {MARK}", -1),
    ],
    ids=["question", "dimension"],
)
def test_floor_outside_the_scale(tiny_text, old, new, value):
    assert_reported(edit(tiny_text, old, new), f"floor {value} is outside the scale 0-3")


def test_dimension_floor_above_its_target(tiny_text):
    text = edit(tiny_text, "dimensions: {A: 1}", f"dimensions: {{A: 3}}  {MARK}")
    assert_reported(text, "floor 3 for 'A' is above its live target 2")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("targets: {live: 3}", f"targets: {{prod: 3}}  {MARK}"),
        (
            "    weight: 1\n    targets: {trial: 1, live: 2}\n",
            f"    weight: 1\n    targets: {{trial: 1, live: 2, prod: 3}}  {MARK}\n",
        ),
    ],
    ids=["question-targets", "dimension-targets"],
)
def test_unknown_stage_in_targets(tiny_text, old, new):
    assert_reported(edit(tiny_text, old, new), "unknown stage 'prod' (stages: trial, live)")


def test_unknown_stage_in_gates(tiny_text):
    text = edit(tiny_text, "  live:\n", f"  prod:  {MARK}\n")
    assert_reported(text, "unknown stage 'prod' (stages: trial, live)")


def test_dimension_target_missing_for_a_stage(tiny_text):
    text = edit(
        tiny_text,
        "    weight: 1\n    targets: {trial: 1, live: 2}\n",
        f"    weight: 1\n    targets: {{trial: 1}}  {MARK}\n",
    )
    assert_reported(text, "no target for stage 'live'")


def test_unknown_tier_dimension(tiny_text):
    text = edit(
        tiny_text,
        "uplift: 1, dimensions: [B]}\n",
        f"uplift: 1, dimensions: [B, C]}}  {MARK}\n",
    )
    assert_reported(text, "unknown dimension 'C'")


def test_gate_on_unknown_question(tiny_text):
    text = edit(tiny_text, "questions: {B-1: 2}", f"questions: {{B-9: 2}}  {MARK}")
    assert_reported(text, "gate on unknown question 'B-9'")


def test_gate_on_unknown_dimension(tiny_text):
    text = edit(tiny_text, "dimensions: {A: 1}", f"dimensions: {{Z: 1}}  {MARK}")
    assert_reported(text, "gate on unknown dimension 'Z'")


A2_ACTION_2 = '          2: {action: chart alpha, effort: S, depends_on: ["B-1@2"]}\n'


def block_dependency(dependency: str) -> str:
    return (
        "          2:\n            action: chart alpha\n            effort: S\n"
        f"            depends_on:\n              - B-1@1\n              - {dependency!r}  {MARK}\n"
    )


def test_dependency_on_unknown_question(tiny_text):
    text = edit(tiny_text, A2_ACTION_2, block_dependency("C-1@2"))
    assert_reported(text, "depends on unknown question 'C-1'")


@pytest.mark.parametrize("level", [4, 0, -1])
def test_dependency_on_a_level_off_the_scale(tiny_text, level):
    """Levels 1-3 can be reached on a 0-3 scale; 0 is where everyone starts."""
    text = edit(tiny_text, A2_ACTION_2, block_dependency(f"B-1@{level}"))
    assert_reported(text, f"depends on B-1 at level {level}, which is not a level that can be")


@pytest.mark.parametrize("dependency", ["B-1", "B-1@", "@2", "B-1@two", "B-1 2"])
def test_malformed_dependency(tiny_text, dependency):
    text = edit(tiny_text, A2_ACTION_2, block_dependency(dependency))
    assert_reported(text, "is not of the form QUESTION@LEVEL")


def test_dependency_cycle_across_questions(tiny_text):
    text = edit(
        tiny_text,
        "          3: {action: finish alpha, effort: S}\n",
        f'          3: {{action: finish alpha, effort: S, depends_on: ["B-1@3"]}}  {MARK}\n',
    )
    problem = assert_reported(text, "dependency cycle")
    assert "A-1@3" in problem.message and "B-1@3" in problem.message


def test_dependency_cycle_within_a_question(tiny_text):
    """Level 2 cannot need level 3 of the same question: level 3 needs level 2 first."""
    text = edit(
        tiny_text,
        "          2: {action: grow alpha, effort: L}\n",
        f'          2: {{action: grow alpha, effort: L, depends_on: ["A-1@3"]}}  {MARK}\n',
    )
    assert_reported(text, "dependency cycle: A-1@2 -> A-1@3 -> A-1@2")


def test_dependency_cycle_through_three_questions(tiny_text):
    text = edit(
        tiny_text,
        "          2: {action: grow alpha, effort: L}\n",
        f'          2: {{action: grow alpha, effort: L, depends_on: ["A-2@2"]}}  {MARK}\n',
    )
    text = edit(
        text,
        "          2: {action: grow beta, effort: L}\n",
        '          2: {action: grow beta, effort: L, depends_on: ["A-1@2"]}\n',
    )
    problem = assert_reported(text, "dependency cycle")
    for step in ("A-1@2", "A-2@2", "B-1@2"):
        assert step in problem.message


def test_unknown_effort(tiny_text):
    text = edit(
        tiny_text,
        "          2: {action: grow alpha, effort: L}\n",
        f"          2: {{action: grow alpha, effort: XL}}  {MARK}\n",
    )
    assert_reported(text, "unknown effort 'XL' (efforts: S, L)")


def test_effort_points_not_positive(tiny_text):
    text = edit(
        tiny_text,
        "          3: {action: automate alpha, effort: 2}\n",
        f"          3: {{action: automate alpha, effort: 0}}  {MARK}\n",
    )
    assert_reported(text, "effort points must be greater than 0")


def test_missing_action_for_a_level(tiny_text):
    text = edit(
        tiny_text,
        "        actions:\n          1: {action: start alpha, effort: S}\n"
        "          2: {action: grow alpha, effort: L}\n",
        f"        actions:  {MARK}\n          1: {{action: start alpha, effort: S}}\n",
    )
    assert_reported(text, "no action for reaching level 2")


def test_missing_action_text(tiny_text):
    text = edit(
        tiny_text,
        "          2: {action: grow alpha, effort: L}\n",
        f"          2: {{effort: L}}  {MARK}\n",
    )
    assert_reported(text, "missing required key 'action'")


def test_question_without_any_actions(tiny_text):
    """A model without actions still validates; the roadmap says what level to reach in
    the question's own words (see test_models.py)."""
    text = tiny_text[: tiny_text.index("        actions:\n          1: {action: start beta")]
    rubric = parse_rubric(text)
    assert rubric.question("B-1").actions == {}
    assert rubric.action("B-1", 2).action == "Is beta done?: reach “Most”"
    assert rubric.action("B-1", 2).effort == "S"  # the smallest effort


def test_action_for_the_bottom_level(tiny_text):
    """Nobody climbs to the lowest level, so an action for it is a mistake."""
    text = edit(
        tiny_text,
        "          1: {action: start alpha, effort: S}\n",
        f"          0: {{action: nothing, effort: S}}  {MARK}\n"
        "          1: {action: start alpha, effort: S}\n",
    )
    assert_reported(text, "action for level 0: actions are for levels 1-3")


def test_yes_no_as_text_explains_the_quotes(tiny_text):
    text = edit(tiny_text, "        text: Is beta done?\n", f"        text: yes  {MARK}\n")
    assert_reported(text, "YAML reads yes/no/on/off as true/false, so put the text in quotes")


def test_every_problem_is_listed_in_line_order(tiny_text):
    text = edit(tiny_text, "        weight: 3\n", "        weight: 0\n")
    text = edit(text, "dimensions: [B]}", "dimensions: [C]}")
    text = edit(
        text, "          2: {action: grow alpha, effort: L}\n", "          2: {effort: L}\n"
    )
    problems = problems_in(text)
    assert [p.line for p in problems] == [15, 35, 39]
    assert len(problems) == 3
    with pytest.raises(RubricError) as info:
        parse_rubric(text, FILE)
    assert str(info.value).splitlines() == [str(p) for p in problems]


@pytest.mark.parametrize(
    "text", ["", "- just\n- a list\n", "just text\n"], ids=["empty", "list", "scalar"]
)
def test_not_a_mapping(text):
    (problem,) = problems_in(text)
    assert (problem.line, problem.message.startswith("a rubric must be a mapping")) == (1, True)


def test_unreadable_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    (problem,) = validate_file(missing)
    assert problem.file == str(missing) and problem.line == 1
    assert "cannot read the file" in problem.message
    with pytest.raises(RubricError):
        load_rubric(missing)


def test_validate_file_is_empty_for_a_valid_rubric(tiny_path, default_rubric_path):
    assert validate_file(tiny_path) == []
    assert validate_file(default_rubric_path) == []


# ---------------------------------------------------------------------------------
# Five problems in a copy of the default rubric
# ---------------------------------------------------------------------------------


def break_default(text: str) -> tuple[str, list[tuple[int, str]]]:
    """Plant five different problems; return the text and (line, fragment) expected."""
    lines = text.splitlines(keepends=True)
    expected = []

    def plant(find: str, old: str, new: str, fragment: str, after: str | None = None) -> None:
        start = 0
        if after is not None:
            start = next(i for i, line in enumerate(lines) if after in line)
        index = next(i for i in range(start, len(lines)) if find in lines[i])
        assert old in lines[index]
        lines[index] = lines[index].replace(old, new, 1)
        expected.append((index + 1, fragment))

    # 1. a question weight of zero (MON-1)
    plant("weight: 1.5", "weight: 1.5", "weight: 0", "weight must be greater than 0", "- id: MON-1")
    # 2. an unknown key on MON-2 (a typo)
    plant("why:", "why:", "whyy:", "unknown key 'whyy'", "- id: MON-2")
    # 3. a dimension target outside the 1-5 scale (DATA)
    plant("targets:", "scale: 4}", "scale: 6}", "target 6 is outside the scale 1-5", "- id: DATA")
    # 4. a dependency on a question that does not exist (COST-1 level 3)
    plant("depends_on: [MON-1@3]", "MON-1@3", "MON-9@3", "unknown question 'MON-9'", "- id: COST-1")
    # 5. an effort that is not defined (GOV-5)
    plant("effort: L", "effort: L", "effort: XXL", "unknown effort 'XXL'", "- id: GOV-5")
    # 6. a gate for a stage that does not exist
    plant("  pilot:", "pilot:", "pliot:", "unknown stage 'pliot'", "gates:")
    assert len({line for line, _ in expected}) == len(expected)
    return "".join(lines), expected


def test_default_rubric_with_five_problems(default_text, tmp_path, run_cli):
    text, expected = break_default(default_text)
    path = tmp_path / "genai-broken.yaml"
    path.write_text(text, encoding="utf-8")

    problems = validate_file(path)
    assert len(problems) >= 5
    for line, fragment in expected:
        assert any(p.line == line and fragment in p.message for p in problems), (
            f"{path}:{line}: ...{fragment}... not reported; got:\n" + "\n".join(map(str, problems))
        )

    code, out, err = run_cli("validate", path)
    assert code == 1
    printed = out.splitlines()
    assert printed == [str(p) for p in problems]
    pattern = re.compile(rf"^{re.escape(str(path))}:(\d+): \S.*$")
    assert all(pattern.match(line) for line in printed), printed
    for line, fragment in expected:
        assert any(p.startswith(f"{path}:{line}: ") and fragment in p for p in printed)


def test_validate_in_a_subprocess_exits_1(default_text, tmp_path):
    text, expected = break_default(default_text)
    path = tmp_path / "genai-broken.yaml"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "groundwork.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    printed = done.stdout.splitlines()
    assert len(printed) >= 5
    for line, fragment in expected:
        assert any(p.startswith(f"{path}:{line}: ") and fragment in p for p in printed)


# ---------------------------------------------------------------------------------
# The published JSON Schema
# ---------------------------------------------------------------------------------


def test_published_schema_is_current():
    published = (REPO / "rubrics" / "rubric.schema.json").read_text(encoding="utf-8")
    assert published == json_schema(), (
        "rubrics/rubric.schema.json is out of date: run "
        "`groundwork schema > rubrics/rubric.schema.json` and commit the result"
    )


def test_schema_describes_the_rubric_format():
    schema = json.loads(json_schema())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "Groundwork rubric"
    assert {"id", "version", "title", "dimensions"} <= set(schema["required"])
    assert schema["additionalProperties"] is False
    question = schema["$defs"]["Question"]
    assert {"id", "text"} <= set(question["required"])


def test_effort_size_points_must_be_positive(tiny_text):
    text = edit(tiny_text, "efforts: {S: 1, L: 3}\n", f"efforts: {{S: 0, L: 3}}  {MARK}\n")
    assert_reported(text, "greater than 0")


def test_a_rubric_needs_at_least_one_tier(tiny_text):
    old = "tiers:\n  - {id: low, title: Low, uplift: 0}\n"
    old += "  - {id: high, title: High, uplift: 1, dimensions: [B]}\n"
    text = edit(tiny_text, old, f"tiers: []  {MARK}\n")
    assert_reported(text, "tiers", alone=False)


def test_an_impossible_date_is_reported_at_its_line():
    text = (
        'id: x\nversion: "1"\ntitle: X\nreferences:\n'
        "  - {id: r, title: R, checked: 2026-02-30}\n"
        "dimensions: []\n"
    )
    (problem,) = problems_in(text)
    assert problem.line == 5 and "day is out of range" in problem.message


def test_a_one_level_scale_is_an_error_not_a_crash(tiny_text):
    start = tiny_text.index("scale:\n")
    end = tiny_text.index("stages:\n")
    text = tiny_text[:start] + "scale:\n  - {level: 0, label: None}\n" + tiny_text[end:]
    assert any("at least 2" in p.message for p in problems_in(text))


def test_anchors_and_aliases_are_refused_before_they_can_expand():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n"
        for i in range(8)
    )
    (problem,) = problems_in(bomb)
    assert problem.line == 2 and "aliases" in problem.message
    (problem,) = problems_in("id: &a [*a]\n")
    assert "aliases" in problem.message


def test_a_question_without_an_id_is_reported_not_a_crash(tiny_text):
    text = edit(tiny_text, "      - id: A-2\n", f"      - {MARK}\n")
    text = text.replace(f"      - {MARK}\n        text:", f"      -  # {MARK[2:]}\n        text:")
    assert any("missing required key 'id'" in p.message for p in problems_in(text))
