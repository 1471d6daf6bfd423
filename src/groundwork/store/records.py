"""What the store hands out (frozen records) and the row helpers shared by its parts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from groundwork.limits import text_problem
from groundwork.rubric import Rubric
from groundwork.scoring import NA, UNKNOWN, Answer, check_stage_and_tier
from groundwork.store.connection import StoreError
from groundwork.users import User

ROADMAP_STATUSES = ("not started", "in progress", "blocked", "done", "dropped")
ROADMAP_FIELDS = ("owner", "start", "due", "status", "notes")
SELF = "Self-assessment"


@dataclass(frozen=True)
class Account:
    """A user account as an admin sees it (the password hash never leaves the store)."""

    id: int
    name: str
    email: str
    role: str
    disabled: bool
    has_password: bool  # False: signs in only through single sign-on
    created_at: str
    updated_at: str

    @property
    def user(self) -> User:
        return User(self.name, self.role, self.id, self.email)


@dataclass(frozen=True)
class Scope:
    id: int
    organisation_id: int
    parent_id: int | None
    kind: str  # organisation, unit or system
    name: str
    description: str
    stage: str | None
    tier: str | None


@dataclass(frozen=True)
class Assessment:
    id: int
    scope_id: int
    label: str
    stage: str
    tier: str
    rubric_sha256: str
    rubric_id: str
    rubric_version: str
    status: str
    based_on: int | None
    created_by: str
    created_at: str
    updated_at: str
    finalised_at: str | None

    @property
    def final(self) -> bool:
        return self.status == "final"

    @property
    def date(self) -> str:
        return (self.finalised_at or self.created_at)[:10]


@dataclass(frozen=True)
class StoredAnswer:
    """An answer as stored: a later save states the version it was based on."""

    answer: Answer
    version: int
    answered_by: str
    answered_at: str


class AnswerConflict(StoreError):
    """A save based on an older version than the stored one: it was not applied.

    Carries the stored answer (who set it, when) and the changes that were refused, so
    the page can show both and let the person keep theirs or take the other.
    """

    def __init__(self, question_id: str, stored: StoredAnswer, changes: dict[str, Any]):
        self.question_id, self.stored, self.changes = question_id, stored, changes
        by = stored.answered_by or "someone"
        super().__init__(
            f"{question_id} was changed by {by} at {stored.answered_at} after you opened it; "
            "your change was not saved"
        )


def _encode(value: int | str) -> str:
    return str(value)


def _decode(value: str) -> int | str:
    return value if value in (NA, UNKNOWN) else int(value)


def _chunks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _marks(ids: list[int]) -> str:
    return ", ".join("?" * len(ids))


def _scope(row: dict) -> Scope:
    return Scope(
        row["id"],
        row["organisation_id"],
        row["parent_id"],
        row["kind"],
        row["name"],
        row["description"] or "",
        row["stage"],
        row["tier"],
    )


def _stored(row: dict) -> StoredAnswer:
    answer = Answer(
        _decode(row["value"]), row["confidence"], row["evidence"] or "", row["notes"] or ""
    )
    return StoredAnswer(answer, row["version"], row["answered_by"] or "", row["answered_at"])


def _answer_row(
    aid: int,
    pid: int,
    qid: str,
    answer: Answer,
    who: str,
    at: str,
    version: int = 1,
    change: str = "import",
) -> dict:
    """One row of the answers table. ``change`` says how this version came about: an
    ``answer`` or ``override`` is audited field by field by the schema's triggers (see
    m009), an ``import`` by one audit row of the import itself."""
    return {
        "assessment_id": aid,
        "participant_id": pid,
        "question_id": qid,
        "value": _encode(answer.value),
        "confidence": answer.confidence,
        "evidence": answer.evidence or "",
        "notes": answer.notes or "",
        "answered_by": who,
        "answered_at": at,
        "version": version,
        "change": change,
    }


_ANSWER_COLUMNS = (
    "assessment_id",
    "participant_id",
    "question_id",
    "value",
    "confidence",
    "evidence",
    "notes",
    "answered_by",
    "answered_at",
    "version",
    "change",
)
# An answer's upsert, applied only while the round is a draft and the stored answer is
# still the version the change was built on (0: none yet); otherwise it changes no row.
_UPSERT_ANSWER_IF_UNCHANGED = (
    f"insert into answers ({', '.join(_ANSWER_COLUMNS)})"
    f" select {', '.join('?' * len(_ANSWER_COLUMNS))}"
    " where exists (select 1 from assessments where id = ? and status = 'draft')"
    " on conflict (assessment_id, participant_id, question_id) do update set "
    + ", ".join(f"{c} = excluded.{c}" for c in _ANSWER_COLUMNS[3:])
    + " where answers.version = ?"
)


def _check_answer_text(question_id: str, answer: Answer) -> None:
    """Evidence and notes within :data:`groundwork.limits.MAX_TEXT`, or a StoreError."""
    for what, text in (("evidence", answer.evidence), ("notes", answer.notes)):
        problem = text_problem(f"{question_id} {what}", text)
        if problem:
            raise StoreError(problem)


def _check_stage_and_tier(rubric: Rubric, stage: str, tier: str) -> None:
    try:
        check_stage_and_tier(rubric, stage, tier)
    except ValueError as exc:
        raise StoreError(str(exc)) from None


def _required(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise StoreError(f"the {what} cannot be empty")
    if len(text) > 200:
        raise StoreError(f"the {what} is too long (200 characters at most)")
    return text
