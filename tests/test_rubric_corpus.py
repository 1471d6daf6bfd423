"""One truth for what a rubric may contain: ``groundwork validate`` and the published JSON
Schema agree on a corpus of broken rubrics; hostile rubrics get a located error within
bounded time and memory; and a rubric that validates never crashes what comes after."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import PROPERTY

from groundwork import excel
from groundwork.roadmap import build_roadmap
from groundwork.rubric import (
    MAX_RUBRIC_BYTES,
    MAX_YAML_NODES,
    RubricError,
    json_schema,
    parse_rubric,
    validate_file,
)
from groundwork.scoring import NA, UNKNOWN, Answer, score

DATA = Path(__file__).parent / "data"
BROKEN = sorted((DATA / "broken").glob("*.yaml"))
VALID = [
    DATA / "tiny.yaml",
    DATA / "genai-production-1.0.0.yaml",
    DATA.parent.parent / "rubrics" / "genai-production.yaml",
]
SCHEMA = json.loads(json_schema())


def schema_accepts(text: str) -> bool:
    """Whether the published schema accepts the YAML, read as the JSON it stands for (a
    value JSON cannot hold, such as .inf or .nan, is not a JSON document at all)."""
    try:
        data = yaml.safe_load(text)
        as_json = json.loads(json.dumps(data, allow_nan=False, default=lambda d: d.isoformat()))
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):
        return False
    try:
        jsonschema.validate(as_json, SCHEMA)
    except jsonschema.ValidationError:
        return False
    return True


def test_the_corpus_covers_the_shapes_a_rubric_gets_wrong():
    assert len(BROKEN) >= 20


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_validate_and_the_schema_both_refuse_each_broken_rubric(path):
    text = path.read_text(encoding="utf-8")
    expected = re.match(r"# expect: (.+)", text)[1]
    problems = validate_file(path)
    assert any(expected in p.message for p in problems), "\n".join(map(str, problems))
    assert all(p.line >= 1 for p in problems)
    assert not schema_accepts(text), "the schema accepts what validate refuses"


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_validate_and_the_schema_both_accept_the_valid_rubrics(path):
    assert validate_file(path) == []
    assert schema_accepts(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------
# Hostile rubrics: a located error, bounded work
# ---------------------------------------------------------------------------------


def problems_of(text: str) -> list[str]:
    try:
        parse_rubric(text, "hostile.yaml")
    except RubricError as exc:
        return [str(p) for p in exc.problems]
    return []


def peak_mib(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_a_scale_with_a_huge_gap_is_refused_without_building_the_range(tiny_text):
    text = tiny_text.replace("{level: 3, label: All}", "{level: 100000001, label: All}")
    found: list[str] = []
    peak = peak_mib(lambda: found.extend(problems_of(text)))
    assert any("consecutive" in p for p in found)
    assert peak < 50


def test_a_scale_of_too_many_levels_is_refused(tiny_text):
    levels = "".join(f"  - {{level: {i}, label: L{i}}}\n" for i in range(4, 40))
    text = tiny_text.replace(
        "  - {level: 3, label: All}\n", f"  - {{level: 3, label: All}}\n{levels}"
    )
    assert any("at most 11 levels" in p for p in problems_of(text))


def test_a_control_character_is_a_located_error(tiny_text):
    text = tiny_text.replace("Is beta done?", "Is beta\x07 done?")
    (problem,) = problems_of(text)
    line = tiny_text[: tiny_text.index("Is beta done?")].count("\n") + 1
    assert problem.startswith(f"hostile.yaml:{line}: character '\\x07' is not allowed")


def test_deep_nesting_is_a_located_error_not_a_crash(tiny_text):
    text = tiny_text + "extra: " + "[" * 5000 + "]" * 5000 + "\n"
    (problem,) = problems_of(text)
    assert "nested more than 32 levels deep" in problem


def test_too_many_values_are_refused(tiny_text):
    text = tiny_text + "extra: [" + ",".join(["1"] * (MAX_YAML_NODES + 1)) + "]\n"
    assert len(text) < MAX_RUBRIC_BYTES
    assert any("more than 100,000 values" in p for p in problems_of(text))


PEAK = """
import resource, sys
from groundwork.rubric import RubricError, parse_rubric
text = open(sys.argv[1], encoding="utf-8").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    parse_rubric(text)
except RubricError:
    pass
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


