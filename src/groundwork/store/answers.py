"""Participants and their answers: versioned, so no save overwrites a newer one silently."""

from __future__ import annotations

import functools
from typing import Any

from groundwork.limits import text_problem
from groundwork.scoring import NA, UNKNOWN, Answer
from groundwork.store.base import StoreBase
from groundwork.store.connection import StoreError, now
from groundwork.store.records import (
    _ANSWER_COLUMNS,
    _UPSERT_ANSWER_IF_UNCHANGED,
    SELF,
    AnswerConflict,
    StoredAnswer,
    _answer_row,
    _decode,
    _encode,
    _stored,
)

_FIELDS = ("value", "confidence", "evidence", "notes")  # what a person may change
_TRIES = 5  # reads and writes of one change that others may overtake
# (database file, round) -> the round's rubric sha256, once a change has read it: a
# round's rubric never changes, and the one-statement path checks it still is that one
_ROUND_RUBRIC: dict[tuple[str, int], str] = {}


@functools.cache
def _fast_upsert(fields: tuple[str, ...], versioned: bool) -> str:
    """The one-statement change of ``fields`` (value among them), for
    :meth:`Answers._change_in_one_statement`; one text per combination, so prepared once."""
    changed = " or ".join(
        f"nullif(answers.{f}, '') is not nullif(excluded.{f}, '')" for f in fields
    )
    version = " and answers.version <= ?" if versioned else ""
    return (
        f"insert into answers ({', '.join(_ANSWER_COLUMNS)})"
        " select ?, p.id, ?, ?, ?, ?, ?, ?, ?, 1, ?"
        " from assessments r join participants p on p.assessment_id = r.id"
        " where r.id = ? and r.status = 'draft' and r.rubric_sha256 = ?"
        f" and (p.id = ? or (? is null and p.name = '{SELF}'))"
        " on conflict (assessment_id, participant_id, question_id) do update set "
        + ", ".join(f"{f} = excluded.{f}" for f in fields)
        + ", answered_by = excluded.answered_by, answered_at = excluded.answered_at,"
        " change = excluded.change, version = answers.version + 1"
        f" where ({changed}){version} returning *"
    )


