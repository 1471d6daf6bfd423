"""Group commit: statements that arrive for one database file while another is being
written share the next transaction, so a room of people saving at once costs one commit
per batch instead of one per save.

One caller leads: it takes the process-wide write lock, runs every statement queued for
the file in one transaction, hands each its outcome, and passes the lead to the first
statement queued meanwhile. The others wait on their own event, not on the lock, so a
finished batch wakes its callers at once instead of one by one through the lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from pathlib import Path
from typing import Any

from groundwork.store.connection import _WRITE_LOCK, storage_errors


class _Queued:
    """One statement waiting for a batch; once ``ready`` is set, its outcome (or the
    lead, when ``lead`` is set)."""

    __slots__ = ("sql", "args", "result", "error", "lead", "ready")

    def __init__(self, sql: str, args: list | tuple):
        self.sql, self.args = sql, args
        self.result: tuple[int, list[dict]] = (0, [])
        self.error: BaseException | None = None
        self.lead = False
        self.ready = threading.Event()


class _FileQueue:
    __slots__ = ("lock", "waiting", "leading")

    def __init__(self) -> None:
        self.lock = threading.Lock()  # guards waiting and leading; held for microseconds
        self.waiting: deque[_Queued] = deque()
        self.leading = False


_FILES: dict[Any, _FileQueue] = {}  # (path, file id) -> its queue


def run(conn: sqlite3.Connection, sql: str, args: list | tuple) -> tuple[int, list[dict]]:
    """One statement to its end: the rows it changed, and the rows it returns as dicts."""
    cursor = conn.execute(sql, args)
    rows = cursor.fetchall()  # to the end: the statement, and its write, is done
    names = [c[0] for c in cursor.description or ()]
    return cursor.rowcount, [dict(zip(names, r, strict=True)) for r in rows]


def write_grouped(
    key: Any, conn: sqlite3.Connection, path: Path, sql: str, args: list | tuple
) -> tuple[int, list[dict]]:
    """Run one statement in the next batch for the file ``key`` names (``conn`` is a
    connection to that file in autocommit mode, with no transaction open)."""
    queue = _FILES.get(key) or _FILES.setdefault(key, _FileQueue())
    mine = _Queued(sql, args)
    with queue.lock:
        queue.waiting.append(mine)
        mine.lead = not queue.leading
        queue.leading = True
    if not mine.lead:
        mine.ready.wait()
    if mine.lead:
        _lead(key, queue, conn, path, mine)
    with storage_errors(path):
        if mine.error is not None:
            raise mine.error
    return mine.result


def _lead(key: Any, queue: _FileQueue, conn: sqlite3.Connection, path: Path, mine: _Queued) -> None:
    batch: list[_Queued] = []
    successor = None
    try:
        with _WRITE_LOCK:
            with queue.lock:
                batch = list(queue.waiting)
                queue.waiting.clear()
            _commit(conn, path, batch)
    finally:
        with queue.lock:
            if queue.waiting:
                successor = queue.waiting[0]
                successor.lead = True
            else:
                queue.leading = False
                # an idle file's queue goes: a caller still holding it leads it alone, and
                # the write lock keeps two leaders of one file from overlapping
                if _FILES.get(key) is queue:
                    del _FILES[key]
        for queued in batch:
            if queued is not mine:
                queued.lead = False
                queued.ready.set()
        if successor is not None:
            successor.ready.set()


def _commit(conn: sqlite3.Connection, path: Path, batch: list[_Queued]) -> None:
    """The batch in one transaction. A statement refused on its own (a trigger's refusal,
    a constraint) is undone by SQLite alone and keeps its error; when the transaction
    itself fails, no statement in it is saved and each gets that error."""
    if len(batch) == 1:  # alone: the statement is its own transaction
        try:
            with storage_errors(path):
                batch[0].result = run(conn, batch[0].sql, batch[0].args)
        except BaseException as exc:  # noqa: BLE001 - handed to the statement's caller
            batch[0].error = exc
        return
    try:
        with storage_errors(path):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for queued in batch:
                    try:
                        queued.result = run(conn, queued.sql, queued.args)
                    except sqlite3.Error as exc:
                        if not conn.in_transaction:  # the whole transaction is gone
                            raise
                        queued.error = exc
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
    except BaseException as exc:  # noqa: BLE001 - handed to every statement of the batch
        for queued in batch:
            queued.result = (0, [])
            queued.error = exc if queued.error is None else queued.error
