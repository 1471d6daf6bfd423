"""JSON interchange: a whole assessment (scope, round, rubric, answers, roadmap state and,
from version 2, the system's business outcomes) as one versioned document, so a round can
move between Groundwork installations or be archived. Version 1 documents still import.

The document carries the rubric text, so it explains itself without the source file; an
import checks everything first and then writes in one transaction, or not at all.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from groundwork.limits import MAX_OUTCOMES, MAX_READINGS, MAX_TEXT, MAX_UNIT
from groundwork.outcomes import Measure, Outcome, Reading
from groundwork.rubric import Rubric, RubricError, parse_rubric
from groundwork.scoring import NA, UNKNOWN, Answer, check_stage_and_tier, validate_answers
from groundwork.store import ROADMAP_STATUSES, Store, now

FORMAT = "groundwork.assessment"
VERSION = 2  # 2 adds outcomes; 1 still imports


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScopeDoc(_Doc):
    organisation: str
    path: list[str] = Field(description="names from the organisation down to the scope")
    kind: Literal["organisation", "unit", "system"]
    stage: str | None = None
    tier: str | None = None


class RoundDoc(_Doc):
    label: str = Field(min_length=1, max_length=200)
    stage: str
    tier: str
    status: Literal["draft", "final"]
    created_at: dt.datetime
    finalised_at: dt.datetime | None = None


class RubricDoc(_Doc):
    id: str
    version: str
    sha256: str
    source: str


class AnswerDoc(_Doc):
    question: str
    answer: StrictInt | Literal["na", "unknown"]  # strict: JSON true is not level 1
    confidence: StrictInt | None = Field(None, ge=1, le=5)
    evidence: str = Field("", max_length=MAX_TEXT)
    notes: str = Field("", max_length=MAX_TEXT)


class RoadmapItemDoc(_Doc):
    id: str = Field(pattern=r"^[^@\s]+@([0-9]+|assess)$")
    owner: str = Field("", max_length=200)
    start: dt.date | None = None
    due: dt.date | None = None
    status: str = "not started"
    notes: str = Field("", max_length=MAX_TEXT)


class ReadingDoc(_Doc):
    date: dt.date
    value: float = Field(allow_inf_nan=False)


class MeasureDoc(_Doc):
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field("", max_length=MAX_UNIT)
    direction: Literal["higher", "lower"] = Field(description="which way is better")
    baseline: float | None = Field(None, allow_inf_nan=False)
    baseline_date: dt.date | None = None
    values: list[ReadingDoc] = Field([], max_length=MAX_READINGS)


class OutcomeDoc(MeasureDoc):
    """A business outcome of the system (version 2): a headline measure with a target and
    an optional counter-measure that must not get worse."""

    target: float | None = Field(None, allow_inf_nan=False)
    counter: MeasureDoc | None = None


class AssessmentDoc(_Doc):
    """A whole assessment, as exchanged between installations (format version 2; version 1
    documents, without outcomes, are read as well)."""

    format: Literal["groundwork.assessment"] = FORMAT
    version: Literal[1, 2] = VERSION
    exported_at: str
    scope: ScopeDoc
    round: RoundDoc
    rubric: RubricDoc
    answers: list[AnswerDoc]
    roadmap: list[RoadmapItemDoc] = []
    outcomes: list[OutcomeDoc] = Field([], max_length=MAX_OUTCOMES)


def _measure_doc(m: Measure) -> dict:
    return {
        "name": m.name,
        "unit": m.unit,
        "direction": m.direction,
        "baseline": m.baseline,
        "baseline_date": m.baseline_date,
        "values": [ReadingDoc(date=r.date, value=r.value) for r in m.values],
    }


def _measure(doc: MeasureDoc) -> Measure:
    return Measure(
        doc.name,
        doc.unit,
        doc.direction,
        doc.baseline,
        doc.baseline_date,
        tuple(Reading(r.date, r.value) for r in doc.values),
    )


def outcome_from(doc: OutcomeDoc) -> Outcome:
    return Outcome(_measure(doc), doc.target, _measure(doc.counter) if doc.counter else None)


def made_for(doc: AssessmentDoc) -> str:
    """The path of the scope the document was exported from: 'Acme / Claims / Bot'."""
    return " / ".join(doc.scope.path)


def made_for_another(doc: AssessmentDoc, path: str) -> bool:
    """True when the document names a scope other than ``path`` (names compared without
    regard to case or spacing; ids differ between installations, so names are what count)."""

    def key(text: str) -> list[str]:
        return [" ".join(part.split()).casefold() for part in text.split(" / ")]

    return key(made_for(doc)) != key(path)


def schema() -> dict:
    return AssessmentDoc.model_json_schema()


def export_assessment(store: Store, assessment_id: int) -> AssessmentDoc:
    a = store.assessment(assessment_id)
    rubric = store.rubric(a.rubric_sha256)
    scope = store.scope(a.scope_id)
    path = store.scope_path(a.scope_id).split(" / ")
    answers = store.answers(assessment_id)
    order = {q.id: i for i, q in enumerate(rubric.questions)}
    state = store.roadmap_state(a.scope_id)
    return AssessmentDoc(
        exported_at=now(),
        scope=ScopeDoc(
            organisation=path[0], path=path, kind=scope.kind, stage=scope.stage, tier=scope.tier
        ),
        round=RoundDoc(
            label=a.label,
            stage=a.stage,
            tier=a.tier,
            status=a.status,
            created_at=a.created_at,
            finalised_at=a.finalised_at,
        ),
        rubric=RubricDoc(
            id=rubric.id, version=rubric.version, sha256=rubric.sha256, source=rubric.source
        ),
        answers=[
            AnswerDoc(
                question=qid,
                answer=ans.value,
                confidence=ans.confidence,  # type: ignore[arg-type]
                evidence=ans.evidence,
                notes=ans.notes,
            )
            for qid, ans in sorted(answers.items(), key=lambda kv: order.get(kv[0], 0))
        ],
        roadmap=[
            RoadmapItemDoc(
                id=item_id,
                owner=row.get("owner") or "",
                start=row.get("start"),
                due=row.get("due"),
                status=row.get("status") or "not started",
                notes=row.get("notes") or "",
            )
            for item_id, row in sorted(state.items())
        ],
        outcomes=[
            OutcomeDoc(
                **_measure_doc(o.headline),
                target=o.target,
                counter=MeasureDoc(**_measure_doc(o.counter)) if o.counter else None,
            )
            for o in store.outcomes(a.scope_id)
        ],
    )


def export_json(store: Store, assessment_id: int) -> str:
    return export_assessment(store, assessment_id).model_dump_json(indent=2) + "\n"


class InterchangeError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


_UNION_MEMBER = re.compile(r"^(int|literal\[.*\])$")


def _where(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a field path: ``answers[3].answer``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "document"


def read_document(text: str | bytes) -> AssessmentDoc:
    """Parse and check a document; every problem is named by its field path."""
    try:
        doc = AssessmentDoc.model_validate_json(text)
    except ValidationError as exc:
        # one line per field: the members of a union (int or 'na'/'unknown') are merged
        found: dict[str, list[str]] = {}
        for e in exc.errors():
            loc = tuple(p for p in e["loc"] if not _UNION_MEMBER.match(str(p)))
            found.setdefault(_where(loc), []).append(e["msg"])
        raise InterchangeError([f"{path}: {' or '.join(m)}" for path, m in found.items()]) from None
    problems = []
    try:
        rubric = parse_rubric(doc.rubric.source, f"rubric {doc.rubric.id}")
    except RubricError as exc:
        raise InterchangeError([f"rubric: {p}" for p in exc.problems]) from None
    if rubric.sha256 != doc.rubric.sha256:
        problems.append("rubric: the text does not match its sha256; the file was altered")
    problems += _answer_problems(rubric, doc.answers)
    problems += _round_problems(doc.round)
    for i, item in enumerate(doc.roadmap):
        if not _is_step(rubric, item.id):
            problems.append(
                f"roadmap[{i}].id: unknown roadmap item '{item.id}' (not a step of this rubric)"
            )
        if item.status not in ROADMAP_STATUSES:
            problems.append(
                f"roadmap[{i}].status: status '{item.status}' is not one of "
                f"{', '.join(ROADMAP_STATUSES)}"
            )
        if item.start and item.due and item.due < item.start:
            problems.append(f"roadmap[{i}].due: {item.due} is before the start date {item.start}")
    try:
        check_stage_and_tier(rubric, doc.round.stage, doc.round.tier)
    except ValueError as exc:
        problems.append(f"round: {exc}")
    if doc.version == 1 and doc.outcomes:
        problems.append("outcomes: a version 1 document has no outcomes (they came in version 2)")
    problems += _outcome_problems(doc.outcomes)
    if problems:
        raise InterchangeError(problems)
    return doc


def _answer_problems(rubric: Rubric, answers: list[AnswerDoc]) -> list[str]:
    problems = []
    first: dict[str, int] = {}
    for i, a in enumerate(answers):
        if a.question in first:
            problems.append(
                f"answers[{i}].question: {a.question} is answered twice "
                f"(also answers[{first[a.question]}])"
            )
            continue
        first[a.question] = i
        for p in validate_answers(rubric, {a.question: a.answer}):
            field = "question" if p.startswith("unknown question") else "answer"
            problems.append(f"answers[{i}].{field}: {p}")
    return problems


def _outcome_problems(outcomes: list[OutcomeDoc]) -> list[str]:
    problems, seen = [], {}
    for i, o in enumerate(outcomes):
        if o.name in seen:
            problems.append(f"outcomes[{i}].name: '{o.name}' is also outcomes[{seen[o.name]}]")
        seen.setdefault(o.name, i)
        for where, m in ((f"outcomes[{i}]", o), (f"outcomes[{i}].counter", o.counter)):
            if m is None:
                continue
            days = [r.date for r in m.values]
            if len(days) != len(set(days)):
                problems.append(f"{where}.values: two values on the same date")
    return problems


def _round_problems(round_: RoundDoc) -> list[str]:
    """Times that cannot be stored (a zone pushing year 1 or 9999 out of range), or out of
    order; stored times are UTC, so each must have a UTC equivalent."""
    problems = []
    stamps: dict[str, str] = {}
    for name in ("created_at", "finalised_at"):
        moment = getattr(round_, name)
        if moment is None:
            continue
        try:
            stamps[name] = _stamp(moment)
        except (OverflowError, ValueError):
            problems.append(f"round.{name}: {moment.isoformat()} is out of range in UTC")
    if "created_at" in stamps and "finalised_at" in stamps:
        if _utc(round_.finalised_at) < _utc(round_.created_at):  # type: ignore[arg-type]
            problems.append(
                f"round.finalised_at: {stamps['finalised_at']} is before created_at "
                f"{stamps['created_at']}"
            )
    return problems


def _is_step(rubric: Rubric, item_id: str) -> bool:
    """Whether ``item_id`` names a roadmap step this rubric can produce."""
    qid, _, target = item_id.rpartition("@")
    try:
        question = rubric.question(qid)
    except KeyError:
        return False
    return target == "assess" or (target.isdigit() and int(target) in question.actions)


def import_document(store: Store, doc: AssessmentDoc, scope_id: int, who: str = "") -> int:
    """Store the document as a new round of ``scope_id``, with its roadmap state."""
    rubric = parse_rubric(doc.rubric.source, f"rubric {doc.rubric.id}")
    answers = {
        a.question: Answer(
            a.answer if a.answer in (NA, UNKNOWN) else int(a.answer),
            a.confidence,
            a.evidence,
            a.notes,
        )
        for a in doc.answers
    }
    with store.write():
        aid = store.import_round(
            scope_id,
            rubric,
            doc.round.stage,
            doc.round.tier,
            answers,
            who=who,
            label=doc.round.label,
            created_at=_stamp(doc.round.created_at),
            final=doc.round.status == "final",
            finalised_at=_stamp(doc.round.finalised_at) if doc.round.finalised_at else None,
        )
        # Roadmap state here may be newer than the document's: only fill what is missing.
        stored = store.roadmap_state(scope_id)
        for item in doc.roadmap:
            if item.id in stored:
                continue
            store.save_roadmap_item(
                scope_id,
                item.id,
                who=who,
                owner=item.owner,
                status=item.status,
                start=item.start.isoformat() if item.start else None,
                due=item.due.isoformat() if item.due else None,
                notes=item.notes,
            )
        _import_outcomes(store, doc, scope_id, who)
    return aid


def _import_outcomes(store: Store, doc: AssessmentDoc, scope_id: int, who: str) -> None:
    """A system's outcomes from the document: new ones are added; for one it already has
    (same name), only values on dates it has no figure for are added."""
    if not doc.outcomes:
        return
    have = {o.name: o for o in store.outcomes(scope_id)}
    for item in doc.outcomes:
        outcome = outcome_from(item)
        kept = have.get(outcome.name)
        if kept is None:
            store.save_outcome(scope_id, outcome, who=who)
            continue
        for role, mine, theirs in (
            ("headline", kept.headline, outcome.headline),
            ("counter", kept.counter, outcome.counter),
        ):
            if mine is None or theirs is None:
                continue
            known = {r.date for r in mine.values}
            for r in theirs.values:
                if r.date not in known:
                    store.record_value(kept.id, role, r.date, r.value, who=who)  # type: ignore[arg-type]


def _utc(moment: dt.datetime) -> dt.datetime:
    """A moment in UTC; a time without a zone is taken as UTC. OverflowError past 1..9999."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    """Stored timestamps are ISO 8601 in UTC."""
    return _utc(moment).isoformat(timespec="seconds")


def import_json(store: Store, text: str | bytes, scope_id: int, who: str = "") -> int:
    """Check a document in full, then store it; a bad document changes nothing."""
    return import_document(store, read_document(text), scope_id, who)
