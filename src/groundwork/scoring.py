"""Scores, targets, gaps, the gate verdict and readiness: pure functions of answers.

Semantics (also in the README):
- a question's score is the chosen level; N/A and "don't know" leave every denominator;
- a dimension's score is the weighted mean of its answered questions, the overall score
  the weighted mean of the dimensions that have a score;
- a question's target is its own target for the stage, else its dimension's, raised by
  the risk tier's uplift and capped at the top of the scale, and never below a floor the
  stage's gate sets on that question;
- gap = max(0, target - level); weighted gap = gap x question weight x dimension weight;
- the verdict for a stage and risk tier passes only when every floor of that stage and of
  the stages before it is met, for every tier and for this tier (and the tiers it
  includes), and enough questions are answered with a level; a gated question answered
  "don't know" (or not answered) blocks, and so does N/A on it without a written reason;
  a round with no question answered with a level passes nothing;
- readiness = sum w*min(level, target) / sum w*target over answered questions.

A rubric may declare how it scores (``scoring`` and scale ``value`` in the rubric): each
level then counts as its value, unanswered questions may count at the lowest level,
questions may form groups and dimensions parents, each combined by its own aggregation
(mean, sum, or the sum over maturity levels of the groups' mean at that level). Without
such declarations every number above is computed exactly as described.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from groundwork.rubric import Dimension, Question, Rubric, Scoring, Tier

NA = "na"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Answer:
    """A level on the rubric's scale, ``"na"`` or ``"unknown"``, with its context."""

    value: int | str
    confidence: int | None = None
    evidence: str = ""
    notes: str = ""

    @property
    def level(self) -> int | None:
        return self.value if isinstance(self.value, int) else None


AnswerLike = Answer | int | str


def as_answer(value: AnswerLike) -> Answer:
    return value if isinstance(value, Answer) else Answer(value)


def answer_text(value: int | str | None) -> int | str | None:
    """How an answer reads to people: the level, "N/A" or "Don't know" (None: unanswered)."""
    return {NA: "N/A", UNKNOWN: "Don't know"}.get(value, value)  # type: ignore[arg-type]


def answer_wording(rubric: Rubric, question_id: str, value: int | str | None) -> int | str | None:
    """How an answer reads in tables and exports. For a model with its own answers (a
    question's answer wording, or levels worth a value) as Assess offers it, with what it
    counts for: "1 · Yes, for some applications (0.25)". Otherwise as :func:`answer_text`,
    so the default rubric's tables still show the level."""
    if not isinstance(value, int) or isinstance(value, bool):
        return answer_text(value)
    q = rubric.question(question_id)
    if not (q.labels or rubric.has_values):
        return value
    wording = f"{value} · {rubric.label(value, q)}"
    return f"{wording} ({_fmt(rubric.value(value))})" if rubric.has_values else wording


def carry_answers(rubric: Rubric, answers: Mapping[str, Answer]) -> dict[str, Answer]:
    """Answers keyed by this rubric's question ids, following ``replaces`` from older
    versions and dropping levels the scale no longer has (as a pre-filled round does)."""
    out: dict[str, Answer] = {}
    for q in rubric.questions:
        for old_id in (q.id, *q.replaces):
            if old_id in answers:
                a = answers[old_id]
                if not (isinstance(a.value, int) and a.value not in rubric.levels):
                    out[q.id] = a
                break
    return out


@dataclass(frozen=True)
class QuestionScore:
    id: str
    dimension: str
    answer: int | str | None  # None: not answered at all
    level: int | None
    target: int
    gap: int | None
    weight: float  # question weight x dimension weight
    weighted_gap: float | None
    floor: int | None
    value: float | None = None  # what the answer counts for; None: left out
    group: str | None = None

    @property
    def included(self) -> bool:
        return self.level is not None

    @property
    def exclusion(self) -> str | None:
        """Why this question is left out of the scores, or None when it counts."""
        return {NA: "N/A", UNKNOWN: "don't know", None: "not answered"}.get(self.answer)  # type: ignore[arg-type]