@pytest.mark.parametrize(
    "shape",
    [
        lambda n: "[" + ",".join(["1"] * n) + "]",  # a long list of tiny values
        lambda n: "{" + ",".join(f"k{i}: [a]" for i in range(n // 3)) + "}",  # small maps
    ],
    ids=["list", "mappings"],
)
def test_validating_any_rubric_under_a_megabyte_stays_under_200_mb(tiny_text, tmp_path, shape):
    text = tiny_text + "extra: " + shape(MAX_YAML_NODES - 1000) + "\n"
    assert len(text) < MAX_RUBRIC_BYTES
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-c", PEAK, str(path)], capture_output=True, text=True, check=True
    )
    assert float(out.stdout) < 200


def test_a_file_over_the_size_limit_is_refused_unread():
    (problem,) = problems_of("# " + "x" * MAX_RUBRIC_BYTES)
    assert "larger than" in problem


def test_a_long_text_is_refused_where_it_stands(tiny_text):
    text = tiny_text.replace("Is beta done?", "x" * 10_001)
    assert any(
        "B-1: text: string should have at most 10000 characters" in p for p in problems_of(text)
    )


def test_a_dependency_chain_of_thousands_of_steps_validates_without_exhausting_the_stack():
    n = 400  # 400 questions x 2 reachable levels: a chain of 800 steps
    questions = []
    for i in range(n):
        dep = f', depends_on: ["Q{i - 1}@2"]' if i else ""
        questions.append(
            f"""      - id: Q{i}
        text: step {i}
        levels: {{1: a, 2: b}}
        actions:
          2: {{action: do {i}, effort: S{dep}}}
"""
        )
    text = f"""id: chain
version: "1"
title: Chain
scale: [{{level: 1, label: One}}, {{level: 2, label: Two}}]
stages: [{{id: live, title: Live}}]
dimensions:
  - id: D
    title: Dim
    targets: {{live: 2}}
    questions:
{"".join(questions)}"""
    rubric = parse_rubric(text)
    roadmap = build_roadmap(rubric, {f"Q{i}": 1 for i in range(n)}, "live", rubric.tier_ids[0])
    assert len(roadmap.items) == n
    cyclic = text.replace(
        "action: do 0, effort: S}", f'action: do 0, effort: S, depends_on: ["Q{n - 1}@2"]}}'
    )
    (problem,) = problems_of(cyclic)
    assert "dependency cycle" in problem


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("questions: {A-1: 1}", "questions: [A-1]", "expected a mapping"),
        ("id: A-1\n", "id: [A-1]\n", "an id must be text"),
        ("dimensions: [B]", "dimensions: 7", "input should be a valid list"),
        ("targets: {live: 3}", "targets: [live]", "expected a mapping"),
        ('depends_on: ["B-1@2"]', "depends_on: {B-1: 2}", "input should be a valid list"),
    ],
)
def test_odd_shapes_are_located_errors_not_crashes(tiny_text, old, new, expected):
    assert old in tiny_text
    found = problems_of(tiny_text.replace(old, new, 1))
    assert any(expected in p for p in found), found


# ---------------------------------------------------------------------------------
# A rubric that validates never crashes scoring, the roadmap or the exports
# ---------------------------------------------------------------------------------

ids = st.sampled_from(["A", "B", "C"])


@st.composite
def rubric_texts(draw) -> str:
    lo = draw(st.integers(0, 3))
    n = draw(st.integers(2, 6))
    levels = list(range(lo, lo + n))
    stages = ["s1", "s2", "s3"][: draw(st.integers(1, 3))]
    level = st.sampled_from(levels)
    effort = st.one_of(st.sampled_from(["S", "M"]), st.integers(1, 5))
    weight = st.one_of(st.integers(1, 5), st.floats(0.01, 100, allow_nan=False))
    dims = []
    qids = []
    for d in range(draw(st.integers(1, 3))):
        qs = []
        for k in range(draw(st.integers(1, 3))):
            qid = f"D{d}-{k}"
            qids.append(qid)
            qs.append(
                {
                    "id": qid,
                    "text": draw(st.text(max_size=30)),
                    "weight": draw(weight),
                    "targets": {s: draw(level) for s in stages if draw(st.booleans())},
                    "levels": {lv: f"level {lv}" for lv in levels},
                    "evidence": {lv: "look" for lv in levels if draw(st.booleans())},
                    "actions": {
                        lv: {"action": f"reach {lv}", "effort": draw(effort)} for lv in levels[1:]
                    },
                }
            )
        dims.append(
            {
                "id": f"D{d}",
                "title": f"Dim {d}",
                "weight": draw(weight),
                "targets": {s: draw(level) for s in stages},
                "questions": qs,
            }
        )
    gates = {}
    for s in stages:
        if draw(st.booleans()):
            gates[s] = {
                "min_answered": draw(st.floats(0, 1)),
                "questions": {q: draw(level) for q in qids if draw(st.booleans())},
                "tiers": {"hi": {"questions": {q: draw(level) for q in qids[:1]}}},
            }
    data = {
        "id": "fuzz",
        "version": "1",
        "title": "Fuzz",
        "scale": [{"level": lv, "label": f"L{lv}"} for lv in levels],
        "stages": [{"id": s, "title": s} for s in stages],
        "tiers": [
            {"id": "lo", "title": "Low"},
            {"id": "hi", "title": "High", "uplift": draw(st.integers(0, 3)), "includes": ["lo"]},
        ],
        "efforts": {"S": 1, "M": 2},
        "gates": gates,
        "dimensions": dims,
    }
    return yaml.safe_dump(data, sort_keys=False)


