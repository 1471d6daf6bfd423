"""Safe text for Streamlit elements that read Markdown.

Titles, captions, alerts, toasts, widget labels, expander and page-link labels, radio and
pills options and metric labels all render Markdown, and Streamlit adds its own syntax on
top (``:red[...]``, ``:material/icon:``, emoji shortcodes, ``$...$`` LaTeX, ``->``
arrows, and links made from bare URLs). A name like ``![x](http://host/a.png)`` would make
every viewer's browser fetch that address, so every name, label and rubric string passes
one of these two functions before it reaches such an element:

- :func:`plain` for what users type (organisation, unit and system names, round labels,
  file names) and for rubric titles, ids and labels: every significant character is
  escaped, so the text shows exactly as typed.
- :func:`rubric_text` for rubric prose (descriptions, question text, level descriptions,
  tier and reference text): the same, except that ``*emphasis*``, ``**strong**``,
  ```inline code``` and line breaks keep working (docs/rubric-format.md).

Elements that show plain text (``st.text``, ``st.code``, selectbox and multiselect
options, dataframe cells) need neither.
"""

from __future__ import annotations

import functools
import re
from typing import TypeVar

K = TypeVar("K")

# Characters that start Markdown or Streamlit syntax anywhere in a line. Backslash
# escapes of ASCII punctuation are CommonMark, so the escaped text reads as typed.
_ANYWHERE = re.compile(r"([\\`*_\[\]<>|~:$&#])")
_ANYWHERE_BUT_EMPHASIS = re.compile(r"([\\`_\[\]<>|~:$&#])")
# Block syntax that only counts at the start of a line: lists, quotes, rules, headings.
_LINE_START = re.compile(r"^([ \t]*(?:[-+]|\d+(?=[.)])))", re.MULTILINE)
_BULLET_STAR = re.compile(r"^([ \t]*)\*(?=[ \t]|$)", re.MULTILINE)
_STAR_RULE = re.compile(r"^[ \t]*(?:\*[ \t]*){3,}$", re.MULTILINE)
# GitHub's autolinks are made after escapes are read, so a backslash cannot stop them; an
# invisible word joiner after the scheme, "www" or "@" can. Same for Streamlit's
# typographic arrows and dashes (``->``, ``<=``, ``--``).
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?<=https)(?=:)|(?<=http)(?=:)|(?<=www)(?=\.)|(?<=@)(?=[\w-])")
_TYPOGRAPHY = re.compile(r"(?<=[<>~-])(?=[>=-])")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)([^\n]+?)(?<!`)\1(?!`)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _escape(text: str, anywhere: re.Pattern[str]) -> str:
    text = _AUTOLINK.sub(WORD_JOINER, text)
    text = _TYPOGRAPHY.sub(WORD_JOINER, text)
    text = anywhere.sub(r"\\\1", text)
    return _LINE_START.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match[str]) -> str:
    """'- x' and '+ x' would be lists: escape the marker; '1. x' too: escape the dot."""
    lead = match.group(1)
    if lead[-1] in "-+":
        return lead[:-1] + "\\" + lead[-1]
    return lead + "\\"  # the '.' or ')' that follows the number is escaped next


def plain(value: object) -> str:
    """User or rubric text shown exactly as typed, on one line, in any Markdown element."""
    return _plain("" if value is None else str(value))


@functools.lru_cache(maxsize=4096)  # the same names and levels come back on every rerun
def _plain(text: str) -> str:
    return _escape(_CONTROL.sub(" ", text), _ANYWHERE)


def rubric_text(value: object) -> str:
    """Rubric prose with only emphasis, inline code and line breaks left working."""
    return _rubric_text("" if value is None else str(value))


@functools.lru_cache(maxsize=4096)  # a page shows the same rubric prose on every rerun
def _rubric_text(text: str) -> str:
    text = _CONTROL.sub(lambda m: "\n" if m.group() == "\n" else " ", text.replace("\r\n", "\n"))
    parts: list[str] = []
    last = 0
    for span in _CODE_SPAN.finditer(text):
        parts.append(_prose(text[last : span.start()]))
        parts.append(span.group())  # code spans show their content literally
        last = span.end()
    parts.append(_prose(text[last:]))
    lines = "".join(parts).strip().split("\n")
    return "  \n".join(line.rstrip() for line in lines)  # a newline is a line break


def _prose(text: str) -> str:
    text = _escape(text, _ANYWHERE_BUT_EMPHASIS)
    text = _STAR_RULE.sub(lambda m: m.group().replace("*", "\\*"), text)
    return _BULLET_STAR.sub(lambda m: m.group(1) + "\\*", text)


def distinct(labels: dict[K, str]) -> dict[K, str]:
    """Option labels with no two alike: a label shared by several options gets its key
    (" · #12"). Streamlit keeps a choice by its label, so two rounds both named "Q1 review"
    would otherwise turn one into the other on the next rerun."""
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    return {k: f"{v} · #{k}" if seen[v] > 1 else v for k, v in labels.items()}


def whole_percent(share: float) -> int:
    """A share as the whole percent the Results headline prints (``{:.0%}``, half to
    even), for a table whose own formatting would round 12.5% up to 13%."""
    return int(f"{share:.0%}"[:-1])
