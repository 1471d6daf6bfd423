"""The connection every part of the store shares, its one write path and the audit rows."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from groundwork.store.connection import (
    _WRITE_LOCK,
    StorageError,
    StoreError,
    _enable_wal,
    _file_id,
    _keep_open,
    _touch,
    database_path,
    now,
    storage_errors,
)
from groundwork.store.group_commit import run, write_grouped
from groundwork.store.schema import migrations


class StoreBase:
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
            # autocommit: a transaction is only ever the explicit one of write() or write_one()
            conn = sqlite3.connect(
                self.path, timeout=30, check_same_thread=False, isolation_level=None
            )
            try:
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute("PRAGMA busy_timeout = 30000")
                conn.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.Error:
                conn.close()
                raise
        self.db = Database(conn)
        # statements queued for one file share a transaction (see write_one)
        self._file_key = (os.path.abspath(self.path), _file_id(os.path.abspath(self.path)))
        self.read_only: str | None = None  # when set, why every write is refused
        _keep_open(self.path)

    def close(self) -> None:
        self.db.close()
        _touch(self.path)

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
        """A write transaction: process-wide lock, BEGIN IMMEDIATE, all or nothing.

        Refused with :attr:`read_only` as the reason when it is set (a viewer's pages)."""
        if self.read_only:
            raise StoreError(self.read_only)
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

    def write_one(self, sql: str, args: list | tuple = ()) -> tuple[int, list[dict]]:
        """One statement, atomic with the triggers it fires: the rows it changed, and the
        rows it returns (``returning``) as dicts. Inside an open write() it joins that
        transaction.

        Otherwise it shares a transaction with the statements that arrive for the same
        file meanwhile (:mod:`group_commit`). Each keeps its own outcome; a refused
        statement undoes only itself, and nothing is reported saved before the COMMIT.
        """
        if self.read_only:
            raise StoreError(self.read_only)
        conn = self.db.conn
        if conn.in_transaction:  # inside this Store's own write(), which holds the lock
            with _WRITE_LOCK, storage_errors(self.path):
                return run(conn, sql, args)
        return write_grouped(self._file_key, conn, self.path, sql, args)

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
