"""The History page of the demo in headless Chromium against a real server: the trend
chart draws, and the comparison and closed loop are on the page."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect
from test_browser import goto, screenshot, serve

from groundwork.store import open_store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_server(demo_template, tmp_path_factory):
    db = tmp_path_factory.mktemp("history") / "groundwork.db"
    shutil.copy(demo_template, db)
    yield from serve(db)


def test_the_demo_history_page_draws_the_trend_and_the_closed_loop(demo_server, page):
    with open_store(demo_server.db) as s:
        scope = next(x for x in s.scopes() if x.name == "Claims triage assistant")
    goto(page, demo_server, f"/history?scope={scope.id}")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    chart = page.get_by_test_id("stPlotlyChart").first
    expect(chart.locator(".main-svg").first).to_be_visible()
    # one line per dimension, and the shaded band of the next stage's targets
    expect(chart.locator(".scatterlayer .trace")).to_have_count(6)
    expect(chart.get_by_text("targets for Production")).to_be_visible()
    expect(page.get_by_text("Did the roadmap work pay off?")).to_be_visible()
    for label in ("Done and moved", "Done, no gain yet", "Moved without a plan"):
        expect(page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)).to_be_visible()
    screenshot(page, "08-history")
    page.get_by_text("Did the roadmap work pay off?").scroll_into_view_if_needed()
    screenshot(page, "09-history-closed-loop")
