"""Answer files (YAML, CSV or a filled questionnaire workbook) read into answers, with every
problem named.

YAML::

    answers:
      MON-1: 3
      DATA-2: na
      COST-1: unknown
      HUM-1: {level: 2, evidence: "runbook v3", notes: "...", confidence: 4}

CSV, with a header row: ``question,answer,evidence,notes`` (``confidence`` optional).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import yaml

from groundwork.limits import text_problem
from groundwork.rubric import InputError, Rubric, load_yaml
from groundwork.scoring import NA, UNKNOWN, Answer

NA_WORDS = {"na", "n/a", "not applicable"}
UNKNOWN_WORDS = {"unknown", "don't know", "dont know", "dk", "?"}
ANSWER_KEYS = {"level", "answer", "evidence", "notes", "confidence"}


class AnswersError(ValueError):
    """An answers file that cannot be used; ``problems`` lists everything wrong."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


LABELLED = re.compile(r"^(?P<level>-?\d+)\s*·")


def parse_value(raw: Any, rubric: Rubric) -> int | str:
    """A level on the rubric's scale, ``"na"`` or ``"unknown"``; ValueError otherwise."""
    if isinstance(raw, bool) or raw is None:
        raise ValueError(f"{raw!r} is not an answer")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in NA_WORDS:
            return NA
        if text in UNKNOWN_WORDS:
            return UNKNOWN
        numbered = LABELLED.match(text)  # "2 · Yes, for at least half", as a dropdown says
        if numbered:
            text = numbered["level"]
        if text.lstrip("-").isdigit():
            raw = int(text)
    if isinstance(raw, int) and raw in rubric.levels:
        return raw
    raise ValueError(
        f"{raw!r} is not a level on the scale {rubric.min_level}-{rubric.max_level}, "
        "'na' or 'unknown'"
    )


def _confidence(raw: Any) -> int | None:
    if raw in (None, ""):
        return None
    value = int(str(raw).strip())
    if not 1 <= value <= 5:
        raise ValueError(f"confidence {value} is not between 1 and 5")
    return value


def _text(raw: Any) -> str:
    return "" if raw is None else str(raw)


def _repeats(text: str) -> list[tuple[int, str]]:
    """Question ids given twice in a YAML answers mapping (YAML itself keeps only the last)."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "answers":
                node = value
                break
    if not isinstance(node, yaml.MappingNode):
        return []
    seen: set[str] = set()
    repeats = []
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode):
            if key.value in seen:
                repeats.append((key.start_mark.line + 1, key.value))
            seen.add(key.value)
    return repeats


def parse_answers(
    text: str, rubric: Rubric, *, fmt: str, source: str = "answers"
) -> dict[str, Answer]:
    """Parse an answers document; raise :class:`AnswersError` naming every bad entry."""
    rows: list[tuple[str, Any, dict[str, Any]]] = []
    problems: list[str] = []
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in reader.fieldnames or []]
        if "question" not in header or "answer" not in header:
            raise AnswersError([f"{source}: the CSV needs a header with 'question' and 'answer'"])
        for row in reader:
            n = reader.line_num  # the file's line, even after blank lines
            row = {(k or "").strip().lower(): v for k, v in row.items()}
            qid = (row.get("question") or "").strip()
            if not qid and not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            rows.append((f"{source}:{n}: {qid}", row.get("answer"), row | {"id": qid}))
    else:
        try:
            data = load_yaml(text)
        except InputError as exc:
            raise AnswersError([f"{source}:{exc.line}: {exc.message}"]) from None
        if isinstance(data, dict) and "answers" in data:
            data = data["answers"]
        if not isinstance(data, dict):
            raise AnswersError([f"{source}: expected 'answers:' mapping question ids to answers"])
        problems += [f"{source}:{line}: {qid} is answered twice" for line, qid in _repeats(text)]
        for qid, value in data.items():
            qid = str(qid)
            if isinstance(value, dict):
                extra = set(value) - ANSWER_KEYS
                if extra:
                    problems.append(f"{source}: {qid}: unknown key(s) {', '.join(sorted(extra))}")
                raw = value.get("level", value.get("answer"))
                rows.append((f"{source}: {qid}", raw, value | {"id": qid}))
            else:
                rows.append((f"{source}: {qid}", value, {"id": qid}))

    known = {q.id for q in rubric.questions}
    answers: dict[str, Answer] = {}
    for where, raw, extra in rows:
        qid = extra["id"]
        if qid not in known:
            problems.append(f"{where}: unknown question id '{qid}'")
            continue
        if qid in answers:
            problems.append(f"{where}: {qid} is answered twice")
            continue
        try:
            answer = Answer(
                parse_value(raw, rubric),
                confidence=_confidence(extra.get("confidence")),
                evidence=_text(extra.get("evidence")),
                notes=_text(extra.get("notes")),
            )
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        checks = (text_problem("evidence", answer.evidence), text_problem("notes", answer.notes))
        long = [p for p in checks if p]
        if long:
            problems += [f"{where}: {p}" for p in long]
            continue
        answers[qid] = answer
    if problems:
        raise AnswersError(problems)
    return answers


def load_answers(path: str | Path, rubric: Rubric) -> dict[str, Answer]:
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        from groundwork.excel import WorkbookError, read_questionnaire

        try:
            return read_questionnaire(path.read_bytes(), rubric, filename=path.name).answers
        except WorkbookError as exc:
            raise AnswersError([f"{path}: {p}" for p in exc.problems]) from None
        except OSError as exc:
            raise AnswersError([f"{path}: cannot read the file: {exc}"]) from None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnswersError([f"{path}: cannot read the file: {exc}"]) from None
    fmt = "csv" if path.suffix.lower() == ".csv" else "yaml"
    return parse_answers(text, rubric, fmt=fmt, source=str(path))
