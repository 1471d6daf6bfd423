"""What changed between two rounds of a scope, and whether the roadmap work paid off.

Pure functions of two scorecards (and, for the closed loop, the roadmap items marked done
between the rounds):

- per question: the answer before and after, and whether it moved up, down, stayed the
  same or changed kind (a level became N/A or "don't know", or the other way round);
  questions of different rubric versions are matched through ``replaces``;
- per dimension: the score before and after;
- the blockers cleared and those that appeared, compared by rule and question (or
  dimension);
- readiness, score and verdict before and after.

The closed loop puts each roadmap item marked done between the rounds in one of two
groups, "done and moved" (its question improved) or "done, no gain yet", and lists the
questions that improved with no item done as "moved without a plan".

Swapping the rounds mirrors every delta: the question pairs and the blocker matches do not
depend on which round comes first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from groundwork.rubric import Rubric
from groundwork.scoring import UNKNOWN, Blocker, Scorecard, answer_text

UP, DOWN, SAME, CHANGED = "up", "down", "same", "changed"
MIRROR = {UP: DOWN, DOWN: UP, SAME: SAME, CHANGED: CHANGED}
ABSENT = "absent"  # the question is not in that round's rubric version
DONE_AND_MOVED = "done and moved"
NO_GAIN_YET = "done, no gain yet"
MOVED_WITHOUT_PLAN = "moved without a plan"
GROUPS = (DONE_AND_MOVED, NO_GAIN_YET, MOVED_WITHOUT_PLAN)
EPSILON = 1e-9

Value = int | str | None  # a level, NA, UNKNOWN, ABSENT, or None (not answered)


def value_text(value: Value) -> str:
    """How an answer in a delta reads: 3, "N/A", "Don't know", "not answered", or
    "not in this rubric version"."""
    if value == ABSENT:
        return "not in this rubric version"
    if value is None:
        return "not answered"
    return str(answer_text(value))


def _movement(before: Value, after: Value) -> str:
    if isinstance(before, int) and isinstance(after, int):
        return UP if after > before else DOWN if after < before else SAME
    return SAME if before == after else CHANGED


def _improved(before: Value, after: Value) -> bool:
    """Up a level, or a question nobody could answer ("don't know", unanswered) now has
    a level: what a roadmap step (including ``<id>@assess``) sets out to achieve."""
    if isinstance(after, int):
        return after > before if isinstance(before, int) else before in (UNKNOWN, None)
    return False


@dataclass(frozen=True)
class QuestionDelta:
    before_id: str | None  # None: no such question in the earlier round's rubric
    after_id: str | None
    dimension: str
    before: Value
    after: Value

    @property
    def id(self) -> str:
        return self.after_id or self.before_id or ""

    @property
    def movement(self) -> str:
        return _movement(self.before, self.after)

    @property
    def change(self) -> int | None:
        """Levels gained (negative: lost); None unless both rounds have a level."""
        if isinstance(self.before, int) and isinstance(self.after, int):
            return self.after - self.before
        return None

    @property
    def improved(self) -> bool:
        return _improved(self.before, self.after)

    @property
    def renamed(self) -> bool:
        return bool(self.before_id and self.after_id and self.before_id != self.after_id)


@dataclass(frozen=True)
class DimensionDelta:
    id: str
    title: str
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def movement(self) -> str:
        change = self.change
        if change is None:
            return SAME if self.before is None and self.after is None else CHANGED
        return UP if change > EPSILON else DOWN if change < -EPSILON else SAME


@dataclass(frozen=True)
class Delta:
    questions: list[QuestionDelta]
    dimensions: list[DimensionDelta]
    cleared: list[Blocker]  # blockers of the earlier round the later one no longer has
    appeared: list[Blocker]  # blockers of the later round the earlier one did not have
    readiness: tuple[float | None, float | None]
    score: tuple[float | None, float | None]
    passed: tuple[bool, bool]

    @property
    def readiness_change(self) -> float | None:
        before, after = self.readiness
        return None if before is None or after is None else after - before

    def moved(self, movement: str) -> list[QuestionDelta]:
        return [q for q in self.questions if q.movement == movement]

    def counts(self) -> dict[str, int]:
        """Questions up, down, the same and changed in kind; blockers cleared and new."""
        out = {m: 0 for m in (UP, DOWN, SAME, CHANGED)}
        for q in self.questions:
            out[q.movement] += 1
        out["cleared"], out["appeared"] = len(self.cleared), len(self.appeared)
        return out


def pair_questions(before: Rubric, after: Rubric) -> list[tuple[str | None, str | None]]:
    """(earlier id, later id) pairs for the questions of two rubric versions, as a
    pre-filled round carries answers (:func:`groundwork.scoring.carry_answers`): each
    question takes the first of its own id and the ids it ``replaces`` that the other
    version has, in either direction. A question the other version lacks pairs with
    None. One old question may continue as two (kept, and split off into a new one).

    The pairs do not depend on which version comes first: swapping the rubrics swaps
    each pair. Ordered as the later rubric, then the earlier one's questions it lacks."""
    old_ids = {q.id for q in before.questions}
    new_ids = {q.id for q in after.questions}
    pairs: set[tuple[str | None, str | None]] = set()
    for q in after.questions:
        source = next((i for i in (q.id, *q.replaces) if i in old_ids), None)
        if source is not None:
            pairs.add((source, q.id))
    for q in before.questions:
        target = next((i for i in (q.id, *q.replaces) if i in new_ids), None)
        if target is not None:
            pairs.add((q.id, target))
    paired_old = {a for a, _ in pairs}
    paired_new = {b for _, b in pairs}
    pairs |= {(q.id, None) for q in before.questions if q.id not in paired_old}
    pairs |= {(None, q.id) for q in after.questions if q.id not in paired_new}
    later = {q.id: i for i, q in enumerate(after.questions)}
    earlier = {q.id: i for i, q in enumerate(before.questions)}
    return sorted(
        pairs,
        key=lambda p: (
            (0, later[p[1]], earlier.get(p[0] or "", -1))
            if p[1] is not None
            else (1, earlier[p[0] or ""], -1)
        ),
    )


