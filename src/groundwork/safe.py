"""One sanitiser for every exported cell: user text never becomes a formula."""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control(text: str) -> str:
    """Drop control characters (they break workbooks), keeping tab, CR and newline."""
    return CONTROL.sub("", text)


def needs_quote(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def safe_csv_text(value: object) -> object:
    """For CSV: text a spreadsheet would run as a formula gets a leading apostrophe."""
    if not isinstance(value, str):
        return value
    text = strip_control(value)
    return "'" + text if needs_quote(text) else text


def safe_csv_frame(frame):  # pandas.DataFrame -> pandas.DataFrame
    return frame.map(safe_csv_text)
