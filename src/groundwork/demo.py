"""The demo organisation: enough history that every page looks alive on first start."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
import stat
import tempfile
from pathlib import Path

from groundwork.outcomes import Measure, Outcome, Reading
from groundwork.roadmap import build_roadmap
from groundwork.rubric import DEFAULT_RUBRIC, Rubric, load_rubric
from groundwork.scoring import NA, UNKNOWN, Answer
from groundwork.store import StorageError, Store, let_go, release

ORGANISATION = "Northwind Mutual"
WHO = "demo"
OWNERS = ["Priya Raman", "Tom Okafor", "Lena Fischer", "Marc Dubois"]

# name, unit, stage, tier, base level per dimension, rounds (quarters ago, uplift)
SYSTEMS = [
    (
        "Claims triage assistant",
        "Claims",
        "pilot",
        "high",
        {"MON": 2, "DATA": 2, "COST": 2, "HUM": 3, "ORG": 2, "GOV": 2},
        [(2, 0), (1, 1), (0, 2)],
    ),
    (
        "Adjuster knowledge search",
        "Claims",
        "production",
        "limited",
        {"MON": 4, "DATA": 3, "COST": 3, "HUM": 4, "ORG": 3, "GOV": 4},
        [(2, 0), (1, 1), (0, 1)],
    ),
    (
        "Policy wording drafter",
        "Underwriting",
        "pilot",
        "limited",
        {"MON": 1, "DATA": 2, "COST": 1, "HUM": 2, "ORG": 2, "GOV": 1},
        [(0, 0)],
    ),
    (
        "Broker email summariser",
        "Underwriting",
        "scale",
        "minimal",
        {"MON": 4, "DATA": 3, "COST": 4, "HUM": 3, "ORG": 3, "GOV": 3},
        [(1, 0), (0, 0)],
    ),
]


# Questions that do not apply to a system, with the reason recorded in the notes (an N/A
# on a gated question needs one).
NOT_APPLICABLE = {
    "Policy wording drafter": {"COST-4": "No inference volume yet"},
    "Adjuster knowledge search": {
        "GOV-6": "Search and answer only: the model calls no tools and takes no actions"
    },
    "Broker email summariser": {
        "GOV-6": "Summaries only: the model calls no tools and takes no actions"
    },
}


# Questions that do not follow a system's general progress, as (uplift per round): a
# control stuck where it was, and one that slipped back; so the History page shows a
# question that did not move despite the work done and one that moved down.
SHIFTS = {
    "Claims triage assistant": {"GOV-3": [0, 0, 0], "DATA-2": [0, 1, -1]},
    "Adjuster knowledge search": {"GOV-5": [0, 0, 0]},
}
# Roadmap work of a system's first round finished before its last round: the questions
# whose first item was marked done (most moved, one became known, one did not move yet).
DONE = {
    "Claims triage assistant": ["MON-1", "MON-2", "DATA-1", "COST-1", "HUM-4", "GOV-1", "GOV-3"],
    "Adjuster knowledge search": ["DATA-1", "MON-3", "COST-1", "GOV-5"],
}


def _wobble(*parts: object) -> int:
    """A fixed -1, 0 or +1 per question, so the demo is the same on every machine."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return digest[0] % 3 - 1


def _answers(
    rubric: Rubric, system: str, base: dict[str, int], uplift: int, n: int = 0
) -> dict[str, Answer]:
    """The answers of a system's ``n``-th round, ``uplift`` levels above its base."""
    answers = {}
    shifts = SHIFTS.get(system, {})
    for dim in rubric.dimensions:
        for q in dim.questions:
            pick = _wobble(system, q.id, "special") if uplift == 0 else 0
            reason = NOT_APPLICABLE.get(system, {}).get(q.id)
            if reason:
                answers[q.id] = Answer(NA, notes=reason)
                continue
            if pick == -1 and _wobble(system, q.id, "unknown") == -1 and uplift == 0:
                answers[q.id] = Answer(UNKNOWN, notes="Nobody in the room knew")
                continue
            lift = shifts[q.id][n] if q.id in shifts else uplift
            level = base.get(dim.id, rubric.min_level) + _wobble(system, q.id) + lift
            level = max(rubric.min_level, min(rubric.max_level, level))
            answers[q.id] = Answer(
                level,
                confidence=3 + _wobble(system, q.id, "c"),
                evidence=f"Reviewed with the {dim.title.lower()} lead",
            )
    return answers


# How long ago each system was set up, in days: the claims triage pilot has been a pilot
# for most of a year (stuck in pilot), the policy wording drafter is a young pilot.
CREATED_DAYS_AGO = {
    "Claims triage assistant": 290,
    "Adjuster knowledge search": 420,
    "Policy wording drafter": 40,
    "Broker email summariser": 520,
}


