"""Workshops: a room answering one round blind, then agreeing a consensus per question.

A facilitator opens a workshop on a draft round and gets a short join code. Each
participant joins with the code, an alias and a role, and gets a token (192 random bits
from :mod:`secrets`) that only their device holds: the store keeps its SHA-256, so a
copy of the database does not let anyone answer as them. Their answers go into the
round's ``answers`` table under their own participant row, through the same versioned
:meth:`~groundwork.store.answers.Answers.change_answer` as every other answer. A wrong,
closed or expired code or token is a :class:`StoreError` with a plain message and no data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from groundwork.scoring import NA, UNKNOWN, Answer
from groundwork.store.base import StoreBase
from groundwork.store.connection import StoreError, now
from groundwork.store.records import StoredAnswer, _decode, _encode, _stored
from groundwork.store.schema import WORKSHOP_CLOSED
from groundwork.workshop import ROOM_ROLES, consensus_notes

# No 0/O, 1/I/L, 5/S, 8/B or U/V: read aloud or off a projector, a code is typed right.
CODE_ALPHABET = "ACDEFGHJKMNPQRTWXY234679"
CODE_LENGTH = 6
DEFAULT_HOURS = 12
MAX_HOURS = 72
MAX_PARTICIPANTS = 200
MAX_ALIAS = 40
MAX_TIMER_MINUTES = 120
MAX_NOTE = 2000

WRONG_CODE = "There is no open workshop with this code. Check the code with the facilitator."
WRONG_TOKEN = (
    "This link does not belong to an open workshop. Ask the facilitator for the join code."
)
CLOSED = "This workshop is closed: answers can no longer be given. Thank you for taking part."
EXPIRED = "This workshop has expired: ask the facilitator to open a new one."


@dataclass(frozen=True)
class Workshop:
    id: int
    assessment_id: int
    code: str
    status: str  # open, closed, finalised
    show_names: bool
    created_by: str
    created_at: str
    expires_at: str
    closed_at: str | None

    @property
    def expired(self) -> bool:
        return now() >= self.expires_at

    @property
    def is_open(self) -> bool:
        return self.status == "open" and not self.expired


# (database file, token hash) -> the seat it opens: read once per process. The file is
# named by device and inode, so a database replaced under the same path is read afresh.
_SEATS: dict[tuple[tuple[int, int] | None, str], Seat] = {}
_SEATS_AT_MOST = 10_000


@dataclass(frozen=True)
class Seat:
    """What a participant's token opens: their own place in one workshop, nothing else."""

    participant_id: int
    workshop_id: int
    assessment_id: int
    alias: str
    role: str
    code: str


@dataclass(frozen=True)
class Member:
    """A participant as the facilitator sees them."""

    participant_id: int
    alias: str
    role: str
    joined_at: str
    answered: int


