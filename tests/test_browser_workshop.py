"""A small workshop end to end in headless Chromium: a facilitator on a laptop and two
participants on phone-sized screens (390 x 844), one reloading midway and one trying a
link that is not theirs. Screenshots land in test-artifacts/workshop-*.png."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from test_browser import Server, goto, screenshot, serve, wait_for_app

from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
from groundwork.store import open_store

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)
PHONE = {"width": 390, "height": 844}
KEPT: dict[str, str] = {}  # the token of another workshop's participant


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("workshop") / "groundwork.db"
    with open_store(db) as s:
        org = s.create_organisation("Acme Insurance")
        system = s.create_scope(org, "system", "Claims triage assistant")
        rubric = load_rubric(DEFAULT_RUBRIC)
        s.create_assessment(system, rubric, "production", "minimal", label="Q1 workshop")
        # another workshop, already closed, whose token someone kept
        other = s.create_assessment(system, rubric, "production", "minimal", label="Old")
        old = s.open_workshop(other)
        KEPT["token"] = s.join_workshop(old.code, "Zed", "operations")
        s.save_participant_answer(KEPT["token"], "MON-1", value=5, notes="Zed's old answer")
        s.close_workshop(old.id)
    yield from serve(db)


def join(phone, server: Server, code: str, name: str, role: str) -> str:
    goto(phone, server, f"/join?code={code}")
    phone.get_by_role("textbox", name="Your name in the room").fill(name)
    phone.get_by_test_id("stSelectbox").click()
    phone.get_by_role("option", name=role).click()
    phone.get_by_role("button", name="Join").click()
    wait_for_app(phone)
    expect(phone).to_have_url(re.compile(r"token="))
    expect(phone.get_by_text(f"You are {name}")).to_be_visible()
    return phone.url.split("token=")[1].split("&")[0]


def answer(phone, level: str) -> None:
    group = phone.get_by_role("radiogroup", name="Your answer for MON-1")
    group.get_by_text(level, exact=True).click()
    expect(phone.get_by_text("Saved MON-1", exact=True)).to_be_visible()
    wait_for_app(phone)


def test_a_small_workshop_end_to_end(server, browser):
    laptop = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    phones = [browser.new_context(viewport=PHONE, is_mobile=True) for _ in "ab"]
    try:
        fac = laptop.new_page()
        ana, bo = (c.new_page() for c in phones)
        for p in (fac, ana, bo):
            p.set_default_timeout(30_000)

        # The facilitator opens the workshop and shows the code, the link and the QR code.
        goto(fac, server, "/workshop?round=1")
        fac.get_by_role("button", name="Open a workshop on this round").click()
        wait_for_app(fac)
        heading = fac.get_by_text(re.compile(r"Join code: [A-Z0-9]{6}"))
        expect(heading).to_be_visible()
        code = heading.inner_text().split(": ")[1].strip()
        expect(fac.get_by_test_id("stImage").locator("img")).to_be_visible()
        expect(fac.get_by_text("Scan to join")).to_be_visible()
        screenshot(fac, "workshop-01-console-open")

        # Two participants join on their phones and answer blind.
        join(ana, server, code, "Ana", "Risk")
        expect(ana.get_by_role("radiogroup", name="Your answer for MON-1")).to_be_visible()
        screenshot(ana, "workshop-02-phone-question")
        answer(ana, "2 · Managed")
        token_bo = join(bo, server, code, "Bo", "Business")
        answer(bo, "4 · Measured")
        # Nobody sees anyone's answers before the reveal.
        for phone in (ana, bo):
            expect(phone.get_by_text("How the room answered")).to_have_count(0)

        # Bo reloads midway and finds his answer and his place.
        bo.reload()
        wait_for_app(bo)
        group = bo.get_by_role("radiogroup", name="Your answer for MON-1")
        expect(group.get_by_role("radio", name="4 · Measured")).to_be_checked()
        expect(bo.get_by_text(re.compile(r"1 of \d+ answered"))).to_be_visible()

        # The live panel counts them without a reload of the console.
        expect(fac.get_by_text("2 participants joined")).to_be_visible()

        # Reveal Monitoring: MON-1 (2 and 4) is flagged and comes first.
        fac.get_by_role("button", name=re.compile("Reveal Monitoring")).click()
        wait_for_app(fac)
        expect(fac.get_by_text("Disagreement:").first).to_be_visible()
        expect(ana.get_by_text("How the room answered")).to_be_visible()  # within 5 s
        ana.get_by_text("How the room answered").scroll_into_view_if_needed()
        screenshot(ana, "workshop-03-phone-revealed")
        screenshot(fac, "workshop-04-console-revealed")

        # Consensus with a rationale and the dissent.
        fac.get_by_role("textbox", name="Rationale").first.fill("Dashboards exist; no alerting yet")
        dissent = fac.get_by_role("textbox", name="Dissent (the minority view)").first
        dissent.fill("Bo: alerting is planned")
        fac.get_by_role("button", name="Save the consensus").first.click()
        wait_for_app(fac)
        expect(fac.get_by_text(re.compile("Consensus 3 · |Consensus 3, set by"))).to_be_visible()

        # Present mode: large type, distributions, no names.
        fac.get_by_text("Present mode").click()
        wait_for_app(fac)
        expect(fac.get_by_text(re.compile(r"\bAna\b"))).to_have_count(0)
        screenshot(fac, "workshop-05-present")
        fac.get_by_text("Present mode").click()
        wait_for_app(fac)

        # Bo tries the token of another workshop (closed since), then a forged one.
        goto(bo, server, f"/join?token={KEPT['token']}")
        expect(bo.get_by_text("This workshop is closed")).to_be_visible()
        expect(bo.get_by_role("radiogroup")).to_have_count(0)
        expect(bo.get_by_text("Zed")).to_have_count(0)
        goto(bo, server, f"/join?token={token_bo[:-4]}abcd")
        expect(bo.get_by_text("does not belong to an open workshop")).to_be_visible()
        expect(bo.get_by_role("radiogroup")).to_have_count(0)
        screenshot(bo, "workshop-06-phone-wrong-token")

        # Finalise: the consensus becomes the round's answers.
        fac.get_by_role("button", name=re.compile("Finalise: the consensus")).click()
        fac.get_by_role("button", name="Finalise the workshop").click()
        wait_for_app(fac)
        expect(fac.get_by_text("Finalised: the consensus is the round's answers")).to_be_visible()
        with open_store(server.db) as s:
            assert s.answers(1)["MON-1"].value == 3
            assert "Bo: alerting is planned" in s.answers(1)["MON-1"].notes

        # Results show the spread, the consensus and the dissent; so does the workbook.
        goto(fac, server, "/results?round=1")
        expect(fac.get_by_text("Workshop spread")).to_be_visible()
        fac.get_by_text("Workshop spread").scroll_into_view_if_needed()
        fac.get_by_test_id("stPlotlyChart").last.locator(".main-svg").first.wait_for()
        fac.mouse.wheel(0, 300)
        screenshot(fac, "workshop-07-results")
        goto(fac, server, "/workshop?round=1")
        with fac.expect_download() as download:
            fac.get_by_role("button", name="Roadmap workbook with the Workshop sheet").click()
        book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
        texts = {c.value for r in book["Workshop"].iter_rows() for c in r}
        assert {"Dashboards exist; no alerting yet", "Bo: alerting is planned"} <= texts
        assert "risk 1" in texts and not any(isinstance(t, str) and "Ana" in t for t in texts)
    finally:
        for c in (laptop, *phones):
            c.close()
