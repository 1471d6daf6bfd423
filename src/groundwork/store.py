"""SQLite storage through sqlite-utils: the only module that speaks SQL.

One new connection per unit of work (a Streamlit rerun may run on another thread), WAL
and foreign keys on, and every write through :meth:`Store.write`: a process-wide lock,
``BEGIN IMMEDIATE``, commit or roll back as a whole. Answers are upserts keyed on
(assessment, participant, question), so a retried save is harmless.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import sqlite3
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database, Migrations
from sqlite_utils.db import NotFoundError

from groundwork.limits import MAX_LOGO_BYTES, MAX_LOGO_SIDE, text_problem
from groundwork.rubric import Rubric, parse_rubric
from groundwork.scoring import (
    NA,
    SCORING_VERSION,
    UNKNOWN,
    Answer,
    carry_answers,
    check_stage_and_tier,
    score,
    summarise,
)

DEFAULT_PATH = Path("data") / "groundwork.db"
ROADMAP_STATUSES = ("not started", "in progress", "blocked", "done", "dropped")
ROADMAP_FIELDS = ("owner", "start", "due", "status", "notes")
SELF = "Self-assessment"

_WRITE_LOCK = threading.RLock()
migrations = Migrations("groundwork")


# ---------------------------------------------------------------------------------
# One idle connection per database file
# ---------------------------------------------------------------------------------
# When the last connection to a WAL database closes, SQLite checkpoints the log into the
# file and deletes it: a flush on every unit of work of a quiet server. One idle
# connection per file and process (it holds no transaction, so it blocks no checkpoint)
# keeps the log in place. It is let go after a while without use, when its file has been
# replaced (another inode at the path), and by :func:`release` before a file is swapped.

KEEP_IDLE_SECONDS = 10.0  # a quiet process lets go, so `groundwork demo` can swap the file
KEEP_AT_MOST = 4  # files a process keeps open at once (tests use many throwaway files)


@dataclass
class _Keeper:
    conn: sqlite3.Connection
    file: tuple[int, int]  # (device, inode) of the file it holds
    used: float


_KEEPERS: dict[str, _Keeper] = {}
_KEEPERS_LOCK = threading.Lock()
_REAPER: threading.Thread | None = None


def _file_id(key: str) -> tuple[int, int] | None:
    try:
        st = os.stat(key)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _keep_open(path: Path) -> None:
    """Open (or refresh) this process's idle connection to a WAL database file."""
    key = os.path.abspath(path)
    ident = _file_id(key)
    with _KEEPERS_LOCK:
        kept = _KEEPERS.get(key)
        if kept is not None and kept.file == ident:
            kept.used = time.monotonic()
            return
        if kept is not None:  # the file was replaced: let go of the old one
            _KEEPERS.pop(key).conn.close()
        if ident is None:
            return
        try:
            conn = sqlite3.connect(key, timeout=1, check_same_thread=False)
            # attach to the WAL index, then hold nothing: a read, no open transaction
            wal = conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        except sqlite3.Error:
            return
        if not wal or _file_id(key) != ident:
            conn.close()
            return
        while len(_KEEPERS) >= KEEP_AT_MOST:
            oldest = min(_KEEPERS, key=lambda k: _KEEPERS[k].used)
            _KEEPERS.pop(oldest).conn.close()
        _KEEPERS[key] = _Keeper(conn, ident, time.monotonic())
        _start_reaper()


def _start_reaper() -> None:
    global _REAPER
    if _REAPER is None or not _REAPER.is_alive():
        _REAPER = threading.Thread(target=_reap, name="groundwork-keeper", daemon=True)
        _REAPER.start()


def _reap() -> None:
    while True:
        time.sleep(KEEP_IDLE_SECONDS / 2)
        cutoff = time.monotonic() - KEEP_IDLE_SECONDS
        with _KEEPERS_LOCK:
            for key in [k for k, kept in _KEEPERS.items() if kept.used < cutoff]:
                _KEEPERS.pop(key).conn.close()


def _touch(path: Path) -> None:
    kept = _KEEPERS.get(os.path.abspath(path))
    if kept is not None:
        kept.used = time.monotonic()


def let_go(path: str | Path | None = None) -> None:
    """Close this process's idle connection to ``path`` (every file when None): before
    the file is renamed, replaced or deleted."""
    with _KEEPERS_LOCK:
        keys = list(_KEEPERS) if path is None else [os.path.abspath(path)]
        for key in keys:
            kept = _KEEPERS.pop(key, None)
            if kept is not None:
                kept.conn.close()


