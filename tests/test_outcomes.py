"""Business outcomes: progress respects the measure's direction, a counter-measure that got
worse is always flagged, and the store keeps outcomes and values with the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groundwork.outcomes import Measure, Outcome, Reading, gain, status, warnings_for
from groundwork.store import StoreError, open_store

D0, D1 = dt.date(2026, 1, 1), dt.date(2026, 6, 1)
numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
directions = st.sampled_from(["higher", "lower"])


def measure(name, direction, baseline, current, unit=""):
    values = () if current is None else (Reading(D1, current),)
    return Measure(name, unit, direction, baseline, D0 if baseline is not None else None, values)


@given(directions, numbers, numbers)
def test_a_move_the_right_way_counts_as_better_in_either_direction(direction, before, after):
    s = status(Outcome(measure("m", direction, before, after)))
    better = after > before if direction == "higher" else after < before
    assert s.headline.better is better
    assert s.headline.worse is (after != before and not better)
    assert gain(direction, before, after) == -gain(direction, after, before)


@given(directions, numbers, numbers, numbers)
def test_progress_to_target_follows_the_direction(direction, baseline, target, current):
    s = status(Outcome(measure("m", direction, baseline, current), target))
    reached = current >= target if direction == "higher" else current <= target
    assert s.target_met is reached
    if target != baseline and (target > baseline) == (direction == "higher"):
        closer = gain(direction, baseline, current) > 0
        assert (s.progress > 0) is closer
        assert "target-behind-baseline" not in {w.code for w in s.warnings}


@given(directions, numbers, numbers, directions, numbers, numbers)
def test_a_counter_measure_that_got_worse_is_always_flagged(d1, b1, c1, d2, b2, c2):
    counter = measure("people's error rate", d2, b2, c2)
    s = status(Outcome(measure("tickets", d1, b1, c1), counter=counter))
    worse = gain(d2, b2, c2) < 0
    codes = {w.code for w in s.warnings}
    assert bool(codes & {"counter-worse", "counter-worse-headline-better"}) is worse
    if worse and gain(d1, b1, c1) > 0:
        assert s.trap and "counter-worse-headline-better" in codes


def test_the_seed_trap_ticket_volume_down_while_peoples_cases_got_worse():
    o = Outcome(
        measure("Tickets a week", "lower", 1000, 700),
        target=700,
        counter=measure("Errors in cases left to people", "lower", 2.0, 3.5, "%"),
    )
    s = status(o)
    assert s.target_met and s.progress == pytest.approx(1.0)
    assert s.trap
    assert "improved while the counter-measure" in s.warnings[0].message


def test_no_baseline_is_a_warning_and_no_progress():
    s = status(Outcome(measure("Cost per case", "lower", None, 9.0), target=8))
    assert s.progress is None and s.target_met is None
    assert [w.code for w in s.warnings] == ["no-baseline"]
    counter = measure("CSAT", "higher", None, 4.1)
    codes = [w.code for w in warnings_for([Outcome(measure("x", "higher", 1, 2), counter=counter)])]
    assert codes == ["counter-no-baseline"]


def test_a_measure_refuses_an_unknown_direction_or_an_infinite_value():
    with pytest.raises(ValueError, match="direction"):
        Measure("x", direction="up")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite"):
        Measure("x", baseline=float("inf"))


@pytest.fixture
def system(tmp_path):
    with open_store(tmp_path / "o.db") as s:
        org = s.create_organisation("Acme")
        unit = s.create_scope(org, "unit", "Claims")
        bot = s.create_scope(org, "system", "Bot", parent_id=unit, stage="pilot", tier="high")
        yield s, bot, unit


def test_the_store_keeps_outcomes_values_and_audits_every_change(system):
    s, bot, _ = system
    o = Outcome(
        measure("Cost per case", "lower", 12.0, 10.0, "EUR"),
        8.0,
        measure("Errors", "lower", 2.0, None, "%"),
    )
    oid = s.save_outcome(bot, o, who="ana")
    assert s.record_value(oid, "counter", D1, 3.0, who="ana")
    assert not s.record_value(oid, "counter", D1, 3.0, who="ana")  # already so
    s.record_value(oid, "headline", "2026-07-01", 9.5, who="ben")
    (got,) = s.outcomes(bot)
    assert [r.value for r in got.headline.values] == [10.0, 9.5]
    assert got.counter.latest == Reading(D1, 3.0)
    assert status(got).trap
    assert s.outcomes_for([bot]) == {bot: [got]}
    audit = s.db.query("select who, field, new_value from audit_log where entity = 'outcome'")
    fields = {(r["who"], r["field"]) for r in audit}
    assert ("ana", "name") in fields and ("ben", "headline@2026-07-01") in fields
    s.save_outcome(bot, Outcome(got.headline, 7.0, got.counter, id=oid), who="cy")
    assert s.outcomes(bot)[0].target == 7.0
    assert s.delete_value(oid, "headline", "2026-07-01", who="cy")
    s.delete_outcome(oid, who="cy")
    assert s.outcomes(bot) == []


def test_bad_outcomes_are_refused_with_a_reason_and_change_nothing(system):
    s, bot, unit = system
    ok = Outcome(measure("Cost", "lower", 1.0, None))
    with pytest.raises(StoreError, match="AI system"):
        s.save_outcome(unit, ok)
    with pytest.raises(StoreError, match="cannot be empty"):
        s.save_outcome(bot, Outcome(measure(" ", "lower", 1.0, None)))
    with pytest.raises(StoreError, match="too long"):
        s.save_outcome(bot, Outcome(measure("Cost", "lower", 1.0, None, "x" * 41)))
    oid = s.save_outcome(bot, ok)
    with pytest.raises(StoreError, match="already has"):
        s.save_outcome(bot, ok)
    with pytest.raises(StoreError, match="no counter-measure"):
        s.record_value(oid, "counter", D1, 1.0)
    with pytest.raises(StoreError, match="date"):
        s.record_value(oid, "headline", "31/12/2026", 1.0)
    with pytest.raises(StoreError, match="number"):
        s.record_value(oid, "headline", D1, "lots")  # type: ignore[arg-type]
    assert [o.headline.values for o in s.outcomes(bot)] == [()]


def test_a_system_holds_a_bounded_number_of_outcomes(system, monkeypatch):
    from groundwork.store import outcomes as store_outcomes

    s, bot, _ = system
    monkeypatch.setattr(store_outcomes, "MAX_OUTCOMES", 2)
    monkeypatch.setattr(store_outcomes, "MAX_READINGS", 2)
    oid = s.save_outcome(bot, Outcome(measure("a", "higher", 1.0, None)))
    s.save_outcome(bot, Outcome(measure("b", "higher", 1.0, None)))
    with pytest.raises(StoreError, match="at most 2 outcome"):
        s.save_outcome(bot, Outcome(measure("c", "higher", 1.0, None)))
    s.record_value(oid, "headline", D0, 1.0)
    s.record_value(oid, "headline", D1, 2.0)
    with pytest.raises(StoreError, match="at most 2 dated"):
        s.record_value(oid, "headline", "2026-09-01", 3.0)
    s.record_value(oid, "headline", D1, 2.5)  # replacing a day's figure is not a new one
