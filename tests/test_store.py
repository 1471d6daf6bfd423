"""The SQLite store: migrations, round-trips, the audit log, and a full room writing at once."""

import sqlite3
import threading
from pathlib import Path

import pytest

from groundwork.rubric import DEFAULT_RUBRIC, load_rubric, parse_rubric
from groundwork.scoring import NA, UNKNOWN, Answer
from groundwork.store import AnswerConflict, Store, StoreError, open_store, release


@pytest.fixture
def rubric():
    return load_rubric(DEFAULT_RUBRIC)


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "gw.db") as s:
        yield s


@pytest.fixture
def round_id(store, rubric):
    org = store.create_organisation("Acme", who="ana")
    system = store.create_scope(org, "system", "Chatbot", stage="pilot", tier="limited")
    return store.create_assessment(system, rubric, "production", "limited", who="ana")


def test_migrations_from_empty_create_every_table_with_wal(tmp_path):
    path = tmp_path / "new.db"
    with open_store(path) as s:
        tables = set(s.db.table_names())
        assert {
            "organisations",
            "scopes",
            "rubrics",
            "assessments",
            "participants",
            "answers",
            "roadmap_items",
            "audit_log",
        } <= tables
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        s.migrate()  # applying again is a no-op
        assert s.is_empty


def test_answers_round_trip_with_evidence_and_na_unknown(store, round_id):
    store.save_answer(round_id, "MON-1", Answer(3, 4, "traces in Langfuse", "since May"))
    store.save_answer(round_id, "DATA-2", Answer(NA))
    store.save_answer(round_id, "COST-1", Answer(UNKNOWN))
    got = store.answers(round_id)
    assert got["MON-1"] == Answer(3, 4, "traces in Langfuse", "since May")
    assert got["DATA-2"].value == NA and got["COST-1"].value == UNKNOWN


def test_saving_the_same_answer_twice_is_an_idempotent_upsert(store, round_id):
    assert store.save_answer(round_id, "MON-1", Answer(2)) is True
    assert store.save_answer(round_id, "MON-1", Answer(2)) is False
    rows = store.db.execute("select count(*) from answers").fetchone()[0]
    assert rows == 1


def test_bad_answers_are_refused(store, round_id):
    with pytest.raises(StoreError, match="unknown question id 'NOPE-1'"):
        store.save_answer(round_id, "NOPE-1", Answer(2))
    with pytest.raises(StoreError, match="not on the scale"):
        store.save_answer(round_id, "MON-1", Answer(9))


def test_audit_log_records_who_what_old_and_new(store, round_id):
    store.save_answer(round_id, "MON-1", Answer(2), who="ana")
    store.save_answer(round_id, "MON-1", Answer(3), who="ben")
    log = [e for e in store.audit_log("assessment", round_id) if e["field"] == "MON-1.value"]
    assert [(e["who"], e["old_value"], e["new_value"]) for e in log] == [
        ("ana", None, "2"),
        ("ben", "2", "3"),
    ]
    assert all(e["at"] for e in log)


def test_final_rounds_are_not_edited_in_place(store, round_id):
    store.save_answer(round_id, "MON-1", Answer(2))
    store.finalise(round_id, who="ana")
    with pytest.raises(StoreError, match="final"):
        store.save_answer(round_id, "MON-1", Answer(3))
    assert store.answers(round_id)["MON-1"].value == 2


def test_a_new_round_prefills_from_the_last_and_follows_replaces(store, rubric, round_id):
    store.save_answer(round_id, "MON-1", Answer(3, evidence="e"))
    store.save_answer(round_id, "GOV-1", Answer(UNKNOWN))
    scope = store.assessment(round_id).scope_id
    again = store.create_assessment(scope, rubric, "production", "limited", prefill_from=round_id)
    assert store.answers(again) == store.answers(round_id)

    # A later rubric version renames MON-1 to MON-1b; history carries across.
    renamed = rubric.source.replace("- id: MON-1\n", "- id: MON-1b\n        replaces: [MON-1]\n")
    renamed = renamed.replace("MON-1@", "MON-1b@").replace("MON-1:", "MON-1b:")
    v2 = parse_rubric(renamed.replace('version: "2.0.0"', 'version: "2.1.0"'))
    third = store.create_assessment(scope, v2, "production", "limited", prefill_from=round_id)
    assert store.answers(third)["MON-1b"].value == 3


