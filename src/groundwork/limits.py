"""The size limits every input path shares, as named constants and one check.

The store, the answers-file, workbook and JSON imports and the pages all call
:func:`text_problem`, so evidence and notes are capped the same way wherever they come from.
The workbook package limits live in :mod:`groundwork.excel.imports`; all of them are listed
in the README under "Limits".
"""

from __future__ import annotations

MAX_TEXT = 10_000  # characters of evidence, of notes (answers and roadmap items)
MAX_LOGO_BYTES = 1_000_000  # a branding logo's file size
MAX_LOGO_SIDE = 4096  # a branding logo's width and height, in pixels


def text_problem(what: str, text: str | None, limit: int = MAX_TEXT) -> str | None:
    """Why ``text`` cannot be stored as ``what``, or None when it fits."""
    if text is not None and len(text) > limit:
        return f"{what}: {len(text):,} characters, over the limit of {limit:,}"
    return None


MAX_OUTCOMES = 20  # outcome measures per system
MAX_READINGS = 400  # dated values per measure (eight years of weekly figures)
MAX_UNIT = 40  # characters of an outcome's unit ("cases per week", "EUR")
