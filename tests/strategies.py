"""Shared hypothesis set-up for the property tests: both rubrics, and answers drawn from
each rubric's own scale (so no property assumes five levels)."""

from __future__ import annotations

import functools
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from groundwork.rubric import Rubric, load_rubric
from groundwork.scoring import NA, UNKNOWN

ROOT = Path(__file__).resolve().parents[1]
RUBRIC_FILES = {
    "default": ROOT / "rubrics" / "genai-production.yaml",
    "tiny": ROOT / "tests" / "data" / "tiny.yaml",
}
RUBRICS = list(RUBRIC_FILES)
PROPERTY = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def rubric_named(name: str) -> Rubric:
    """Loaded once; not a fixture, so hypothesis reports only the name of a failing rubric."""
    return load_rubric(RUBRIC_FILES[name])


def answer_sets(rubric: Rubric, *, unanswered: bool = True) -> st.SearchStrategy[dict]:
    """Answers for every question: a level, N/A, don't know, or (optionally) nothing."""
    values = [*rubric.levels, NA, UNKNOWN]
    choice = st.sampled_from([None, *values] if unanswered else values)
    ids = [q.id for q in rubric.questions]
    return st.lists(choice, min_size=len(ids), max_size=len(ids)).map(
        lambda picks: {qid: v for qid, v in zip(ids, picks, strict=True) if v is not None}
    )