def test_rubric_text_is_kept_with_the_round(store, rubric, round_id):
    a = store.assessment(round_id)
    assert (a.rubric_id, a.rubric_version, a.rubric_sha256) == (
        rubric.id,
        rubric.version,
        rubric.sha256,
    )
    assert store.rubric(a.rubric_sha256).source == rubric.source


def test_roadmap_state_survives_and_is_audited(store, round_id):
    scope = store.assessment(round_id).scope_id
    store.save_roadmap_item(
        scope, "MON-1@3", who="ana", owner="Priya", status="in progress", due="2027-03-31"
    )
    store.save_roadmap_item(scope, "MON-1@3", who="ben", owner="Tom")
    state = store.roadmap_state(scope)["MON-1@3"]
    assert (state["owner"], state["status"], state["due"]) == ("Tom", "in progress", "2027-03-31")
    changes = [
        (e["field"], e["old_value"], e["new_value"])
        for e in store.audit_log("scope", scope)
        if e["action"] == "roadmap"
    ]
    assert ("MON-1@3.owner", "Priya", "Tom") in changes
    with pytest.raises(StoreError, match="status"):
        store.save_roadmap_item(scope, "MON-1@3", status="nearly")
    with pytest.raises(StoreError, match="date"):
        store.save_roadmap_item(scope, "MON-1@3", due="next week")


def test_organisations_units_and_systems_form_a_tree(store):
    org = store.create_organisation("Acme")
    unit = store.create_scope(org, "unit", "Claims")
    system = store.create_scope(
        org, "system", "Triage bot", parent_id=unit, stage="pilot", tier="high"
    )
    assert store.scope_path(system) == "Acme / Claims / Triage bot"
    store.update_scope(system, name="Triage assistant", who="ana")
    assert store.scope(system).name == "Triage assistant"
    with pytest.raises(StoreError, match="already exists"):
        store.create_organisation("Acme")
    with pytest.raises(StoreError, match="empty"):
        store.create_scope(org, "system", "   ")


def test_a_failed_write_rolls_back_as_a_whole(store, round_id):
    with pytest.raises(RuntimeError), store.write() as db:
        db["audit_log"].insert({"at": "x", "action": "x", "entity": "x"})
        raise RuntimeError("crash mid-write")
    assert not [e for e in store.audit_log("x")]


def _wide_rubric(questions: int) -> str:
    items = "\n".join(
        f"""      - id: Q-{i}
        text: Question {i}
        levels: {{1: a, 2: b, 3: c}}
        actions: {{2: {{action: do b, effort: S}}, 3: {{action: do c, effort: S}}}}"""
        for i in range(questions)
    )
    return f"""id: wide
version: "1"
title: Wide
scale: [{{level: 1, label: One}}, {{level: 2, label: Two}}, {{level: 3, label: Three}}]
dimensions:
  - id: D
    title: Dimension
    targets: {{pilot: 2, production: 3, scale: 3}}
    questions:
{items}
"""


def test_twenty_writers_at_once_lose_nothing(tmp_path):
    """A full workshop room: 20 threads, 40 answers each, all at the same moment."""
    path = tmp_path / "room.db"
    rubric = parse_rubric(_wide_rubric(40))
    with open_store(path) as s:
        org = s.create_organisation("Room")
        scope = s.create_scope(org, "system", "Bot")
        aid = s.create_assessment(scope, rubric, "production", "minimal")
        people = [s.participant(aid, f"person {n}") for n in range(20)]

    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def answer_all(n: int) -> None:
        try:
            barrier.wait()
            for i in range(40):
                with Store(path) as mine:  # a connection per unit of work, as each rerun does
                    mine.save_answer(
                        aid,
                        f"Q-{i}",
                        Answer(1 + (n + i) % 3),
                        who=f"p{n}",
                        participant_id=people[n],
                    )
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=answer_all, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors, errors[:3]
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "select participant_id, question_id, value from answers where assessment_id = ?", [aid]
        ).fetchall()
    assert len(rows) == 800
    expected = {(people[n], f"Q-{i}", str(1 + (n + i) % 3)) for n in range(20) for i in range(40)}
    assert set(rows) == expected