@dataclass(frozen=True)
class DimensionScore:
    id: str
    title: str
    weight: float
    score: float | None
    target: float
    gap: float | None
    weighted_gap: float
    answered: int
    na: int
    unknown: int
    unanswered: int
    floor: int | None
    groups: dict[str, float | None] = field(default_factory=dict)  # group id -> score
    parent: str | None = None


@dataclass(frozen=True)
class ParentScore:
    """A grouping above dimensions (a SAMM business function) and its score."""

    id: str
    title: str
    weight: float
    score: float | None
    target: float
    dimensions: list[str]


# The rules that can block a verdict, as the JSON and the pages name them.
STAGE_FLOOR = "stage floor"
TIER_FLOOR = "tier floor"
COVERAGE = "coverage"
DONT_KNOW = "don't know"
NOT_ANSWERED = "not answered"
NA_WITHOUT_REASON = "N/A without reason"
RULES = (STAGE_FLOOR, TIER_FLOOR, COVERAGE, DONT_KNOW, NOT_ANSWERED, NA_WITHOUT_REASON)


@dataclass(frozen=True)
class Floor:
    """A minimum level in force, and the gate rule that sets it."""

    level: int
    rule: str  # STAGE_FLOOR or TIER_FLOOR
    source: str  # "the pilot gate", "the high tier at the production gate"


@dataclass(frozen=True)
class Blocker:
    """Something the verdict needs and the answers do not give: an unmet floor on a
    question, or on a whole dimension (``question`` None), or coverage of the whole
    round (``dimension`` None too). ``rule`` says which rule raised it."""

    question: str | None
    dimension: str | None
    level: float | None
    required: float
    reason: str
    rule: str = STAGE_FLOOR


@dataclass(frozen=True)
class Verdict:
    stage: str
    blockers: list[Blocker]

    @property
    def passed(self) -> bool:
        return not self.blockers


@dataclass(frozen=True)
class Scorecard:
    rubric: Rubric
    stage: str
    tier: str
    score: float | None
    target: float
    gap: float | None
    readiness: float | None
    verdict: Verdict
    dimensions: list[DimensionScore]
    questions: list[QuestionScore]
    parents: list[ParentScore] = field(default_factory=list)

    def question(self, question_id: str) -> QuestionScore:
        return next(q for q in self.questions if q.id == question_id)

    def dimension(self, dimension_id: str) -> DimensionScore:
        return next(d for d in self.dimensions if d.id == dimension_id)

    def to_dict(self) -> dict[str, Any]:
        """The ``groundwork score --json`` document. Groups, parents and answer values
        appear only for a rubric that has them."""
        doc = self._to_dict()
        valued = self.rubric.has_values or self.rubric.scoring != Scoring()
        for d, entry in zip(self.dimensions, doc["dimensions"], strict=True):
            if d.groups:
                entry["groups"] = {g: _r(v) for g, v in d.groups.items()}
            if d.parent is not None:
                entry["parent"] = d.parent
        if valued:
            for q, entry in zip(self.questions, doc["questions"], strict=True):
                entry["value"] = _r(q.value, 4)
        if self.parents:
            doc["parents"] = [
                {
                    "id": p.id,
                    "title": p.title,
                    "score": _r(p.score),
                    "target": _r(p.target),
                    "dimensions": p.dimensions,
                }
                for p in self.parents
            ]
        return doc

    def _to_dict(self) -> dict[str, Any]:
        return {
            "rubric": {
                "id": self.rubric.id,
                "version": self.rubric.version,
                "sha256": self.rubric.sha256,
            },
            "stage": self.stage,
            "tier": self.tier,
            "overall": {
                "score": _r(self.score),
                "target": _r(self.target),
                "gap": _r(self.gap),
                "readiness": _r(self.readiness, 3),
            },
            "verdict": {
                "stage": self.verdict.stage,
                "pass": self.verdict.passed,
                "blockers": [
                    {
                        "rule": b.rule,
                        "question": b.question,
                        "dimension": b.dimension,
                        "level": _r(b.level),
                        "required": b.required
                        if isinstance(b.required, int)
                        else _r(b.required, 3),
                        "reason": b.reason,
                    }
                    for b in self.verdict.blockers
                ],
            },
            "dimensions": [
                {
                    "id": d.id,
                    "title": d.title,
                    "score": _r(d.score),
                    "target": _r(d.target),
                    "gap": _r(d.gap),
                    "weighted_gap": _r(d.weighted_gap),
                    "answered": d.answered,
                    "na": d.na,
                    "unknown": d.unknown,
                }
                for d in self.dimensions
            ],
            "questions": [
                {
                    "id": q.id,
                    "dimension": q.dimension,
                    "answer": q.answer,
                    "level": q.level,
                    "target": q.target,
                    "gap": q.gap,
                    "weighted_gap": _r(q.weighted_gap),
                }
                for q in self.questions
            ],
        }


