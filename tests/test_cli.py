"""The ``groundwork`` command: exit codes, messages and the documented JSON documents."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import pytest

from groundwork.rubric import json_schema

SCORE_KEYS = {"rubric", "stage", "tier", "overall", "verdict", "dimensions", "questions"}
RUBRIC_KEYS = {"id", "version", "sha256"}
OVERALL_KEYS = {"score", "target", "gap", "readiness"}
VERDICT_KEYS = {"stage", "pass", "blockers"}
BLOCKER_KEYS = {"question", "level", "required", "reason"}  # at least these
DIMENSION_KEYS = {
    "id",
    "title",
    "score",
    "target",
    "gap",
    "weighted_gap",
    "answered",
    "na",
    "unknown",
}
QUESTION_KEYS = {"id", "dimension", "answer", "level", "target", "gap", "weighted_gap"}
WAVE_KEYS = {"number", "name", "start", "end", "items"}
ITEM_KEYS = {
    "id",
    "question",
    "dimension",
    "from_level",
    "to_level",
    "action",
    "effort",
    "depends_on",
    "blocker",
}
LOCATED = re.compile(r"^(?P<file>.+):(?P<line>\d+): (?P<message>\S.*)$")


@pytest.fixture(params=["pilot", "near-production"])
def example(request, pilot_answers_path, near_production_answers_path):
    return pilot_answers_path if request.param == "pilot" else near_production_answers_path


# ---------------------------------------------------------------------------------
# validate
# ---------------------------------------------------------------------------------


def test_validate_a_valid_rubric(run_cli, default_rubric_path, tiny_path):
    code, out, err = run_cli("validate", default_rubric_path)
    assert code == 0 and err == ""
    assert out.strip() == (
        f"{default_rubric_path}: valid — genai-production 2.0.0: 6 dimensions, "
        "32 questions, scale 1-5"
    )
    code, out, _ = run_cli("validate", tiny_path)
    assert code == 0 and out.rstrip().endswith("2 dimensions, 3 questions, scale 0-3")


def test_validate_a_broken_rubric(run_cli, tiny_text, tmp_path):
    path = tmp_path / "tiny-broken.yaml"
    path.write_text(
        tiny_text.replace("        weight: 3\n", "        weight: 0\n").replace(
            "effort: L}\n          3: {action: finish beta", "effort: XL}\n          3: {action: x"
        ),
        encoding="utf-8",
    )
    code, out, err = run_cli("validate", path)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2
    parsed = [LOCATED.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m["file"], int(m["line"])) for m in parsed] == [(str(path), 39), (str(path), 56)]
    assert "weight must be greater than 0" in parsed[0]["message"]
    assert "unknown effort 'XL'" in parsed[1]["message"]


def test_validate_a_missing_file(run_cli, tmp_path):
    code, out, _ = run_cli("validate", tmp_path / "nope.yaml")
    assert code == 1
    assert out.startswith(f"{tmp_path / 'nope.yaml'}:1: cannot read the file")


def test_schema_command_prints_the_published_schema(run_cli):
    code, out, _ = run_cli("schema")
    assert code == 0 and out == json_schema()


# ---------------------------------------------------------------------------------
# score
# ---------------------------------------------------------------------------------


def score_json(run_cli, *args) -> dict:
    code, out, err = run_cli("score", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_score_json_has_exactly_the_documented_keys(run_cli, default_rubric_path, example):
    document = score_json(run_cli, default_rubric_path, example)
    assert set(document) == SCORE_KEYS
    assert set(document["rubric"]) == RUBRIC_KEYS
    assert set(document["overall"]) == OVERALL_KEYS
    assert set(document["verdict"]) == VERDICT_KEYS
    for blocker in document["verdict"]["blockers"]:
        assert set(blocker) >= BLOCKER_KEYS
    assert len(document["dimensions"]) == 6
    for dimension in document["dimensions"]:
        assert set(dimension) == DIMENSION_KEYS
    assert len(document["questions"]) == 32
    for question in document["questions"]:
        assert set(question) == QUESTION_KEYS


def test_score_json_identifies_the_rubric(run_cli, default_rubric_path, pilot_answers_path):
    document = score_json(run_cli, default_rubric_path, pilot_answers_path)
    digest = hashlib.sha256(default_rubric_path.read_bytes()).hexdigest()
    assert document["rubric"] == {"id": "genai-production", "version": "2.0.0", "sha256": digest}
    assert (document["stage"], document["tier"]) == ("production", "minimal")  # the defaults


def test_score_json_for_the_pilot(run_cli, default_rubric_path, pilot_answers_path):
    document = score_json(run_cli, default_rubric_path, pilot_answers_path)
    verdict = document["verdict"]
    assert verdict["stage"] == "production" and verdict["pass"] is False
    blocked = {b["question"] for b in verdict["blockers"]}
    assert {"MON-1", "MON-2", "DATA-4", "HUM-3", "ORG-2", "ORG-4", "GOV-1", "GOV-2"} <= blocked
    assert None in blocked  # dimension floors too
    cost = next(d for d in document["dimensions"] if d["id"] == "COST")
    assert (cost["answered"], cost["na"], cost["unknown"]) == (3, 1, 0)
    assert cost["score"] == round((2 + 2 + 1) / 3, 2)
    questions = {q["id"]: q for q in document["questions"]}
    assert questions["COST-4"]["answer"] == "na" and questions["COST-4"]["level"] is None
    assert questions["HUM-4"]["answer"] == "unknown" and questions["HUM-4"]["gap"] is None
    assert questions["MON-1"] == {
        "id": "MON-1",
        "dimension": "MON",
        "answer": 2,
        "level": 2,
        "target": 3,
        "gap": 1,
        "weighted_gap": 1.5,
    }
    assert 0 < document["overall"]["readiness"] < 1


def test_score_json_for_near_production(run_cli, default_rubric_path, near_production_answers_path):
    document = score_json(run_cli, default_rubric_path, near_production_answers_path)
    assert document["verdict"]["pass"] is False
    (blocker,) = document["verdict"]["blockers"]
    assert (blocker["question"], blocker["level"], blocker["required"]) == ("ORG-2", 2, 3)
    assert (
        blocker["reason"] == "ORG-2 is at level 2, below the floor of 3 set by the production gate"
    )
    assert blocker["rule"] == "stage floor"


def test_score_stage_and_tier_options(run_cli, tiny_path, tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n  A-1: 1\n  A-2: 2\n  B-1: 3\n", encoding="utf-8")
    document = score_json(run_cli, tiny_path, answers, "--stage", "live", "--tier", "high")
    assert (document["stage"], document["tier"]) == ("live", "high")
    assert document["overall"] == {"score": 2.17, "target": 2.83, "gap": 0.67, "readiness": 0.68}
    default = score_json(run_cli, tiny_path, answers)
    assert (default["stage"], default["tier"]) == ("live", "low")  # last stage, first tier


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--stage", "production", "unknown stage 'production' (choose from trial, live)"),
        ("--tier", "extreme", "unknown tier 'extreme' (choose from low, high)"),
    ],
)
def test_score_unknown_stage_or_tier(run_cli, tiny_path, tmp_path, option, value, message):
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n  A-1: 1\n", encoding="utf-8")
    code, out, err = run_cli("score", tiny_path, answers, option, value)
    assert code == 1 and out == ""
    assert message in err


def test_score_table(run_cli, default_rubric_path, pilot_answers_path):
    code, out, _ = run_cli("score", default_rubric_path, pilot_answers_path)
    assert code == 0
    assert "Target stage: production   Risk tier: minimal" in out
    assert "Verdict: NOT READY for production" in out
    assert "  - ORG-2 is at level 1, below the floor of 3" in out
    assert re.search(r"^Readiness: \d+%$", out, re.MULTILINE)


def test_score_table_ready(run_cli, tiny_path, tmp_path):
    answers = tmp_path / "a.csv"
    answers.write_text("question,answer\nA-1,2\nA-2,3\nB-1,2\n", encoding="utf-8")
    code, out, _ = run_cli("score", tiny_path, answers)
    assert code == 0 and "Verdict: READY for live: every floor is met." in out


@pytest.mark.parametrize("command", ["score", "roadmap"])
def test_bad_answers_file_names_the_bad_id(run_cli, default_rubric_path, tmp_path, command):
    answers = tmp_path / "bad.yaml"
    answers.write_text("answers:\n  MON-1: 2\n  MON-99: 3\n  DATA-1: 7\n", encoding="utf-8")
    code, out, err = run_cli(command, default_rubric_path, answers)
    assert code == 1 and out == ""
    assert err.startswith("groundwork: ")
    assert "unknown question id 'MON-99'" in err
    assert "DATA-1: 7 is not a level on the scale 1-5" in err
    assert "Traceback" not in err


def test_bad_answers_csv_names_the_line(run_cli, default_rubric_path, tmp_path):
    answers = tmp_path / "bad.csv"
    answers.write_text("question,answer\nMON-1,2\nMON-1,3\nNOPE-1,1\n", encoding="utf-8")
    code, _, err = run_cli("score", default_rubric_path, answers)
    assert code == 1
    assert f"{answers}:3: MON-1: MON-1 is answered twice" in err
    assert f"{answers}:4: NOPE-1: unknown question id 'NOPE-1'" in err


def test_score_with_a_broken_rubric(run_cli, tiny_text, tmp_path):
    rubric = tmp_path / "r.yaml"
    rubric.write_text(tiny_text.replace("        weight: 3\n", "        weight: 0\n"), "utf-8")
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n  A-1: 1\n", encoding="utf-8")
    code, _, err = run_cli("score", rubric, answers)
    assert code == 1
    assert f"{rubric}:39: " in err and "weight must be greater than 0" in err


def test_missing_answers_file(run_cli, tiny_path, tmp_path):
    code, _, err = run_cli("score", tiny_path, tmp_path / "none.yaml")
    assert code == 1 and "cannot read the file" in err


# ---------------------------------------------------------------------------------
# roadmap
# ---------------------------------------------------------------------------------


def roadmap_json(run_cli, *args) -> dict:
    code, out, err = run_cli("roadmap", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_roadmap_json_has_the_documented_keys(run_cli, default_rubric_path, example):
    document = roadmap_json(run_cli, default_rubric_path, example, "--start", "2027-01-04")
    assert document["waves"]
    for wave in document["waves"]:
        assert set(wave) == WAVE_KEYS
        assert wave["items"]
        for item in wave["items"]:
            assert set(item) >= ITEM_KEYS
            assert isinstance(item["depends_on"], list)
            assert isinstance(item["blocker"], bool)
    assert document["waves"][0]["start"] == "2027-01-04"
    assert document["waves"][0]["items"][0]["blocker"] is True  # both examples are blocked


def test_roadmap_json_for_near_production(
    run_cli, default_rubric_path, near_production_answers_path
):
    document = roadmap_json(
        run_cli, default_rubric_path, near_production_answers_path, "--start", "2027-01-04"
    )
    first = document["waves"][0]
    assert (first["number"], first["name"], first["start"], first["end"]) == (
        1,
        "Clear the gate",
        "2027-01-04",
        "2027-04-03",
    )
    (item,) = first["items"]
    assert {k: item[k] for k in ITEM_KEYS} == {
        "id": "ORG-2@3",
        "question": "ORG-2",
        "dimension": "ORG",
        "from_level": 2,
        "to_level": 3,
        "action": (
            "Define AI incidents and severity levels, write runbooks, set up on-call and a "
            "route for reporting concerns, and keep an incident register."
        ),
        "effort": "M",
        "depends_on": [],
        "blocker": True,
    }
    assert [w["name"] for w in document["waves"]] == [
        "Clear the gate",
        "Reach the target",
        "Prepare for scale",
    ]


def test_roadmap_capacity_and_wave_length(run_cli, default_rubric_path, pilot_answers_path):
    document = roadmap_json(
        run_cli,
        default_rubric_path,
        pilot_answers_path,
        "--start",
        "2027-01-04",
        "--capacity",
        "6",
        "--wave-days",
        "30",
    )
    efforts = {"S": 1, "M": 2, "L": 4}
    for n, wave in enumerate(document["waves"]):
        points = sum(efforts[i["effort"]] for i in wave["items"])
        assert points <= 6 or len(wave["items"]) == 1
        start = dt.date(2027, 1, 4) + dt.timedelta(days=30 * n)
        assert wave["start"] == start.isoformat()
        assert wave["end"] == (start + dt.timedelta(days=29)).isoformat()
    items = [i for w in document["waves"] for i in w["items"]]
    assert {"HUM-4@assess", "GOV-4@assess"} <= {i["id"] for i in items}
    assert not any(i["question"] == "COST-4" for i in items)  # N/A


def test_roadmap_starts_today_by_default(run_cli, tiny_path, tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n  A-1: 0\n  A-2: 0\n  B-1: 0\n", encoding="utf-8")
    document = roadmap_json(run_cli, tiny_path, answers)
    assert document["waves"][0]["start"] == dt.date.today().isoformat()


def test_roadmap_text(run_cli, default_rubric_path, pilot_answers_path):
    code, out, _ = run_cli(
        "roadmap", default_rubric_path, pilot_answers_path, "--start", "2027-01-04"
    )
    assert code == 0
    assert out.startswith("Wave 1: Clear the gate  (2027-01-04 to 2027-04-03, ")
    assert "[blocker]" in out
    assert "(after ORG-2@2)" in out


def test_roadmap_nothing_to_do(run_cli, tiny_path, tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n  A-1: 3\n  A-2: 3\n  B-1: 3\n", encoding="utf-8")
    code, out, _ = run_cli("roadmap", tiny_path, answers)
    assert code == 0 and out.startswith("Nothing to do")


def test_roadmap_bad_start_date(run_cli, tiny_path, tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n  A-1: 0\n", encoding="utf-8")
    code, _, err = run_cli("roadmap", tiny_path, answers, "--start", "next monday")
    assert code == 1 and "next monday" in err


@pytest.mark.parametrize(("option", "value"), [("--capacity", "-1"), ("--wave-days", "0")])
def test_roadmap_rejects_numbers_out_of_range(run_cli, tiny_path, tmp_path, option, value):
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n  A-1: 0\n", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        run_cli("roadmap", tiny_path, answers, option, value)
    assert info.value.code == 2


def test_roadmap_capacity_zero_means_no_limit_as_in_the_app(run_cli, tiny_path, tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n  A-1: 0\n", encoding="utf-8")
    args = ("roadmap", tiny_path, answers, "--start", "2027-01-04", "--json")
    code, unlimited, _ = run_cli(*args)
    assert code == 0
    assert run_cli(*args, "--capacity", "0") == (0, unlimited, "")


def test_fail_on_blockers_gives_a_pipeline_an_exit_code(capsys):
    from pathlib import Path

    from groundwork.cli import NOT_READY, main

    root = Path(__file__).resolve().parents[1]
    rubric = str(root / "rubrics" / "genai-production.yaml")
    near = str(root / "examples" / "near-production.csv")  # one blocker for production
    pilot = str(root / "examples" / "pilot.yaml")  # untraced: blocked even at pilot
    assert main(["score", rubric, near, "--fail-on-blockers"]) == NOT_READY
    assert main(["score", rubric, pilot, "--stage", "pilot", "--fail-on-blockers"]) == NOT_READY
    assert main(["score", rubric, near]) == 0
    capsys.readouterr()


def test_export_into_a_missing_folder_or_with_a_logo_that_is_no_image_says_so(
    run_cli, tmp_path, monkeypatch
):
    from groundwork import demo

    monkeypatch.setenv("GROUNDWORK_DB", str(demo.reset(tmp_path / "demo.db")))
    for argv in (
        ["export", "--assessment", "1", str(tmp_path / "nowhere" / "x.xlsx")],
        ["export", "--portfolio", str(tmp_path / "nowhere" / "p.xlsx")],
        ["export", "--assessment", "1", str(tmp_path / "nowhere" / "x.json")],
    ):
        code, _, err = run_cli(*argv)
        assert code != 0 and "no folder" in err and "Traceback" not in err
    fake = tmp_path / "logo.png"
    fake.write_text("id: not an image")
    code, _, err = run_cli("export", "--assessment", "1", tmp_path / "r.xlsx", "--logo", fake)
    assert code != 0 and "not a readable PNG or JPEG" in err and "Traceback" not in err
    assert not (tmp_path / "r.xlsx").exists()