def test_branding_accepts_a_real_image_and_refuses_anything_else(store, tmp_path):
    import io

    from PIL import Image

    org = store.create_organisation("Brand Co")
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, format="PNG")
    store.set_branding(org, accent="#1d4ed8", logo=png.getvalue(), who="ana")
    row = next(o for o in store.organisations() if o["id"] == org)
    assert row["accent"] == "#1D4ED8" and row["logo"].endswith(".png")
    with pytest.raises(StoreError, match="PNG or JPEG"):
        store.set_branding(org, logo=b"<svg onload=alert(1)>")
    with pytest.raises(StoreError, match="#1D4ED8"):
        store.set_branding(org, accent="red")


def test_two_people_editing_different_fields_of_one_question_both_keep_their_change(
    store, round_id
):
    store.save_answer(round_id, "MON-1", Answer(2, evidence="first"))
    store.update_answer(round_id, "MON-1", who="ben", notes="ben's note")  # one tab
    store.update_answer(round_id, "MON-1", who="ana", value=3)  # another tab, stale
    saved = store.answers(round_id)["MON-1"]
    assert (saved.value, saved.evidence, saved.notes) == (3, "first", "ben's note")


def test_notes_need_an_answer_first(store, round_id):
    with pytest.raises(StoreError, match="choose an answer"):
        store.update_answer(round_id, "MON-2", notes="orphan")
    assert "MON-2" not in store.answers(round_id)


def test_a_scope_cannot_move_inside_itself_or_to_another_organisation(store):
    org = store.create_organisation("Acme")
    unit = store.create_scope(org, "unit", "Claims")
    sub_unit = store.create_scope(org, "unit", "Claims EU", parent_id=unit)
    with pytest.raises(StoreError, match="inside itself"):
        store.update_scope(unit, parent_id=sub_unit)
    other = store.create_scope(store.create_organisation("Other"), "unit", "Ops")
    with pytest.raises(StoreError, match="within its organisation"):
        store.update_scope(unit, parent_id=other)
    assert store.scope_path(sub_unit) == "Acme / Claims / Claims EU"


def test_a_round_keeps_only_stages_and_tiers_its_rubric_knows(store, round_id):
    with pytest.raises(StoreError, match="unknown stage"):
        store.update_assessment(round_id, stage="orbit")
    store.update_assessment(round_id, stage="scale", label="Q1 review")
    assert store.assessment(round_id).stage == "scale"


def test_unknown_ids_are_clear_errors(store, rubric):
    with pytest.raises(StoreError, match="no scope"):
        store.create_assessment(999, rubric, "production", "minimal")
    with pytest.raises(StoreError, match="no organisation"):
        store.set_branding(999, accent="#000000")


# ---------------------------------------------------------------------------------
# No lost update: every answer carries a version
# ---------------------------------------------------------------------------------


def test_a_stale_tab_cannot_silently_replace_a_newer_answer(store, round_id):
    """Tab B opened the question unanswered; tab A then saved a level and evidence."""
    from groundwork.store import AnswerConflict

    saved = store.change_answer(
        round_id, "MON-1", based_on=0, who="ana", value=3, evidence="Langfuse traces"
    )
    assert saved.version == 1
    with pytest.raises(AnswerConflict) as refused:
        store.change_answer(round_id, "MON-1", based_on=0, who="ben", value=2)
    conflict = refused.value
    assert conflict.stored.answer == Answer(3, None, "Langfuse traces", "")
    assert (conflict.stored.answered_by, conflict.stored.version) == ("ana", 1)
    assert conflict.stored.answered_at and conflict.changes == {"value": 2}
    assert store.answers(round_id)["MON-1"] == Answer(3, None, "Langfuse traces", "")

    # Ben keeps his level on purpose: Ana's evidence stays, and the log says so.
    kept = store.change_answer(
        round_id, "MON-1", based_on=conflict.stored.version, override=True, who="ben", value=2
    )
    assert kept.version == 2 and kept.answered_by == "ben"
    assert store.answers(round_id)["MON-1"] == Answer(2, None, "Langfuse traces", "")
    [entry] = [e for e in store.audit_log("assessment", round_id) if e["action"] == "override"]
    assert (entry["who"], entry["field"], entry["old_value"], entry["new_value"]) == (
        "ben",
        "MON-1.value",
        "3",
        "2",
    )
    # Ana's tab is now stale in turn.
    with pytest.raises(AnswerConflict):
        store.change_answer(round_id, "MON-1", based_on=1, who="ana", notes="mine")


