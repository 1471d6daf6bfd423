"""Two stored rounds of a scope compared, and the target band of its trend: read from the
store, worked out by :mod:`groundwork.tracking` (no Streamlit here)."""

from __future__ import annotations

from dataclasses import dataclass

from groundwork.reports import comparable_card, load_round
from groundwork.scoring import score
from groundwork.store import Assessment, Store, StoreError
from groundwork.tracking import ClosedLoop, Delta, closed_loop, delta


@dataclass(frozen=True)
class Comparison:
    before: Assessment
    after: Assessment
    stage: str  # both rounds are scored for the later round's stage and tier
    tier: str
    delta: Delta
    loop: ClosedLoop


def in_order(store: Store, first: int, second: int) -> tuple[Assessment, Assessment]:
    """The two rounds, earlier first (by date, as every list of rounds is ordered)."""
    a, b = store.assessment(first), store.assessment(second)
    if a.scope_id != b.scope_id:
        raise StoreError("only two rounds of the same scope can be compared")
    return (a, b) if (a.created_at, a.id) <= (b.created_at, b.id) else (b, a)


def round_delta(store: Store, first: int, second: int) -> tuple[Delta, str, str]:
    """The delta from the earlier of two rounds to the later, both scored for the later
    one's target stage and tier, so a changed target does not pass for movement."""
    before, after = in_order(store, first, second)
    later = load_round(store, after.id).card
    earlier = comparable_card(store, before, after.stage, after.tier)
    return delta(earlier, later), after.stage, after.tier


def work_done_between(store: Store, before: Assessment, after: Assessment) -> dict[str, str]:
    """Roadmap items marked done after the earlier round closed and still done when the
    later one did (a draft: up to now)."""
    return store.roadmap_done(
        before.scope_id,
        before.finalised_at or before.updated_at,
        after.finalised_at,
    )


def compare(store: Store, first: int, second: int, change: Delta | None = None) -> Comparison:
    """Two rounds compared, with the closed loop of the work done between them.
    ``change`` is the delta when the caller already has it (a page caches it)."""
    before, after = in_order(store, first, second)
    if change is None:
        change = round_delta(store, first, second)[0]
    done = work_done_between(store, before, after)
    return Comparison(before, after, after.stage, after.tier, change, closed_loop(change, done))


@dataclass(frozen=True)
class TargetBand:
    stage: str
    low: float
    high: float


def next_stage_band(store: Store, scope_id: int) -> TargetBand | None:
    """The range of dimension targets for the scope's next stage (its own stage when it is
    at the last), under the latest round's rubric and the scope's tier; None before any
    round, or when that rubric does not know the stage."""
    rounds = store.assessments(scope_id)
    if not rounds:
        return None
    latest = rounds[-1]
    rubric = store.rubric(latest.rubric_sha256)
    scope = store.scope(scope_id)
    if scope.stage in rubric.stage_ids:
        stage = rubric.next_stage(scope.stage) or scope.stage
    else:
        stage = latest.stage
    tier = scope.tier if scope.tier in rubric.tier_ids else latest.tier
    card = score(rubric, {}, stage, tier)
    targets = [d.target for d in card.dimensions]
    return TargetBand(stage, min(targets), max(targets))
