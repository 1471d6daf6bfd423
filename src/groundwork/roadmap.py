"""The roadmap: gaps turned into ordered, phased steps. Pure and deterministic.

1. Every gap becomes one step per level to climb, carrying the rubric's action, effort
   and dependencies; a dependency on another question at a level it has not reached
   pulls that question's steps in too.
2. Steps fall into phases: 1 "Clear the gate" (what the target stage's floors need, and
   everything those steps depend on), 2 "Reach the target", 3 "Prepare for <next stage>".
3. Within the order, blockers come first, then the larger weighted gap, then the
   shallower dependency depth; a step never comes before its prerequisites.
4. Phases are packed into waves of at most ``capacity`` effort points; a start date and
   a wave length give each wave its dates.

A question answered "don't know" gets one step, ``<id>@assess``: find out where it
stands. Item ids (``<question id>@<level>``) are stable, so owners, dates and status
stored against them survive regeneration and carry to the next round.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from groundwork.rubric import Rubric, parse_dependency
from groundwork.scoring import (
    COVERAGE,
    NA,
    NA_WITHOUT_REASON,
    STAGE_FLOOR,
    TIER_FLOOR,
    UNKNOWN,
    AnswerLike,
    QuestionScore,
    Scorecard,
    as_answer,
    question_targets,
    score,
)

ASSESS = "assess"
CLEAR_THE_GATE, REACH_THE_TARGET, PREPARE_NEXT = 1, 2, 3
DEFAULT_WAVE_DAYS = 90


@dataclass(frozen=True)
class RoadmapItem:
    id: str
    question: str
    dimension: str
    from_level: int | None
    to_level: int | None
    action: str
    effort: str | int
    points: int
    depends_on: tuple[str, ...]
    phase: int
    weighted_gap: float
    depth: int = 0
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def blocker(self) -> bool:
        return self.phase == CLEAR_THE_GATE

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "dimension": self.dimension,
            "from_level": self.from_level,
            "to_level": self.to_level,
            "action": self.action,
            "effort": self.effort,
            "points": self.points,
            "depends_on": list(self.depends_on),
            "blocker": self.blocker,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


@dataclass(frozen=True)
class Wave:
    number: int
    name: str
    phase: int
    start: dt.date | None
    end: dt.date | None
    items: list[RoadmapItem]

    @property
    def points(self) -> int:
        return sum(i.points for i in self.items)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "items": [i.to_dict() for i in self.items],
        }


@dataclass(frozen=True)
class Roadmap:
    stage: str
    tier: str
    waves: list[Wave]

    @property
    def items(self) -> list[RoadmapItem]:
        return [i for w in self.waves for i in w.items]

    def wave_of(self, item_id: str) -> int:
        return next(w.number for w in self.waves for i in w.items if i.id == item_id)

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "tier": self.tier, "waves": [w.to_dict() for w in self.waves]}


def phase_name(rubric: Rubric, phase: int, stage: str) -> str:
    if phase == CLEAR_THE_GATE:
        return "Clear the gate"
    if phase == REACH_THE_TARGET:
        return "Reach the target"
    nxt = rubric.next_stage(stage)
    return f"Prepare for {rubric.stage(nxt).title.lower()}" if nxt else "Prepare the next stage"


def build_roadmap(
    rubric: Rubric,
    answers: Mapping[str, AnswerLike],
    stage: str,
    tier: str,
    *,
    start: dt.date | None = None,
    capacity: int | None = None,
    wave_days: int = DEFAULT_WAVE_DAYS,
) -> Roadmap:
    """The phased roadmap from the current answers to the stage's targets and beyond."""
    if capacity is not None and capacity <= 0:
        raise ValueError("capacity must be a positive number of effort points")
    if wave_days <= 0:
        raise ValueError("the wave length must be a positive number of days")
    card = score(rubric, answers, stage, tier)
    items = _steps(rubric, card, answers)
    ordered = _order(rubric, items)
    return Roadmap(stage, tier, _pack(rubric, ordered, stage, start, capacity, wave_days))


def _start_level(rubric: Rubric, q: QuestionScore) -> int | None:
    """Where a question's steps start: its level; for a model that counts an unanswered
    question at the lowest level (SAMM, DSOMM), the lowest level; else None."""
    if q.level is None and q.answer is None and rubric.scoring.unanswered == "lowest":
        return rubric.min_level
    return q.level


def _noted(answers: Mapping[str, AnswerLike], question_id: str) -> bool:
    answer = answers.get(question_id)
    return bool(answer is not None and as_answer(answer).notes.strip())


