"""Business outcomes beside maturity: the measures that justify a system, and whether they moved.

Pure: records in, status out. Uptime and feature delivery say a system runs; an outcome
says whether it works. A headline measure (cost per resolved case, ticket volume) may
improve while the work left to people gets worse, so each outcome may carry a
counter-measure that must not get worse, and that trap is always flagged.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["higher", "lower"]
DIRECTIONS: tuple[Direction, ...] = ("higher", "lower")
HEADLINE, COUNTER = "headline", "counter"


@dataclass(frozen=True)
class Reading:
    """One dated value of a measure."""

    date: dt.date
    value: float


@dataclass(frozen=True)
class Measure:
    """A measured quantity: what it is, which way is better, where it started, where it is."""

    name: str
    unit: str = ""
    direction: Direction = "higher"
    baseline: float | None = None
    baseline_date: dt.date | None = None
    values: tuple[Reading, ...] = ()

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be 'higher' or 'lower', not {self.direction!r}")
        for v in (self.baseline, *(r.value for r in self.values)):
            if v is not None and not math.isfinite(v):
                raise ValueError(f"{self.name}: values must be finite numbers")

    @property
    def latest(self) -> Reading | None:
        """The newest reading (by date), or None."""
        return max(self.values, key=lambda r: r.date) if self.values else None


@dataclass(frozen=True)
class Outcome:
    """A system's outcome: a headline measure with a target, and an optional counter-measure."""

    headline: Measure
    target: float | None = None
    counter: Measure | None = None
    id: int | None = None
    scope_id: int | None = None

    @property
    def name(self) -> str:
        return self.headline.name


@dataclass(frozen=True)
class Flag:
    """Something a reader must not miss about an outcome; ``code`` is stable for tests."""

    code: str
    message: str


@dataclass(frozen=True)
class MeasureStatus:
    current: float | None
    change: float | None  # current - baseline, as measured
    better: bool | None  # moved the right way (None: nothing to compare)
    worse: bool | None  # moved the wrong way


@dataclass(frozen=True)
class OutcomeStatus:
    headline: MeasureStatus
    counter: MeasureStatus | None
    progress: float | None  # share of the way from baseline to target (may exceed 1)
    target_met: bool | None
    warnings: tuple[Flag, ...] = field(default_factory=tuple)

    @property
    def trap(self) -> bool:
        """The headline improved while the counter-measure got worse."""
        return any(w.code == "counter-worse-headline-better" for w in self.warnings)


def gain(direction: Direction, before: float, after: float) -> float:
    """How much better ``after`` is than ``before``: positive is better, either direction."""
    return after - before if direction == "higher" else before - after


def measure_status(m: Measure) -> MeasureStatus:
    latest = m.latest
    if latest is None or m.baseline is None:
        return MeasureStatus(latest.value if latest else None, None, None, None)
    g = gain(m.direction, m.baseline, latest.value)
    return MeasureStatus(latest.value, latest.value - m.baseline, g > 0, g < 0)


def status(o: Outcome) -> OutcomeStatus:
    """Where an outcome stands: progress to target in its own direction, and its warnings."""
    head = measure_status(o.headline)
    counter = measure_status(o.counter) if o.counter else None
    warnings: list[Flag] = []
    name = o.headline.name
    if o.headline.baseline is None:
        warnings.append(Flag("no-baseline", f"{name} has no baseline: progress cannot be shown"))
    elif not o.headline.values:
        warnings.append(Flag("no-values", f"{name} has a baseline but no current value yet"))
    if o.counter is not None and o.counter.baseline is None:
        warnings.append(
            Flag(
                "counter-no-baseline",
                f"the counter-measure {o.counter.name} has no baseline: "
                "nobody can tell whether it got worse",
            )
        )
    if counter is not None and counter.worse:
        if head.better:
            warnings.append(
                Flag(
                    "counter-worse-headline-better",
                    f"{name} improved while the counter-measure {o.counter.name} got worse",  # type: ignore[union-attr]
                )
            )
        else:
            warnings.append(
                Flag(
                    "counter-worse",
                    f"the counter-measure {o.counter.name} got worse",  # type: ignore[union-attr]
                )
            )
    progress = target_met = None
    if o.target is not None and o.headline.baseline is not None and head.current is not None:
        wanted = gain(o.headline.direction, o.headline.baseline, o.target)
        got = gain(o.headline.direction, o.headline.baseline, head.current)
        target_met = gain(o.headline.direction, o.target, head.current) >= 0
        progress = (1.0 if target_met else 0.0) if wanted == 0 else got / wanted
        if wanted < 0:
            warnings.append(
                Flag(
                    "target-behind-baseline",
                    f"the target of {name} is worse than its baseline "
                    f"({o.headline.direction} is better)",
                )
            )
    return OutcomeStatus(head, counter, progress, target_met, tuple(warnings))


def warnings_for(outcomes: list[Outcome]) -> list[Flag]:
    """Every warning of a system's outcomes, in order (what Results shows)."""
    return [w for o in outcomes for w in status(o).warnings]
