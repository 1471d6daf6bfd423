"""Running Groundwork safely: the demo swap, the listening address, and a full disk or a
read-only database explained in one sentence instead of a traceback."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from groundwork import demo
from groundwork.cli import build_parser, serve_command
from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
from groundwork.scoring import Answer
from groundwork.store import Store, open_store


def _work(path: Path) -> int:
    """A database holding someone's real work."""
    with open_store(path) as s:
        org = s.create_organisation("Acme", who="ana")
        scope = s.create_scope(org, "system", "Bot", who="ana")
        aid = s.create_assessment(scope, load_rubric(DEFAULT_RUBRIC), "production", "minimal")
        s.save_answer(aid, "MON-1", Answer(4, evidence="kept"), who="ana")
        return aid


def _organisations(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("select name from organisations order by name")]


def test_demo_refuses_to_replace_real_work_without_a_terminal(tmp_path, run_cli):
    db = tmp_path / "groundwork.db"
    _work(db)
    code, out, err = run_cli("demo", "--db", db)  # pytest's stdin is not a terminal
    assert code == 1
    assert "was not replaced: it holds other organisations (Acme)" in err
    assert "--yes" in err and "Traceback" not in err
    assert _organisations(db) == ["Acme"]


def test_demo_asks_at_a_terminal_and_no_keeps_the_database(tmp_path, run_cli, monkeypatch):
    db = tmp_path / "groundwork.db"
    _work(db)
    asked = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "n")
    code, out, _ = run_cli("demo", "--db", db)
    assert code == 1 and "Nothing was replaced." in out
    assert "Replace it with the demo?" in asked[0]
    assert _organisations(db) == ["Acme"]


def test_demo_replaces_with_yes_and_replaces_its_own_demo_without_asking(tmp_path, run_cli):
    db = tmp_path / "groundwork.db"
    _work(db)
    assert run_cli("demo", "--db", db, "--yes")[0] == 0
    assert _organisations(db) == [demo.ORGANISATION]
    assert run_cli("demo", "--db", db)[0] == 0, "the untouched demo is replaced without asking"
    with open_store(db) as s:
        aid = s.assessments()[-1].id
        s.update_assessment(aid, who="ana", label="Our own round")
    code, _, err = run_cli("demo", "--db", db)
    assert code == 1 and "changes made by ana" in err


