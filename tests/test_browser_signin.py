"""Signing in with a local account against a real server with demo mode off: the sign-in
page alone while signed out, a wrong password told plainly, the admin's pages after, a
viewer without them, and signing out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from test_browser import goto, screenshot, serve, sign_in, wait_for_app

from groundwork import demo
from groundwork.store import open_store

pytestmark = pytest.mark.browser
PASSWORD = "a long admin passphrase"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = demo.reset(tmp_path_factory.mktemp("signin") / "groundwork.db")
    with open_store(db) as s:
        s.add_user("Ada Admin", "admin", password=PASSWORD)
        s.add_user("Vic Viewer", "viewer", password=PASSWORD)
    yield from serve(db, demo=False)


def test_signing_in_with_a_local_account(server, page):
    goto(page, server, "/results?round=1")  # a bookmark, signed out
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text(demo.ORGANISATION)).to_have_count(0)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Portfolio")).to_have_count(0)
    screenshot(page, "signin-signed-out")

    sign_in(page, "Ada Admin", "not the password")
    expect(page.get_by_text("That name and password do not match")).to_be_visible()
    expect(page.get_by_role("heading", name="Portfolio")).to_have_count(0)

    sign_in(page, "ada admin", PASSWORD)
    expect(page.get_by_role("heading", name="Results")).to_be_visible(), "the bookmark opens"
    assert "round=1" in page.url
    page.get_by_test_id("stSidebarNav").get_by_text("Portfolio").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(re.compile("Signed in as Ada Admin"))).to_be_visible()
    expect(page.get_by_text(demo.ORGANISATION).first).to_be_visible()
    expect(page.get_by_text("Demo mode")).to_have_count(0)
    screenshot(page, "signin-admin-portfolio")

    page.get_by_test_id("stSidebarNav").get_by_text("Users").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    expect(page.get_by_role("button", name="Add user")).to_be_visible()
    screenshot(page, "signin-users-admin")

    sidebar.get_by_role("button", name="Sign out").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text(demo.ORGANISATION)).to_have_count(0)


def test_a_viewer_reads_without_edit_controls_or_admin_pages(server, page):
    goto(page, server)
    sign_in(page, "Vic Viewer", PASSWORD)
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Users")).to_have_count(0)
    expect(page.get_by_role("button", name="Create organisation")).to_have_count(0)
    nav.get_by_text("Roadmap").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Roadmap")).to_be_visible()
    expect(page.get_by_role("button", name="Save item")).to_be_disabled()
    screenshot(page, "signin-viewer-roadmap")


def test_a_viewer_reads_a_draft_round_with_every_answer_locked(server, page):
    with open_store(server.db) as s:
        scope = next(a.scope_id for a in s.assessments() if not a.final)
    goto(page, server, f"/assess?scope={scope}")
    sign_in(page, "Vic Viewer", PASSWORD)
    expect(page.get_by_text("a facilitator starts a round")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Resume")).first.click()
    wait_for_app(page)
    expect(page.get_by_text("read only for your role")).to_be_visible()
    first = page.get_by_role("radiogroup").nth(1).get_by_role("radio").first
    expect(first).to_be_disabled()
    expect(page.get_by_role("button", name="Finalise this round")).to_have_count(0)
    screenshot(page, "signin-viewer-assess")


def test_a_bookmark_beyond_one_s_role_says_which_role_it_needs(server, page):
    goto(page, server, "/users")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    sign_in(page, "Vic Viewer", PASSWORD)
    expect(page.get_by_text("This page needs the admin role")).to_be_visible()
    expect(page.get_by_role("button", name="Add user")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav").get_by_text("Users")).to_have_count(0)