def database_path() -> Path:
    return Path(os.environ.get("GROUNDWORK_DB") or DEFAULT_PATH)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class StoreError(ValueError):
    """A request the store refuses, with a message fit for the user."""


class StorageError(StoreError):
    """The database file cannot take the write (disk full, read-only, unreadable)."""


def _storage_message(exc: sqlite3.Error, path: Path) -> str | None:
    """One plain sentence for the disk and file problems a user can act on."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    text = str(exc).lower()
    if code == sqlite3.SQLITE_FULL or "disk is full" in text:
        return f"Nothing was saved: the disk holding {path} is full. Free some space and try again."
    if code == sqlite3.SQLITE_READONLY or "readonly" in text:
        return (
            f"Nothing was saved: the database {path} is read-only. "
            "Make the file and its folder writable for Groundwork, then try again."
        )
    if code == sqlite3.SQLITE_CANTOPEN or "unable to open" in text:
        return f"The database {path} cannot be opened: check that the file and its folder exist."
    if code == sqlite3.SQLITE_IOERR or "disk i/o error" in text:
        return f"Nothing was saved: the disk holding {path} reported an error."
    if code == sqlite3.SQLITE_NOTADB or "not a database" in text:
        return f"{path} is not a Groundwork database: point GROUNDWORK_DB at another file."
    return None


@contextmanager
def storage_errors(path: Path) -> Iterator[None]:
    """Turn a full disk, a read-only file or a file that is no database into a
    StorageError with a plain sentence; any other database error passes through."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.IntegrityError):
            raise
        message = _storage_message(exc, path)
        if message is None:
            raise
        raise StorageError(message) from exc


# ---------------------------------------------------------------------------------
# Schema
# ---------------------------------------------------------------------------------


@migrations(transactional=False)
def m001_wal(db: Database) -> None:
    db.enable_wal()


@migrations()
def m002_schema(db: Database) -> None:
    db["organisations"].create(
        {"id": int, "name": str, "accent": str, "logo": str, "created_at": str},
        pk="id",
        not_null={"name", "created_at"},
    )
    db["organisations"].create_index(["name"], unique=True)
    db["scopes"].create(
        {
            "id": int,
            "organisation_id": int,
            "parent_id": int,
            "kind": str,
            "name": str,
            "description": str,
            "stage": str,
            "tier": str,
            "created_at": str,
        },
        pk="id",
        not_null={"organisation_id", "kind", "name", "created_at"},
        foreign_keys=[("organisation_id", "organisations", "id"), ("parent_id", "scopes", "id")],
    )
    db["scopes"].create_index(["organisation_id", "parent_id"])
    db["rubrics"].create(
        {
            "sha256": str,
            "rubric_id": str,
            "version": str,
            "title": str,
            "source": str,
            "added_at": str,
        },
        pk="sha256",
        not_null={"rubric_id", "version", "source", "added_at"},
    )
    db["assessments"].create(
        {
            "id": int,
            "scope_id": int,
            "label": str,
            "stage": str,
            "tier": str,
            "rubric_sha256": str,
            "rubric_id": str,
            "rubric_version": str,
            "status": str,
            "based_on": int,
            "created_by": str,
            "created_at": str,
            "updated_at": str,
            "finalised_at": str,
        },
        pk="id",
        not_null={"scope_id", "stage", "tier", "rubric_sha256", "status", "created_at"},
        foreign_keys=[
            ("scope_id", "scopes", "id"),
            ("rubric_sha256", "rubrics", "sha256"),
            ("based_on", "assessments", "id"),
        ],
    )
    db["assessments"].create_index(["scope_id", "created_at"])
    db["participants"].create(
        {"id": int, "assessment_id": int, "name": str, "role": str, "created_at": str},
        pk="id",
        not_null={"assessment_id", "name", "role", "created_at"},
        foreign_keys=[("assessment_id", "assessments", "id")],
    )
    db["participants"].create_index(["assessment_id", "name"], unique=True)
    db["answers"].create(
        {
            "assessment_id": int,
            "participant_id": int,
            "question_id": str,
            "value": str,
            "confidence": int,
            "evidence": str,
            "notes": str,
            "answered_by": str,
            "answered_at": str,
        },
        pk=("assessment_id", "participant_id", "question_id"),
        not_null={"value", "answered_at"},
        foreign_keys=[
            ("assessment_id", "assessments", "id"),
            ("participant_id", "participants", "id"),
        ],
    )
    db["roadmap_items"].create(
        {
            "scope_id": int,
            "item_id": str,
            "owner": str,
            "start": str,
            "due": str,
            "status": str,
            "notes": str,
            "updated_by": str,
            "updated_at": str,
        },
        pk=("scope_id", "item_id"),
        foreign_keys=[("scope_id", "scopes", "id")],
    )
    db["audit_log"].create(
        {
            "id": int,
            "at": str,
            "who": str,
            "action": str,
            "entity": str,
            "entity_id": str,
            "field": str,
            "old_value": str,
            "new_value": str,
        },
        pk="id",
        not_null={"at", "action", "entity"},
    )
    db["audit_log"].create_index(["entity", "entity_id"])


