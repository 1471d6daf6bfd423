"""Safe text: names and rubric strings reach Markdown elements as text, never as images,
links, HTML, colours, icons, emoji or LaTeX."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from groundwork.ui.text import WORD_JOINER, plain, rubric_text, whole_percent

HOSTILE = "**bold** ![x](http://example.invalid/a.png) [link](http://example.invalid/)"
ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: a backslash before ASCII punctuation


def shown(markdown: str) -> str:
    """What a reader sees of escaped text: escapes read, word joiners invisible."""
    return ESCAPE.sub(r"\1", markdown).replace(WORD_JOINER, "")


def unescaped(markdown: str, chars: str) -> list[int]:
    """Positions of any of ``chars`` not preceded by an odd number of backslashes."""
    found = []
    for i, ch in enumerate(markdown):
        if ch in chars:
            run = len(markdown[:i]) - len(markdown[:i].rstrip("\\"))
            if run % 2 == 0:
                found.append(i)
    return found


def live_markup(markdown: str, chars: str) -> list[int]:
    """Positions of ``chars`` that Markdown would read as markup: not backslash-escaped and
    outside code spans (a run of backticks up to the next run of the same length)."""
    found, i = [], 0
    while i < len(markdown):
        ch = markdown[i]
        if ch == "\\" and i + 1 < len(markdown):
            i += 2  # an escaped character is literal
            continue
        if ch == "`":
            run = len(markdown[i:]) - len(markdown[i:].lstrip("`"))
            close = re.compile(rf"(?<!`)`{{{run}}}(?!`)").search(markdown, i + run)
            i = close.end() if close else i + run  # code shows as typed; a lone run is text
            continue
        if ch in chars:
            found.append(i)
        i += 1
    return found


AUTOLINK = re.compile(r"(?i)https?://|www\.|[\w.+-]@[\w-]")
texty = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
markdownish = st.text(st.sampled_from(list("![](<>)*_`:$&~|#\\-+.=1 aZ/@wh\n\t")), max_size=40)


@given(st.one_of(texty, markdownish, st.just(HOSTILE)))
def test_plain_leaves_nothing_markdown_could_act_on(text):
    out = plain(text)
    assert "![" not in out.replace("\\[", "")
    assert not unescaped(out, "[]<>`*_:$&~|#")
    assert not AUTOLINK.search(out)
    assert "\n" not in out


@given(st.one_of(texty, markdownish))
def test_plain_reads_exactly_as_typed(text):
    expected = re.sub(r"[\x00-\x1f\x7f]", " ", text)
    assert shown(plain(text)) == expected


@pytest.mark.parametrize(
    ("typed", "escaped"),
    [
        ("**bold**", r"\*\*bold\*\*"),
        ("![x](http://e.invalid/a.png)", "!\\[x\\](http" + WORD_JOINER + r"\://e.invalid/a.png)"),
        (":red[alarm] :material/home: :smile:", r"\:red\[alarm\] \:material/home\: \:smile\:"),
        ("costs $5 to $10", r"costs \$5 to \$10"),
        ("<img src=x>", r"\<img src=x\>"),
        ("- not a list", r"\- not a list"),
        ("1. not a list", r"1\. not a list"),
        ("Claims triage assistant", "Claims triage assistant"),
        ("Acme / Claims (EU)", "Acme / Claims (EU)"),
    ],
)
def test_plain_escapes_markdown_and_streamlit_syntax(typed, escaped):
    assert plain(typed) == escaped


@given(st.one_of(texty, markdownish, st.just(HOSTILE)))
@example("```")
@example("` `` a ``")
def test_rubric_text_never_has_images_links_html_or_shortcodes(text):
    out = rubric_text(text)
    assert not live_markup(out, "[]<>:$&~|#")
    assert not AUTOLINK.search(re.sub(r"`+[^`]*`+", "", out))


def test_rubric_text_keeps_emphasis_code_and_line_breaks():
    text = "Logs are *kept* for **90 days**;\nsee `retention: 90d`."
    assert rubric_text(text) == "Logs are *kept* for **90 days**;  \nsee `retention: 90d`."


def test_rubric_text_drops_images_and_links_but_keeps_their_words():
    out = rubric_text("See ![chart](http://e.invalid/c.png) and [the policy](http://e.invalid/)")
    assert shown(out) == "See ![chart](http://e.invalid/c.png) and [the policy](http://e.invalid/)"
    assert "![" not in out and "](" not in out.replace("\\](", "")


def test_rubric_text_is_not_a_list_or_a_rule():
    assert rubric_text("* item") == r"\* item"
    assert rubric_text("***") == r"\*\*\*"
    assert rubric_text("# Heading") == r"\# Heading"


def test_options_that_read_alike_are_told_apart_and_the_others_left_as_they_are():
    from groundwork.ui.text import distinct

    labels = {10: "Bot — Q1 review (draft)", 11: "Bot — Q1 review (draft)", 12: "Other"}
    assert distinct(labels) == {
        10: "Bot — Q1 review (draft) · #10",
        11: "Bot — Q1 review (draft) · #11",
        12: "Other",
    }
    assert len(set(distinct(labels).values())) == len(labels)


@given(st.floats(min_value=0, max_value=1))
@example(0.125)
@example(0.135)
@example(0.005)
def test_a_tables_whole_percent_is_the_one_the_headline_prints(share):
    """History's readiness column and the Results headline show the same whole percent
    (12.5% is 12% in both, not 13% in one)."""
    assert f"{whole_percent(share)}%" == f"{share:.0%}"
    assert whole_percent(0.125) == 12
