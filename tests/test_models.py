"""Imported maturity models score as their own tools do: OWASP SAMM as the SAMM toolbox
(practice = sum over maturity levels of the mean of its two streams there; function =
mean of practices; overall = mean of functions; unanswered = 0; percent to target), DSOMM
as its app's heatmap (each sub-dimension x level cell = mean implementation progress).
Expected figures are worked by hand from those published rules."""

from __future__ import annotations

import io
import zipfile

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from model_fixtures import write_dsomm, write_samm
from strategies import PROPERTY

from groundwork.cli import main
from groundwork.models import ModelError
from groundwork.models.dsomm import import_dsomm
from groundwork.models.files import files_from_dir, files_from_zip
from groundwork.models.samm import import_samm
from groundwork.roadmap import build_roadmap
from groundwork.rubric import RubricError, parse_rubric
from groundwork.scoring import UNKNOWN, score

# The SAMM documentation's Secure Build example: A-1 "some" (0.25), B-1 "most" (1), the
# rest No; Secure Deployment: A 1, 1, 0.5 and B unanswered, 0.25, unanswered.
SAMM_ANSWERS = {
    "I-SB-A-1": 1,
    "I-SB-A-2": 0,
    "I-SB-A-3": 0,
    "I-SB-B-1": 3,
    "I-SB-B-2": 0,
    "I-SB-B-3": 0,
    "I-SD-A-1": 3,
    "I-SD-A-2": 3,
    "I-SD-A-3": 2,
    "I-SD-B-2": 1,
}
# the example's target posture: most (1), B-1 most, B-2 half (0.5), rest 0
SAMM_TARGETS = {"I-SB-A-1": 3, "I-SB-A-2": 3, "I-SB-B-1": 3, "I-SB-B-2": 2}


@pytest.fixture(scope="module")
def samm(tmp_path_factory):
    folder = write_samm(tmp_path_factory.mktemp("samm"))
    return import_samm(files_from_dir(folder))


@pytest.fixture(scope="module")
def samm_rubric(samm):
    return parse_rubric(samm.to_yaml())


def with_targets(imported, targets):
    """The imported rubric with a target posture: every activity's target, 0 unless given."""
    data = yaml.safe_load(imported.to_yaml())
    for d in data["dimensions"]:
        for q in d["questions"]:
            q["targets"] = {"target": targets.get(q["id"], 0)}
    return parse_rubric(yaml.safe_dump(data, sort_keys=False))


def test_samm_practice_function_and_overall_scores_match_the_toolbox(samm_rubric):
    card = score(samm_rubric, SAMM_ANSWERS, "target", "standard")
    sb, sd, sm = (card.dimension(d) for d in ("I-SB", "I-SD", "G-SM"))
    # Secure Build: (0.25 + 1)/2 + (0 + 0)/2 + (0 + 0)/2, as the documentation works it
    assert sb.score == pytest.approx(0.625)
    assert sb.groups == pytest.approx({"A": 0.25, "B": 1.0})  # stream = sum of activities
    # Secure Deployment: (1 + 0)/2 + (1 + 0.25)/2 + (0.5 + 0)/2, unanswered counted as 0
    assert sd.score == pytest.approx(1.375)
    assert sd.groups == pytest.approx({"A": 2.5, "B": 0.25})
    assert sm.score == 0  # nothing answered is 0, not "no score"
    functions = {p.id: p.score for p in card.parents}
    assert functions == pytest.approx({"I": 1.0, "G": 0.0})
    assert card.score == pytest.approx(0.5)


def test_samm_percent_to_target_matches_the_documentation(samm):
    rubric = with_targets(samm, SAMM_TARGETS)
    card = score(rubric, SAMM_ANSWERS, "target", "standard")
    # AbsoluteGap = 0.75 + 1 + 0.5 = 2.25; AbsoluteTarget = 3.5; 1 - 2.25/3.5 = 0.357
    assert card.readiness == pytest.approx(1 - 2.25 / 3.5)
    assert card.dimension("I-SB").target == pytest.approx(1.75)  # (2 + 1.5) / 2
    # a quarter later: A-1 most and A-2 half: CurrentScore = (1.5 + 1) / 2 = 1.25
    later = score(rubric, {**SAMM_ANSWERS, "I-SB-A-1": 3, "I-SB-A-2": 2}, "target", "standard")
    assert later.dimension("I-SB").score == pytest.approx(1.25)


