"""A rubric author brings OWASP SAMM: uploads a zip of its core model on the Rubric page,
stores it, and a round on it shows the business functions' and streams' scores."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator

import pytest
from model_fixtures import write_samm
from playwright.sync_api import expect
from test_browser import ARTIFACTS, Server, goto, screenshot, serve, wait_for_app

from groundwork.scoring import Answer
from groundwork.store import open_store

pytestmark = pytest.mark.browser
NEXT_QUARTER = "2027-03-01T09:00:00+00:00"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    yield from serve(tmp_path_factory.mktemp("models") / "groundwork.db")


def test_a_samm_zip_becomes_a_rubric_that_scores_by_function_and_stream(server, page, tmp_path):
    folder = write_samm(tmp_path / "core-main")
    upload = tmp_path / "samm-core.zip"
    with zipfile.ZipFile(upload, "w") as z:
        for p in folder.rglob("*.yml"):
            z.write(p, p.relative_to(tmp_path).as_posix())

    goto(page, server, "/rubric")
    page.get_by_role("tab", name="Upload a rubric").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
    expect(page.get_by_text("is valid: OWASP SAMM v2")).to_be_visible()
    expect(page.get_by_text("Imported from the OWASP SAMM core model.")).to_be_visible()
    screenshot(page, "models-samm-upload")
    page.get_by_role("button", name="Use it for new rounds").click()
    expect(page.get_by_text("Stored: choose it when you start a round.")).to_be_visible()

    with open_store(server.db) as s:
        sha = next(r["sha256"] for r in s.rubrics() if r["rubric_id"] == "owasp-samm")
        rubric = s.rubric(sha)
        org = s.create_organisation("Acme")
        system = s.create_scope(org, "system", "Payments", stage="target", tier="standard")
        aid = s.create_assessment(system, rubric, "target", "standard")
        for qid, level in {"I-SB-A-1": 1, "I-SB-B-1": 3, "I-SD-A-1": 3}.items():
            s.save_answer(aid, qid, Answer(level))

    goto(page, server, f"/assess?round={aid}")
    group = page.get_by_role("radiogroup", name="Your answer for I-SB-A-1")
    expect(group.get_by_text("Yes, for some applications")).to_be_visible()

    goto(page, server, f"/results?round={aid}")
    expect(page.get_by_text("Scores by group")).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Implementation")).to_contain_text(
        re.compile(r"0\.56")  # (0.625 + 0.5) / 2
    )
    # no gates, so no verdict: the score (0.5625 + 0) / 2 and 2.25 / 18 to target lead
    expect(page.get_by_text("Score 0.28 of 3 · 12% of the way to Target posture")).to_be_visible()
    expect(page.get_by_text("Ready for Target posture")).to_have_count(0)
    wait_for_app(page)
    screenshot(page, "models-samm-results")
    page.get_by_role("heading", name="Questions").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "models-samm-results-questions.png"))

    with open_store(server.db) as s:
        s.finalise(aid)
        later = s.create_assessment(
            system, rubric, "target", "standard", prefill_from=aid, created_at=NEXT_QUARTER
        )
        s.save_answer(later, "G-SM-A-1", Answer(3))
        s.finalise(later, at=NEXT_QUARTER)
    goto(page, server, f"/history?scope={system}")
    expect(page.get_by_text("Scores by part over the rounds")).to_be_visible()
    wait_for_app(page)
    screenshot(page, "models-samm-history")
    page.get_by_text("Score and percent to target per round").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "models-samm-history-rounds.png"))
