"""Each system's business outcomes: the measures, their targets and their dated values."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from groundwork.limits import MAX_OUTCOMES, MAX_READINGS, MAX_UNIT
from groundwork.outcomes import COUNTER, DIRECTIONS, HEADLINE, Measure, Outcome, Reading
from groundwork.store.base import StoreBase
from groundwork.store.connection import StoreError, now
from groundwork.store.records import _chunks, _marks, _required

_FIELDS = (
    "name",
    "unit",
    "direction",
    "baseline",
    "baseline_date",
    "target",
    "counter_name",
    "counter_unit",
    "counter_direction",
    "counter_baseline",
    "counter_baseline_date",
)


def _number(value: Any, what: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise StoreError(f"the {what} must be a number") from None
    if not math.isfinite(number):
        raise StoreError(f"the {what} must be a finite number")
    return number


def _day(value: Any, what: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return (
            value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        ).isoformat()
    except ValueError:
        raise StoreError(f"the {what} must be a date, YYYY-MM-DD") from None


def _unit(text: str, what: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_UNIT:
        raise StoreError(f"the {what} is too long ({MAX_UNIT} characters at most)")
    return text


def _direction(value: str, what: str) -> str:
    if value not in DIRECTIONS:
        raise StoreError(f"the {what} must be 'higher' or 'lower' (which way is better)")
    return value


def _columns(o: Outcome) -> dict[str, Any]:
    """The checked outcomes-table columns of an outcome."""
    h, c = o.headline, o.counter
    row = {
        "name": _required(h.name, "outcome name"),
        "unit": _unit(h.unit, "unit"),
        "direction": _direction(h.direction, "direction"),
        "baseline": _number(h.baseline, "baseline"),
        "baseline_date": _day(h.baseline_date, "baseline date"),
        "target": _number(o.target, "target"),
        "counter_name": None,
        "counter_unit": None,
        "counter_direction": None,
        "counter_baseline": None,
        "counter_baseline_date": None,
    }
    if c is not None:
        row.update(
            counter_name=_required(c.name, "counter-measure name"),
            counter_unit=_unit(c.unit, "counter-measure unit"),
            counter_direction=_direction(c.direction, "counter-measure direction"),
            counter_baseline=_number(c.baseline, "counter-measure baseline"),
            counter_baseline_date=_day(c.baseline_date, "counter-measure baseline date"),
        )
    return row


def _measure(row: dict, prefix: str, readings: list[Reading]) -> Measure:
    baseline_date = row[f"{prefix}baseline_date"]
    return Measure(
        row[f"{prefix}name"],
        row[f"{prefix}unit"] or "",
        row[f"{prefix}direction"],
        row[f"{prefix}baseline"],
        dt.date.fromisoformat(baseline_date) if baseline_date else None,
        tuple(sorted(readings, key=lambda r: r.date)),
    )


class Outcomes(StoreBase):
    def save_outcome(self, scope_id: int, outcome: Outcome, who: str = "") -> int:
        """Create (``outcome.id`` None) or update an outcome of a system, with any readings
        it carries; every changed field is audited. Returns the outcome's id."""
        row = _columns(outcome)
        readings = [(HEADLINE, r) for r in outcome.headline.values]
        readings += [(COUNTER, r) for r in outcome.counter.values] if outcome.counter else []
        with self.write() as db:
            scope = self.scope_row(scope_id)
            if scope["kind"] != "system":
                raise StoreError("outcomes belong to an AI system, not to a unit")
            clash = self._row(
                "select id from outcomes where scope_id = ? and name = ? and id is not ?",
                [scope_id, row["name"], outcome.id],
            )
            if clash:
                raise StoreError(f"this system already has an outcome called '{row['name']}'")
            stamp = now()
            if outcome.id is None:
                count = db["outcomes"].count_where("scope_id = ?", [scope_id])
                if count >= MAX_OUTCOMES:
                    raise StoreError(f"a system has at most {MAX_OUTCOMES} outcome measures")
                oid = int(
                    db["outcomes"]
                    .insert({"scope_id": scope_id, **row, "created_at": stamp, "updated_at": stamp})
                    .last_pk
                )
                old: dict[str, Any] = {}
            else:
                oid = outcome.id
                old = self._outcome_row(oid)
                if old["scope_id"] != scope_id:
                    raise StoreError("that outcome belongs to another system")
                db["outcomes"].update(oid, {**row, "updated_at": stamp})
            changes = [(k, old.get(k), row[k]) for k in _FIELDS if old.get(k) != row[k]]
            changes = [c for c in changes if not (c[1] is None and c[2] in (None, ""))]
            self._audit_fields(
                who, "create" if not old else "update", "outcome", oid, changes, at=stamp
            )
            for measure, r in readings:
                self.record_value(oid, measure, r.date, r.value, who=who)
        return oid

    def _outcome_row(self, outcome_id: int) -> dict:
        row = self._row("select * from outcomes where id = ?", [outcome_id])
        if row is None:
            raise StoreError(f"no outcome with id {outcome_id}")
        return row

    def record_value(
        self, outcome_id: int, measure: str, date: dt.date | str, value: float, who: str = ""
    ) -> bool:
        """Keep ``value`` as the measure's figure on ``date`` (one per day: a second
        figure for the same day replaces the first, audited). True if anything changed."""
        if measure not in (HEADLINE, COUNTER):
            raise StoreError("a value is of the headline measure or of the counter-measure")
        day, number = _day(date, "date of the value"), _number(value, "value")
        if day is None or number is None:
            raise StoreError("a value needs a date and a number")
        with self.write():
            row = self._outcome_row(outcome_id)
            if measure == COUNTER and not row["counter_name"]:
                raise StoreError(f"'{row['name']}' has no counter-measure")
            old = self._row(
                "select value from outcome_values where outcome_id = ? and measure = ?"
                " and date = ?",
                [outcome_id, measure, day],
            )
            if old and old["value"] == number:
                return False
            if old is None:
                (count,) = self.db.conn.execute(
                    "select count(*) from outcome_values where outcome_id = ? and measure = ?",
                    [outcome_id, measure],
                ).fetchone()
                if count >= MAX_READINGS:
                    raise StoreError(f"a measure keeps at most {MAX_READINGS} dated values")
            stamp = now()
            self.db.conn.execute(
                "insert into outcome_values (outcome_id, measure, date, value, recorded_by,"
                " recorded_at) values (?, ?, ?, ?, ?, ?) on conflict (outcome_id, measure, date)"
                " do update set value = excluded.value, recorded_by = excluded.recorded_by,"
                " recorded_at = excluded.recorded_at",
                [outcome_id, measure, day, number, who, stamp],
            )
            self._audit(
                who, "value", "outcome", outcome_id, f"{measure}@{day}",
                old["value"] if old else None, number,
            )  # fmt: skip
        return True

    def delete_value(
        self, outcome_id: int, measure: str, date: dt.date | str, who: str = ""
    ) -> bool:
        day = _day(date, "date of the value")
        with self.write():
            old = self._row(
                "select value from outcome_values where outcome_id = ? and measure = ?"
                " and date = ?",
                [outcome_id, measure, day],
            )
            if old is None:
                return False
            self.db.conn.execute(
                "delete from outcome_values where outcome_id = ? and measure = ? and date = ?",
                [outcome_id, measure, day],
            )
            self._audit(
                who, "delete", "outcome", outcome_id, f"{measure}@{day}", old["value"], None
            )
        return True

    def delete_outcome(self, outcome_id: int, who: str = "") -> None:
        with self.write():
            row = self._outcome_row(outcome_id)
            self.db.conn.execute("delete from outcome_values where outcome_id = ?", [outcome_id])
            self.db.conn.execute("delete from outcomes where id = ?", [outcome_id])
            self._audit(who, "delete", "outcome", outcome_id, "name", row["name"], None)

    def outcomes(self, scope_id: int) -> list[Outcome]:
        """A system's outcomes, in the order they were created, with their values."""
        return self.outcomes_for([scope_id]).get(scope_id, [])

    def outcomes_for(self, scope_ids: list[int] | None = None) -> dict[int, list[Outcome]]:
        """The outcomes of many systems at once (all when ``scope_ids`` is None), keyed by
        scope id: two queries per 500 systems, whatever the number of outcomes."""
        if scope_ids is None:
            rows = list(self.db.query("select * from outcomes order by scope_id, id"))
        else:
            rows = []
            for chunk in _chunks(list(scope_ids)):
                rows += self.db.query(
                    f"select * from outcomes where scope_id in ({_marks(chunk)})"
                    " order by scope_id, id",
                    chunk,
                )
        readings: dict[tuple[int, str], list[Reading]] = {}
        for chunk in _chunks([r["id"] for r in rows]):
            cursor = self.db.conn.execute(
                "select outcome_id, measure, date, value from outcome_values"
                f" where outcome_id in ({_marks(chunk)}) order by date",
                chunk,
            )
            for oid, measure, day, value in cursor:
                readings.setdefault((oid, measure), []).append(
                    Reading(dt.date.fromisoformat(day), value)
                )
        out: dict[int, list[Outcome]] = {}
        for r in rows:
            counter = None
            if r["counter_name"]:
                counter = _measure(r, "counter_", readings.get((r["id"], COUNTER), []))
            out.setdefault(r["scope_id"], []).append(
                Outcome(
                    _measure(r, "", readings.get((r["id"], HEADLINE), [])),
                    r["target"],
                    counter,
                    id=r["id"],
                    scope_id=r["scope_id"],
                )
            )
        return out