def delta(before: Scorecard, after: Scorecard) -> Delta:
    """What changed from the ``before`` round to the ``after`` round."""
    pairs = pair_questions(before.rubric, after.rubric)
    was = {q.id: q for q in before.questions}
    now = {q.id: q for q in after.questions}
    questions = []
    for old, new in pairs:
        dimension = now[new].dimension if new else was[old].dimension  # type: ignore[index]
        questions.append(
            QuestionDelta(
                old,
                new,
                dimension,
                was[old].answer if old else ABSENT,
                now[new].answer if new else ABSENT,
            )
        )

    old_dims = {d.id: d for d in before.dimensions}
    new_dims = {d.id: d for d in after.dimensions}
    ids = [d.id for d in after.dimensions] + [
        d.id for d in before.dimensions if d.id not in new_dims
    ]
    dimensions = [
        DimensionDelta(
            i,
            (new_dims.get(i) or old_dims[i]).title,
            old_dims[i].score if i in old_dims else None,
            new_dims[i].score if i in new_dims else None,
        )
        for i in ids
    ]

    same = {(a, b) for a, b in pairs if a and b}
    old_blockers, new_blockers = before.verdict.blockers, after.verdict.blockers
    return Delta(
        questions=questions,
        dimensions=dimensions,
        cleared=[b for b in old_blockers if not any(_same(b, n, same) for n in new_blockers)],
        appeared=[n for n in new_blockers if not any(_same(b, n, same) for b in old_blockers)],
        readiness=(before.readiness, after.readiness),
        score=(before.score, after.score),
        passed=(before.verdict.passed, after.verdict.passed),
    )


def _same(old: Blocker, new: Blocker, pairs: set[tuple[str, str]]) -> bool:
    """The same blocker in both rounds: the same rule, on the same question (as the two
    rubric versions pair it) or the same dimension, or on the whole round."""
    if old.rule != new.rule:
        return False
    if old.question is not None or new.question is not None:
        return (old.question, new.question) in pairs
    return old.dimension == new.dimension


# ---------------------------------------------------------------------------------
# The closed loop
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoopRow:
    group: str
    question: str
    dimension: str
    before: Value
    after: Value
    item: str | None = None  # the roadmap item; None for "moved without a plan"
    done_at: str | None = None


@dataclass(frozen=True)
class ClosedLoop:
    rows: list[LoopRow]

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(GROUPS, 0)
        for r in self.rows:
            out[r.group] += 1
        return out

    def group(self, name: str) -> list[LoopRow]:
        return [r for r in self.rows if r.group == name]


def item_question(item_id: str) -> str:
    """The question a roadmap item works on: ``MON-1@3`` and ``MON-1@assess`` -> ``MON-1``."""
    return item_id.rsplit("@", 1)[0]


def closed_loop(change: Delta, done: Mapping[str, str]) -> ClosedLoop:
    """Each item in ``done`` (item id -> when it was marked done) matched to its question's
    movement, then the questions that improved with no item done on them."""
    # an item names its question as the later rubric knows it, or as the earlier one did
    by_id: dict[str, QuestionDelta] = {}
    for q in change.questions:
        if q.before_id:
            by_id.setdefault(q.before_id, q)
    for q in change.questions:
        if q.after_id:
            by_id[q.after_id] = q
    rows: list[LoopRow] = []
    planned: set[int] = set()
    for item, at in sorted(done.items(), key=lambda kv: (kv[1], kv[0])):
        ident = item_question(item)
        q = by_id.get(ident)
        if q is None:
            rows.append(LoopRow(NO_GAIN_YET, ident, "", ABSENT, ABSENT, item, at))
            continue
        planned.add(id(q))
        group = DONE_AND_MOVED if q.improved else NO_GAIN_YET
        rows.append(LoopRow(group, q.id, q.dimension, q.before, q.after, item, at))
    rows += [
        LoopRow(MOVED_WITHOUT_PLAN, q.id, q.dimension, q.before, q.after)
        for q in change.questions
        if q.improved and id(q) not in planned
    ]
    return ClosedLoop(rows)