class Answers(StoreBase):
    def participant(self, assessment_id: int, name: str = SELF) -> int:
        """The participant's id in a round, added on first use (looked up under the lock)."""
        with self.write():
            conn = self.db.conn
            found = conn.execute(
                "select id from participants where assessment_id = ? and name = ?",
                [assessment_id, name],
            ).fetchone()
            if found:
                return found[0]
            if self.assessment(assessment_id).final:
                raise StoreError("this round is final: no one can join it now")
            cursor = conn.execute(
                "insert into participants (assessment_id, name, role, created_at)"
                " values (?, ?, 'participant', ?)",
                [assessment_id, name, now()],
            )
            return int(cursor.lastrowid)

    def save_answer(
        self,
        assessment_id: int,
        question_id: str,
        answer: Answer,
        *,
        who: str = "",
        participant_id: int | None = None,
    ) -> bool:
        """Upsert one whole answer; returns False when nothing changed. Audited."""
        return self.update_answer(
            assessment_id,
            question_id,
            who=who,
            participant_id=participant_id,
            value=answer.value,
            confidence=answer.confidence,
            evidence=answer.evidence,
            notes=answer.notes,
        )

    def update_answer(
        self,
        assessment_id: int,
        question_id: str,
        *,
        who: str = "",
        participant_id: int | None = None,
        **changes: Any,
    ) -> bool:
        """Change only the given fields of an answer; returns False when nothing changed.

        No version check: for callers that own the round (imports, the demo, scripts).
        """
        return self._change_answer(
            assessment_id, question_id, who=who, participant_id=participant_id, **changes
        )[1]

    def change_answer(
        self,
        assessment_id: int,
        question_id: str,
        *,
        based_on: int | None = None,
        override: bool = False,
        who: str = "",
        participant_id: int | None = None,
        **changes: Any,
    ) -> StoredAnswer:
        """Change only the given fields (value, confidence, evidence, notes) of an answer.

        ``based_on`` is the version the person saw (0: no answer yet). If the stored answer
        is newer and the change would alter it, nothing is written and
        :class:`AnswerConflict` says what is stored, by whom and when. ``override`` marks
        a deliberate save over a newer answer in the audit log. Reading and writing
        happen in one transaction, so two people editing different fields of the same
        question at once both keep their change. Returns the answer as now stored.
        """
        return self._change_answer(
            assessment_id,
            question_id,
            based_on=based_on,
            override=override,
            who=who,
            participant_id=participant_id,
            **changes,
        )[0]

    def _change_answer(
        self,
        assessment_id: int,
        question_id: str,
        *,
        based_on: int | None = None,
        override: bool = False,
        who: str = "",
        participant_id: int | None = None,
        **changes: Any,
    ) -> tuple[StoredAnswer, bool]:
        """:meth:`change_answer`, and whether anything was written.

        Plain prepared statements only (the hot path of every page that edits answers):
        One read of the round, the participant and the stored answer, and the checks, run
        without the write lock; then one upsert, under the lock, that applies only if that
        answer is still the one read; its triggers write the audit rows. When another
        change got in between, it starts again from the read (a bounded number of times).
        """
        unknown = set(changes) - set(_FIELDS)
        if unknown:
            raise StoreError(f"unknown answer field(s): {', '.join(sorted(unknown))}")
        for what in ("evidence", "notes"):  # before the lock: a refusal costs no one a wait
            problem = text_problem(f"{question_id} {what}", changes.get(what))
            if problem:
                raise StoreError(problem)
        stamp, who = now(), who or ""
        fast = self._change_in_one_statement(
            assessment_id, question_id, based_on, override, who, participant_id, changes, stamp
        )
        if fast is not None:
            return fast, True
        for _ in range(_TRIES):
            # Read and check without the lock; the write below applies only if nothing
            # changed since, so the lock is held for one statement, not for the checks.
            old = self._answer_in_round(assessment_id, question_id, participant_id)
            if old is None:
                raise StoreError(f"no assessment with id {assessment_id}")
            status, sha, pid = old.pop("_status"), old.pop("_rubric"), old.pop("_pid")
            if status == "final":
                raise StoreError("this round is final: start a new round to change its answers")
            _ROUND_RUBRIC[(str(self.path), assessment_id)] = sha
            rubric = self.rubric(sha)
            try:
                rubric.question(question_id)
            except KeyError:
                raise StoreError(f"unknown question id '{question_id}'") from None
            if pid is None:  # no such participant yet: the self-assessment is added on use
                pid = participant_id or self.participant(assessment_id)
            if old["value"] is None:  # the participant has not answered this question
                old = None
            if old is None and "value" not in changes:
                raise StoreError(
                    f"{question_id}: choose an answer before adding confidence, evidence or notes"
                )
            value = changes["value"] if "value" in changes else _decode(old["value"])
            if not (value in (NA, UNKNOWN) or (isinstance(value, int) and value in rubric.levels)):
                raise StoreError(f"{question_id}: {value!r} is not on the scale")
            kept = old or {}
            merged = Answer(
                value,
                changes.get("confidence", kept.get("confidence")),
                changes.get("evidence", kept.get("evidence")) or "",
                changes.get("notes", kept.get("notes")) or "",
            )
            version = old["version"] if old else 0
            change = "override" if override else "answer"
            row = _answer_row(
                assessment_id, pid, question_id, merged, who, stamp, version + 1, change
            )
            if old and all((kept.get(f) or None) == (row[f] or None) for f in _FIELDS):
                return _stored(old), False  # already so: nothing to write, nothing to refuse
            if based_on is not None and version > based_on:
                raise AnswerConflict(question_id, _stored(old), changes)
            args = [row[c] for c in _ANSWER_COLUMNS] + [assessment_id, version]
            # one statement: its triggers write the audit rows and move the round's
            # updated_at (m009_answers_audit_themselves)
            if self.write_one(_UPSERT_ANSWER_IF_UNCHANGED, args)[0] == 1:
                return _stored(row), True
            # changed or finalised in between: read again, and check again
        raise StoreError(f"{question_id} is being changed by others right now: try again")

    def _change_in_one_statement(
        self,
        assessment_id: int,
        question_id: str,
        based_on: int | None,
        override: bool,
        who: str,
        participant_id: int | None,
        changes: dict[str, Any],
        stamp: str,
    ) -> StoredAnswer | None:
        """The usual change (a new value, maybe more) as one upsert, without a read first:
        the stored answer as now saved, or None when the general path must decide
        (a round not seen yet, an answer already so, a newer answer, a final round, no
        participant yet). The statement checks the round is a draft on the rubric the
        checks here used, the version and that something changes; its triggers audit.
        """
        sha = _ROUND_RUBRIC.get((str(self.path), assessment_id))
        if sha is None or "value" not in changes:
            return None
        rubric, value = self.rubric(sha), changes["value"]
        try:
            rubric.question(question_id)
        except KeyError:
            return None  # the general path says what is wrong
        if not (value in (NA, UNKNOWN) or (isinstance(value, int) and value in rubric.levels)):
            return None
        fields = tuple(f for f in _FIELDS if f in changes)
        given = {"confidence": None, "evidence": "", "notes": "", **changes}
        args = [
            assessment_id,
            question_id,
            _encode(value),
            given["confidence"],
            given["evidence"] or "",
            given["notes"] or "",
            who,
            stamp,
            "override" if override else "answer",
            assessment_id,
            sha,
            participant_id,
            participant_id,
        ]
        if based_on is not None:
            args.append(based_on)
        _, rows = self.write_one(_fast_upsert(fields, based_on is not None), args)
        return _stored(rows[0]) if rows else None

    def _answer_in_round(
        self, assessment_id: int, question_id: str, participant_id: int | None
    ) -> dict | None:
        """In one query: the round's status (``_status``) and rubric (``_rubric``), the
        participant's id (``_pid``, None when there is no such participant) and their
        stored answer's columns (all None when not answered); None when there is no round.
        """
        if participant_id is None:
            joined, args = "p.assessment_id = r.id and p.name = ?", [SELF]
        else:
            joined, args = "p.id = ?", [participant_id]
        return self._row(
            "select r.status as _status, r.rubric_sha256 as _rubric, p.id as _pid, a.*"
            f" from assessments r left join participants p on {joined}"
            " left join answers a on a.assessment_id = r.id and a.participant_id = p.id"
            " and a.question_id = ? where r.id = ?",
            [*args, question_id, assessment_id],
        )

    def _answer_at(self, assessment_id: int, participant_id: int, question_id: str) -> dict | None:
        return self._row(
            "select * from answers"
            " where assessment_id = ? and participant_id = ? and question_id = ?",
            [assessment_id, participant_id, question_id],
        )

    def answer_record(
        self, assessment_id: int, question_id: str, *, participant_id: int | None = None
    ) -> StoredAnswer | None:
        """One stored answer with its version, who set it and when (None: not answered)."""
        pid = participant_id or self.participant(assessment_id)
        row = self._answer_at(assessment_id, pid, question_id)
        return _stored(row) if row else None

    def answer_records(
        self, assessment_id: int, participant: str = SELF
    ) -> dict[str, StoredAnswer]:
        """Every stored answer of a participant with its version: what a page edits from."""
        rows = self.db.query(
            "select a.* from answers a join participants p on p.id = a.participant_id"
            " where a.assessment_id = ? and p.name = ?",
            [assessment_id, participant],
        )
        return {r["question_id"]: _stored(r) for r in rows}

    def answers(self, assessment_id: int, participant: str = SELF) -> dict[str, Answer]:
        rows = self.db.query(
            "select a.* from answers a join participants p on p.id = a.participant_id"
            " where a.assessment_id = ? and p.name = ?",
            [assessment_id, participant],
        )
        return {
            r["question_id"]: Answer(
                _decode(r["value"]), r["confidence"], r["evidence"] or "", r["notes"] or ""
            )
            for r in rows
        }

    def answers_for(self, assessment_ids: list[int]) -> dict[int, dict[str, Answer]]:
        """Self-assessment answers of many rounds in one query (the portfolio, history)."""
        out: dict[int, dict[str, Answer]] = {aid: {} for aid in assessment_ids}
        if not assessment_ids:
            return out
        marks = ",".join("?" * len(assessment_ids))
        # notes only where the verdict reads them: the reason given for an N/A
        rows = self.db.query(
            "select a.assessment_id, a.question_id, a.value,"
            f" case when a.value = '{NA}' then a.notes end as notes"
            " from answers a join participants p on p.id = a.participant_id"
            f" where p.role = 'self' and a.assessment_id in ({marks})",
            assessment_ids,
        )
        for r in rows:
            answer = Answer(_decode(r["value"]), notes=r["notes"] or "")
            out[r["assessment_id"]][r["question_id"]] = answer
        return out