# The version of the scoring rules. A final round's summary is stored with the version
# that computed it; raise this whenever a change to scoring could change a summary (a
# score, the readiness, the verdict or its blockers), so stored summaries are recomputed.
# 2: summaries carry the parents' scores (a SAMM business function's, a DSOMM dimension's).
SCORING_VERSION = "2"


def summarise(card: Scorecard) -> dict[str, Any]:
    """What the portfolio and the history show of a round: verdict, blocker count,
    readiness, overall score, each dimension's score and each parent's (unrounded; no
    parents for a rubric without them)."""
    return {
        "verdict": "ready" if card.verdict.passed else "not ready",
        "blockers": len(card.verdict.blockers),
        "readiness": card.readiness,
        "score": card.score,
        "dimensions": {d.id: d.score for d in card.dimensions},
        "parents": {p.id: p.score for p in card.parents},
    }


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def _weighted_mean(pairs: list[tuple[float, float]]) -> float | None:
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total else None


# ---------------------------------------------------------------------------------


def check_stage_and_tier(rubric: Rubric, stage: str, tier: str) -> None:
    if stage not in rubric.stage_ids:
        raise ValueError(f"unknown stage '{stage}' (stages: {', '.join(rubric.stage_ids)})")
    if tier not in rubric.tier_ids:
        raise ValueError(f"unknown tier '{tier}' (tiers: {', '.join(rubric.tier_ids)})")


def gate_floors(rubric: Rubric, stage: str, tier: str) -> tuple[dict[str, Floor], dict[str, Floor]]:
    """The floors in force for (stage, tier), on questions and on dimensions: the highest
    of every gate up to this stage, for all tiers and for this tier and those it includes.
    On a tie the stage's own floor names the rule."""
    questions: dict[str, Floor] = {}
    dimensions: dict[str, Floor] = {}

    def raise_to(found: dict[str, Floor], floors: Mapping[str, int], rule: str, source: str):
        for ident, level in floors.items():
            if ident not in found or level > found[ident].level:
                found[ident] = Floor(level, rule, source)

    chain = rubric.tier_chain(tier)
    for s in rubric.stages_up_to(stage):
        gate = rubric.gates.get(s)
        if gate is None:
            continue
        raise_to(questions, gate.questions, STAGE_FLOOR, f"the {s} gate")
        raise_to(dimensions, gate.dimensions, STAGE_FLOOR, f"the {s} gate")
        for t in chain:
            if t in gate.tiers:
                source = f"the {t} tier at the {s} gate"
                raise_to(questions, gate.tiers[t].questions, TIER_FLOOR, source)
                raise_to(dimensions, gate.tiers[t].dimensions, TIER_FLOOR, source)
    return questions, dimensions


def gated(rubric: Rubric, stage: str) -> bool:
    """Whether a verdict for ``stage`` means anything: some gate up to it sets a floor or
    a coverage. An imported model (SAMM, DSOMM) has none, so it "passes" whatever the
    answers, and its score and percent to target are what say where a round stands."""
    return any(s in rubric.gates for s in rubric.stages_up_to(stage))


def min_answered(rubric: Rubric, stage: str) -> float:
    """The share of all questions that must be answered with a level for this stage."""
    shares = [
        rubric.gates[s].min_answered
        for s in rubric.stages_up_to(stage)
        if s in rubric.gates and rubric.gates[s].min_answered is not None
    ]
    return max(shares, default=0.0)  # type: ignore[type-var]


