"""Saves that arrive together share one transaction, and each keeps its own outcome."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from groundwork.store import Store, StoreError, open_store
from groundwork.store.connection import _WRITE_LOCK
from groundwork.store.group_commit import _FILES


def _table(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("create table t (k integer primary key, v text not null)")
    conn.commit()
    conn.close()


def _queued_together(path: Path, statements: list[tuple[str, list]]) -> list[object]:
    """Run each statement from its own thread and Store while this thread holds the write
    lock, so that all of them are queued before any runs: one batch, deterministically."""
    stores = [Store(path) for _ in statements]
    outcomes: list[object] = [None] * len(statements)

    def one(i: int) -> None:
        try:
            outcomes[i] = stores[i].write_one(*statements[i])
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            outcomes[i] = exc

    key = stores[0]._file_key
    with _WRITE_LOCK:
        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(statements))]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            queue = _FILES.get(key)
            if queue is not None and len(queue.waiting) == len(statements):
                break
            time.sleep(0.005)
        else:
            pytest.fail("the statements were not all queued")
    for t in threads:
        t.join(10)
    for s in stores:
        s.close()
    return outcomes


def _rows(path: Path) -> dict[int, str]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("select k, v from t"))
    finally:
        conn.close()


def test_a_refused_statement_undoes_only_itself(tmp_path):
    path = tmp_path / "g.db"
    _table(path)
    statements = [("insert into t (k, v) values (?, ?) returning k", [k, f"v{k}"]) for k in (1, 2)]
    statements.append(("insert into t (k, v) values (?, null)", [3]))  # not null: refused
    statements.append(("insert into t (k, v) values (?, ?) returning k", [4, "v4"]))
    outcomes = _queued_together(path, statements)
    assert outcomes[0] == (1, [{"k": 1}]) and outcomes[1] == (1, [{"k": 2}])
    assert isinstance(outcomes[2], sqlite3.IntegrityError)
    assert outcomes[3] == (1, [{"k": 4}])
    assert _rows(path) == {1: "v1", 2: "v2", 4: "v4"}


def test_when_the_transaction_fails_nothing_in_it_is_reported_saved(tmp_path):
    path = tmp_path / "g.db"
    _table(path)
    conn = sqlite3.connect(path)
    conn.execute(  # a statement that ends the whole transaction, not just itself
        "create trigger no_sevens before insert on t when new.k = 7"
        " begin select raise(rollback, 'sevens end everything'); end"
    )
    conn.commit()
    conn.close()
    statements = [("insert into t (k, v) values (?, 'x')", [k]) for k in (5, 6, 7, 8)]
    outcomes = _queued_together(path, statements)
    assert _rows(path) == {}
    assert all(isinstance(o, sqlite3.Error) for o in outcomes), outcomes
    # and the file takes writes again afterwards
    assert _queued_together(path, [("insert into t (k, v) values (9, 'y')", [])]) == [(1, [])]


def test_a_room_saving_at_once_keeps_every_answer_and_refuses_the_closed_one(tmp_path, tiny_rubric):
    """Two workshops on one file, saves queued together: the closed one's save is refused
    by the database, the others are saved, each with its own version."""
    path = tmp_path / "room.db"
    with open_store(path) as s:
        org = s.create_organisation("Org")
        scope = s.create_scope(org, "system", "Bot")
        first = s.create_assessment(scope, tiny_rubric, "live", "low")
        second = s.create_assessment(scope, tiny_rubric, "live", "low", label="B")
        open_room, closed_room = s.open_workshop(first), s.open_workshop(second)
        tokens = [s.join_workshop(open_room.code, f"P{i}", "engineering") for i in range(5)]
        late = s.join_workshop(closed_room.code, "Late", "engineering")
        s.close_workshop(closed_room.id)
    question = tiny_rubric.questions[0].id
    stores = [Store(path) for _ in range(6)]
    outcomes: list[object] = [None] * 6

    def save(i: int, token: str) -> None:
        try:
            outcomes[i] = stores[i].save_participant_answer(token, question, based_on=0, value=1)
        except StoreError as exc:
            outcomes[i] = exc

    with _WRITE_LOCK:
        threads = [
            threading.Thread(target=save, args=(i, t)) for i, t in enumerate([*tokens, late])
        ]
        for t in threads:
            t.start()
        time.sleep(0.3)
    for t in threads:
        t.join(10)
    for s in stores:
        s.close()
    assert [o.version for o in outcomes[:5]] == [1] * 5
    assert isinstance(outcomes[5], StoreError) and "closed" in str(outcomes[5])
    with open_store(path) as s:
        assert len(s.room_answers(open_room.id)) == 5
        assert s.room_answers(closed_room.id) == {}