def test_samm_import_keeps_the_models_words(samm, samm_rubric):
    q = samm_rubric.question("I-SB-A-1")
    assert q.title == "Activity I-SB-A-1"
    assert q.text == "Do you do I-SB-A-1?"
    assert "I-SB-A-1 in full." in q.description
    assert q.why == "Benefit of I-SB-A-1"
    assert q.quality == ["I-SB-A-1 is written down", "I-SB-A-1 is reviewed"]
    assert samm_rubric.label(2, q) == "Yes, for at least half"
    other = samm_rubric.question("G-SM-A-1")
    assert samm_rubric.label(3, other) == "Yes, all teams"  # its own answer set
    assert samm_rubric.label(0, q) == "No"  # a bare YAML No is text, not false
    assert samm_rubric.question("I-SD-A-1").prerequisites == ["I-SB-A-1@1"]
    assert q.external_ids["samm_activity_uuid"] == "act-I-SB-A-1"
    dim = samm_rubric.dimension("I-SB")
    assert dim.objectives == {1: "Secure Build objective 1", 2: "Secure Build objective 2",
                              3: "Secure Build objective 3"}  # fmt: skip
    assert [g.title for g in dim.groups] == ["Build Process", "Software Dependencies"]
    assert [p.title for p in samm_rubric.parents] == ["Implementation", "Governance"]
    assert [s.value for s in samm_rubric.scale] == [0, 0.25, 0.5, 1]
    # what it could not carry is named, with how many values
    assert "SAMM.Activity.costs: 1 value" in samm.not_carried
    assert "SAMM.Practice.assignee: 3 values" in samm.not_carried
    assert "SAMM.Function.color: 2 values" in samm.not_carried


def test_a_model_without_actions_gets_a_roadmap_in_its_own_words(samm):
    rubric = with_targets(samm, SAMM_TARGETS)
    plan = build_roadmap(rubric, SAMM_ANSWERS, "target", "standard")
    steps = {i.id: i for i in plan.items}
    assert steps["I-SB-A-1@2"].action == "Activity I-SB-A-1: reach “Yes, for at least half”"
    assert set(steps) >= {"I-SB-A-1@2", "I-SB-A-1@3", "I-SB-A-2@1", "I-SB-B-2@2"}
    assert not any(k.startswith("I-SB-A-3") for k in steps)  # its target is 0
    assert "G-SM-A-1@1" not in steps  # target 0 in this posture
    # with no posture every target is the top; unanswered counts as No, so the roadmap
    # plans an unanswered activity from No, as its score counts it
    everything = build_roadmap(parse_rubric(samm.to_yaml()), {}, "target", "standard")
    assert {"G-SM-A-1@1", "G-SM-A-1@2", "G-SM-A-1@3"} <= {i.id for i in everything.items}


# ---------------------------------------------------------------------------------
# DSOMM

DSOMM_ANSWERS = {
    "defined-build": 3,  # fully implemented: 100%
    "pinned-artifacts": 1,  # started: 20%
    "signed-artifacts": 2,  # partly: 50%
    "reproducible-build": 3,
    "security-champions": 1,
}  # sbom and defined-deployment not answered


@pytest.fixture(scope="module")
def dsomm(tmp_path_factory):
    path = write_dsomm(tmp_path_factory.mktemp("dsomm"))
    return import_dsomm(path.read_text(encoding="utf-8"))


def test_dsomm_cells_are_the_mean_implementation_progress(dsomm):
    rubric = parse_rubric(dsomm.to_yaml())
    card = score(rubric, DSOMM_ANSWERS, "target", "standard")
    cells = {(d.id, g): v for d in card.dimensions for g, v in d.groups.items()}
    assert cells == pytest.approx(
        {
            ("build", "L1"): (1 + 0.2) / 2,
            ("build", "L2"): (0.5 + 0 + 1) / 3,  # the unanswered SBOM counts as not started
            ("deployment", "L1"): 0.0,
            ("education-and-guidance", "L1"): 0.2,
        }
    )
    assert {p.id: p.score for p in card.parents} == pytest.approx(
        {"build-and-deployment": (0.55 + 0) / 2, "culture-and-organization": 0.2}
    )