def question_floor(rubric: Rubric, question_id: str, stage: str, tier: str) -> int | None:
    """The floor in force on a question for (stage, tier), or None."""
    floor = gate_floors(rubric, stage, tier)[0].get(question_id)
    return floor.level if floor else None


def question_target(rubric: Rubric, question_id: str, stage: str, tier: str) -> int:
    floor = question_floor(rubric, question_id, stage, tier)
    return _target(rubric, question_id, stage, tier, floor)


def question_targets(rubric: Rubric, stage: str, tier: str) -> dict[str, int]:
    """Every question's target for (stage, tier), reading the gates once."""
    floors = gate_floors(rubric, stage, tier)[0]
    return {
        q.id: _target(rubric, q.id, stage, tier, floors[q.id].level if q.id in floors else None)
        for q in rubric.questions
    }


def _target(rubric: Rubric, question_id: str, stage: str, tier: str, floor: int | None) -> int:
    return _target_of(
        rubric.question(question_id),
        rubric.dimension_of(question_id),
        stage,
        rubric.tier(tier),
        (rubric.min_level, rubric.max_level),
        floor,
    )


def _target_of(
    question: Question,
    dimension: Dimension,
    stage: str,
    risk: Tier,
    bounds: tuple[int, int],
    floor: int | None,
) -> int:
    """A question's target, from the question, its dimension, the tier and the scale's
    (lowest, highest) level: no look-ups, so scoring a whole round reads each once."""
    # a model without targets aims at the top of its scale
    base = question.targets.get(stage, dimension.targets.get(stage, bounds[1]))
    if risk.dimensions is None or dimension.id in risk.dimensions:
        base += risk.uplift
    return max(min(base, bounds[1]), floor or bounds[0])


def validate_answers(rubric: Rubric, answers: Mapping[str, AnswerLike]) -> list[str]:
    """Every problem with a set of answers: unknown ids and values off the scale."""
    problems = []
    for qid, raw in answers.items():
        value = as_answer(raw).value
        if not rubric.has_question(qid):
            problems.append(f"unknown question id '{qid}'")
        elif isinstance(value, bool) or not (
            value in (NA, UNKNOWN) or (isinstance(value, int) and rubric.has_level(value))
        ):
            problems.append(
                f"{qid}: answer {value!r} is not a level on the scale "
                f"{rubric.min_level}-{rubric.max_level}, 'na' or 'unknown'"
            )
    return problems


