"""A workshop room's answers, aggregated per question: pure functions, no storage.

Per question: how many gave each level, the median, the range (lowest to highest), the
standard deviation, and whether the room disagrees. The rules (also in the README):

- only answers with a level count towards the median, range and standard deviation;
  N/A and "don't know" are counted separately and shown beside them, never as a level;
- the standard deviation is the *population* one (divide by n): the room is everyone
  whose view is asked, not a sample of a larger crowd, so one outlier in a room of two
  reads as a spread of 1, not 1.41;
- a question is flagged as a disagreement when the range is 2 or more, or the standard
  deviation is 1 or more with at least 3 answers; a unanimous room is never flagged;
- flagged questions come first, each group in rubric order, so a facilitator walks the
  disagreements before the rest;
- the consensus default is the median; a half median (an even count whose two middle
  answers differ) rounds *down* to the lower middle answer: the room has not agreed on
  the higher level, and a readiness verdict should not pass on a rounding. With no level
  given, the default is "don't know" when anyone said so (you cannot pass what the room
  cannot see), else N/A when anyone said so, else nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from groundwork.scoring import NA, UNKNOWN

# The roles a participant picks when joining (who speaks for which part of the system).
ROOM_ROLES = ("business", "engineering", "risk", "operations", "other")
FLAG_RANGE = 2
FLAG_SD = 1.0
FLAG_SD_MIN_ANSWERS = 3

Value = int | str


@dataclass(frozen=True)
class Spread:
    """One question's answers across the room (no names: counts only)."""

    question_id: str
    counts: dict[int, int]  # every level on the scale -> how many gave it (0 included)
    na: int
    unknown: int
    median: float | None
    low: int | None
    high: int | None
    sd: float | None

    @property
    def answered(self) -> int:
        """Answers with a level."""
        return sum(self.counts.values())

    @property
    def total(self) -> int:
        """Everyone who answered, N/A and don't know included."""
        return self.answered + self.na + self.unknown

    @property
    def range(self) -> int | None:
        return None if self.low is None or self.high is None else self.high - self.low

    @property
    def flagged(self) -> bool:
        """The room disagrees: range >= 2, or sd >= 1 with at least 3 answers."""
        if self.range is None or self.sd is None:
            return False
        return self.range >= FLAG_RANGE or (
            self.sd >= FLAG_SD and self.answered >= FLAG_SD_MIN_ANSWERS
        )

    @property
    def mixed(self) -> bool:
        """Some gave a level and some said N/A or don't know: worth a word too."""
        return self.answered > 0 and (self.na + self.unknown) > 0

    @property
    def default(self) -> Value | None:
        """The consensus to propose: see the module's rules."""
        return default_consensus(self)

    def why_flagged(self) -> str:
        """'range 3' / 'sd 1.2 over 4 answers' / '' in plain words."""
        if not self.flagged:
            return ""
        if self.range is not None and self.range >= FLAG_RANGE:
            return f"answers range over {self.range} levels ({self.low} to {self.high})"
        return f"standard deviation {self.sd:.2f} over {self.answered} answers"


def spread(question_id: str, values: Iterable[Value], scale: Sequence[int]) -> Spread:
    """The spread of one question's answers; values off the scale are an error."""
    counts = dict.fromkeys(scale, 0)
    levels: list[int] = []
    na = unknown = 0
    for v in values:
        if v == NA:
            na += 1
        elif v == UNKNOWN:
            unknown += 1
        elif isinstance(v, int) and not isinstance(v, bool) and v in counts:
            counts[v] += 1
            levels.append(v)
        else:
            raise ValueError(f"{question_id}: {v!r} is not on the scale")
    if not levels:
        return Spread(question_id, counts, na, unknown, None, None, None, None)
    levels.sort()
    n = len(levels)
    mid = n // 2
    median = float(levels[mid]) if n % 2 else (levels[mid - 1] + levels[mid]) / 2
    mean = sum(levels) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in levels) / n)
    return Spread(question_id, counts, na, unknown, median, levels[0], levels[-1], sd)


def default_consensus(s: Spread) -> Value | None:
    """The median, a half rounded down; without levels: don't know, else N/A, else None."""
    if s.median is not None:
        return math.floor(s.median)
    if s.unknown:
        return UNKNOWN
    if s.na:
        return NA
    return None


def spreads(
    question_ids: Sequence[str],
    answers: Mapping[object, Mapping[str, Value]],
    scale: Sequence[int],
) -> list[Spread]:
    """One spread per question, in the order given; ``answers`` is participant ->
    question -> value (who said what is used only to count, never kept)."""
    by_question: dict[str, list[Value]] = {qid: [] for qid in question_ids}
    for given in answers.values():
        for qid, value in given.items():
            if qid in by_question:
                by_question[qid].append(value)
    return [spread(qid, by_question[qid], scale) for qid in question_ids]


def flagged_first(items: Sequence[Spread]) -> list[Spread]:
    """Disagreements first; within each group the order given (the rubric's)."""
    return [s for s in items if s.flagged] + [s for s in items if not s.flagged]


def minority(s: Spread, consensus: Value | None) -> dict[Value, int]:
    """The answers that differ from the consensus, with how many gave each: the views a
    dissent note should name (no names, only levels)."""
    out: dict[Value, int] = {level: n for level, n in s.counts.items() if n and level != consensus}
    if s.na and consensus != NA:
        out[NA] = s.na
    if s.unknown and consensus != UNKNOWN:
        out[UNKNOWN] = s.unknown
    return out


def minority_text(s: Spread, consensus: Value | None) -> str:
    """'1 answered 1, 2 answered 4, 1 said N/A' (empty when everyone agreed)."""
    words = {NA: "said N/A", UNKNOWN: "said don't know"}
    return ", ".join(
        f"{n} {words[v]}" if v in words else f"{n} answered {v}"
        for v, n in minority(s, consensus).items()
    )


def value_text(value: Value | None) -> str:
    """How a value reads in the workshop views: '3', 'N/A', "Don't know", '—'."""
    if value is None:
        return "—"
    return {NA: "N/A", UNKNOWN: "Don't know"}.get(value, str(value))  # type: ignore[arg-type]


def consensus_notes(rationale: str, dissent: str) -> str:
    """What the round's answer keeps as its notes: the rationale, then the dissent."""
    parts = []
    if rationale.strip():
        parts.append(f"Workshop consensus: {rationale.strip()}")
    if dissent.strip():
        parts.append(f"Dissent: {dissent.strip()}")
    return "\n".join(parts)


def participant_labels(people: Sequence[tuple[str, str]], show_names: bool) -> list[str]:
    """How participants are labelled outside the room: 'risk 1', 'risk 2', 'business 1'
    by default; 'Ana (risk)' only when the facilitator chose to show names."""
    if show_names:
        return [f"{name} ({role})" for name, role in people]
    seen: dict[str, int] = {}
    out = []
    for _, role in people:
        seen[role] = seen.get(role, 0) + 1
        out.append(f"{role} {seen[role]}")
    return out


def level_matrix(
    question_ids: Sequence[str],
    people: Sequence[object],
    answers: Mapping[object, Mapping[str, Value]],
) -> list[list[int | None]]:
    """One row per participant, one column per question: the level given, or None (N/A,
    don't know or no answer), for the heatmap."""
    return [
        [v if isinstance(v := answers.get(p, {}).get(qid), int) else None for qid in question_ids]
        for p in people
    ]
