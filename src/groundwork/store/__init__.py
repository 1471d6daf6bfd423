"""SQLite storage through sqlite-utils: the only package that speaks SQL.

One new connection per unit of work (a Streamlit rerun may run on another thread), WAL
and foreign keys on, and every write through :meth:`Store.write`: a process-wide lock,
``BEGIN IMMEDIATE``, commit or roll back as a whole. Answers are upserts keyed on
(assessment, participant, question), so a retried save is harmless.

One module per aggregate; :class:`Store` joins them into the one facade callers use.
"""

from __future__ import annotations

from pathlib import Path

from groundwork.store.answers import Answers
from groundwork.store.audit import AuditLog
from groundwork.store.connection import (
    DEFAULT_PATH,
    StorageError,
    StoreError,
    database_path,
    let_go,
    now,
    release,
)
from groundwork.store.outcomes import Outcomes
from groundwork.store.portfolio import Portfolio
from groundwork.store.records import (
    ROADMAP_FIELDS,
    ROADMAP_STATUSES,
    SELF,
    Account,
    AnswerConflict,
    Assessment,
    Scope,
    StoredAnswer,
)
from groundwork.store.roadmap import Roadmap
from groundwork.store.rounds import Rounds
from groundwork.store.rubrics import Rubrics
from groundwork.store.schema import migrations
from groundwork.store.scopes import Scopes
from groundwork.store.users import Users
from groundwork.store.workshops import Consensus, Member, Seat, Workshop, Workshops

__all__ = [
    "DEFAULT_PATH",
    "ROADMAP_FIELDS",
    "ROADMAP_STATUSES",
    "SELF",
    "Account",
    "AnswerConflict",
    "Assessment",
    "Consensus",
    "Member",
    "Scope",
    "Seat",
    "StorageError",
    "Store",
    "StoreError",
    "StoredAnswer",
    "Workshop",
    "database_path",
    "let_go",
    "migrations",
    "now",
    "open_store",
    "release",
]


class Store(
    AuditLog, Scopes, Rubrics, Rounds, Answers, Roadmap, Outcomes, Portfolio, Workshops, Users
):
    """A connection to the Groundwork database. Open one per unit of work; close it."""

    def __enter__(self) -> Store:
        return self


def open_store(path: str | Path | None = None, *, migrate: bool = True) -> Store:
    store = Store(path)
    if migrate:
        store.migrate()
    return store