def _monthly(today: dt.date, start: dt.date, values: list[float]) -> tuple[Reading, ...]:
    """Readings a month apart, the last one a fortnight before ``today``."""
    last = today - dt.timedelta(days=14)
    step = (last - start) / max(len(values), 1)
    return tuple(Reading(start + step * (i + 1), v) for i, v in enumerate(values))


def _outcomes(today: dt.date) -> dict[str, list[Outcome]]:
    """Two systems' business outcomes. The claims triage assistant shows the trap the
    counter-measure exists for: fewer claims left to people, and more of those reopened."""
    base = _quarter_start(today, 2)
    return {
        "Claims triage assistant": [
            Outcome(
                Measure(
                    "Claims handled by people per week",
                    "claims",
                    "lower",
                    1200.0,
                    base,
                    _monthly(today, base, [1150, 1080, 1010, 960, 900, 860]),
                ),
                target=800.0,
                counter=Measure(
                    "Reopened claims among those handled by people",
                    "%",
                    "lower",
                    4.0,
                    base,
                    _monthly(today, base, [4.1, 4.4, 4.9, 5.2, 5.6, 6.1]),
                ),
            )
        ],
        "Adjuster knowledge search": [
            Outcome(
                Measure(
                    "Average handling time per claim",
                    "minutes",
                    "lower",
                    34.0,
                    base,
                    _monthly(today, base, [33, 31.5, 30, 29, 27.5, 27]),
                ),
                target=25.0,
                counter=Measure(
                    "First-contact resolution",
                    "%",
                    "higher",
                    71.0,
                    base,
                    _monthly(today, base, [71, 72, 72, 73, 74, 74]),
                ),
            ),
            Outcome(
                Measure(
                    "Cost per resolved claim",
                    "EUR",
                    "lower",
                    48.0,
                    base,
                    _monthly(today, base, [47, 45, 44, 44, 43, 42]),
                ),
                target=40.0,
            ),
        ],
    }


def _quarter_start(today: dt.date, quarters_ago: int) -> dt.date:
    month = (today.month - 1) // 3 * 3 + 1
    year, month = today.year, month - 3 * quarters_ago
    while month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 15)


def seed(
    store: Store, rubric_path: str | Path = DEFAULT_RUBRIC, today: dt.date | None = None
) -> int:
    """Create the demo organisation in ``store`` in one transaction; returns its id."""
    with store.write():
        return _seed(store, load_rubric(rubric_path), today or dt.date.today())


def _seed(store: Store, rubric: Rubric, today: dt.date) -> int:
    org = store.create_organisation(ORGANISATION, who=WHO)
    units = {
        name: store.create_scope(
            org, "unit", name, who=WHO, description=f"The {name.lower()} business unit"
        )
        for name in ("Claims", "Underwriting")
    }
    outcomes = _outcomes(today)
    for name, unit, stage, tier, base, rounds in SYSTEMS:
        made = today - dt.timedelta(days=CREATED_DAYS_AGO[name])
        scope = store.create_scope(
            org,
            "system",
            name,
            parent_id=units[unit],
            stage=stage,
            tier=tier,
            who=WHO,
            created_at=f"{made.isoformat()}T09:00:00+00:00",
        )
        for outcome in outcomes.get(name, []):
            store.save_outcome(scope, outcome, who=WHO)
        target = rubric.next_stage(stage) or stage
        previous = None
        done: set[str] = set()
        for n, (ago, uplift) in enumerate(rounds):
            day = _quarter_start(today, ago) if ago else today
            aid = store.create_assessment(
                scope,
                rubric,
                target,
                tier,
                who=WHO,
                label=f"Q{(day.month - 1) // 3 + 1} {day.year}",
                prefill_from=previous,
                created_at=f"{day.isoformat()}T09:00:00+00:00",
            )
            for qid, answer in _answers(rubric, name, base, uplift, n).items():
                store.save_answer(aid, qid, answer, who=WHO)
            if n < len(rounds) - 1 or len(rounds) > 2:
                store.finalise(aid, who=WHO, at=f"{day.isoformat()}T17:00:00+00:00")
            if n == 0 and name in DONE:
                done = _work_done(store, scope, rubric, aid, name, target, tier, day)
            previous = aid
        answers = store.answers(previous)
        roadmap = build_roadmap(rubric, answers, target, tier, start=today)
        open_items = [item for item in roadmap.items if item.id not in done]
        for i, item in enumerate(open_items[:8]):
            # Open work: the work done earlier is kept as done (the next round will say
            # whether a step marked done has reached its level).
            status = ("in progress", "not started", "blocked", "in progress")[i % 4]
            notes = "Waiting on the vendor's contract renewal" if status == "blocked" else ""
            # Dates stay the plan's defaults, so the Gantt chart shows the schedule.
            store.save_roadmap_item(
                scope, item.id, who=WHO, owner=OWNERS[i % 4], status=status, notes=notes
            )
        if name == WORKSHOP_SYSTEM:
            _seed_workshop(store, rubric, previous)
    return org