@migrations()
def m003_answer_versions(db: Database) -> None:
    """Each answer carries a version, so a save based on an older one is not applied silently.

    Answers stored before this migration start at version 1.
    """
    db["answers"].add_column("version", int, not_null_default=1)


@migrations()
def m004_roadmap_plans(db: Database) -> None:
    """Each scope's roadmap keeps the start of its wave 1, so its calendar does not drift."""
    db["roadmap_plans"].create(
        {"scope_id": int, "start": str, "updated_by": str, "updated_at": str},
        pk="scope_id",
        not_null={"start"},
        foreign_keys=[("scope_id", "scopes", "id")],
    )


@migrations()
def m005_round_summaries(db: Database) -> None:
    """A final round's verdict, readiness, score, blocker count and dimension scores, so
    the portfolio reads them instead of scoring every round again.

    Rounds finalised before this migration get theirs the first time they are shown.
    """
    db["round_summaries"].create(
        {
            "assessment_id": int,
            "scoring_version": str,
            "verdict": str,
            "blockers": int,
            "readiness": float,
            "score": float,
            "dimensions": str,  # JSON: dimension id -> score
            "computed_at": str,
        },
        pk="assessment_id",
        not_null={"scoring_version", "verdict", "blockers", "dimensions", "computed_at"},
        foreign_keys=[("assessment_id", "assessments", "id")],
    )


# ---------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------


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


_RUBRICS: dict[str, Rubric] = {}  # sha256 -> parsed rubric; a hash names one text forever


