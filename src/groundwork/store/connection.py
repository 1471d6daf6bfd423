"""The database file: where it is, how it is opened and kept open, and what its
errors mean to a user."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

DEFAULT_PATH = Path("data") / "groundwork.db"

_WRITE_LOCK = threading.RLock()


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