def score(rubric: Rubric, answers: Mapping[str, AnswerLike], stage: str, tier: str) -> Scorecard:
    """Score a set of answers against a rubric for a target stage and risk tier."""
    check_stage_and_tier(rubric, stage, tier)
    problems = validate_answers(rubric, answers)
    if problems:
        raise ValueError("; ".join(problems))
    given = {qid: as_answer(a) for qid, a in answers.items()}
    q_floors, d_floors = gate_floors(rubric, stage, tier)
    risk, bounds = rubric.tier(tier), (rubric.min_level, rubric.max_level)

    policy = rubric.scoring
    lowest = rubric.value(rubric.min_level)
    questions: list[QuestionScore] = []
    dimensions: list[DimensionScore] = []
    for dim in rubric.dimensions:
        qs = []
        for q in dim.questions:
            answer = given.get(q.id)
            value = answer.value if answer else None
            level = answer.level if answer else None
            floor = q_floors[q.id].level if q.id in q_floors else None
            target = _target_of(q, dim, stage, risk, bounds, floor)
            weight = q.weight * dim.weight
            gap = max(0, target - level) if level is not None else None
            if level is not None:
                counted: float | None = rubric.value(level)
            elif value != NA and policy.unanswered == "lowest":
                counted = lowest
            else:
                counted = None
            qs.append(
                QuestionScore(
                    id=q.id,
                    dimension=dim.id,
                    answer=value,
                    level=level,
                    target=target,
                    gap=gap,
                    weight=weight,
                    weighted_gap=gap * weight if gap is not None else None,
                    floor=floor,
                    value=counted,
                    group=q.group,
                )
            )
        counted_qs = [(s, q) for s, q in zip(qs, dim.questions, strict=True) if s.value is not None]
        dim_score, group_scores = _aggregate(
            policy,
            dim,
            [(q, s.value) for s, q in counted_qs],  # type: ignore[misc]
        )
        basis = counted_qs or list(zip(qs, dim.questions, strict=True))
        dim_target = (
            _aggregate(policy, dim, [(q, rubric.value(s.target)) for s, q in basis])[0] or 0.0
        )
        dimensions.append(
            DimensionScore(
                id=dim.id,
                title=dim.title,
                weight=dim.weight,
                score=dim_score,
                target=dim_target,
                gap=max(0.0, dim_target - dim_score) if dim_score is not None else None,
                weighted_gap=sum(s.weighted_gap or 0.0 for s in qs),
                answered=sum(s.level is not None for s in qs),
                na=sum(s.answer == NA for s in qs),
                unknown=sum(s.answer == UNKNOWN for s in qs),
                unanswered=sum(s.answer is None for s in qs),
                floor=d_floors[dim.id].level if dim.id in d_floors else None,
                groups=group_scores,
                parent=dim.parent,
            )
        )
        questions.extend(qs)

    parents = _parent_scores(rubric, dimensions)
    tops = [(p.score, p.target, p.weight) for p in parents] or [
        (d.score, d.target, d.weight) for d in dimensions
    ]
    scored = [(sc, t, w) for sc, t, w in tops if sc is not None]
    overall = _weighted_mean([(sc, w) for sc, _, w in scored])
    overall_target = _weighted_mean([(t, w) for _, t, w in scored])
    if overall_target is None:
        overall_target = _weighted_mean([(t, w) for _, t, w in tops]) or 0.0
    reached = [
        (rubric.value(min(q.level, q.target)), rubric.value(q.target), q.weight)
        if q.level is not None
        else (q.value, rubric.value(q.target), q.weight)
        for q in questions
        if q.value is not None
    ]
    wanted = sum(t * w for _, t, w in reached)
    readiness = (
        (sum(lv * w for lv, _, w in reached) / wanted if wanted else 1.0) if reached else None  # type: ignore[operator]
    )

    return Scorecard(
        rubric=rubric,
        stage=stage,
        tier=tier,
        score=overall,
        target=overall_target,
        gap=max(0.0, overall_target - overall) if overall is not None else None,
        readiness=readiness,
        verdict=_verdict(rubric, stage, given, questions, dimensions, (q_floors, d_floors)),
        dimensions=dimensions,
        questions=questions,
        parents=parents,
    )


def _combine(how: str, pairs: list[tuple[float, float]]) -> float | None:
    """(value, weight) pairs combined by a declared aggregation; None when empty."""
    if not pairs:
        return None
    if how == "sum":
        return sum(v * w for v, w in pairs)
    return _weighted_mean(pairs)


def _aggregate(
    policy: Scoring, dim: Dimension, counted: list[tuple[Question, float]]
) -> tuple[float | None, dict[str, float | None]]:
    """A dimension's score from its counted (question, value) pairs, and each group's.

    Without groups and with the default ``mean`` this is the weighted mean of the values,
    term for term as it always was."""
    groups: dict[str, float | None] = {}
    for g in dim.groups:
        pairs = [(v, q.weight) for q, v in counted if q.group == g.id]
        groups[g.id] = _combine(policy.groups, pairs)
    if policy.dimensions == "sum-of-level-means":
        total, any_level = 0.0, False
        for level in sorted({q.maturity for q, _ in counted if q.maturity is not None}):
            at = [(q, v) for q, v in counted if q.maturity == level]
            if dim.groups:
                means = [
                    _weighted_mean([(v, q.weight) for q, v in at if q.group == g.id])
                    for g in dim.groups
                ]
                level_mean = _weighted_mean([(m, 1.0) for m in means if m is not None])
            else:
                level_mean = _weighted_mean([(v, q.weight) for q, v in at])
            if level_mean is not None:
                total, any_level = total + level_mean, True
        return (total if any_level else None), groups
    if dim.groups:
        scored = [(v, 1.0) for v in groups.values() if v is not None]
        return _combine(policy.dimensions, scored), groups
    return _combine(policy.dimensions, [(v, q.weight) for q, v in counted]), groups


