"""The journey a new user takes, in headless Chromium against a real ``streamlit run``
server on a temporary database. Screenshots land in test-artifacts/."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from playwright.sync_api import expect

from groundwork.scoring import Answer

ARTIFACTS = ROOT / "test-artifacts"
pytestmark = pytest.mark.browser
# A rerun on a busy machine (an import of 28 answers, say) can take longer than the 5 s
# that expect() waits by default; the pages' own timeout is 30 s.
expect.set_options(timeout=20_000)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url: str, db: Path, process: subprocess.Popen):
        self.url, self.db, self.process = url, db, process


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """``streamlit run app.py`` on a free port and a temporary database; waits for health."""
    yield from serve(tmp_path_factory.mktemp("server") / "groundwork.db")


PASSWORD = "a long test passphrase"


@pytest.fixture(scope="module")
def accounts_server(tmp_path_factory) -> Iterator[Server]:
    """A server with demo mode off and two facilitators, ana and ben (password PASSWORD)."""
    from groundwork.store import open_store

    db = tmp_path_factory.mktemp("accounts") / "groundwork.db"
    with open_store(db) as s:
        for name in ("ana", "ben"):
            s.add_user(name, "facilitator", password=PASSWORD)
    yield from serve(db, demo=False)


def sign_in(page, name: str, password: str = PASSWORD) -> None:
    """Fill in and send the sign-in form."""
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_for_app(page)


def serve(db: Path, demo: bool = True) -> Iterator[Server]:
    """Run the app on ``db`` (which may be seeded first) until the generator is closed; in
    demo mode unless ``demo`` is False (then people sign in)."""
    port = _free_port()
    log = open(db.parent / "server.log", "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "groundwork.launch",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env={**os.environ, "GROUNDWORK_DB": str(db), "GROUNDWORK_DEMO": "1" if demo else ""},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"the server exited early:\n{log.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            log.seek(0)
            pytest.fail(f"the server did not answer /_stcore/health in 60 s:\n{log.read()}")
        time.sleep(0.3)
    yield Server(url, db, process)
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.seek(0)
    tail = log.read()[-4000:]
    log.close()
    if "Traceback" in tail:
        print(f"server log:\n{tail}")


def wait_for_app(page) -> None:
    """Streamlit has connected and finished running the script."""
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]')
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')


def screenshot(page, name: str) -> Path:
    """Full-page screenshot once every chart in view has drawn (one in a tab or expander
    not open is not drawn until it is opened)."""
    ARTIFACTS.mkdir(exist_ok=True)
    for chart in page.locator('[data-testid="stPlotlyChart"]').all():
        if chart.is_visible():
            chart.locator(".main-svg").first.wait_for()
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def goto(page, server: Server, path: str = "/") -> None:
    page.goto(server.url + path)
    wait_for_app(page)


def choose(page, question: str, option: str) -> None:
    group = page.get_by_role("radiogroup", name=f"Your answer for {question}")
    group.get_by_text(option, exact=True).click()
    expect(page.get_by_text(f"Saved {question}", exact=True)).to_be_visible()
    wait_for_app(page)


def test_a_deep_link_on_a_fresh_server_gets_the_app_frame(server, page):
    """The first request after a start is a bookmark to Results, not the home page."""
    goto(page, server, "/results?round=1")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Portfolio")).to_be_visible()
    expect(nav.get_by_text("app", exact=True)).to_have_count(0)
    expect(page.get_by_text("No assessment yet")).to_be_visible()


def test_a_new_user_assesses_a_system_and_plans_the_work(server, page):
    # Portfolio: create an organisation and a system.
    goto(page, server)
    screenshot(page, "01-portfolio-empty")
    page.get_by_label("Organisation name").fill("Acme Insurance")
    page.get_by_role("button", name="Create organisation").click()
    wait_for_app(page)
    page.get_by_label("Name", exact=True).fill("Claims assistant")
    page.get_by_role("button", name="Create", exact=True).click()
    wait_for_app(page)

    # Assess: the new system is preselected; start a round.
    page.get_by_role("button", name="Start the round").click()
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"round=\d+"))
    choose(page, "MON-1", "3 · Defined")
    choose(page, "MON-2", "2 · Managed")
    page.get_by_role("textbox", name="Evidence (links, documents)").first.fill("Langfuse traces")
    page.get_by_role("textbox", name="Evidence (links, documents)").first.press("Tab")
    expect(page.get_by_text("Saved MON-1", exact=True).first).to_be_visible()
    wait_for_app(page)

    # A reload mid-way loses nothing.
    page.reload()
    wait_for_app(page)
    group = page.get_by_role("radiogroup", name="Your answer for MON-1")
    expect(group.get_by_role("radio", name="3 · Defined")).to_be_checked()
    expect(
        page.get_by_role("radiogroup", name="Your answer for MON-2").get_by_role(
            "radio", name="2 · Managed"
        )
    ).to_be_checked()
    expect(page.get_by_role("textbox", name="Evidence (links, documents)").first).to_have_value(
        "Langfuse traces"
    )
    choose(page, "MON-3", "Don't know")
    choose(page, "MON-4", "N/A")
    choose(page, "MON-5", "1 · Initial")
    expect(page.get_by_text("5 of 32 questions answered")).to_be_visible()
    screenshot(page, "02-assess")

    # Results: the verdict and the blockers.
    page.get_by_role("link", name="See the results").click()
    wait_for_app(page)
    expect(page.get_by_text("Not ready for Production")).to_be_visible()
    expect(page.get_by_text("HUM-1 is not answered").first).to_be_visible()
    expect(page.get_by_text("MON-2 is at level 2, below the floor of 3")).to_be_visible()
    expect(page.get_by_text("MON-1 is at level")).to_have_count(0)
    screenshot(page, "03-results")

    # Roadmap: set an owner, reload, and find it still there.
    page.get_by_role("link", name="Open the roadmap for this round").click()
    wait_for_app(page)
    page.get_by_label("Owner").fill("Priya Raman")
    page.get_by_role("button", name="Save item").click()
    wait_for_app(page)
    page.reload()
    wait_for_app(page)
    expect(page.get_by_label("Owner")).to_have_value("Priya Raman")
    screenshot(page, "04-roadmap")

    goto(page, server, "/rubric")
    screenshot(page, "05-rubric")


def test_download_the_workbook_and_upload_a_filled_questionnaire(server, page, tmp_path):
    from openpyxl import load_workbook

    from groundwork import excel
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
    from groundwork.scoring import Answer

    # The first journey left a round behind: its roadmap workbook downloads.
    goto(page, server, "/results")
    with page.expect_download() as download:
        page.get_by_role("button", name="Roadmap workbook (Excel)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    book = load_workbook(saved)
    assert {"Summary", "Dimensions", "Questions", "Roadmap", "History", "Rubric"} <= set(
        book.sheetnames
    )

    # A questionnaire filled offline comes back as a new round with exactly its answers.
    rubric = load_rubric(DEFAULT_RUBRIC)
    typed = {q.id: Answer(1 + i % 5, evidence=f"note {i}") for i, q in enumerate(rubric.questions)}
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(excel.questionnaire_workbook(rubric, typed))
    goto(page, server, "/assess")
    page.get_by_text("Work offline, or bring in a round from a file").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(filled))
    wait_for_app(page)
    importing = page.get_by_role("button", name=re.compile("^Import as a new round"))
    expect(importing).to_be_enabled()
    wait_for_app(page)  # the preview's run has ended: the click is not lost in a rerun
    importing.click()
    wait_for_app(page)
    expect(page.get_by_text("32 of 32 questions answered")).to_be_visible(timeout=40_000)
    expect(page).to_have_url(re.compile(r"round=\d+"))
    screenshot(page, "06-imported-questionnaire")


def test_two_devices_answering_one_question_are_both_told(accounts_server, browser):
    """Ben's tab was open on the unanswered question before Ana saved a level and evidence."""
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
    from groundwork.store import open_store

    server = accounts_server
    with open_store(server.db) as s:
        org = s.create_organisation("Two Devices Ltd")
        system = s.create_scope(org, "system", "Shared bot")
        aid = s.create_assessment(system, load_rubric(DEFAULT_RUBRIC), "production", "minimal")

    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in "ab"]
    try:
        ben, ana = (c.new_page() for c in contexts)
        for person, name in ((ben, "ben"), (ana, "ana")):
            person.set_default_timeout(30_000)
            goto(person, server, f"/assess?round={aid}")
            sign_in(person, name)  # and the round opens: the address is kept

        choose(ana, "MON-1", "3 · Defined")
        evidence = ana.get_by_role("textbox", name="Evidence (links, documents)").first
        evidence.fill("Langfuse traces")
        evidence.press("Tab")
        expect(ana.get_by_text("Saved MON-1", exact=True).first).to_be_visible()
        wait_for_app(ana)

        # Ben picks a level on his stale tab: nothing is overwritten, he sees Ana's answer.
        group = ben.get_by_role("radiogroup", name="Your answer for MON-1")
        group.get_by_text("2 · Managed", exact=True).click()
        wait_for_app(ben)
        expect(ben.get_by_text("Someone else changed MON-1 after you opened it")).to_be_visible()
        expect(ben.get_by_text("set by ana").first).to_be_visible()
        expect(ben.get_by_text("evidence: Langfuse traces").first).to_be_visible()
        with open_store(server.db) as s:
            assert s.answers(aid)["MON-1"] == Answer(3, None, "Langfuse traces", "")
        screenshot(ben, "07-conflict")

        ben.get_by_role("button", name="Keep mine").click()
        expect(ben.get_by_text("Saved MON-1", exact=True).first).to_be_visible()
        wait_for_app(ben)
        with open_store(server.db) as s:
            assert s.answers(aid)["MON-1"] == Answer(2, None, "Langfuse traces", "")

        # Ana's next action tells her, and her page now shows Ben's level.
        choose(ana, "MON-2", "1 · Initial")
        expect(ana.get_by_text("MON-1 was changed by someone else")).to_be_visible()
        expect(ana.get_by_text("Changed by ben").first).to_be_visible()
        expect(
            ana.get_by_role("radiogroup", name="Your answer for MON-1").get_by_role(
                "radio", name="2 · Managed"
            )
        ).to_be_checked()
        expect(ana.get_by_role("textbox", name="Evidence (links, documents)").first).to_have_value(
            "Langfuse traces"
        )
    finally:
        for c in contexts:
            c.close()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory) -> Iterator[Server]:
    """The app on a copy of the demo database."""
    from groundwork import demo

    db = tmp_path_factory.mktemp("demo-server") / "groundwork.db"
    demo.reset(db)
    yield from serve(db)