def test_a_save_that_agrees_with_the_newer_answer_is_no_conflict(store, round_id):
    store.change_answer(round_id, "MON-1", based_on=0, who="ana", value=3, evidence="e")
    same = store.change_answer(round_id, "MON-1", based_on=0, who="ben", value=3)
    assert (same.version, same.answer.evidence, same.answered_by) == (1, "e", "ana")


def test_each_change_raises_the_version_and_unchanged_saves_do_not(store, round_id):
    first = store.change_answer(round_id, "MON-1", based_on=0, value=2)
    second = store.change_answer(round_id, "MON-1", based_on=first.version, notes="n")
    again = store.change_answer(round_id, "MON-1", based_on=second.version, notes="n")
    assert (first.version, second.version, again.version) == (1, 2, 2)
    assert store.answer_records(round_id)["MON-1"].version == 2


def test_the_version_migration_keeps_answers_stored_before_it(tmp_path, rubric):
    """A database made before answers had versions: its answers start at version 1."""
    from groundwork.store import migrations

    path = tmp_path / "old.db"
    with Store(path) as s:
        migrations.apply(s.db, stop_before="m003_answer_versions")
        s.db["rubrics"].insert(  # as stored then, without a compiled form
            {"sha256": rubric.sha256, "rubric_id": rubric.id, "version": rubric.version}
            | {"title": rubric.title, "source": rubric.source, "added_at": "2026-01-01"}
        )
        org = s.create_organisation("Old Co")
        scope = s.create_scope(org, "system", "Bot")
        aid = s.create_assessment(scope, rubric, "production", "minimal")
        pid = s.participant(aid)
        s.db["answers"].insert(
            {
                "assessment_id": aid,
                "participant_id": pid,
                "question_id": "MON-1",
                "value": "4",
                "evidence": "kept",
                "notes": "",
                "answered_by": "ana",
                "answered_at": "2026-01-01T00:00:00+00:00",
            }
        )
    with open_store(path) as s:
        record = s.answer_records(aid)["MON-1"]
        assert (record.answer, record.version) == (Answer(4, None, "kept", ""), 1)
        with pytest.raises(StoreError, match="changed by ana"):
            s.change_answer(aid, "MON-1", based_on=0, value=2)


# ---------------------------------------------------------------------------------
# Safe operations
# ---------------------------------------------------------------------------------


def _open_and_migrate(path: str, start, results) -> None:
    start.wait()
    try:
        with open_store(path) as s:
            results.put(",".join(sorted(s.db.table_names())))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent process
        results.put(f"error: {exc!r}")


def test_several_processes_opening_a_fresh_database_at_once_migrate_it_once(tmp_path):
    """Several server or CLI processes start on a new file in the same instant."""
    import multiprocessing

    context = multiprocessing.get_context("fork")  # already imported: they start together
    for attempt in range(3):
        path = str(tmp_path / f"fresh-{attempt}.db")
        start, results = context.Event(), context.Queue()
        workers = [
            context.Process(target=_open_and_migrate, args=(path, start, results)) for _ in range(6)
        ]
        for w in workers:
            w.start()
        start.set()
        outcomes = [results.get(timeout=60) for _ in workers]
        for w in workers:
            w.join(10)
        assert not [r for r in outcomes if r.startswith("error")], outcomes
        assert len(set(outcomes)) == 1, "every process sees one schema"
        with sqlite3.connect(path) as conn:
            names = [r[0] for r in conn.execute("select name from _sqlite_migrations")]
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert len(names) == len(set(names)), "each migration applied once"
        assert "m003_answer_versions" in names