def score_range(rubric: Rubric) -> tuple[float, float]:
    """The lowest and highest score a dimension can have: the scale's ends, or for a
    rubric that declares its scoring, its aggregations over the lowest and highest values
    (SAMM's practices: 0 to 3; DSOMM's: 0 to 1). For chart axes."""
    if not _declared(rubric) and not any(d.groups for d in rubric.dimensions):
        return float(rubric.min_level), float(rubric.max_level)
    low, high = rubric.value(rubric.min_level), rubric.value(rubric.max_level)
    ends = [
        _aggregate(rubric.scoring, d, [(q, v) for q in d.questions])[0] or 0.0
        for d in rubric.dimensions
        for v in (low, high)
    ]
    return min(ends), max(ends)


def parent_score_range(rubric: Rubric) -> tuple[float, float]:
    """The lowest and highest score a parent can have (for chart axes): its dimensions'
    range, or for parents that add their dimensions up, the largest parent's sum."""
    low, high = score_range(rubric)
    if rubric.scoring.parents != "sum":
        return low, high
    sizes = [sum(d.parent == p.id for d in rubric.dimensions) for p in rubric.parents]
    most = max(sizes, default=1) or 1
    return min(low, low * most), high * most


def _parent_scores(rubric: Rubric, dimensions: list[DimensionScore]) -> list[ParentScore]:
    """Each parent's score from its dimensions' (weighted by dimension weight)."""
    out = []
    for p in rubric.parents:
        mine = [d for d in dimensions if d.parent == p.id]
        scored = [(d.score, d.weight) for d in mine if d.score is not None]
        score_ = _combine(rubric.scoring.parents, scored)  # type: ignore[arg-type]
        basis = [d for d in mine if d.score is not None] or mine
        target = _combine(rubric.scoring.parents, [(d.target, d.weight) for d in basis]) or 0.0
        out.append(ParentScore(p.id, p.title, p.weight, score_, target, [d.id for d in mine]))
    return out


def _has_reason(answer: Answer | None) -> bool:
    return bool(answer and answer.notes.strip())


def _verdict(
    rubric: Rubric,
    stage: str,
    given: Mapping[str, Answer],
    questions: list[QuestionScore],
    dimensions: list[DimensionScore],
    floors: tuple[dict[str, Floor], dict[str, Floor]],
) -> Verdict:
    q_floors, d_floors = floors
    blockers: list[Blocker] = []
    answered = sum(q.level is not None for q in questions)
    share = min_answered(rubric, stage)
    if answered == 0:
        blockers.append(
            Blocker(None, None, 0.0, 1, "no question is answered with a level", COVERAGE)
        )
    elif answered < share * len(questions):
        blockers.append(
            Blocker(
                None,
                None,
                answered / len(questions),
                share,
                f"{answered} of {len(questions)} questions are answered with a level; the "
                f"{stage} gate needs at least {share:.0%}",
                COVERAGE,
            )
        )
    for d in dimensions:
        floor = d_floors.get(d.id)
        if floor is None:
            continue
        if d.score is None and not d.unknown and not d.unanswered:
            # every question is N/A: the dimension does not apply, if each N/A says why
            silent = [
                q.id for q in questions if q.dimension == d.id and not _has_reason(given.get(q.id))
            ]
            if silent:
                blockers.append(
                    Blocker(
                        None,
                        d.id,
                        None,
                        floor.level,
                        f"{d.title} is answered N/A throughout, without a reason for "
                        f"{', '.join(silent)}; {floor.source} needs {floor.level}",
                        NA_WITHOUT_REASON,
                    )
                )
            continue
        if d.score is None:
            reason = f"{d.title}: no question answered; {floor.source} needs {floor.level}"
        elif d.score < floor.level:
            reason = (
                f"{d.title} scores {d.score:.2f}, below the floor of {floor.level} set by "
                f"{floor.source}"
            )
        else:
            continue
        blockers.append(Blocker(None, d.id, d.score, floor.level, reason, floor.rule))
    for q in questions:
        floor = q_floors.get(q.id)
        if floor is None:
            continue
        rule = floor.rule
        if q.answer == NA:
            if _has_reason(given.get(q.id)):
                continue
            rule = NA_WITHOUT_REASON
            reason = (
                f"{q.id} is answered N/A without a reason: say in the notes why it does not "
                f"apply ({floor.source} needs {floor.level})"
            )
        elif q.answer == UNKNOWN:
            rule = DONT_KNOW
            reason = f"{q.id} is answered 'don't know': a gated question must be known"
        elif q.answer is None:
            rule = NOT_ANSWERED
            reason = f"{q.id} is not answered: a gated question must be assessed"
        elif q.level is not None and q.level < floor.level:
            reason = (
                f"{q.id} is at level {q.level}, below the floor of {floor.level} set by "
                f"{floor.source}"
            )
        else:
            continue
        blockers.append(Blocker(q.id, q.dimension, q.level, floor.level, reason, rule))
    order = {q.id: i for i, q in enumerate(rubric.questions)}
    dims = {d.id: i for i, d in enumerate(rubric.dimensions)}
    blockers.sort(
        key=lambda b: (
            dims.get(b.dimension or "", -1),
            b.question is not None,
            order.get(b.question or "", -1),
        )
    )
    return Verdict(stage, blockers)


