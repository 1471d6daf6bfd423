"""In a real browser, names and rubric text full of Markdown images and links make no
request outside the app, render no image, link or bold, and the CSV downloads hold no
cell a spreadsheet would run. Screenshots land in test-artifacts/text-*.png."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import hostile
import pandas as pd
import pytest
from playwright.sync_api import expect
from test_browser import Server, goto, screenshot, serve
from test_safe import starts_formula

from groundwork.safe import unescape_csv_text
from groundwork.ui.text import WORD_JOINER

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Iterator[tuple[Server, dict[str, int]]]:
    db = tmp_path_factory.mktemp("hostile") / "groundwork.db"
    ids = hostile.seed(db)
    for server in serve(db):
        yield server, ids


@pytest.fixture
def requests(page) -> list[str]:
    """Every URL the page asks for, from the first navigation on."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def outside(server: Server, urls: list[str]) -> list[str]:
    origin = urlsplit(server.url).netloc
    return [
        u
        for u in urls
        if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != origin
    ]


def check_page(page, server: Server, requests: list[str], name: str, *texts: str) -> None:
    """Nothing fetched from outside, no outside image, no user bold; the texts read as typed."""
    wanted = [" ".join(t.split()) for t in texts]
    page.wait_for_function(
        """([wanted, joiner]) => {
            const text = document.body.innerText.replaceAll(joiner, "").split(/\\s+/).join(" ");
            return wanted.every(w => text.includes(w));
        }""",
        arg=[wanted, WORD_JOINER],
    )
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    screenshot(page, f"text-{name}")
    assert not outside(server, requests), outside(server, requests)
    found = page.evaluate(
        """() => ({
            images: [...document.images].map(i => i.src),
            links: [...document.querySelectorAll('a[href]')].map(a => a.href),
            strong: [...document.querySelectorAll('strong, b')].map(s => s.textContent),
        })"""
    )
    origin = server.url
    assert not [s for s in found["images"] if not s.startswith((origin, "data:", "blob:"))]
    assert not [h for h in found["links"] if "example.invalid" in h], found["links"]
    # "**bold**" typed by a user would render as a <strong> holding just "bold"; app bold
    # around a name (target stage **...**) holds the name with its asterisks shown.
    assert "bold" not in [s.strip() for s in found["strong"]], found["strong"]


def download(page, button: str, tmp_path) -> str:
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path.read_bytes().decode("utf-8")  # as written: no newline translation


def assert_inert_csv(text: str) -> list[list[str]]:
    """Read as Python's csv module and as pandas do: no cell would start a formula."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert not [c for row in rows for c in row if starts_formula(c)]
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert len(frame) == len(rows) - 1, "every line break stayed inside its cell"
    assert not [c for c in frame.to_numpy().ravel() if starts_formula(c)]
    return rows


def test_hostile_text_stays_text_on_every_page(seeded, page, requests, tmp_path):
    server, ids = seeded
    aid = ids["assessment"]

    goto(page, server, "/")
    check_page(
        page, server, requests, "portfolio", hostile.ORGANISATION, f"Results: {hostile.SYSTEM}"
    )

    goto(page, server, f"/assess?round={aid}")
    check_page(
        page,
        server,
        requests,
        "assess",
        f"{hostile.ORGANISATION} / {hostile.UNIT} / {hostile.SYSTEM}",
        hostile.ROUND,
        hostile.hostile("Alpha"),
    )
    # Rubric prose keeps its emphasis: "**emphasis**" is bold, the image and link are text.
    expect(page.locator("strong", has_text="emphasis").first).to_be_visible()

    goto(page, server, f"/results?round={aid}")
    check_page(page, server, requests, "results", hostile.SYSTEM, hostile.ROUND)
    rows = assert_inert_csv(download(page, "Answers (CSV)", tmp_path))
    notes = {r[0]: unescape_csv_text(r[6]) for r in rows[1:]}
    assert notes["A-1"] == hostile.FORMULA_NOTES[0]  # "looks fine\r=1+1", exactly
    assert notes["B-1"] == hostile.FORMULA_NOTES[1]

    goto(page, server, f"/roadmap?round={aid}")
    check_page(page, server, requests, "roadmap", hostile.ROUND)
    rows = assert_inert_csv(download(page, "Download the roadmap (CSV)", tmp_path))
    assert len(rows) > 1

    goto(page, server, "/rubric")
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name=re.compile(r"0\.3 · ")).click()
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    check_page(page, server, requests, "rubric-browse", hostile.hostile("Tiny rubric"))

    upload = tmp_path / "hostile ![y](http:⁄⁄example.invalid⁄f.png).yaml"
    upload.write_text(hostile.rubric_text(), encoding="utf-8")
    page.get_by_role("tab", name="Upload a rubric").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
    expect(page.get_by_text("is valid:")).to_be_visible()
    check_page(page, server, requests, "rubric-upload", hostile.hostile("Tiny rubric"))