def test_a_full_disk_is_one_plain_sentence_and_nothing_half_written(store, round_id):
    from groundwork.store import StorageError

    store.save_answer(round_id, "MON-1", Answer(2))
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageError, match="the disk holding .* is full") as full:
        store.import_round(
            store.assessment(round_id).scope_id,
            store.rubric(store.assessment(round_id).rubric_sha256),
            "production",
            "minimal",
            {f"MON-{i}": Answer(3, evidence="x" * 4000) for i in range(1, 6)},
        )
    assert "\n" not in str(full.value) and "sqlite" not in str(full.value).lower()
    assert len(store.assessments()) == 1
    assert store.answers(round_id)["MON-1"].value == 2


def test_a_read_only_database_is_one_plain_sentence(store, round_id):
    from groundwork.store import StorageError

    store.db.execute("PRAGMA query_only = ON")  # what a read-only file does to every write
    with pytest.raises(StorageError, match="is read-only"):
        store.save_answer(round_id, "MON-1", Answer(2))


# ---------------------------------------------------------------------------------
# The hot path: few plain statements, and the write-ahead log left in place
# ---------------------------------------------------------------------------------


def _statements(path, action) -> list[str]:
    """The statements Python hands SQLite (a trigger's run repeats its statement's text)."""
    with Store(path) as s:  # a fresh connection, as on every page rerun
        seen: list[str] = []
        s.db.conn.set_trace_callback(seen.append)
        try:
            action(s)
        finally:
            s.db.conn.set_trace_callback(None)
    return [sql for i, sql in enumerate(seen) if i == 0 or sql != seen[i - 1]]


def _no_introspection(statements: list[str]) -> None:
    text = "\n".join(statements).lower()
    assert "sqlite_master" not in text and "pragma" not in text, text
    assert not any(s.lstrip().lower().startswith(("create", "drop")) for s in statements), text
    assert "savepoint" not in text, text


def test_an_answer_save_is_a_handful_of_plain_statements(store, round_id):
    store.save_answer(round_id, "MON-1", Answer(2), who="ana")  # the first save
    seen = _statements(store.path, lambda s: s.save_answer(round_id, "MON-1", Answer(3)))
    # one upsert, under the lock, whose triggers write the audit rows: no read first
    assert len(seen) == 1, "\n".join(seen)
    assert seen[0].startswith("insert into answers")
    _no_introspection(seen)
    assert store.answers(round_id)["MON-1"].value == 3
    assert store.audit_log("assessment", round_id)[-1]["new_value"] == "3"

    new = _statements(store.path, lambda s: s.save_answer(round_id, "MON-2", Answer(1)))
    assert len(new) <= 6
    _no_introspection(new)

    def change(s):
        record = s.answer_record(round_id, "MON-1")
        s.change_answer(round_id, "MON-1", based_on=record.version, value=4, notes="why")

    edit = _statements(store.path, change)
    _no_introspection(edit)
    audit = store.audit_log("assessment", round_id)[-2:]
    assert [(a["field"], a["old_value"], a["new_value"]) for a in audit] == [
        ("MON-1.value", "3", "4"),
        ("MON-1.notes", "", "why"),
    ]


def test_the_other_hot_writes_need_no_schema_look_ups(store, round_id):
    scope = store.assessment(round_id).scope_id
    store.participant(round_id, "Ben")
    _no_introspection(_statements(store.path, lambda s: s.participant(round_id, "Ben")))
    _no_introspection(_statements(store.path, lambda s: s.participant(round_id, "Cleo")))
    roadmap = _statements(
        store.path, lambda s: s.save_roadmap_item(scope, "MON-1@3", owner="Ana", status="blocked")
    )
    _no_introspection(roadmap)
    assert len(roadmap) <= 5
    store.save_roadmap_item(scope, "MON-1@3", due="2027-01-31")
    stored = store.roadmap_state(scope)["MON-1@3"]
    assert (stored["owner"], stored["status"], stored["due"]) == ("Ana", "blocked", "2027-01-31")
    _no_introspection(_statements(store.path, lambda s: s.assessment(round_id)))