# ---------------------------------------------------------------------------------
# Derivations: how every number was reached, for the "explain" views and exports
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Derivation:
    """A number, the sum that produced it, and the answers left out of it."""

    value: float | None
    formula: str
    terms: list[dict[str, Any]]
    excluded: list[dict[str, Any]]
    how: str = "Weighted mean of answered levels"


def _declared(rubric: Rubric) -> bool:
    """Whether the rubric scores its own way (values, policy or aggregations declared)."""
    return rubric.has_values or rubric.scoring != Scoring() or bool(rubric.parents)


def _fmt(x: float) -> str:
    return f"{x:g}" if float(x).is_integer() else f"{x:.2f}"


def _mean_formula(pairs: list[tuple[float, float]], value: float | None) -> str:
    if not pairs or value is None:
        return "nothing answered, so no score"
    top = " + ".join(f"{_fmt(v)}×{_fmt(w)}" for v, w in pairs)
    bottom = " + ".join(_fmt(w) for _, w in pairs)
    return f"({top}) / ({bottom}) = {value:.2f}"


def explain_dimension(card: Scorecard, dimension_id: str) -> Derivation:
    """The weighted mean behind a dimension's score, term by term (or, for a rubric that
    declares its scoring, the groups and levels behind it)."""
    if _declared(card.rubric) or card.rubric.dimension(dimension_id).groups:
        return _explain_declared(card, dimension_id)
    dim = card.dimension(dimension_id)
    terms, excluded, pairs = [], [], []
    for q in card.questions:
        if q.dimension != dimension_id:
            continue
        weight = card.rubric.question(q.id).weight
        row = {
            "question": q.id,
            "answer": q.answer,
            "level": q.level,
            "weight": weight,
            "target": q.target,
            "gap": q.gap,
        }
        if q.level is None:
            excluded.append({**row, "reason": q.exclusion})
        else:
            terms.append(row)
            pairs.append((float(q.level), weight))
    return Derivation(dim.score, _mean_formula(pairs, dim.score), terms, excluded)