def test_dsomm_import_keeps_words_references_and_dependencies(dsomm):
    rubric = parse_rubric(dsomm.to_yaml())
    q = rubric.question("defined-build")
    assert q.text == "Defined build"
    assert q.why == "Builds differ."
    assert "Write the build down." in q.description and "Measure: Use a pipeline." in q.description
    assert "Tools: Jenkins" in q.description
    assert q.evidence == {3: "Show the pipeline."}
    assert q.crosswalk.entries() == {"samm2": ["I-SB-A-1"], "iso27001-2022": ["5.37", "8.32"]}
    assert rubric.question("signed-artifacts").prerequisites == [
        "defined-build@3",
        "pinned-artifacts@3",
    ]
    assert [s.label for s in rubric.scale][1:] == ["Started", "Partly implemented",
                                                   "Fully implemented"]  # fmt: skip
    assert rubric.version == "9.9.9"
    assert "DSOMM.activity.usefulness: 7 values" not in dsomm.not_carried  # 1 in the fixture
    assert "DSOMM.activity.usefulness: 1 value" in dsomm.not_carried
    # a prerequisite joins the roadmap before the step that needs it
    plan = build_roadmap(rubric, {"defined-build": 0, "pinned-artifacts": 0}, "target", "standard")
    steps = {i.id: i for i in plan.items}
    assert "defined-build@3" in steps["pinned-artifacts@1"].depends_on


# ---------------------------------------------------------------------------------
# Properties of the scoring rules themselves

answer_values = st.one_of(st.none(), st.sampled_from([0, 1, 2, 3, UNKNOWN]))


@settings(PROPERTY)
@given(st.lists(answer_values, min_size=18, max_size=18))
def test_sum_of_level_means_stays_within_0_and_the_number_of_levels(samm_rubric, drawn):
    ids = [q.id for q in samm_rubric.questions]
    answers = {qid: a for qid, a in zip(ids, drawn, strict=True) if a is not None}
    card = score(samm_rubric, answers, "target", "standard")
    for d in card.dimensions:
        assert 0 <= d.score <= 3
        assert all(0 <= v <= 3 for v in d.groups.values())
    assert 0 <= card.score <= 3


@settings(PROPERTY)
@given(st.lists(answer_values, min_size=18, max_size=18), st.integers(0, 17))
def test_an_unanswered_activity_counted_as_0_never_raises_a_score(samm_rubric, drawn, drop):
    ids = [q.id for q in samm_rubric.questions]
    answers = {qid: a for qid, a in zip(ids, drawn, strict=True) if a is not None}
    dropped = {k: v for k, v in answers.items() if k != ids[drop]}
    full = score(samm_rubric, answers, "target", "standard")
    less = score(samm_rubric, dropped, "target", "standard")
    for a, b in zip(full.dimensions, less.dimensions, strict=True):
        assert b.score <= a.score + 1e-12
    for a, b in zip(full.parents, less.parents, strict=True):
        assert b.score <= a.score + 1e-12
    assert less.score <= full.score + 1e-12


# ---------------------------------------------------------------------------------
# The format's new checks, and the command line


def _rubric_with(**changes: str) -> str:
    base = {
        "id": "m",
        "version": "1",
        "title": "M",
        "scale": [
            {"level": 0, "label": "No", "value": 0},
            {"level": 1, "label": "Yes", "value": 1},
        ],
        "parents": [{"id": "P", "title": "P"}],
        "dimensions": [
            {
                "id": "D",
                "title": "D",
                "parent": "P",
                "groups": [{"id": "a", "title": "A"}],
                "questions": [{"id": "Q", "text": "Q?", "group": "a", "labels": {0: "n", 1: "y"}}],
            }
        ],
    }
    text = yaml.safe_dump(base, sort_keys=False)
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    return text