def test_closing_a_connection_leaves_the_write_ahead_log_in_place(tmp_path, rubric):
    import os

    from groundwork.store import connection as store_module

    path = tmp_path / "kept.db"
    with open_store(path) as s:
        org = s.create_organisation("Acme")
    assert os.path.abspath(path) in store_module._KEEPERS
    assert (tmp_path / "kept.db-wal").exists(), "the idle connection keeps the log"
    with Store(path) as s:
        assert s.organisations()[0]["id"] == org
    store_module.let_go(path)
    assert os.path.abspath(path) not in store_module._KEEPERS
    assert not (tmp_path / "kept.db-wal").exists(), "the last close folds the log in"


def test_a_replaced_file_is_not_held_open(tmp_path):
    import os

    from groundwork import demo
    from groundwork.store import connection as store_module

    path = tmp_path / "groundwork.db"
    with open_store(path) as s:
        s.create_organisation("Acme")
    demo.reset(path)  # the in-process idle connection does not block the swap
    with Store(path) as s:
        assert [o["name"] for o in s.organisations()] == [demo.ORGANISATION]
    kept = store_module._KEEPERS[os.path.abspath(path)]
    assert kept.file == (path.stat().st_dev, path.stat().st_ino)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

    # another process swaps the file: the next connection lets go of the old one
    other = tmp_path / "other.db"
    with open_store(other) as s:
        s.create_organisation("Other")
    store_module.let_go(other)
    store_module.let_go(path)
    with Store(path):
        pass
    os.replace(other, path)
    with Store(path) as s:
        assert [o["name"] for o in s.organisations()] == ["Other"]
    assert store_module._KEEPERS[os.path.abspath(path)].file[1] == path.stat().st_ino


def test_idle_connections_are_few_and_let_go_when_unused(tmp_path, monkeypatch):
    from groundwork.store import connection as store_module

    for n in range(store_module.KEEP_AT_MOST + 3):
        with open_store(tmp_path / f"{n}.db"):
            pass
    assert len(store_module._KEEPERS) == store_module.KEEP_AT_MOST
    for kept in store_module._KEEPERS.values():
        kept.used -= store_module.KEEP_IDLE_SECONDS + 1
    monkeypatch.setattr(store_module, "KEEP_IDLE_SECONDS", 0.05)
    store_module._REAPER = None
    store_module._start_reaper()  # a reaper that wakes often enough for a test
    import time

    deadline = time.monotonic() + 5
    while store_module._KEEPERS and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not store_module._KEEPERS


def _overtaken_once(monkeypatch, store, meanwhile) -> None:
    """Run ``meanwhile`` on another connection right after the next save has read the
    stored answer, before it takes the write lock: another person got in between."""
    from groundwork.store import answers as answers_module
    from groundwork.store.answers import Answers

    class Forgetful(dict):  # no round is known: every change takes the read-first path
        def __setitem__(self, key, value):
            pass

    monkeypatch.setattr(answers_module, "_ROUND_RUBRIC", Forgetful())
    read = Answers._answer_in_round
    calls = []

    def read_then_overtake(self, *args):
        row = read(self, *args)
        if not calls:
            calls.append(1)
            with Store(store.path) as other:
                meanwhile(other)
        return row

    monkeypatch.setattr(Answers, "_answer_in_round", read_then_overtake)