def _explain_declared(card: Scorecard, dimension_id: str) -> Derivation:
    rubric, policy = card.rubric, card.rubric.scoring
    dim = card.dimension(dimension_id)
    spec = rubric.dimension(dimension_id)
    terms, excluded = [], []
    for q, qs in zip(
        spec.questions, (x for x in card.questions if x.dimension == dimension_id), strict=True
    ):
        row = {
            "question": q.id,
            "answer": qs.answer,
            "level": qs.level,
            "value": qs.value,
            "weight": q.weight,
            "group": q.group,
            "maturity": q.maturity,
        }
        if qs.value is None:
            excluded.append({**row, "reason": qs.exclusion})
        else:
            terms.append(row)
    counted = {t["question"]: t["value"] for t in terms}
    if not terms or dim.score is None:
        return Derivation(None, "nothing answered, so no score", terms, excluded, "How it adds up")
    parts: list[str] = []
    if policy.dimensions == "sum-of-level-means":
        for level in sorted({q.maturity for q in spec.questions if q.id in counted}):  # type: ignore[type-var]
            at = [q for q in spec.questions if q.maturity == level and q.id in counted]
            shown = ", ".join(f"{q.group or q.id} {_fmt(counted[q.id])}" for q in at)
            parts.append(f"level {level}: mean({shown})")
        how = "Sum over maturity levels of the mean at each level"
    elif spec.groups:
        for g in spec.groups:
            vals = [
                _fmt(counted[q.id]) for q in spec.questions if q.group == g.id and q.id in counted
            ]
            if vals:
                parts.append(
                    f"{g.id}: {policy.groups}({', '.join(vals)}) = {_fmt(dim.groups[g.id] or 0)}"
                )
        how = f"{policy.dimensions.capitalize()} of the groups' scores"
    else:
        parts.append(f"{policy.dimensions}({', '.join(_fmt(v) for v in counted.values())})")
        how = f"{policy.dimensions.capitalize()} of the answers' values"
    if policy.unanswered == "lowest":
        how += "; unanswered questions count at the lowest level"
    return Derivation(dim.score, f"{' · '.join(parts)} = {dim.score:.2f}", terms, excluded, how)


def explain_overall(card: Scorecard) -> Derivation:
    """The weighted mean of dimension scores behind the overall score (of the parents'
    scores, for a rubric with parents)."""
    if card.parents:
        terms = [
            {"parent": p.id, "score": p.score, "weight": p.weight, "target": p.target}
            for p in card.parents
            if p.score is not None
        ]
        excluded = [
            {"parent": p.id, "reason": "no question answered"}
            for p in card.parents
            if p.score is None
        ]
        pairs = [(t["score"], t["weight"]) for t in terms]
        return Derivation(
            card.score, _mean_formula(pairs, card.score), terms, excluded, "Mean of the parts"
        )
    terms, excluded, pairs = [], [], []
    for d in card.dimensions:
        row = {"dimension": d.id, "score": d.score, "weight": d.weight, "target": d.target}
        if d.score is None:
            excluded.append({**row, "reason": "no question answered"})
        else:
            terms.append(row)
            pairs.append((d.score, d.weight))
    return Derivation(card.score, _mean_formula(pairs, card.score), terms, excluded)


def explain_readiness(card: Scorecard) -> Derivation:
    """Σ w·min(level, target) / Σ w·target over answered questions."""
    terms = [
        {
            "question": q.id,
            "level": q.level,
            "target": q.target,
            "weight": q.weight,
            "reached": min(q.level, q.target),
        }
        for q in card.questions
        if q.level is not None
    ]
    excluded = [
        {"question": q.id, "reason": q.exclusion} for q in card.questions if q.level is None
    ]
    if card.readiness is None:
        return Derivation(None, "nothing answered, so no readiness", terms, excluded)
    if _declared(card.rubric):  # in the levels' values: SAMM's percent to target
        value = card.rubric.value
        terms = [
            {
                "question": q.id,
                "level": q.level,
                "target": q.target,
                "weight": q.weight,
                "reached": value(min(q.level, q.target)) if q.level is not None else q.value,
                "wanted": value(q.target),
            }
            for q in card.questions
            if q.value is not None
        ]
        excluded = [
            {"question": q.id, "reason": q.exclusion} for q in card.questions if q.value is None
        ]
        got = sum(t["reached"] * t["weight"] for t in terms)
        want = sum(t["wanted"] * t["weight"] for t in terms)
        formula = (
            f"Σ weight×value(min(level, target)) / Σ weight×value(target) = {_fmt(got)} / "
            f"{_fmt(want)} = {card.readiness:.1%}"
        )
        return Derivation(card.readiness, formula, terms, excluded, "Percent to target")
    got = sum(t["reached"] * t["weight"] for t in terms)
    want = sum(t["target"] * t["weight"] for t in terms)
    formula = (
        f"Σ weight×min(level, target) / Σ weight×target = {_fmt(got)} / {_fmt(want)}"
        f" = {card.readiness:.1%}"
    )
    return Derivation(card.readiness, formula, terms, excluded)