def test_a_minimal_model_rubric_validates():
    rubric = parse_rubric(_rubric_with())
    assert rubric.question("Q").levels == {}
    assert score(rubric, {"Q": 1}, "production", "minimal").score == 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("group: a", "group: b", "unknown group 'b' (groups: a)"),
        ("parent: P", "parent: X", "unknown parent 'X' (parents: P)"),
        ("value: 0\n- level: 1", "value: 2\n- level: 1", "values must not fall as the level"),
        ("label: 'Yes'\n  value: 1", "label: 'Yes'", "every level needs a value"),
        ("labels:\n", "prerequisites: [Z@1]\n    labels:\n", "depends on unknown question 'Z'"),
        ("      0: n\n      1: y", "      0: n", "missing description for level 1"),
    ],
)  # fmt: skip
def test_new_fields_get_located_errors(old, new, message):
    text = _rubric_with(**{old: new})
    with pytest.raises(RubricError) as info:
        parse_rubric(text)
    assert any(message in p.message for p in info.value.problems), info.value


def test_sum_of_level_means_needs_every_question_s_maturity():
    text = _rubric_with(
        **{"dimensions:\n": "scoring: {dimensions: sum-of-level-means}\ndimensions:\n"}
    )
    with pytest.raises(RubricError, match="no maturity"):
        parse_rubric(text)


def test_import_model_command_writes_a_valid_rubric(tmp_path, capsys):
    folder = write_samm(tmp_path / "core")
    out = tmp_path / "samm.yaml"
    assert main(["import-model", "samm", str(folder), str(out)]) == 0
    said = capsys.readouterr().out
    assert "3 dimensions, 18 questions" in said and "SAMM.Activity.costs: 1 value" in said
    assert main(["validate", str(out)]) == 0
    dsomm_out = tmp_path / "dsomm.yaml"
    assert main(["import-model", "dsomm", str(write_dsomm(tmp_path)), str(dsomm_out)]) == 0
    assert "3 dimensions, 7 questions" in capsys.readouterr().out
    assert main(["import-model", "dsomm", str(folder), str(dsomm_out)]) == 1  # a folder


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_a_samm_zip_imports_as_the_folder_does(tmp_path):
    folder = write_samm(tmp_path)
    members = {
        f"core-main/{p.relative_to(tmp_path).as_posix()}": p.read_bytes()
        for p in folder.rglob("*.yml")
    }
    from_zip = import_samm(files_from_zip(_zip(members)))
    assert from_zip.rubric == import_samm(files_from_dir(folder)).rubric


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"../evil.yml": b"type: Stream"}, "outside the zip"),
        ({"/etc/evil.yml": b"type: Stream"}, "outside the zip"),
        ({f"m/{i}.yml": b"" for i in range(2001)}, "more than 2000 members"),
        ({"m/big.yml": b"#" * 1_000_001}, "too large"),
    ],
    ids=["climbs-out", "absolute", "too-many", "too-large"],
)
def test_a_zip_is_refused_when_it_is_not_a_plain_model_folder(members, message):
    with pytest.raises(ModelError, match=message):
        files_from_zip(_zip(members))


def test_a_folder_that_is_not_samm_says_so(tmp_path):
    (tmp_path / "x.yml").write_text("type: Something\n")
    with pytest.raises(ModelError, match="no SAMM Function files"):
        import_samm(files_from_dir(tmp_path))


# ---------------------------------------------------------------------------------
# The rest of the product works for an imported model


