"""Starting fast: the quick commands load no heavy library, `serve` hands over to
Streamlit in the same process, and the database check is cheap."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from groundwork import cli, roadmap, store

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ["pandas", "numpy", "sqlite_utils", "openpyxl", "streamlit", "plotly", "pyarrow"]
WRAPPER = """
import contextlib, io, json, sys
from groundwork import cli
with contextlib.redirect_stdout(io.StringIO()):
    code = cli.main(sys.argv[1:])
heavy = sorted(m for m in HEAVY if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy}))
"""


def loaded_after(*argv: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{WRAPPER}", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "argv",
    [
        ["score", "rubrics/genai-production.yaml", "examples/pilot.yaml", "--json"],
        ["score", "rubrics/genai-production.yaml", "examples/near-production.csv"],
        ["roadmap", "rubrics/genai-production.yaml", "examples/pilot.yaml", "--json"],
        ["validate", "rubrics/genai-production.yaml"],
        ["schema"],
    ],
    ids=lambda argv: " ".join(argv[:1] + argv[-1:]),
)
def test_quick_commands_load_no_heavy_library(argv):
    result = loaded_after(*argv)
    assert result["code"] == 0
    assert result["heavy"] == [], f"{' '.join(argv)} imported {result['heavy']}"


def test_the_cli_defaults_agree_with_the_modules_they_stand_for(monkeypatch, tmp_path):
    assert cli.DEFAULT_WAVE_DAYS == roadmap.DEFAULT_WAVE_DAYS
    assert cli.DEFAULT_DB == store.DEFAULT_PATH
    monkeypatch.delenv("GROUNDWORK_DB", raising=False)
    assert cli.database_path() == store.database_path()
    monkeypatch.setenv("GROUNDWORK_DB", str(tmp_path / "x.db"))
    assert cli.database_path() == store.database_path() == tmp_path / "x.db"


def test_serve_checks_the_database_without_the_store(tmp_path):
    db = tmp_path / "gw.db"
    assert not cli._holds_scopes(db)  # no file
    db.write_bytes(b"")
    assert not cli._holds_scopes(db)  # an empty file
    db.write_text("not a database " * 100)
    assert not cli._holds_scopes(db)  # the store explains this one
    db.unlink()
    with store.open_store(db) as s:
        assert s.is_empty
    assert not cli._holds_scopes(db)  # the tables, but no scope yet
    assert db.stat().st_size > 0
    with store.open_store(db) as s:
        s.create_scope(s.create_organisation("Acme"), "system", "Bot")
    assert cli._holds_scopes(db)


def test_serve_runs_streamlit_in_its_own_process(monkeypatch, tmp_path):
    """No second interpreter: the launcher gets Streamlit's arguments, after the demo
    was seeded into the empty database it will serve."""
    from groundwork import launch

    calls = []
    monkeypatch.setattr(launch, "main", calls.append)
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("a second process"))
    monkeypatch.setenv("GROUNDWORK_DB", str(tmp_path / "gw.db"))
    monkeypatch.delenv("GROUNDWORK_ADDRESS", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["serve", "--port", "8765"]) == 0
    (argv,) = calls
    assert argv[:2] == ["run", str(cli.APP)]
    assert argv[argv.index("--server.port") + 1] == "8765"
    assert argv[argv.index("--server.address") + 1] == "127.0.0.1"
    assert Path.cwd() == cli.APP.parent
    with store.open_store(tmp_path / "gw.db") as s:
        assert not s.is_empty
    assert cli.main(["serve", "--address", "0.0.0.0"]) == 0  # seeded: straight to Streamlit
    assert calls[1][calls[1].index("--server.address") + 1] == "0.0.0.0"


def test_serve_uses_the_database_it_seeded_wherever_it_was_started(monkeypatch, tmp_path):
    from groundwork import launch

    monkeypatch.setattr(launch, "main", lambda argv: None)
    monkeypatch.delenv("GROUNDWORK_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["serve"]) == 0
    assert (tmp_path / "data" / "groundwork.db").is_file()
    assert os.environ["GROUNDWORK_DB"] == str(tmp_path / "data" / "groundwork.db")
