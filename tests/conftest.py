"""Shared test set-up. Browser tests (marked ``browser``) skip with a reason when no
Chromium is found; in CI (``CI`` set) a missing Chromium is a failure instead."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# The app's tests run in demo mode (everyone is the demo admin), as `make run` serves it;
# the sign-in and access tests (test_access.py, test_browser_signin.py) turn it off.
os.environ["GROUNDWORK_DEMO"] = "1"

ROOT = Path(__file__).resolve().parents[1]
# the record of accepted rubric texts goes to a scratch folder, never the tester's home
os.environ["GROUNDWORK_CACHE"] = tempfile.mkdtemp(prefix="groundwork-cache-")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


def pytest_collection_modifyitems(config, items):
    if chromium_path():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("CI is set but no Chromium was found: install Debian's chromium")
    skip = pytest.mark.skip(reason="no Chromium found (install Debian's 'chromium' to run)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium for the browser tests (test_browser*.py)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


# ---------------------------------------------------------------------------------
# Rubrics, examples and the CLI, shared by the test_<area>.py files of the package
# ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def default_rubric_path() -> Path:
    """The shipped rubric, rubrics/genai-production.yaml (scale 1-5)."""
    return ROOT / "rubrics" / "genai-production.yaml"


@pytest.fixture(scope="session")
def tiny_path() -> Path:
    """tests/data/tiny.yaml: two dimensions, three questions, scale 0-3."""
    return ROOT / "tests" / "data" / "tiny.yaml"


@pytest.fixture(scope="session")
def default_text(default_rubric_path):
    return default_rubric_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def tiny_text(tiny_path):
    return tiny_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def default_rubric(default_rubric_path):
    from groundwork.rubric import load_rubric

    return load_rubric(default_rubric_path)


@pytest.fixture(scope="session")
def tiny_rubric(tiny_path):
    from groundwork.rubric import load_rubric

    return load_rubric(tiny_path)


@pytest.fixture(scope="session")
def pilot_answers_path() -> Path:
    return ROOT / "examples" / "pilot.yaml"


@pytest.fixture(scope="session")
def near_production_answers_path() -> Path:
    return ROOT / "examples" / "near-production.csv"


@pytest.fixture
def run_cli(capsys):
    """Run ``groundwork ARGS...`` in-process; returns (exit code, stdout, stderr)."""
    from groundwork.cli import main

    def run(*args: object) -> tuple[int, str, str]:
        capsys.readouterr()  # drop anything printed before
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(autouse=True)
def _let_go_of_databases():
    """Each test's databases are closed when it ends: no idle connection outlives it."""
    yield
    from groundwork.store import let_go

    let_go()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo database, built once per run; tests get copies of it."""
    from groundwork import demo

    return demo.reset(tmp_path_factory.mktemp("demo") / "groundwork.db")


@pytest.fixture
def demo_store(demo_template, tmp_path):
    """A store on a fresh copy of the demo database."""
    from groundwork.store import open_store

    path = tmp_path / "groundwork.db"
    shutil.copy(demo_template, path)
    with open_store(path) as s:
        yield s