def test_demo_is_built_beside_the_old_database_and_swapped_in_only_when_complete(
    tmp_path, monkeypatch
):
    db = tmp_path / "groundwork.db"
    _work(db)
    real = demo._answers
    calls = []

    def crash_midway(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt  # the machine goes down half-way through the seeding
        return real(*args, **kwargs)

    monkeypatch.setattr(demo, "_answers", crash_midway)
    with pytest.raises(KeyboardInterrupt):
        demo.reset(db)
    assert _organisations(db) == ["Acme"], "the old database is untouched"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

    monkeypatch.setattr(demo, "_answers", real)
    db.chmod(0o640)
    demo.reset(db)
    assert _organisations(db) == [demo.ORGANISATION]
    assert db.stat().st_mode & 0o777 == 0o640, "the new file keeps the old one's permissions"
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    with open_store(db) as s:
        assert len(s.assessments()) == 9
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_demo_will_not_swap_under_a_process_using_the_database(tmp_path):
    db = tmp_path / "groundwork.db"
    demo.reset(db)
    busy = sqlite3.connect(db)
    busy.execute("select count(*) from scopes").fetchone()
    try:
        with pytest.raises(ValueError, match="in use by another Groundwork process"):
            demo.reset(db)
    finally:
        busy.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["groundwork.db"]


def _full_disk(monkeypatch, pages: int | None = None, read_only: bool = False) -> None:
    """Every new connection sees a disk with no room left, or a read-only file."""
    real = Store.__init__

    def cramped(self, path=None):
        real(self, path)
        if read_only:
            self.db.execute("PRAGMA query_only = ON")
        else:
            count = self.db.execute("PRAGMA page_count").fetchone()[0]
            self.db.execute(f"PRAGMA max_page_count = {max(count, pages or 1)}")

    monkeypatch.setattr(Store, "__init__", cramped)


def test_a_full_disk_during_demo_is_one_sentence_and_keeps_the_old_database(
    tmp_path, run_cli, monkeypatch
):
    db = tmp_path / "groundwork.db"
    _work(db)
    _full_disk(monkeypatch, pages=40)
    code, out, err = run_cli("demo", "--db", db, "--yes")
    assert code == 1
    assert err.strip().startswith("groundwork: Nothing was saved: the disk holding")
    assert err.count("\n") == 1 and "Traceback" not in err
    monkeypatch.undo()
    assert _organisations(db) == ["Acme"]


def test_a_read_only_database_is_one_sentence_in_the_cli(tmp_path, run_cli, monkeypatch):
    from groundwork import excel

    db = tmp_path / "groundwork.db"
    _work(db)
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(
        excel.questionnaire_workbook(load_rubric(DEFAULT_RUBRIC), {"MON-1": Answer(2)})
    )
    monkeypatch.setenv("GROUNDWORK_DB", str(db))
    _full_disk(monkeypatch, read_only=True)
    code, out, err = run_cli("import", filled, "--scope", "Bot", "--yes")
    assert code == 1
    assert "groundwork: Nothing was saved: the database" in err and "is read-only" in err
    assert "Traceback" not in err


def test_serve_listens_on_this_machine_only_unless_told(monkeypatch):
    def address(*argv: str) -> str:
        command = serve_command(build_parser().parse_args(["serve", *argv]))
        return command[command.index("--server.address") + 1]

    monkeypatch.delenv("GROUNDWORK_ADDRESS", raising=False)
    assert address() == "127.0.0.1"
    assert address("--address", "0.0.0.0") == "0.0.0.0"
    monkeypatch.setenv("GROUNDWORK_ADDRESS", "10.0.0.5")
    assert address() == "10.0.0.5"
    assert address("--address", "::1") == "::1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_served_app_cannot_be_reached_on_another_address(tmp_path):
    """127.0.0.1 answers; 127.0.0.2 (another address of this machine) is refused."""
    port = _free_port()
    env = {**os.environ, "GROUNDWORK_DB": str(tmp_path / "gw.db")}
    env.pop("GROUNDWORK_ADDRESS", None)
    groundwork = Path(sys.executable).with_name("groundwork")
    process = subprocess.Popen(
        [str(groundwork), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # the server is a child of the command: stop them together
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, "groundwork serve exited early"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                    if r.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start in 90 s"
            time.sleep(0.3)
        with (
            pytest.raises(ConnectionRefusedError),
            socket.create_connection(("127.0.0.2", port), timeout=5),
        ):
            pass
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def test_a_file_that_is_no_database_is_one_sentence(tmp_path, run_cli, monkeypatch):
    db = tmp_path / "notes.txt"
    db.write_text("these are my notes, not a database\n" * 200)
    monkeypatch.setenv("GROUNDWORK_DB", str(db))
    code, _, err = run_cli("export", "--assessment", 1, tmp_path / "out.xlsx")
    assert code == 1
    assert (
        err
        == f"groundwork: {db} is not a Groundwork database: point GROUNDWORK_DB at another file.\n"
    )
    code, _, err = run_cli("demo")
    assert code == 1 and "it cannot be read as a Groundwork database" in err
    assert db.read_text().startswith("these are my notes")


def test_make_run_serves_through_groundwork_serve_on_this_machine_only():
    root = Path(__file__).resolve().parents[1]

    def dry_run(*extra: str) -> str:
        done = subprocess.run(
            ["make", "-n", "-C", str(root), "run", *extra], capture_output=True, text=True
        )
        return [line for line in done.stdout.splitlines() if "groundwork serve" in line][0]

    assert "--address" not in dry_run(), "the default comes from groundwork serve: 127.0.0.1"
    assert dry_run("ADDRESS=0.0.0.0").endswith("--address 0.0.0.0")
