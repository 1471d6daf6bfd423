"""Names, round labels and rubric text reach every page as text: what was typed shows
literally, and no Markdown element receives an image, a link or bold made by a user."""

from __future__ import annotations

import re

import hostile
import pytest
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from test_app import assert_clean, explicit_navigation, open_page  # noqa: F401 - fixture
from test_text import shown

# Elements whose every string field is read as Markdown, except these plain-text fields.
PLAIN_FIELDS = {
    "selectbox": {"options", "default", "rawValues", "rawValue", "placeholder"},
    "multiselect": {"options", "default", "rawValues", "placeholder"},
    "text_input": {"value", "default", "placeholder"},
    "text_area": {"value", "default", "placeholder"},
}
SKIP_TYPES = {"arrow_data_frame", "arrow_table", "code", "text", "plotly_chart", "json"}
MARKDOWN_KEYS = {"body", "label", "help", "options", "captions", "content", "value", "title"}


def markdown_strings(at) -> list[str]:
    """Every string the page hands to a Markdown-reading element or label."""
    found: list[str] = []
    for node in at._tree:
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind in SKIP_TYPES or not isinstance(proto, Message):
            continue
        skip = PLAIN_FIELDS.get(kind, set())
        _strings(MessageToDict(proto), skip, found)
    return found


def _strings(value, skip: set[str], found: list[str], key: str = "") -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in skip:
                _strings(v, skip, found, k)
    elif isinstance(value, list):
        for v in value:
            _strings(v, skip, found, key)
    elif isinstance(value, str) and key in MARKDOWN_KEYS:
        found.append(value)


def assert_inert(strings: list[str]) -> None:
    for s in strings:
        assert "![" not in s.replace("\\[", ""), s
        assert not re.search(r"(?<!\\)\]\(", s), s
        assert not re.search(r"(?<!\\)\*\*bold(?<!\\)\*\*", s), s
        assert "http://example.invalid" not in s, s  # a bare URL would become a link


def assert_shown(strings: list[str], *names: str) -> None:
    seen = [shown(s) for s in strings]
    for name in names:
        assert any(name in s for s in seen), (name, seen)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "hostile.db"
    return path, hostile.seed(path)


def test_portfolio_shows_hostile_names_literally(db, monkeypatch):
    path, _ = db
    at = open_page("pages/portfolio.py", path, monkeypatch)
    assert_clean(at)
    strings = markdown_strings(at)
    assert_inert(strings)
    assert_shown(strings, hostile.ORGANISATION, f"Results: {hostile.SYSTEM}")
    tables = [d.value for d in at.dataframe]
    names = next(t for t in tables if "Name" in t.columns)
    assert hostile.SYSTEM in set(names["Name"])  # cells are plain text
    assert any(hostile.SYSTEM in set(t.get("System", [])) for t in tables)  # the stage lists


def test_assess_shows_hostile_names_and_rubric_text_literally(db, monkeypatch):
    path, ids = db
    at = open_page("pages/assess.py", path, monkeypatch, round=str(ids["assessment"]))
    assert_clean(at)
    strings = markdown_strings(at)
    assert_inert(strings)
    assert_shown(
        strings,
        f"{hostile.ORGANISATION} / {hostile.UNIT} / {hostile.SYSTEM}",
        hostile.ROUND,
        hostile.prose("Is alpha done?"),
        hostile.prose("a little"),  # a level description, the caption of its answer option
        "What to look at: " + hostile.prose("Look at"),
        "Metric: " + hostile.prose("Count"),
        hostile.hostile("Some"),
    )


def test_assess_start_form_shows_hostile_names_literally(db, monkeypatch):
    path, ids = db
    at = open_page("pages/assess.py", path, monkeypatch, scope=str(ids["system"]))
    assert_clean(at)
    strings = markdown_strings(at)
    assert_inert(strings)
    assert_shown(strings, f"Pre-fill from the last round ({hostile.ROUND}")


def test_results_show_hostile_names_and_rubric_text_literally(db, monkeypatch):
    path, ids = db
    at = open_page("pages/results.py", path, monkeypatch, round=str(ids["assessment"]))
    assert_clean(at)
    strings = markdown_strings(at)
    assert_inert(strings)
    assert_shown(strings, hostile.SYSTEM, hostile.ROUND, f"Not ready for {hostile.hostile('Live')}")


def test_roadmap_shows_hostile_names_literally(db, monkeypatch):
    path, ids = db
    at = open_page("pages/roadmap.py", path, monkeypatch, round=str(ids["assessment"]))
    assert_clean(at)
    strings = markdown_strings(at)
    assert_inert(strings)
    assert_shown(strings, hostile.ROUND)


def test_rubric_upload_preview_and_browse_show_rubric_text_literally(tmp_path, monkeypatch):
    at = open_page("pages/rubric.py", tmp_path / "gw.db", monkeypatch)
    upload = at.file_uploader(key="rubric-upload")
    upload.upload("x ![y](http://example.invalid/f.png).yaml", hostile.rubric_text().encode(), "")
    at.run()
    assert_clean(at)
    strings = markdown_strings(at)
    assert_inert(strings)
    assert_shown(
        strings,
        "x ![y](http://example.invalid/f.png).yaml is valid: " + hostile.hostile("Tiny rubric"),
    )
    [use] = [b for b in at.button if "Use it for new rounds" in str(b.label)]
    use.click().run()
    at.selectbox(key="rubric-pick").set_value(hostile.rubric().sha256).run()
    assert_clean(at)
    strings = markdown_strings(at)
    assert_inert(strings)
    assert_shown(
        strings,
        hostile.hostile("Alpha"),
        hostile.prose("Is alpha done?"),
        hostile.prose("A regulation"),
        hostile.prose("Applies"),
    )


def test_history_shows_hostile_names_and_labels_literally(db, monkeypatch):
    from groundwork.store import open_store

    path, ids = db
    with open_store(path) as s:
        first = s.assessment(ids["assessment"])
        s.finalise(first.id)
        later = s.create_assessment(
            ids["system"],
            s.rubric(first.rubric_sha256),
            "live",
            "high",
            label=f"{hostile.ROUND} again",
            prefill_from=first.id,
            created_at="2030-01-01T09:00:00+00:00",
        )
        s.update_answer(later, "A-1", value=3)
        s.save_roadmap_item(ids["system"], "A-1@2", at="2029-06-01T09:00:00+00:00", status="done")
    at = open_page("pages/history.py", path, monkeypatch, scope=str(ids["system"]))
    assert_clean(at)
    strings = markdown_strings(at)
    assert_inert(strings)
    assert_shown(strings, hostile.SYSTEM, f"after: {hostile.ROUND} again")
    assert metrics_of(at)["Done and moved"] == "1"


def metrics_of(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}