@dataclass(frozen=True)
class Consensus:
    value: int | str
    rationale: str
    dissent: str
    set_by: str
    set_at: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def normalise_code(code: str) -> str:
    """'abc-def ' -> 'ABCDEF': what people type from a projector."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[: CODE_LENGTH * 2]


def _workshop(row: dict) -> Workshop:
    return Workshop(**{**row, "show_names": bool(row["show_names"])})


def _note(text: str | None, what: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_NOTE:
        raise StoreError(f"the {what} is too long ({MAX_NOTE:,} characters at most)")
    return text


class Workshops(StoreBase):
    # -- the facilitator ----------------------------------------------------------
    def open_workshop(
        self, assessment_id: int, *, who: str = "", hours: int = DEFAULT_HOURS
    ) -> Workshop:
        """A new workshop on a draft round, with a join code no open workshop uses; the
        round's open workshop when it has one (a round is run by one room at a time, and a
        second click on "Open" must not start a second room nobody watches)."""
        if not 1 <= int(hours) <= MAX_HOURS:
            raise StoreError(f"a workshop lasts 1 to {MAX_HOURS} hours")
        with self.write():
            if self.assessment(assessment_id).final:
                raise StoreError("this round is final: open the workshop on a draft round")
            conn = self.db.conn
            running = conn.execute(
                "select id from workshops where assessment_id = ? and status = 'open'"
                " and expires_at > ? order by id desc",
                [assessment_id, now()],
            ).fetchone()
            if running:
                return self.workshop(running[0])
            for _ in range(50):  # 24^6 codes: a clash is rare, fifty in a row is impossible
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if not conn.execute(
                    "select 1 from workshops where code = ? and status = 'open'", [code]
                ).fetchone():
                    break
            else:  # pragma: no cover
                raise StoreError("no free join code: close some workshops first")
            stamp = now()
            expires = (dt.datetime.fromisoformat(stamp) + dt.timedelta(hours=int(hours))).isoformat(
                timespec="seconds"
            )
            cursor = conn.execute(
                "insert into workshops (assessment_id, code, status, show_names, created_by,"
                " created_at, expires_at) values (?, ?, 'open', 0, ?, ?, ?)",
                [assessment_id, code, who, stamp, expires],
            )
            wid = int(cursor.lastrowid)
            self._audit(who, "open", "workshop", wid, "code", None, code)
        return self.workshop(wid)

    def workshop(self, workshop_id: int) -> Workshop:
        row = self._row("select * from workshops where id = ?", [workshop_id])
        if row is None:
            raise StoreError(f"no workshop with id {workshop_id}")
        return _workshop(row)

    def workshops(self, assessment_id: int | None = None) -> list[Workshop]:
        where, args = ("where assessment_id = ?", [assessment_id]) if assessment_id else ("", [])
        return [
            _workshop(r)
            for r in self.db.query(f"select * from workshops {where} order by id", args)
        ]

    def close_workshop(self, workshop_id: int, *, who: str = "") -> None:
        """No new participant and no new answer from now on; what was given stays."""
        with self.write():
            w = self.workshop(workshop_id)
            if w.status != "open":
                return
            self.db.conn.execute(
                "update workshops set status = 'closed', closed_at = ? where id = ?",
                [now(), workshop_id],
            )
            self._audit(who, "close", "workshop", workshop_id, "status", "open", "closed")

    def set_show_names(self, workshop_id: int, show: bool, *, who: str = "") -> None:
        """Whether exports name participants (by default they show roles only)."""
        with self.write():
            w = self.workshop(workshop_id)
            if w.show_names != bool(show):
                self.db.conn.execute(
                    "update workshops set show_names = ? where id = ?", [int(show), workshop_id]
                )
                self._audit(
                    who, "update", "workshop", workshop_id, "show_names", w.show_names, show
                )

    def members(self, workshop_id: int) -> list[Member]:
        """Who joined, in joining order, with how many questions each has answered."""
        rows = self.db.query(
            "select wp.participant_id, wp.alias, p.role, wp.joined_at,"
            " (select count(*) from answers a where a.participant_id = wp.participant_id)"
            " as answered from workshop_participants wp"
            " join participants p on p.id = wp.participant_id"
            " where wp.workshop_id = ? order by wp.joined_at, wp.participant_id",
            [workshop_id],
        )
        return [Member(**r) for r in rows]

    def room_answers(self, workshop_id: int) -> dict[int, dict[str, Answer]]:
        """participant id -> question -> answer, for the facilitator (and the exports)."""
        out: dict[int, dict[str, Answer]] = {}
        rows = self.db.query(
            "select a.* from answers a join workshop_participants wp"
            " on wp.participant_id = a.participant_id where wp.workshop_id = ?",
            [workshop_id],
        )
        for r in rows:
            out.setdefault(r["participant_id"], {})[r["question_id"]] = _stored(r).answer
        return out

    def reveal(self, workshop_id: int, dimension_id: str, *, who: str = "") -> None:
        """Show the room's spread for one dimension (to participants too)."""
        with self.write():
            w = self.workshop(workshop_id)
            self._check_dimension(w, dimension_id)
            row = self._dimension_row(workshop_id, dimension_id)
            if row and row["revealed_at"]:
                return
            self._upsert_dimension(workshop_id, dimension_id, revealed_at=now(), revealed_by=who)
            self._audit(who, "reveal", "workshop", workshop_id, "dimension", None, dimension_id)

    def revealed(self, workshop_id: int) -> set[str]:
        rows = self.db.conn.execute(
            "select dimension_id from workshop_dimensions"
            " where workshop_id = ? and revealed_at is not null",
            [workshop_id],
        )
        return {r[0] for r in rows}

    def start_timer(
        self, workshop_id: int, dimension_id: str, minutes: int, *, who: str = ""
    ) -> None:
        """A countdown for one dimension, shown to the room (0 minutes: stop it)."""
        minutes = int(minutes)
        if not 0 <= minutes <= MAX_TIMER_MINUTES:
            raise StoreError(f"a timer runs 1 to {MAX_TIMER_MINUTES} minutes")
        with self.write():
            w = self.workshop(workshop_id)
            self._check_dimension(w, dimension_id)
            started = now() if minutes else None
            self._upsert_dimension(
                workshop_id, dimension_id, timer_started_at=started, timer_minutes=minutes or None
            )
            self._audit(who, "timer", "workshop", workshop_id, dimension_id, None, minutes)

    def timers(self, workshop_id: int) -> dict[str, tuple[str, int]]:
        """dimension -> (started at, minutes) for the timers set."""
        rows = self.db.conn.execute(
            "select dimension_id, timer_started_at, timer_minutes from workshop_dimensions"
            " where workshop_id = ? and timer_started_at is not null",
            [workshop_id],
        )
        return {d: (at, m) for d, at, m in rows}

    def set_consensus(
        self,
        workshop_id: int,
        question_id: str,
        value: int | str,
        *,
        rationale: str = "",
        dissent: str = "",
        who: str = "",
    ) -> None:
        """Record the room's agreed answer for a question, why, and who disagreed."""
        rationale, dissent = _note(rationale, "rationale"), _note(dissent, "dissent note")
        with self.write():
            w = self.workshop(workshop_id)
            if w.status == "finalised":
                raise StoreError("this workshop is finalised: its consensus is the round's now")
            rubric = self.rubric(self.assessment(w.assessment_id).rubric_sha256)
            try:
                rubric.question(question_id)
            except KeyError:
                raise StoreError(f"unknown question id '{question_id}'") from None
            if not (value in (NA, UNKNOWN) or (isinstance(value, int) and value in rubric.levels)):
                raise StoreError(f"{question_id}: {value!r} is not on the scale")
            old = self.consensus(workshop_id).get(question_id)
            stamp = now()
            self.db.conn.execute(
                "insert into workshop_consensus (workshop_id, question_id, value, rationale,"
                " dissent, set_by, set_at) values (?, ?, ?, ?, ?, ?, ?)"
                " on conflict (workshop_id, question_id) do update set value = excluded.value,"
                " rationale = excluded.rationale, dissent = excluded.dissent,"
                " set_by = excluded.set_by, set_at = excluded.set_at",
                [workshop_id, question_id, _encode(value), rationale, dissent, who, stamp],
            )
            before = (old.value, old.rationale, old.dissent) if old else (None, None, None)
            self._audit_fields(
                who,
                "consensus",
                "workshop",
                workshop_id,
                [
                    (f"{question_id}.{f}", o, n)
                    for f, o, n in zip(
                        ("value", "rationale", "dissent"),
                        before,
                        (value, rationale, dissent),
                        strict=True,
                    )
                    if (o or None) != (n or None)
                ],
                at=stamp,
            )

    def consensus(self, workshop_id: int) -> dict[str, Consensus]:
        rows = self.db.query(
            "select * from workshop_consensus where workshop_id = ?", [workshop_id]
        )
        return {
            r["question_id"]: Consensus(
                _decode(r["value"]),
                r["rationale"] or "",
                r["dissent"] or "",
                r["set_by"] or "",
                r["set_at"],
            )
            for r in rows
        }

    def finalise_workshop(
        self, workshop_id: int, *, who: str = "", final_round: bool = False
    ) -> int:
        """The consensus becomes the round's own answers (rationale and dissent in their
        notes), the workshop closes, and per-participant answers stay. One transaction.
        Returns how many answers were written; ``final_round`` also finalises the round."""
        with self.write():
            w = self.workshop(workshop_id)
            if w.status == "finalised":
                raise StoreError("this workshop is already finalised")
            agreed = self.consensus(workshop_id)
            if not agreed:
                raise StoreError("set a consensus for at least one question first")
            written = 0
            for qid, c in agreed.items():
                written += self.update_answer(
                    w.assessment_id,
                    qid,
                    who=who,
                    value=c.value,
                    notes=consensus_notes(c.rationale, c.dissent),
                )
            self.db.conn.execute(
                "update workshops set status = 'finalised', closed_at = coalesce(closed_at, ?)"
                " where id = ?",
                [now(), workshop_id],
            )
            self._audit(who, "finalise", "workshop", workshop_id, "answers", None, len(agreed))
            if final_round:
                self.finalise(w.assessment_id, who=who)
        return written

    # -- participants -------------------------------------------------------------
    def join_workshop(self, code: str, alias: str, role: str) -> str:
        """A new participant of the open workshop with this code; returns their token
        (shown once, to them: only its hash is stored)."""
        alias = " ".join((alias or "").split())
        if not alias:
            raise StoreError("choose a name the room will know you by (a first name will do)")
        if len(alias) > MAX_ALIAS:
            raise StoreError(f"that name is too long ({MAX_ALIAS} characters at most)")
        if role not in ROOM_ROLES:
            raise StoreError(f"choose a role: {', '.join(ROOM_ROLES)}")
        with self.write():
            w = self._open_by_code(code)
            conn = self.db.conn
            taken = {
                r[0]
                for r in conn.execute(
                    "select name from participants where assessment_id = ?", [w.assessment_id]
                )
            }
            if len(taken) > MAX_PARTICIPANTS:
                raise StoreError("this workshop is full")
            name, n = alias, 1
            while name in taken:  # bounded: at most MAX_PARTICIPANTS names are taken
                n += 1
                name = f"{alias} ({n})"
            stamp = now()
            pid = conn.execute(
                "insert into participants (assessment_id, name, role, created_at)"
                " values (?, ?, ?, ?)",
                [w.assessment_id, name, role, stamp],
            ).lastrowid
            token = secrets.token_urlsafe(24)
            conn.execute(
                "insert into workshop_participants (participant_id, workshop_id, token_sha256,"
                " alias, joined_at) values (?, ?, ?, ?, ?)",
                [pid, w.id, token_hash(token), name, stamp],
            )
            self._audit(name, "join", "workshop", w.id, "participant", None, f"{name} ({role})")
        return token

    def workshop_by_code(self, code: str) -> Workshop:
        """The open, unexpired workshop with this join code, or a plain StoreError."""
        return self._open_by_code(code)

    def _open_by_code(self, code: str) -> Workshop:
        code = normalise_code(code)
        row = (
            self._row(
                "select * from workshops where code = ? order by status = 'open' desc, id desc"
                " limit 1",
                [code],
            )
            if code
            else None
        )
        if row is None:
            raise StoreError(WRONG_CODE)
        w = _workshop(row)
        if w.status != "open":
            raise StoreError(CLOSED)
        if w.expired:
            raise StoreError(EXPIRED)
        return w

    def seat(self, token: str) -> Seat:
        """The participant this token belongs to, in an open workshop; else StoreError."""
        row = self._seat_row(token)
        status, expires = row.pop("status"), row.pop("expires_at")
        if status != "open":
            raise StoreError(CLOSED)
        if now() >= expires:
            raise StoreError(EXPIRED)
        return Seat(**row)

    def _seat_row(self, token: str) -> dict:
        row = self._row(
            "select wp.participant_id, wp.workshop_id, w.assessment_id, wp.alias, p.role,"
            " w.code, w.status, w.expires_at from workshop_participants wp"
            " join workshops w on w.id = wp.workshop_id"
            " join participants p on p.id = wp.participant_id where wp.token_sha256 = ?",
            [token_hash(token or "")],
        )
        if row is None:
            raise StoreError(WRONG_TOKEN)
        return row

    def save_participant_answer(
        self, token: str, question_id: str, *, based_on: int | None = None, **changes: Any
    ) -> StoredAnswer:
        """The participant page's one way to save: checks the token and that the workshop
        is open, then stores the change as :meth:`change_answer` does (versioned, audited).

        The token is read without the write lock, once per process and database file (a
        token's seat never changes; a replaced file is another file); the database itself
        refuses an answer of a participant whose workshop is no longer open (m007), so
        none slips in after the facilitator closed it, and the save is one statement.
        """
        key = (self._file_key[1], token_hash(token or ""))  # the file this Store has open
        seat = _SEATS.get(key) if key[0] is not None else None
        if seat is None:
            seat = self.seat(token)
            if key[0] is not None:
                if len(_SEATS) >= _SEATS_AT_MOST:
                    _SEATS.clear()
                _SEATS[key] = seat
        try:
            return self.change_answer(
                seat.assessment_id,
                question_id,
                based_on=based_on,
                who=f"{seat.alias} (workshop {seat.code})",
                participant_id=seat.participant_id,
                **changes,
            )
        except sqlite3.IntegrityError as exc:
            if WORKSHOP_CLOSED in str(exc):
                _SEATS.pop(key, None)
                self.seat(token)  # says closed or expired
                raise StoreError(CLOSED) from None
            raise

    def own_answers(self, token: str) -> dict[str, StoredAnswer]:
        """This participant's answers with their versions (to resume after a reload)."""
        seat = self.seat(token)
        rows = self.db.query(
            "select * from answers where assessment_id = ? and participant_id = ?",
            [seat.assessment_id, seat.participant_id],
        )
        return {r["question_id"]: _stored(r) for r in rows}

    def own_answer(self, token: str, question_id: str) -> StoredAnswer | None:
        seat = self.seat(token)
        row = self._answer_at(seat.assessment_id, seat.participant_id, question_id)
        return _stored(row) if row else None

    def revealed_room(self, token: str) -> tuple[set[str], dict[int, dict[str, int | str]]]:
        """For a participant: the dimensions revealed and, for their questions only, the
        room's answer values keyed by an anonymous number (no names, nothing else)."""
        seat = self.seat(token)
        shown = self.revealed(seat.workshop_id)
        if not shown:
            return shown, {}
        rubric = self.rubric(self.assessment(seat.assessment_id).rubric_sha256)
        questions = {q.id for d in rubric.dimensions if d.id in shown for q in d.questions}
        values: dict[int, dict[str, int | str]] = {}
        for n, answers in enumerate(self.room_answers(seat.workshop_id).values()):
            values[n] = {q: a.value for q, a in answers.items() if q in questions}
        return shown, values

    def import_participant(
        self,
        workshop_id: int,
        alias: str,
        role: str,
        answers: dict[str, Answer],
        *,
        who: str = "",
    ) -> int:
        """An offline participant's filled questionnaire as their answers in an open
        workshop, in one transaction (all of it, or none). Returns their participant id."""
        with self.write():
            w = self.workshop(workshop_id)
            if not w.is_open:
                raise StoreError(CLOSED if w.status != "open" else EXPIRED)
            token = self.join_workshop(w.code, alias, role)
            seat = self.seat(token)
            for qid, a in answers.items():
                self.update_answer(
                    w.assessment_id,
                    qid,
                    who=who or seat.alias,
                    participant_id=seat.participant_id,
                    value=a.value,
                    confidence=a.confidence,
                    evidence=a.evidence,
                    notes=a.notes,
                )
            self._audit(who, "import", "workshop", workshop_id, seat.alias, None, len(answers))
        return seat.participant_id

    # -- helpers ------------------------------------------------------------------
    def _check_dimension(self, w: Workshop, dimension_id: str) -> None:
        rubric = self.rubric(self.assessment(w.assessment_id).rubric_sha256)
        if dimension_id not in {d.id for d in rubric.dimensions}:
            raise StoreError(f"unknown dimension '{dimension_id}'")

    def _dimension_row(self, workshop_id: int, dimension_id: str) -> dict | None:
        return self._row(
            "select * from workshop_dimensions where workshop_id = ? and dimension_id = ?",
            [workshop_id, dimension_id],
        )

    def _upsert_dimension(self, workshop_id: int, dimension_id: str, **fields: Any) -> None:
        row = self._dimension_row(workshop_id, dimension_id) or {
            "workshop_id": workshop_id,
            "dimension_id": dimension_id,
        }
        self.db["workshop_dimensions"].upsert({**row, **fields}, pk=("workshop_id", "dimension_id"))
