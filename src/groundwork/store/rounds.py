"""Rounds (assessments): created, prefilled, imported whole, finalised, summarised."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from groundwork.rubric import Rubric
from groundwork.scoring import SCORING_VERSION, Answer, carry_answers, score, summarise
from groundwork.store.base import StoreBase
from groundwork.store.connection import StorageError, StoreError, now
from groundwork.store.records import (
    SELF,
    Assessment,
    _answer_row,
    _check_answer_text,
    _check_stage_and_tier,
    _chunks,
    _marks,
    _required,
)


class Rounds(StoreBase):
    def create_assessment(
        self,
        scope_id: int,
        rubric: Rubric,
        stage: str,
        tier: str,
        *,
        who: str = "",
        label: str = "",
        prefill_from: int | None = None,
        created_at: str | None = None,
    ) -> int:
        _check_stage_and_tier(rubric, stage, tier)
        self.scope_row(scope_id)
        self.save_rubric(rubric)
        with self.write() as db:
            stamp = created_at or now()
            aid = (
                db["assessments"]
                .insert(
                    {
                        "scope_id": scope_id,
                        "label": label or f"Round of {stamp[:10]}",
                        "stage": stage,
                        "tier": tier,
                        "rubric_sha256": rubric.sha256,
                        "rubric_id": rubric.id,
                        "rubric_version": rubric.version,
                        "status": "draft",
                        "based_on": prefill_from,
                        "created_by": who,
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                )
                .last_pk
            )
            pid = (
                db["participants"]
                .insert({"assessment_id": aid, "name": SELF, "role": "self", "created_at": stamp})
                .last_pk
            )
            if prefill_from is not None:
                self._prefill(aid, pid, prefill_from, rubric, who)
            self._audit(who, "create", "assessment", aid, "stage", None, stage)
        return int(aid)

    def _prefill(self, aid: int, pid: int, source_id: int, rubric: Rubric, who: str) -> None:
        """Copy the answers of an earlier round, following ``replaces`` across versions."""
        stamp = now()
        rows = [
            _answer_row(aid, pid, qid, a, who, stamp)
            for qid, a in carry_answers(rubric, self.answers(source_id)).items()
        ]
        if rows:
            self.db["answers"].insert_all(rows)

    def import_round(
        self,
        scope_id: int,
        rubric: Rubric,
        stage: str,
        tier: str,
        answers: dict[str, Answer],
        *,
        who: str = "",
        label: str = "",
        created_at: str | None = None,
        final: bool = False,
        finalised_at: str | None = None,
    ) -> int:
        """A whole round in one transaction: all of it lands, or none of it."""
        for qid, a in answers.items():
            _check_answer_text(qid, a)
        with self.write() as db:
            aid = self.create_assessment(
                scope_id, rubric, stage, tier, who=who, label=label, created_at=created_at
            )
            pid = self.participant(aid)
            stamp = created_at or now()
            db["answers"].insert_all(
                _answer_row(aid, pid, qid, a, who, stamp) for qid, a in answers.items()
            )
            self._audit(who, "import", "assessment", aid, "answers", None, len(answers))
            if final:
                self.finalise(aid, who=who, at=finalised_at or stamp)
        return aid

    def has_assessment(self, assessment_id: int) -> bool:
        return bool(self.db["assessments"].count_where("id = ?", [assessment_id]))

    def assessment(self, assessment_id: int) -> Assessment:
        row = self._row("select * from assessments where id = ?", [assessment_id])
        if row is None:
            raise StoreError(f"no assessment with id {assessment_id}")
        return Assessment(**row)

    def assessments(self, scope_id: int | None = None) -> list[Assessment]:
        where = "scope_id = ?" if scope_id is not None else None
        args = [scope_id] if scope_id is not None else []
        return [
            Assessment(**r)
            for r in self.db["assessments"].rows_where(where, args, order_by="created_at, id")
        ]

    def assessed_scopes(self) -> set[int]:
        """The scopes that have at least one round (read from the index, not the rounds)."""
        return {r[0] for r in self.db.execute("select distinct scope_id from assessments")}

    def latest_assessments(self) -> dict[int, Assessment]:
        """The newest round of every scope that has one, by date as everywhere else."""
        rows = self.db.query(
            "select * from (select a.*, row_number() over (partition by scope_id"
            " order by created_at desc, id desc) as newest from assessments a) where newest = 1"
        )
        return {
            r["scope_id"]: Assessment(**{k: v for k, v in r.items() if k != "newest"}) for r in rows
        }

    def update_assessment(self, assessment_id: int, who: str = "", **fields: Any) -> None:
        allowed = {"label", "stage", "tier"}
        if set(fields) - allowed:
            raise StoreError(f"cannot change {', '.join(sorted(set(fields) - allowed))}")
        with self.write() as db:
            current = self.assessment(assessment_id)
            if current.final:
                raise StoreError("this round is final: start a new round to change it")
            rubric = self.rubric(current.rubric_sha256)
            _check_stage_and_tier(
                rubric, fields.get("stage", current.stage), fields.get("tier", current.tier)
            )
            if "label" in fields:
                fields["label"] = _required(fields["label"], "round name")
            for key, value in fields.items():
                if getattr(current, key) != value:
                    self._audit(
                        who,
                        "update",
                        "assessment",
                        assessment_id,
                        key,
                        getattr(current, key),
                        value,
                    )
            db["assessments"].update(assessment_id, {**fields, "updated_at": now()})

    def finalise(self, assessment_id: int, who: str = "", at: str | None = None) -> None:
        with self.write():
            current = self.assessment(assessment_id)
            if current.final:
                return
            stamp = at or now()
            self.db.conn.execute(
                "update assessments set status = 'final', finalised_at = ?, updated_at = ?"
                " where id = ?",
                [stamp, stamp, assessment_id],
            )
            self._audit(who, "finalise", "assessment", assessment_id, "status", "draft", "final")
            # a final round takes no more answers: its open workshops close with it
            for (wid,) in self.db.conn.execute(
                "select id from workshops where assessment_id = ? and status = 'open'",
                [assessment_id],
            ).fetchall():
                self.db.conn.execute(
                    "update workshops set status = 'closed', closed_at = ? where id = ?",
                    [stamp, wid],
                )
                self._audit(who, "close", "workshop", wid, "status", "open", "closed")
            self._save_summaries({assessment_id: self._summarise(current)}, stamp)

    def _summarise(self, a: Assessment) -> dict[str, Any]:
        """A round's summary, scored from the same answers the portfolio reads."""
        answers = self.answers_for([a.id])[a.id]
        return summarise(score(self.rubric(a.rubric_sha256), answers, a.stage, a.tier))

    def summaries(self, assessment_ids: list[int]) -> dict[int, dict[str, Any]]:
        """The stored summaries of final rounds computed by the current scoring version
        (see :data:`groundwork.scoring.SCORING_VERSION`); others are left out."""
        out: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(assessment_ids):
            cursor = self.db.conn.execute(
                "select s.assessment_id, s.verdict, s.blockers, s.readiness, s.score,"
                " s.dimensions, s.parents from round_summaries s join assessments a"
                " on a.id = s.assessment_id and a.status = 'final'"
                f" where s.scoring_version = ? and s.assessment_id in ({_marks(chunk)})",
                [SCORING_VERSION, *chunk],
            )
            for aid, verdict, blockers, readiness, score_, dims, parents in cursor:
                out[aid] = {
                    "verdict": verdict,
                    "blockers": blockers,
                    "readiness": readiness,
                    "score": score_,
                    "dimensions": json.loads(dims),
                    "parents": json.loads(parents or "{}"),
                }
        return out

    def save_summaries(self, summaries: dict[int, dict[str, Any]]) -> bool:
        """Store summaries computed on a read (rounds finalised before summaries were
        kept, or by another scoring version). Best effort: False when the database cannot
        take the write (read-only, full, busy), and the page shows what it computed."""
        try:
            with self.write():
                self._save_summaries(summaries, now())
        except (StorageError, sqlite3.OperationalError):
            return False
        return True

    def _save_summaries(self, summaries: dict[int, dict[str, Any]], at: str) -> None:
        self.db.conn.executemany(
            "insert into round_summaries (assessment_id, scoring_version, verdict, blockers,"
            " readiness, score, dimensions, parents, computed_at)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " on conflict (assessment_id) do update set scoring_version ="
            " excluded.scoring_version, verdict = excluded.verdict, blockers ="
            " excluded.blockers, readiness = excluded.readiness, score = excluded.score,"
            " dimensions = excluded.dimensions, parents = excluded.parents,"
            " computed_at = excluded.computed_at",
            [
                (
                    aid,
                    SCORING_VERSION,
                    s["verdict"],
                    s["blockers"],
                    s["readiness"],
                    s["score"],
                    json.dumps(s["dimensions"]),
                    json.dumps(s.get("parents", {})),
                    at,
                )
                for aid, s in summaries.items()
            ],
        )