def _steps(
    rubric: Rubric, card: Scorecard, answers: Mapping[str, AnswerLike]
) -> dict[str, RoadmapItem]:
    nxt = rubric.next_stage(card.stage)
    next_targets = question_targets(rubric, nxt, card.tier) if nxt else {}
    by_id = {q.id: q for q in card.questions}
    floors = [b for b in card.verdict.blockers if b.rule in (STAGE_FLOOR, TIER_FLOOR)]
    blocked_dims = {b.dimension: int(b.required) for b in floors if b.question is None}
    blocked_questions = {b.question for b in card.verdict.blockers if b.question}
    # a gated dimension with nothing answered clears its gate by assessing its questions,
    # and a round short of coverage by assessing what is not known yet
    unseen_dims = {b.dimension for b in floors if b.question is None and b.level is None}
    short_of_coverage = any(b.rule == COVERAGE for b in card.verdict.blockers)
    # an N/A the gate does not accept without a reason: say why, or assess it
    silent_na = {b.question for b in card.verdict.blockers if b.rule == NA_WITHOUT_REASON}
    silent_dims = {
        b.dimension
        for b in card.verdict.blockers
        if b.rule == NA_WITHOUT_REASON and b.question is None
    }

    items: dict[str, RoadmapItem] = {}

    def add_assess(qid: str, phase: int) -> str:
        key = f"{qid}@{ASSESS}"
        if key in items:
            if phase < items[key].phase:
                items[key] = replace(items[key], phase=phase)
            return key
        q = rubric.question(qid)
        effort = min(rubric.efforts, key=rubric.efforts.get) if rubric.efforts else 1
        action = (
            f"Record why {qid} does not apply to this system, or assess it: {q.text}"
            if by_id[qid].answer == NA
            else f"Find out where {qid} stands today and record it with evidence: {q.text}"
        )
        items[key] = RoadmapItem(
            id=key,
            question=qid,
            dimension=rubric.dimension_of(qid).id,
            from_level=None,
            to_level=None,
            action=action,
            effort=effort,
            points=rubric.effort_points(effort),
            depends_on=(),
            phase=phase,
            weighted_gap=0.0,
        )
        return key

    def add_step(qid: str, level: int, phase: int) -> None:
        key = f"{qid}@{level}"
        if key in items:
            if phase < items[key].phase:
                items[key] = replace(items[key], phase=phase)
            return
        action = rubric.action(qid, level)
        items[key] = RoadmapItem(
            id=key,
            question=qid,
            dimension=rubric.dimension_of(qid).id,
            from_level=level - 1,
            to_level=level,
            action=action.action,
            effort=action.effort,  # type: ignore[arg-type]
            points=rubric.effort_points(action.effort),  # type: ignore[arg-type]
            depends_on=(),
            phase=phase,
            weighted_gap=by_id[qid].weighted_gap or 0.0,
        )

    for q in card.questions:
        if q.answer == NA:
            if q.id in silent_na or (q.dimension in silent_dims and not _noted(answers, q.id)):
                add_assess(q.id, CLEAR_THE_GATE)
            continue
        start = _start_level(rubric, q)
        if start is None:
            if q.id in blocked_questions or q.dimension in unseen_dims or short_of_coverage:
                add_assess(q.id, CLEAR_THE_GATE)
            elif q.answer == UNKNOWN:
                add_assess(q.id, REACH_THE_TARGET)
            continue
        no_gate = rubric.min_level
        gate_level = max(
            q.floor if q.floor is not None else no_gate, blocked_dims.get(q.dimension, no_gate)
        )
        top = max(q.target, next_targets.get(q.id, q.target), gate_level)
        for level in range(start + 1, top + 1):
            if level <= gate_level:
                phase = CLEAR_THE_GATE
            elif level <= q.target:
                phase = REACH_THE_TARGET
            else:
                phase = PREPARE_NEXT
            add_step(q.id, level, phase)

    # Resolve dependencies: pull in prerequisite steps, give them the earliest phase
    # of anything that needs them, until nothing changes.
    changed = True
    while changed:
        changed = False
        for key in list(items):
            item = items[key]
            deps: list[str] = []
            if item.to_level is not None:
                if f"{item.question}@{item.to_level - 1}" in items:
                    deps.append(f"{item.question}@{item.to_level - 1}")
                for dep in rubric.depends_on(item.question, item.to_level):
                    dep_q, dep_level = parse_dependency(dep)
                    current = by_id[dep_q]
                    if current.answer == NA:
                        continue
                    at = _start_level(rubric, current)
                    if at is None:
                        deps.append(add_assess(dep_q, item.phase))
                        continue
                    if at >= dep_level:
                        continue
                    for lv in range(at + 1, dep_level + 1):
                        before = items.get(f"{dep_q}@{lv}")
                        add_step(dep_q, lv, item.phase)
                        changed |= before != items[f"{dep_q}@{lv}"]
                    deps.append(f"{dep_q}@{dep_level}")
            deps_t = tuple(dict.fromkeys(deps))
            if deps_t != item.depends_on:
                items[key] = replace(item, depends_on=deps_t)
                changed = True
            for dep in deps_t:
                if items[dep].phase > items[key].phase:
                    items[dep] = replace(items[dep], phase=items[key].phase)
                    changed = True
    return items


