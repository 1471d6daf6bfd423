"""`groundwork user add/passwd/remove/list` and what `groundwork serve` says about sign-in:
passwords come from a prompt or standard input, never the command line."""

from __future__ import annotations

import io
import sys

import pytest
from argon2 import PasswordHasher

from groundwork import cli, passwords
from groundwork.store import open_store

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUNDWORK_DB", str(tmp_path / "gw.db"))
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    return tmp_path / "gw.db"


def stdin(monkeypatch, text: str, tty: bool = False) -> None:
    fake = io.StringIO(text)
    fake.isatty = lambda: tty  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stdin", fake)


def test_add_a_user_with_the_password_on_stdin_and_list_them(run_cli, monkeypatch, database):
    code, out, _ = run_cli("user", "list")
    assert code == 0 and "groundwork user add NAME --role admin" in out
    stdin(monkeypatch, PASSWORD + "\n")
    code, out, err = run_cli(
        "user",
        "add",
        "Ada Lovelace",
        "--role",
        "admin",
        "--email",
        "ada@example.org",
        "--password-stdin",
    )
    assert (code, err) == (0, "") and "Added Ada Lovelace (admin)" in out
    code, out, _ = run_cli("user", "add", "Cy", "--role", "viewer", "--no-password")
    assert code == 0
    code, out, _ = run_cli("user", "list")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["Ada", "Lovelace", "admin"] and "ada@example.org" in lines[0]
    assert lines[0].endswith("password") and lines[1].endswith("single sign-on only")
    with open_store(database) as s:
        assert s.authenticate("Ada Lovelace", PASSWORD).role == "admin"
        assert s.audit_log("user")[0]["who"] != ""


def test_a_password_is_never_taken_from_the_command_line(run_cli):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["user", "add", "Ada", "--role", "admin", "--password", "x"])


def test_without_a_terminal_or_stdin_option_nothing_is_added(run_cli, monkeypatch, database):
    stdin(monkeypatch, "")
    code, _, err = run_cli("user", "add", "Ada", "--role", "admin")
    assert code == 1 and "--password-stdin" in err
    with open_store(database) as s:
        assert s.accounts() == []


def test_the_prompt_asks_twice_and_refuses_two_different_passwords(run_cli, monkeypatch, database):
    import getpass

    stdin(monkeypatch, "", tty=True)
    answers = iter([PASSWORD, PASSWORD + "!", PASSWORD, PASSWORD])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    code, _, err = run_cli("user", "add", "Ada", "--role", "admin")
    assert code == 1 and "differ" in err
    code, out, _ = run_cli("user", "add", "Ada", "--role", "admin")
    assert code == 0
    with open_store(database) as s:
        assert s.authenticate("Ada", PASSWORD)


def test_passwd_replaces_the_password_and_a_weak_one_is_refused(run_cli, monkeypatch, database):
    stdin(monkeypatch, PASSWORD + "\n")
    run_cli("user", "add", "Ada", "--role", "admin", "--password-stdin")
    stdin(monkeypatch, "short\n")
    code, _, err = run_cli("user", "passwd", "ada", "--password-stdin")
    assert code == 1 and "shorter than" in err
    stdin(monkeypatch, "another long password\n")
    code, out, _ = run_cli("user", "passwd", "ada", "--password-stdin")
    assert code == 0 and "Changed the password of Ada" in out
    with open_store(database) as s:
        assert not s.authenticate("Ada", PASSWORD)
        assert s.authenticate("Ada", "another long password")
    code, _, err = run_cli("user", "passwd", "Nobody", "--password-stdin")
    assert code == 1 and "no user called 'Nobody'" in err


def test_remove_asks_first_and_keeps_the_last_admin(run_cli, monkeypatch, database):
    run_cli("user", "add", "Ada", "--role", "admin", "--no-password")
    run_cli("user", "add", "Bob", "--role", "viewer", "--no-password")
    stdin(monkeypatch, "")
    code, out, _ = run_cli("user", "remove", "Bob")
    assert code == 1 and "not removed" in out
    code, _, err = run_cli("user", "remove", "Ada", "--yes")
    assert code == 1 and "last admin" in err
    code, out, _ = run_cli("user", "remove", "Bob", "--yes")
    assert code == 0 and "Removed Bob" in out
    with open_store(database) as s:
        assert [a.name for a in s.accounts()] == ["Ada"]


def test_set_changes_a_role_disables_and_enables(run_cli, database):
    run_cli("user", "add", "Ada", "--role", "admin", "--no-password")
    run_cli("user", "add", "Bob", "--role", "viewer", "--no-password")
    code, out, _ = run_cli("user", "set", "bob", "--role", "admin", "--email", "bob@example.org")
    assert code == 0 and "Bob: admin, bob@example.org, may sign in." in out
    code, out, _ = run_cli("user", "set", "Ada", "--disable")
    assert code == 0 and "Ada: admin, no email, disabled." in out
    code, _, err = run_cli("user", "set", "Bob", "--role", "viewer")
    assert code == 1 and "last admin" in err
    code, out, _ = run_cli("user", "set", "Ada", "--enable")
    assert "may sign in" in out
    with open_store(database) as s:
        assert [(a.name, a.role, a.disabled) for a in s.accounts()] == [
            ("Ada", "admin", False),
            ("Bob", "admin", False),
        ]


@pytest.fixture
def launched(monkeypatch):
    from groundwork import launch

    calls: list = []
    monkeypatch.setattr(launch, "main", calls.append)
    monkeypatch.delenv("GROUNDWORK_ADDRESS", raising=False)
    monkeypatch.delenv("GROUNDWORK_DEMO", raising=False)
    return calls


def test_serve_without_an_admin_says_how_to_create_the_first(run_cli, launched, monkeypatch):
    monkeypatch.chdir(cli.APP.parent)
    code, out, _ = run_cli("serve")
    assert code == 0 and "groundwork user add NAME --role admin" in out
    assert "DEMO MODE" not in out
    run_cli("user", "add", "Ada", "--role", "admin", "--no-password")
    code, out, _ = run_cli("serve")
    assert "groundwork user add" not in out


def test_serve_demo_turns_demo_mode_on_and_says_what_it_means(run_cli, launched, monkeypatch):
    import os

    monkeypatch.chdir(cli.APP.parent)
    code, out, _ = run_cli("serve", "--demo")
    assert code == 0 and "DEMO MODE" in out and "can change everything" in out
    assert os.environ["GROUNDWORK_DEMO"] == "1"
    assert "WARNING" not in out
    code, out, _ = run_cli("serve", "--demo", "--address", "0.0.0.0")
    assert "WARNING: demo mode listening on 0.0.0.0" in out