def test_a_save_overtaken_between_its_read_and_its_write_is_checked_again(
    monkeypatch, store, round_id
):
    from groundwork.store import AnswerConflict

    store.save_answer(round_id, "MON-1", Answer(2), who="ana")
    seen = store.answer_record(round_id, "MON-1").version
    _overtaken_once(
        monkeypatch, store, lambda o: o.change_answer(round_id, "MON-1", value=4, who="ben")
    )
    with pytest.raises(AnswerConflict) as refused:
        store.change_answer(round_id, "MON-1", based_on=seen, value=3, who="ana")
    assert refused.value.stored.answer.value == 4 and refused.value.stored.answered_by == "ben"
    assert store.answers(round_id)["MON-1"].value == 4  # ben's answer stands

    # without a version to defend, the change is applied on top of what is now stored
    _overtaken_once(
        monkeypatch, store, lambda o: o.change_answer(round_id, "MON-1", notes="ben's note")
    )
    store.change_answer(round_id, "MON-1", value=5, who="ana")
    assert store.answers(round_id)["MON-1"] == Answer(5, notes="ben's note")
    fields = [e["field"] for e in store.audit_log("assessment", round_id)]
    assert fields.count("MON-1.notes") == 1 and fields.count("MON-1.value") == 3


def test_a_round_finalised_between_a_saves_read_and_its_write_keeps_its_answers(
    monkeypatch, store, round_id
):
    store.save_answer(round_id, "MON-1", Answer(2), who="ana")
    _overtaken_once(monkeypatch, store, lambda o: o.finalise(round_id, who="ben"))
    with pytest.raises(StoreError, match="final"):
        store.change_answer(round_id, "MON-2", value=3, who="ana")
    assert "MON-2" not in store.answers(round_id)


def test_the_one_statement_save_refuses_what_the_general_path_refuses(tmp_path, rubric):
    with open_store(tmp_path / "gw.db") as s:
        org = s.create_organisation("Acme")
        system = s.create_scope(org, "system", "Bot", stage="pilot", tier="limited")
        aid = s.create_assessment(system, rubric, "production", "limited")
        first = s.change_answer(aid, "MON-1", based_on=0, value=2, who="ana")  # round now known
        again = s.change_answer(aid, "MON-1", based_on=first.version, value=3, who="ana")
        assert again.version == first.version + 1
        # a stale version
        with pytest.raises(AnswerConflict):
            s.change_answer(aid, "MON-1", based_on=first.version, value=4, who="ben")
        # already so: nothing written, nothing audited
        log = len(s.audit_log("assessment", aid))
        assert s.change_answer(aid, "MON-1", based_on=again.version, value=3) == again
        assert len(s.audit_log("assessment", aid)) == log
        # a value off the scale, a question the rubric does not have
        with pytest.raises(StoreError, match="not on the scale"):
            s.change_answer(aid, "MON-1", value=9)
        with pytest.raises(StoreError, match="unknown question"):
            s.change_answer(aid, "NOPE-1", value=2)
        # a round finalised by someone else
        with Store(s.path) as other:
            other.finalise(aid, who="ben")
        with pytest.raises(StoreError, match="final"):
            s.change_answer(aid, "MON-2", based_on=0, value=3)
        assert s.answers(aid)["MON-1"].value == 3 and "MON-2" not in s.answers(aid)


def test_a_database_replaced_under_a_known_round_is_checked_against_its_own_rubric(
    tmp_path, rubric
):
    """The demo swaps its file: round 1 may then be another round on another rubric."""
    from groundwork.rubric import load_rubric

    old_rubric = load_rubric(Path(__file__).parent / "data" / "genai-production-1.0.0.yaml")
    old_ids = {q.id for q in old_rubric.questions}
    only_new = next(q.id for q in rubric.questions if q.id not in old_ids)
    for name, r in (("new.db", rubric), ("old.db", old_rubric)):
        with open_store(tmp_path / name) as s:
            org = s.create_organisation("Acme")
            system = s.create_scope(org, "system", "Bot", stage="pilot", tier="limited")
            s.create_assessment(system, r, "production", "limited")
    with open_store(tmp_path / "new.db") as s:
        s.change_answer(1, only_new, value=2)  # round 1 of this file is now known
    release(tmp_path / "new.db")  # as `groundwork demo` does before it swaps the file
    release(tmp_path / "old.db")
    (tmp_path / "old.db").replace(tmp_path / "new.db")
    with open_store(tmp_path / "new.db") as s:
        with pytest.raises(StoreError, match="unknown question"):
            s.change_answer(1, only_new, value=3)
        assert s.answers(1) == {}
