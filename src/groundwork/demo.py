"""The demo organisation: enough history that every page looks alive on first start."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
import stat
import tempfile
from pathlib import Path

from groundwork.roadmap import build_roadmap
from groundwork.rubric import DEFAULT_RUBRIC, Rubric, load_rubric
from groundwork.scoring import NA, UNKNOWN, Answer
from groundwork.store import StorageError, Store, let_go, release

ORGANISATION = "Northwind Mutual"
WHO = "demo"

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


def _wobble(*parts: object) -> int:
    """A fixed -1, 0 or +1 per question, so the demo is the same on every machine."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return digest[0] % 3 - 1


def _answers(rubric: Rubric, system: str, base: dict[str, int], uplift: int) -> dict[str, Answer]:
    answers = {}
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
            level = base.get(dim.id, rubric.min_level) + _wobble(system, q.id) + uplift
            level = max(rubric.min_level, min(rubric.max_level, level))
            answers[q.id] = Answer(
                level,
                confidence=3 + _wobble(system, q.id, "c"),
                evidence=f"Reviewed with the {dim.title.lower()} lead",
            )
    return answers


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
    for name, unit, stage, tier, base, rounds in SYSTEMS:
        scope = store.create_scope(
            org, "system", name, parent_id=units[unit], stage=stage, tier=tier, who=WHO
        )
        target = rubric.next_stage(stage) or stage
        previous = None
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
            for qid, answer in _answers(rubric, name, base, uplift).items():
                store.save_answer(aid, qid, answer, who=WHO)
            if n < len(rounds) - 1 or len(rounds) > 2:
                store.finalise(aid, who=WHO, at=f"{day.isoformat()}T17:00:00+00:00")
            previous = aid
        answers = store.answers(previous)
        roadmap = build_roadmap(rubric, answers, target, tier, start=today)
        owners = ["Priya Raman", "Tom Okafor", "Lena Fischer", "Marc Dubois"]
        for i, item in enumerate(roadmap.items[:8]):
            # Open work only: an item marked done would contradict the round's answers
            # until the next round confirms the level.
            status = ("in progress", "not started", "blocked", "in progress")[i % 4]
            notes = "Waiting on the vendor's contract renewal" if status == "blocked" else ""
            # Dates stay the plan's defaults, so the Gantt chart shows the schedule.
            store.save_roadmap_item(
                scope, item.id, who=WHO, owner=owners[i % 4], status=status, notes=notes
            )
        if name == WORKSHOP_SYSTEM:
            _seed_workshop(store, rubric, previous)
    return org


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