def _order(rubric: Rubric, items: dict[str, RoadmapItem]) -> list[RoadmapItem]:
    """Topological order; among ready steps: phase, weighted gap, depth, rubric order."""
    depth: dict[str, int] = {}

    def depth_of(key: str) -> int:
        if key not in depth:
            deps = items[key].depends_on
            depth[key] = 1 + max(map(depth_of, deps)) if deps else 0
        return depth[key]

    position = {q.id: i for i, q in enumerate(rubric.questions)}

    def priority(key: str) -> tuple:
        item = items[key]
        level = item.to_level if item.to_level is not None else -1
        return (item.phase, -item.weighted_gap, depth_of(key), position[item.question], level)

    waiting = {k: set(i.depends_on) for k, i in items.items()}
    dependents: dict[str, list[str]] = {k: [] for k in items}
    for k, deps in waiting.items():
        for d in deps:
            dependents[d].append(k)
    ready = [(priority(k), k) for k, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    out: list[RoadmapItem] = []
    while ready:
        _, key = heapq.heappop(ready)
        out.append(replace(items[key], depth=depth_of(key)))
        for nxt in dependents[key]:
            waiting[nxt].discard(key)
            if not waiting[nxt]:
                heapq.heappush(ready, (priority(nxt), nxt))
    if len(out) != len(items):  # only a cyclic rubric gets here, and validation forbids it
        raise ValueError("the rubric's dependencies form a cycle")
    return out


def _pack(
    rubric: Rubric,
    ordered: list[RoadmapItem],
    stage: str,
    start: dt.date | None,
    capacity: int | None,
    wave_days: int,
) -> list[Wave]:
    groups: list[tuple[int, list[RoadmapItem]]] = []
    for item in ordered:
        fits = (
            groups
            and groups[-1][0] == item.phase
            and (capacity is None or sum(i.points for i in groups[-1][1]) + item.points <= capacity)
        )
        if fits:
            groups[-1][1].append(item)
        else:
            groups.append((item.phase, [item]))

    parts: dict[int, int] = {}
    for phase, _ in groups:
        parts[phase] = parts.get(phase, 0) + 1
    waves, seen = [], dict.fromkeys(parts, 0)
    for number, (phase, members) in enumerate(groups, start=1):
        seen[phase] += 1
        name = phase_name(rubric, phase, stage)
        if parts[phase] > 1:
            name = f"{name} ({seen[phase]} of {parts[phase]})"
        begin = start + dt.timedelta(days=(number - 1) * wave_days) if start else None
        end = begin + dt.timedelta(days=wave_days - 1) if begin else None
        if begin is not None:
            members = _schedule(members, begin, wave_days)
        waves.append(Wave(number, name, phase, begin, end, members))
    return waves


def _schedule(items: list[RoadmapItem], begin: dt.date, days: int) -> list[RoadmapItem]:
    """Dates within a wave: an item starts when its prerequisites in the same wave end, and
    lasts in proportion to its effort, so the wave's longest chain fills the wave."""
    finish: dict[str, int] = {}  # item id -> effort points done when it ends
    offsets: dict[str, int] = {}
    for item in items:  # already in topological order
        offsets[item.id] = max((finish[d] for d in item.depends_on if d in finish), default=0)
        finish[item.id] = offsets[item.id] + item.points
    total = max(finish.values(), default=1)
    scheduled, last_day = [], {}
    for item in items:
        after = max((last_day[d] + 1 for d in item.depends_on if d in last_day), default=0)
        first = min(days - 1, max(-(-offsets[item.id] * days // total), after))
        last = min(days - 1, max(first, -(-finish[item.id] * days // total) - 1))
        last_day[item.id] = last
        scheduled.append(
            replace(
                item, start=begin + dt.timedelta(days=first), end=begin + dt.timedelta(days=last)
            )
        )
    return scheduled