class Store:
    """A connection to the Groundwork database. Open one per unit of work; close it."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else database_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            raise StorageError(
                f"The folder for the database {self.path} cannot be created."
            ) from None
        with storage_errors(self.path):
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            try:
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute("PRAGMA busy_timeout = 30000")
                conn.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.Error:
                conn.close()
                raise
        self.db = Database(conn)
        _keep_open(self.path)

    def close(self) -> None:
        self.db.close()
        _touch(self.path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def migrate(self) -> None:
        """Bring the schema up to date; safe when several processes open a new file at once.

        WAL is switched on first (it cannot change inside a transaction), then the pending
        migrations run inside one ``BEGIN IMMEDIATE``: the first process applies them, the
        others wait for its commit and then find nothing left to do.
        """
        with _WRITE_LOCK, storage_errors(self.path):
            if not migrations.pending(self.db):
                return
            _enable_wal(self.db)
            with self.write():
                migrations.apply(self.db)
        _keep_open(self.path)

    @property
    def is_empty(self) -> bool:
        return not self.db["scopes"].exists() or self.db["scopes"].count == 0

    # -- the one write path --------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Database]:
        """A write transaction: process-wide lock, BEGIN IMMEDIATE, all or nothing."""
        with _WRITE_LOCK:
            conn = self.db.conn
            if conn.in_transaction:  # nested: join the outer transaction
                yield self.db
                return
            with storage_errors(self.path):
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise

    def _audit(
        self,
        who: str,
        action: str,
        entity: str,
        entity_id: Any,
        field: str | None = None,
        old: Any = None,
        new: Any = None,
    ) -> None:
        self._audit_fields(who, action, entity, entity_id, [(field, old, new)])

    def _audit_fields(
        self,
        who: str,
        action: str,
        entity: str,
        entity_id: Any,
        changes: list[tuple[str | None, Any, Any]],
        at: str | None = None,
    ) -> None:
        """One audit row per (field, old, new), in one prepared statement."""
        if not changes:
            return
        at, who, entity_id = at or now(), who or "", str(entity_id)
        args: list[Any] = []
        for field, old, new in changes:
            args += [at, who, action, entity, entity_id, field]
            args += [None if old is None else str(old), None if new is None else str(new)]
        self.db.conn.execute(
            "insert into audit_log (at, who, action, entity, entity_id, field, old_value,"
            " new_value) values " + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(changes)),
            args,
        )

    def _row(self, sql: str, args: list | tuple = ()) -> dict | None:
        """The first row of a plain prepared query as a dict, or None."""
        cursor = self.db.conn.execute(sql, args)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cursor.description], row, strict=True))

    def people(self) -> set[str]:
        """Everyone the audit log names: a database only the demo wrote names only it."""
        if not self.db["audit_log"].exists():
            return set()
        return {r["who"] for r in self.db.query("select distinct who from audit_log")}

    def audit_log(self, entity: str | None = None, entity_id: Any = None) -> list[dict]:
        where, args = [], []
        if entity:
            where.append("entity = ?")
            args.append(entity)
        if entity_id is not None:
            where.append("entity_id = ?")
            args.append(str(entity_id))
        return list(
            self.db["audit_log"].rows_where(" and ".join(where) or None, args, order_by="id")
        )

    # -- organisations and scopes --------------------------------------------------
    def create_organisation(self, name: str, who: str = "") -> int:
        name = _required(name, "organisation name")
        with self.write() as db:
            if db["organisations"].count_where("name = ?", [name]):
                raise StoreError(f"an organisation called '{name}' already exists")
            org_id = db["organisations"].insert({"name": name, "created_at": now()}).last_pk
            db["scopes"].insert(
                {
                    "organisation_id": org_id,
                    "kind": "organisation",
                    "name": name,
                    "created_at": now(),
                }
            )
            self._audit(who, "create", "organisation", org_id, "name", None, name)
        return int(org_id)

    def organisations(self) -> list[dict]:
        return list(self.db["organisations"].rows_where(order_by="name"))

    def set_branding(
        self,
        organisation_id: int,
        *,
        accent: str | None = None,
        logo: bytes | None = None,
        who: str = "",
    ) -> None:
        """The accent colour and logo used on the organisation's exported workbooks.

        The logo is checked to be a real PNG or JPEG image and kept beside the database.
        """
        changes: dict[str, Any] = {}
        if accent is not None:
            if not re.fullmatch(r"#[0-9A-Fa-f]{6}", accent.strip()):
                raise StoreError("the accent colour must look like #1D4ED8")
            changes["accent"] = accent.strip().upper()
        if logo is not None:
            changes["logo"] = str(self._save_logo(organisation_id, logo))
        with self.write() as db:
            try:
                old = db["organisations"].get(organisation_id)
            except NotFoundError:
                raise StoreError(f"no organisation with id {organisation_id}") from None
            db["organisations"].update(organisation_id, changes)
            for key, value in changes.items():
                self._audit(
                    who, "update", "organisation", organisation_id, key, old.get(key), value
                )

    def _save_logo(self, organisation_id: int, data: bytes) -> Path:
        from PIL import Image, UnidentifiedImageError

        if len(data) > MAX_LOGO_BYTES:
            raise StoreError(f"the logo is larger than {MAX_LOGO_BYTES // 1_000_000} MB")
        limit = f"{MAX_LOGO_SIDE}×{MAX_LOGO_SIDE} pixels: scale it down"
        too_big = f"the logo is over {limit}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                # open() reads only the header; the size is checked before any decoding
                with Image.open(io.BytesIO(data)) as image:
                    kind = image.format
                    width, height = image.size
                    if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE:
                        raise StoreError(f"the logo is {width}×{height}, over {limit}")
                    image.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise StoreError(too_big) from None
        except (UnidentifiedImageError, OSError, SyntaxError):
            raise StoreError("the logo is not a readable PNG or JPEG image") from None
        if kind not in ("PNG", "JPEG"):
            raise StoreError(f"the logo must be a PNG or JPEG image, not {kind}")
        folder = self.path.parent / "logos"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"organisation-{organisation_id}.{'png' if kind == 'PNG' else 'jpg'}"
        path.write_bytes(data)
        return path

    def create_scope(
        self,
        organisation_id: int,
        kind: str,
        name: str,
        *,
        parent_id: int | None = None,
        stage: str | None = None,
        tier: str | None = None,
        description: str = "",
        who: str = "",
    ) -> int:
        if kind not in ("unit", "system"):
            raise StoreError(f"a scope is a unit or a system, not '{kind}'")
        name = _required(name, f"{kind} name")
        with self.write() as db:
            if parent_id is None:
                parent_id = self.organisation_scope(organisation_id).id
            elif self.scope_row(parent_id)["organisation_id"] != organisation_id:
                raise StoreError("the unit belongs to another organisation")
            scope_id = (
                db["scopes"]
                .insert(
                    {
                        "organisation_id": organisation_id,
                        "parent_id": parent_id,
                        "kind": kind,
                        "name": name,
                        "description": description,
                        "stage": stage,
                        "tier": tier,
                        "created_at": now(),
                    }
                )
                .last_pk
            )
            self._audit(who, "create", "scope", scope_id, "name", None, name)
        return int(scope_id)

    def update_scope(self, scope_id: int, who: str = "", **fields: Any) -> None:
        allowed = {"name", "description", "stage", "tier", "parent_id"}
        unknown = set(fields) - allowed
        if unknown:
            raise StoreError(f"cannot change {', '.join(sorted(unknown))} of a scope")
        if "name" in fields:
            fields["name"] = _required(fields["name"], "name")
        with self.write() as db:
            old = self.scope_row(scope_id)
            if fields.get("parent_id") is not None:
                self._check_parent(old, fields["parent_id"])
            changes = {k: v for k, v in fields.items() if old.get(k) != v}
            if not changes:
                return
            db["scopes"].update(scope_id, changes)
            if old["kind"] == "organisation" and "name" in changes:
                db["organisations"].update(old["organisation_id"], {"name": changes["name"]})
            for key, value in changes.items():
                self._audit(who, "update", "scope", scope_id, key, old.get(key), value)

    def scope_row(self, scope_id: int) -> dict:
        try:
            return self.db["scopes"].get(scope_id)
        except NotFoundError:
            raise StoreError(f"no scope with id {scope_id}") from None

    def _check_parent(self, scope: dict, parent_id: int) -> None:
        parent = self.scope_row(parent_id)
        if parent["organisation_id"] != scope["organisation_id"]:
            raise StoreError("a scope can only move within its organisation")
        current: dict | None = parent
        while current is not None:
            if current["id"] == scope["id"]:
                raise StoreError(f"'{scope['name']}' cannot sit inside itself")
            current = self.scope_row(current["parent_id"]) if current["parent_id"] else None

    def scope(self, scope_id: int) -> Scope:
        return _scope(self.scope_row(scope_id))

    def scopes(self, organisation_id: int | None = None, kind: str | None = None) -> list[Scope]:
        where, args = [], []
        if organisation_id is not None:
            where.append("organisation_id = ?")
            args.append(organisation_id)
        if kind:
            where.append("kind = ?")
            args.append(kind)
        rows = self.db["scopes"].rows_where(" and ".join(where) or None, args, order_by="id")
        return [_scope(r) for r in rows]

    def organisation_scope(self, organisation_id: int) -> Scope:
        rows = list(
            self.db["scopes"].rows_where(
                "organisation_id = ? and kind = 'organisation'", [organisation_id]
            )
        )
        if not rows:
            raise StoreError(f"no organisation with id {organisation_id}")
        return _scope(rows[0])

    def scope_path(self, scope_id: int) -> str:
        """'Org / Unit / System', for headings and exports."""
        names, current = [], self.scope(scope_id)
        while True:
            names.append(current.name)
            if current.parent_id is None:
                break
            current = self.scope(current.parent_id)
        return " / ".join(reversed(names))

    # -- rubrics ------------------------------------------------------------------
    def save_rubric(self, rubric: Rubric) -> str:
        with self.write() as db:
            if not db["rubrics"].count_where("sha256 = ?", [rubric.sha256]):
                db["rubrics"].insert(
                    {
                        "sha256": rubric.sha256,
                        "rubric_id": rubric.id,
                        "version": rubric.version,
                        "title": rubric.title,
                        "source": rubric.source,
                        "added_at": now(),
                    }
                )
        return rubric.sha256

    def rubric(self, sha256: str) -> Rubric:
        if sha256 not in _RUBRICS:
            row = self._row("select rubric_id, source from rubrics where sha256 = ?", [sha256])
            if row is None:
                raise NotFoundError(sha256)
            # stored only once parsed and validated: libyaml may read it (see parse_rubric)
            _RUBRICS[sha256] = parse_rubric(
                row["source"], f"stored rubric {row['rubric_id']}", validated=True
            )
        return _RUBRICS[sha256]

    def rubrics(self) -> list[dict]:
        return list(
            self.db.query(
                "select sha256, rubric_id, version, title, added_at from rubrics order by added_at"
            )
        )

    # -- assessments --------------------------------------------------------------
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
                " s.dimensions from round_summaries s join assessments a"
                " on a.id = s.assessment_id and a.status = 'final'"
                f" where s.scoring_version = ? and s.assessment_id in ({_marks(chunk)})",
                [SCORING_VERSION, *chunk],
            )
            for aid, verdict, blockers, readiness, score_, dims in cursor:
                out[aid] = {
                    "verdict": verdict,
                    "blockers": blockers,
                    "readiness": readiness,
                    "score": score_,
                    "dimensions": json.loads(dims),
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
            " readiness, score, dimensions, computed_at) values (?, ?, ?, ?, ?, ?, ?, ?)"
            " on conflict (assessment_id) do update set scoring_version ="
            " excluded.scoring_version, verdict = excluded.verdict, blockers ="
            " excluded.blockers, readiness = excluded.readiness, score = excluded.score,"
            " dimensions = excluded.dimensions, computed_at = excluded.computed_at",
            [
                (
                    aid,
                    SCORING_VERSION,
                    s["verdict"],
                    s["blockers"],
                    s["readiness"],
                    s["score"],
                    json.dumps(s["dimensions"]),
                    at,
                )
                for aid, s in summaries.items()
            ],
        )

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

    # -- answers ------------------------------------------------------------------
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
        the round, the participant with the stored answer, the upsert, the round's
        ``updated_at`` and one audit statement, inside one ``BEGIN IMMEDIATE``.
        """
        unknown = set(changes) - {"value", "confidence", "evidence", "notes"}
        if unknown:
            raise StoreError(f"unknown answer field(s): {', '.join(sorted(unknown))}")
        with self.write():
            conn = self.db.conn
            old = self._answer_in_round(assessment_id, question_id, participant_id)
            if old is None:
                raise StoreError(f"no assessment with id {assessment_id}")
            status, sha, pid = old.pop("_status"), old.pop("_rubric"), old.pop("_pid")
            if status == "final":
                raise StoreError("this round is final: start a new round to change its answers")
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
            _check_answer_text(question_id, merged)
            version = old["version"] if old else 0
            row = _answer_row(assessment_id, pid, question_id, merged, who, now(), version + 1)
            fields = ("value", "confidence", "evidence", "notes")
            if old and all((old[f] or None) == (row[f] or None) for f in fields):
                return _stored(old), False  # already so: nothing to write, nothing to refuse
            if based_on is not None and version > based_on:
                raise AnswerConflict(question_id, _stored(old), changes)
            conn.execute(_UPSERT_ANSWER, [row[c] for c in _ANSWER_COLUMNS])
            conn.execute(
                "update assessments set updated_at = ? where id = ?",
                [row["answered_at"], assessment_id],
            )
            self._audit_fields(
                who,
                "override" if override else "answer",
                "assessment",
                assessment_id,
                [
                    (f"{question_id}.{f}", old[f] if old else None, row[f])
                    for f in fields
                    if ((old[f] if old else None) or None) != (row[f] or None)
                ],
                at=row["answered_at"],
            )
        return _stored(row), True

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

    # -- roadmap state ------------------------------------------------------------
    def roadmap_state(self, scope_id: int) -> dict[str, dict]:
        rows = self.db["roadmap_items"].rows_where("scope_id = ?", [scope_id])
        return {r["item_id"]: r for r in rows}

    def roadmap_start(self, scope_id: int) -> dt.date | None:
        """The start of wave 1 chosen for this scope's roadmap, if one was chosen."""
        row = next(iter(self.db["roadmap_plans"].rows_where("scope_id = ?", [scope_id])), None)
        return dt.date.fromisoformat(row["start"]) if row else None

    def set_roadmap_start(self, scope_id: int, start: dt.date, who: str = "") -> bool:
        """Keep ``start`` as the start of wave 1 of the scope's roadmap; True if it changed."""
        if not isinstance(start, dt.date):
            raise StoreError("the start of wave 1 must be a date")
        self.scope_row(scope_id)
        with self.write() as db:
            old = self.roadmap_start(scope_id)
            if old == start:
                return False
            db["roadmap_plans"].upsert(
                {
                    "scope_id": scope_id,
                    "start": start.isoformat(),
                    "updated_by": who,
                    "updated_at": now(),
                },
                pk="scope_id",
            )
            self._audit(
                who,
                "roadmap",
                "scope",
                scope_id,
                "start",
                old.isoformat() if old else None,
                start.isoformat(),
            )
        return True

    def save_roadmap_item(self, scope_id: int, item_id: str, who: str = "", **fields: Any) -> bool:
        unknown = set(fields) - set(ROADMAP_FIELDS)
        if unknown:
            raise StoreError(f"unknown roadmap field(s): {', '.join(sorted(unknown))}")
        problem = text_problem(f"{item_id} notes", fields.get("notes"))
        if problem:
            raise StoreError(problem)
        if "status" in fields and fields["status"] not in ROADMAP_STATUSES:
            raise StoreError(f"status must be one of: {', '.join(ROADMAP_STATUSES)}")
        for key in ("start", "due"):
            if fields.get(key):
                try:
                    fields[key] = dt.date.fromisoformat(str(fields[key])).isoformat()
                except ValueError:
                    raise StoreError(f"{key} must be a date, YYYY-MM-DD") from None
        with self.write():
            old = self._row(
                "select * from roadmap_items where scope_id = ? and item_id = ?",
                [scope_id, item_id],
            )
            old = old or {}
            changes = {k: v for k, v in fields.items() if (old.get(k) or None) != (v or None)}
            if not changes:
                return False
            stamp = now()
            row = {**changes, "updated_by": who, "updated_at": stamp}
            columns = ["scope_id", "item_id", *row]  # only the fields given: the rest stay
            self.db.conn.execute(
                f"insert into roadmap_items ({', '.join(columns)})"
                f" values ({', '.join('?' * len(columns))})"
                " on conflict (scope_id, item_id) do update set "
                + ", ".join(f"{c} = excluded.{c}" for c in row),
                [scope_id, item_id, *row.values()],
            )
            self._audit_fields(
                who,
                "roadmap",
                "scope",
                scope_id,
                [(f"{item_id}.{k}", old.get(k), v) for k, v in changes.items()],
                at=stamp,
            )
        return True

    def save_roadmap_items(
        self, scope_id: int, edits: dict[str, dict[str, Any]], who: str = ""
    ) -> None:
        """Several items' edits in one transaction: all are stored, or none."""
        with self.write():
            for item_id, fields in edits.items():
                self.save_roadmap_item(scope_id, item_id, who=who, **fields)


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
    aid: int, pid: int, qid: str, answer: Answer, who: str, at: str, version: int = 1
) -> dict:
    """One row of the answers table."""
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
)
_UPSERT_ANSWER = (
    f"insert into answers ({', '.join(_ANSWER_COLUMNS)})"
    f" values ({', '.join('?' * len(_ANSWER_COLUMNS))})"
    " on conflict (assessment_id, participant_id, question_id) do update set "
    + ", ".join(f"{c} = excluded.{c}" for c in _ANSWER_COLUMNS[3:])
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


def release(path: str | Path) -> None:
    """Fold the write-ahead log into the file and stop using WAL, so that the file can be
    replaced by a rename without a stale ``-wal`` being applied to its successor.

    Refused while another connection has the file open (a running server mid-request).
    """
    path = Path(path)
    let_go(path)
    conn = sqlite3.connect(path, timeout=5)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.OperationalError as exc:
        message = _storage_message(exc, path)
        raise StorageError(
            message or f"{path} is in use by another Groundwork process; try again in a moment."
        ) from None
    except sqlite3.DatabaseError:
        pass  # not a database at all: nothing to fold in
    finally:
        conn.close()


def _enable_wal(db: Database, tries: int = 200) -> None:
    """Switch to WAL. SQLite answers "locked" at once, without waiting, while another
    process holds the file in the middle of the same switch, so try again for a while."""
    for attempt in range(tries):
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == tries - 1:
                raise
            time.sleep(0.05)


def open_store(path: str | Path | None = None, *, migrate: bool = True) -> Store:
    store = Store(path)
    if migrate:
        store.migrate()
    return store