def test_the_portfolio_heatmap_and_an_outcome_chart_render_on_the_demo(demo_server, page):
    goto(page, demo_server)
    expect(page.get_by_text("Claims triage assistant (290 days)")).to_be_visible()
    heatmap = page.get_by_test_id("stPlotlyChart").first
    heatmap.locator(".main-svg").first.wait_for()
    expect(heatmap.locator(".hm, .heatmaplayer").first).to_be_attached()
    expect(heatmap.get_by_text("Monitoring", exact=True)).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)  # the trend chart waits, hidden, in its tab
    page.screenshot(path=str(ARTIFACTS / "20-portfolio-heatmap.png"), full_page=True)
    page.get_by_role("tab", name="Stages").click()
    expect(page.get_by_role("tabpanel").get_by_test_id("stDataFrame").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "21-portfolio-stages.png"), full_page=True)
    page.get_by_role("tab", name="Trend").click()
    trend = page.get_by_test_id("stPlotlyChart").nth(1)
    trend.locator(".main-svg").first.wait_for()
    expect(trend.get_by_text("1 of 3").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "22-portfolio-trend.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Portfolio workbook (.xlsx)").click()
    assert download.value.suggested_filename.startswith("groundwork-portfolio-")

    goto(page, demo_server, "/outcomes?scope=4")
    expect(page.get_by_text("Claims handled by people per week").first).to_be_visible()
    charts = page.get_by_test_id("stPlotlyChart")
    expect(charts).to_have_count(2)
    for chart in charts.all():
        chart.locator(".main-svg").first.wait_for()
    expect(charts.first.get_by_text("Target 800")).to_be_visible()
    expect(charts.first.get_by_text("Baseline", exact=True)).to_be_visible()
    expect(page.get_by_text("improved while the counter-measure").first).to_be_visible()
    screenshot(page, "23-outcomes")