def _work_done(
    store: Store,
    scope: int,
    rubric: Rubric,
    aid: int,
    name: str,
    target: str,
    tier: str,
    day: dt.date,
) -> set[str]:
    """Mark done, one and two months after the round, the first step of its roadmap on
    each question in :data:`DONE`; returns the item ids."""
    steps = build_roadmap(rubric, store.answers(aid), target, tier, start=day).items
    done = set()
    first = {}
    for step in steps:
        first.setdefault(step.question, step)
    for k, qid in enumerate(q for q in DONE[name] if q in first):
        item = first[qid]
        when = day + dt.timedelta(days=30 + 30 * (k % 2))
        store.save_roadmap_item(
            scope,
            item.id,
            who=WHO,
            at=f"{when.isoformat()}T10:00:00+00:00",
            owner=OWNERS[k % len(OWNERS)],
            status="done",
        )
        done.add(item.id)
    return done


WORKSHOP_SYSTEM = "Policy wording drafter"
# A small room that answered Monitoring blind: alias, role, a level per MON question.
ROOM = [
    ("Priya", "business", [2, 1, 1, 2, 2, 1]),
    ("Tom", "engineering", [1, 1, 2, 1, 3, 1]),
    ("Lena", "risk", [1, 1, 1, UNKNOWN, 1, 1]),
    ("Marc", "operations", [3, 2, 1, 2, 2, 1]),
]


def _room_people(store: Store) -> set[str]:
    """The demo room's names in the audit log (its workshop is closed: nobody else joins)."""
    names = {alias for alias, _, _ in ROOM}
    codes = {w.code for w in store.workshops()} if store.db["workshops"].exists() else set()
    return names | {f"{alias} (workshop {code})" for alias in names for code in codes}


def _seed_workshop(store: Store, rubric: Rubric, aid: int) -> None:
    """A closed workshop on the system's draft round, Monitoring revealed and partly agreed,
    so the console, Results and the workbook show a room's spread."""
    w = store.open_workshop(aid, who=WHO)
    questions = [q.id for q in rubric.dimension("MON").questions]
    for alias, role, levels in ROOM:
        token = store.join_workshop(w.code, alias, role)
        for qid, value in zip(questions, levels, strict=False):
            store.save_participant_answer(token, qid, value=value)
    store.reveal(w.id, "MON", who=WHO)
    store.set_consensus(
        w.id,
        questions[0],
        1,
        rationale="Calls are logged in one team's tool; nobody else can search them",
        dissent="Marc (operations): the vendor console traces every call",
        who=WHO,
    )
    store.set_consensus(w.id, questions[1], 1, rationale="No evaluation gate yet", who=WHO)
    store.close_workshop(w.id, who=WHO)


def holds_other_work(path: str | Path) -> str | None:
    """What, beyond the demo, a database holds, in a sentence; None when replacing it
    loses nothing (no file, an empty database, or the demo as ``groundwork demo`` wrote it).
    """
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        with Store(path) as store:
            if store.is_empty:
                tables = store.db.table_names()
                return (
                    None if not tables or "scopes" in tables else "it is not a Groundwork database"
                )
            names = {o["name"] for o in store.organisations()} - {ORGANISATION}
            people = store.people() - {WHO} - _room_people(store)
    except (sqlite3.DatabaseError, StorageError):
        return "it cannot be read as a Groundwork database"
    if names:
        return f"it holds other organisations ({', '.join(sorted(names))})"
    if people:
        return f"it holds changes made by {', '.join(sorted(p or 'anonymous' for p in people))}"
    return None


def reset(path: str | Path) -> Path:
    """(Re)create the demo database at ``path``, atomically.

    The new database is built in a temporary file beside the old one and renamed over it
    only when complete, so a crash or a full disk leaves the old file as it was.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".building", dir=path.parent)
    except OSError as exc:
        raise StorageError(f"Nothing was replaced: cannot write in {path.parent}.") from exc
    os.close(fd)
    building = Path(name)
    # mkstemp makes the file private; keep the old file's permissions (or SQLite's usual).
    os.chmod(building, stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644)
    try:
        with Store(building) as store:
            store.migrate()
            seed(store)
            store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let_go(building)  # no connection may follow the file to its new name
        if path.exists():
            release(path)
        os.replace(building, path)
    finally:
        let_go(building)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{building}{suffix}").unlink(missing_ok=True)
    return path
