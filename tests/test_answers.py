"""Answer files (YAML short and long forms, CSV): read exactly, and every bad entry named."""

from __future__ import annotations

import pytest

from groundwork.answers import AnswersError, load_answers, parse_answers, parse_value
from groundwork.scoring import NA, UNKNOWN, Answer


def yaml_answers(text: str, rubric):
    return parse_answers(text, rubric, fmt="yaml", source="answers.yaml")


def csv_answers(text: str, rubric):
    return parse_answers(text, rubric, fmt="csv", source="answers.csv")


def problems(text: str, rubric, fmt: str) -> list[str]:
    with pytest.raises(AnswersError) as info:
        parse_answers(text, rubric, fmt=fmt, source=f"answers.{fmt}")
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


# ---------------------------------------------------------------------------------
# YAML
# ---------------------------------------------------------------------------------


def test_yaml_short_form(tiny_rubric):
    answers = yaml_answers("answers:\n  A-1: 2\n  A-2: na\n  B-1: unknown\n", tiny_rubric)
    assert answers == {"A-1": Answer(2), "A-2": Answer(NA), "B-1": Answer(UNKNOWN)}


def test_yaml_without_the_answers_key(tiny_rubric):
    assert yaml_answers("A-1: 0\nB-1: 3\n", tiny_rubric) == {"A-1": Answer(0), "B-1": Answer(3)}


def test_yaml_long_form(tiny_rubric):
    text = (
        "answers:\n"
        "  A-1: {level: 2, evidence: 'runbook v3', notes: checked, confidence: 4}\n"
        "  A-2:\n"
        "    answer: n/a\n"
        "    notes: not used here\n"
        "  B-1: {level: 1}\n"
    )
    assert yaml_answers(text, tiny_rubric) == {
        "A-1": Answer(2, confidence=4, evidence="runbook v3", notes="checked"),
        "A-2": Answer(NA, notes="not used here"),
        "B-1": Answer(1),
    }


def test_yaml_levels_as_text_or_whole_floats(tiny_rubric):
    answers = yaml_answers("A-1: '2'\nA-2: 3.0\nB-1: ' 1 '\n", tiny_rubric)
    assert {k: a.value for k, a in answers.items()} == {"A-1": 2, "A-2": 3, "B-1": 1}


def test_yaml_unknown_question_id_is_named(tiny_rubric):
    (problem,) = problems("answers:\n  A-1: 2\n  MON-1: 3\n", tiny_rubric, "yaml")
    assert "unknown question id 'MON-1'" in problem
    assert problem.startswith("answers.yaml")


@pytest.mark.parametrize("value", ["4", "-1", "2.5", "high", "''", "yes", "null"])
def test_yaml_level_off_the_scale_is_named(tiny_rubric, value):
    (problem,) = problems(f"answers:\n  A-1: 2\n  B-1: {value}\n", tiny_rubric, "yaml")
    assert "B-1" in problem
    assert "A-1" not in problem


def test_yaml_out_of_range_message_gives_the_scale(tiny_rubric):
    (problem,) = problems("answers:\n  B-1: 4\n", tiny_rubric, "yaml")
    assert problem == "answers.yaml: B-1: 4 is not a level on the scale 0-3, 'na' or 'unknown'"


def test_yaml_question_answered_twice(tiny_rubric):
    """YAML itself would silently keep the last of two keys; that loses an answer."""
    (problem,) = problems("answers:\n  A-1: 2\n  B-1: 1\n  A-1: 3\n", tiny_rubric, "yaml")
    assert problem == "answers.yaml:4: A-1 is answered twice"


def test_yaml_unknown_key_in_long_form(tiny_rubric):
    (problem,) = problems("answers:\n  A-1: {level: 2, colour: red}\n", tiny_rubric, "yaml")
    assert "A-1" in problem and "colour" in problem