def test_questionnaire_dropdowns_offer_each_question_s_own_answers(samm_rubric):
    from openpyxl import load_workbook

    from groundwork.excel import questionnaire_workbook, read_questionnaire
    from groundwork.scoring import Answer

    data = questionnaire_workbook(samm_rubric, {"I-SB-A-1": Answer(1)})
    wb = load_workbook(io.BytesIO(data))
    sheet = wb["Questionnaire"]
    header = [c.value for c in sheet[1]]
    answer_col = header.index("Your answer") + 1
    rows = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    assert sheet.cell(rows["I-SB-A-1"], answer_col).value == "1 · Yes, for some applications"
    lists = wb["Lists"]
    offered = {
        tuple(lists.cell(i, c).value for i in range(1, 7)) for c in range(3, lists.max_column + 1)
    }
    assert ("0 · No", "1 · Yes, some teams", "2 · Yes, half of the teams", "3 · Yes, all teams",
            "N/A", "Don't know") in offered  # fmt: skip
    formulas = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert {"GW_Levels_1", "GW_Levels_2"} <= formulas
    sheet.cell(rows["G-SM-B-2"], answer_col, "2 · Yes, half of the teams")
    out = io.BytesIO()
    wb.save(out)
    read = read_questionnaire(out.getvalue(), samm_rubric)
    assert read.answers["G-SM-B-2"].value == 2
    assert read.answers["I-SB-A-1"].value == 1


def test_an_imported_model_goes_through_rounds_exports_and_history(samm_rubric, tmp_path):
    from groundwork import interchange, reports
    from groundwork.excel import export_workbook
    from groundwork.scoring import Answer
    from groundwork.store import open_store

    with open_store(tmp_path / "g.db") as s:
        org = s.create_organisation("Acme")
        scope = s.create_scope(org, "system", "Payments")
        aid = s.create_assessment(scope, samm_rubric, "target", "standard")
        for qid, level in SAMM_ANSWERS.items():
            s.save_answer(aid, qid, Answer(level))
        s.finalise(aid)
        card = reports.load_round(s, aid).card
        assert card.score == pytest.approx(0.5)
        doc = interchange.export_json(s, aid)
        copy = interchange.import_json(s, doc, s.create_scope(org, "system", "Copy"))
        assert reports.load_round(s, copy).card.to_dict() == card.to_dict()
        assert "parents" in card.to_dict() and card.to_dict()["parents"][0]["score"] == 1.0
        assert export_workbook(s, aid)[:2] == b"PK"
        summary = s.summaries([aid])[aid]  # what history and the portfolio read
        assert summary["score"] == pytest.approx(0.5)
        assert summary["dimensions"]["I-SB"] == pytest.approx(0.625)


def test_the_default_rubric_declares_nothing_new_and_reports_as_before():
    """Its scores, verdicts and exports are compared with the recorded ones in
    test_golden.py and test_workbook_golden.py; here: its JSON has exactly the keys it had."""
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric

    rubric = load_rubric(DEFAULT_RUBRIC)
    assert not rubric.has_values and not rubric.parents
    assert all(not d.groups for d in rubric.dimensions)
    doc = score(rubric, {q.id: 3 for q in rubric.questions}, "production", "high").to_dict()
    assert set(doc) == {"rubric", "stage", "tier", "overall", "verdict", "dimensions", "questions"}
    assert set(doc["dimensions"][0]) == {
        "id", "title", "score", "target", "gap", "weighted_gap", "answered", "na", "unknown",
    }  # fmt: skip
    assert set(doc["questions"][0]) == {
        "id", "dimension", "answer", "level", "target", "gap", "weighted_gap",
    }  # fmt: skip


def test_imported_rubrics_satisfy_the_published_schema(samm, dsomm):
    import json

    import jsonschema

    from groundwork.rubric import json_schema

    schema = json.loads(json_schema())
    for imported in (samm, dsomm):
        jsonschema.validate(json.loads(json.dumps(yaml.safe_load(imported.to_yaml()))), schema)


def test_score_range_is_what_a_dimension_can_score(samm_rubric, dsomm):
    from groundwork.scoring import score_range

    assert score_range(samm_rubric) == (0, 3)  # a practice: 3 levels of at most 1
    assert score_range(parse_rubric(dsomm.to_yaml())) == (0, 1)  # a mean of progress


def test_the_score_table_gives_an_ungated_model_no_verdict(samm_rubric):
    from groundwork.cli import _score_table

    table = _score_table(score(samm_rubric, SAMM_ANSWERS, "target", "standard"))
    assert "Verdict: none: the rubric sets no gate for target." in table
    assert "READY" not in table and "Percent to target: " in table