@settings(PROPERTY, max_examples=40)
@given(text=rubric_texts(), data=st.data())
def test_a_rubric_that_validates_never_crashes_what_follows(text, data):
    try:
        rubric = parse_rubric(text)
    except RubricError:
        return  # refused with located problems: fine
    values = [*rubric.levels, NA, UNKNOWN, None]
    answers = {}
    for q in rubric.questions:
        v = data.draw(st.sampled_from(values))
        if v is not None:
            answers[q.id] = Answer(v, notes=data.draw(st.sampled_from(["", "why"])))
    stage = data.draw(st.sampled_from(rubric.stage_ids))
    for tier in rubric.tier_ids:
        card = score(rubric, answers, stage, tier)
        assert card.readiness is None or 0 <= card.readiness <= 1
        assert all(math.isfinite(d.target) for d in card.dimensions)
        json.dumps(card.to_dict(), allow_nan=False)
        build_roadmap(rubric, answers, stage, tier, start=dt.date(2027, 1, 4))
    if data.draw(st.integers(0, 9), label="also the questionnaire") == 0:
        excel.questionnaire_workbook(rubric)


# ---------------------------------------------------------------------------------
# libyaml reads stored rubrics faster, and reads them as the reference reader does
# ---------------------------------------------------------------------------------


def _both(text: str):
    """libyaml reads a text the reference accepts as the same rubric (or declines it)."""
    from groundwork.rubric import _parse, _parse_fast

    fast = _parse_fast(text)
    try:
        reference = _parse(text, "<rubric>")
    except RubricError:
        return None  # libyaml may accept it: it is only used for texts accepted before
    if fast is not None:
        assert fast == reference and fast.model_dump() == reference.model_dump()
    return reference


def test_libyaml_is_not_the_judge_of_a_new_text():
    """libyaml reads ``{1: a?b}``; the reference reader refuses it, and so does Groundwork."""
    text = (DATA / "tiny.yaml").read_text(encoding="utf-8")
    damaged = text.replace("1: a little,", "1: a littl?e,", 1)
    assert damaged != text
    with pytest.raises(RubricError, match="YAML syntax error"):
        parse_rubric(damaged)
    assert parse_rubric(text, validated=True) == parse_rubric(text)


@PROPERTY
@given(text=rubric_texts())
def test_libyaml_agrees_with_the_reference_on_generated_rubrics(text):
    _both(text)


@PROPERTY
@given(
    base=st.sampled_from(VALID),
    where=st.floats(0, 1),
    junk=st.text(
        alphabet=st.sampled_from(list(": -?[]{}#&*!|>'\"%@`,\t\r\n\\x\u00a0\u2028\x85\ufeff")),
        min_size=1,
        max_size=4,
    ),
)
def test_libyaml_agrees_with_the_reference_on_damaged_rubrics(base, where, junk):
    text = base.read_text(encoding="utf-8")
    at = int(where * len(text))
    _both(text[:at] + junk + text[at:])


def test_a_rubric_text_is_parsed_once_per_process(monkeypatch):
    from groundwork import rubric as rubric_module

    text = VALID[0].read_text(encoding="utf-8")
    first = parse_rubric(text, "one name")
    monkeypatch.setattr(rubric_module, "_parse_fast", lambda *a: pytest.fail("parsed again"))
    monkeypatch.setattr(rubric_module, "_parse", lambda *a: pytest.fail("parsed again"))
    assert parse_rubric(text, "another name") is first