def test_yaml_confidence_must_be_one_to_five(tiny_rubric):
    (problem,) = problems("answers:\n  A-1: {level: 2, confidence: 9}\n", tiny_rubric, "yaml")
    assert "A-1" in problem and "confidence 9" in problem


def test_yaml_every_problem_is_listed(tiny_rubric):
    found = problems("answers:\n  A-1: 7\n  Z-1: 1\n  B-1: maybe\n", tiny_rubric, "yaml")
    assert len(found) == 3
    assert ["A-1" in found[0], "Z-1" in found[1], "B-1" in found[2]] == [True, True, True]


@pytest.mark.parametrize(
    "text", ["answers: [1, 2]\n", "just text\n", "answers:\n"], ids=["list", "text", "empty"]
)
def test_yaml_that_is_not_a_mapping(tiny_rubric, text):
    (problem,) = problems(text, tiny_rubric, "yaml")
    assert "expected 'answers:'" in problem


def test_yaml_syntax_error(tiny_rubric):
    (problem,) = problems("answers:\n  A-1: [2\n", tiny_rubric, "yaml")
    assert "YAML syntax error" in problem


# ---------------------------------------------------------------------------------
# N/A and "don't know" spellings
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["na", "NA", "n/a", "N/A", " n/a ", "not applicable"])
def test_na_spellings(tiny_rubric, text):
    assert parse_value(text, tiny_rubric) == NA


@pytest.mark.parametrize(
    "text", ["unknown", "Unknown", "don't know", "Don't know", "dont know", "DK", "?"]
)
def test_dont_know_spellings(tiny_rubric, text):
    assert parse_value(text, tiny_rubric) == UNKNOWN


def test_spellings_in_yaml_and_csv(tiny_rubric):
    yaml_text = "answers:\n  A-1: n/a\n  A-2: don't know\n  B-1: '?'\n"
    csv_text = "question,answer\nA-1,N/A\nA-2,Don't know\nB-1,dk\n"
    expected = {"A-1": NA, "A-2": UNKNOWN, "B-1": UNKNOWN}
    assert {k: a.value for k, a in yaml_answers(yaml_text, tiny_rubric).items()} == expected
    assert {k: a.value for k, a in csv_answers(csv_text, tiny_rubric).items()} == expected


def test_levels_follow_the_rubric_scale(tiny_rubric, default_rubric):
    assert parse_value(0, tiny_rubric) == 0
    with pytest.raises(ValueError, match="scale 1-5"):
        parse_value(0, default_rubric)
    with pytest.raises(ValueError, match="scale 0-3"):
        parse_value(5, tiny_rubric)
    for bad in (True, None, 1.5):
        with pytest.raises(ValueError):
            parse_value(bad, tiny_rubric)


# ---------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------


def test_csv(tiny_rubric):
    text = (
        "question,answer,evidence,notes,confidence\n"
        "A-1,2,Runbook v3,,4\n"
        'A-2,n/a,,"not used, here",\n'
        "B-1,unknown,,,\n"
    )
    assert csv_answers(text, tiny_rubric) == {
        "A-1": Answer(2, confidence=4, evidence="Runbook v3"),
        "A-2": Answer(NA, notes="not used, here"),
        "B-1": Answer(UNKNOWN),
    }


def test_csv_header_is_forgiving_and_blank_rows_are_skipped(tiny_rubric):
    text = " Question , ANSWER \nA-1,2\n\n,\nB-1,3\n"
    assert csv_answers(text, tiny_rubric) == {"A-1": Answer(2), "B-1": Answer(3)}


def test_csv_needs_question_and_answer_columns(tiny_rubric):
    (problem,) = problems("id,level\nA-1,2\n", tiny_rubric, "csv")
    assert "header" in problem and "'question'" in problem and "'answer'" in problem


def test_csv_unknown_question_id_is_named_with_its_line(tiny_rubric):
    (problem,) = problems("question,answer\nA-1,2\nMON-1,3\n", tiny_rubric, "csv")
    assert problem == "answers.csv:3: MON-1: unknown question id 'MON-1'"


def test_csv_level_off_the_scale_is_named_with_its_line(tiny_rubric):
    (problem,) = problems("question,answer\nA-1,2\nB-1,4\n", tiny_rubric, "csv")
    assert problem == "answers.csv:3: B-1: 4 is not a level on the scale 0-3, 'na' or 'unknown'"


def test_csv_line_numbers_count_blank_lines(tiny_rubric):
    (problem,) = problems("question,answer\nA-1,2\n\n\nB-1,9\n", tiny_rubric, "csv")
    assert problem.startswith("answers.csv:5: B-1:")


def test_csv_duplicate_rows(tiny_rubric):
    (problem,) = problems("question,answer\nA-1,2\nB-1,1\nA-1,2\n", tiny_rubric, "csv")
    assert problem == "answers.csv:4: A-1: A-1 is answered twice"


def test_csv_every_problem_is_listed(tiny_rubric):
    found = problems("question,answer\nZ-9,1\nA-1,x\nA-1,1\nA-1,2\n", tiny_rubric, "csv")
    assert [p.split(":")[1] for p in found] == ["2", "3", "5"]
    assert "Z-9" in found[0] and "'x'" in found[1] and "answered twice" in found[2]


# ---------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------


def test_the_shipped_pilot_example(default_rubric, pilot_answers_path):
    answers = load_answers(pilot_answers_path, default_rubric)
    assert set(answers) == {q.id for q in default_rubric.questions}
    assert answers["COST-4"].value == NA
    assert answers["HUM-4"].value == UNKNOWN and answers["GOV-4"].value == UNKNOWN
    assert answers["MON-1"] == Answer(
        2, confidence=4, evidence="Prompts and responses logged to the app database"
    )


def test_the_shipped_near_production_example(default_rubric, near_production_answers_path):
    answers = load_answers(near_production_answers_path, default_rubric)
    assert set(answers) == {q.id for q in default_rubric.questions}
    assert answers["MON-1"].value == 4
    assert answers["MON-2"].notes == "Thresholds not yet signed off by the risk owner"
    assert answers["HUM-2"] == Answer(3)


def test_file_type_follows_the_suffix(tiny_rubric, tmp_path):
    csv_file = tmp_path / "round.CSV"
    csv_file.write_text("\ufeffquestion,answer\nA-1,2\n", encoding="utf-8")  # Excel's BOM
    assert load_answers(csv_file, tiny_rubric) == {"A-1": Answer(2)}
    yaml_file = tmp_path / "round.yml"
    yaml_file.write_text("answers:\n  A-1: 2\n", encoding="utf-8")
    assert load_answers(yaml_file, tiny_rubric) == {"A-1": Answer(2)}


def test_file_problems_name_the_file(tiny_rubric, tmp_path):
    path = tmp_path / "round.yaml"
    path.write_text("answers:\n  Q-7: 2\n", encoding="utf-8")
    with pytest.raises(AnswersError) as info:
        load_answers(path, tiny_rubric)
    assert info.value.problems == [f"{path}: Q-7: unknown question id 'Q-7'"]


def test_unreadable_file(tiny_rubric, tmp_path):
    with pytest.raises(AnswersError, match="cannot read the file"):
        load_answers(tmp_path / "missing.yaml", tiny_rubric)
    binary = tmp_path / "round.yaml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(AnswersError, match="cannot read the file"):
        load_answers(binary, tiny_rubric)


def test_a_filled_questionnaire_workbook_is_an_answers_file(tmp_path, default_rubric):
    from groundwork.answers import load_answers
    from groundwork.excel import questionnaire_workbook
    from groundwork.scoring import Answer

    typed = {"MON-1": Answer(3, evidence="traces"), "GOV-1": Answer("unknown")}
    path = tmp_path / "filled.xlsx"
    path.write_bytes(questionnaire_workbook(default_rubric, typed))
    assert load_answers(path, default_rubric) == typed
