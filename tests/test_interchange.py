"""JSON interchange: a whole assessment out and back in, and bad documents refused whole."""

import hashlib
import json

import pytest

from groundwork import demo, interchange
from groundwork.store import open_store


@pytest.fixture
def demo_store(tmp_path):
    demo.reset(tmp_path / "demo.db")
    with open_store(tmp_path / "demo.db") as s:
        yield s


def first_final_round(store):
    """The claims triage assistant's first final round: its system has outcomes."""
    return next(a for a in store.assessments() if a.final)


def test_export_then_import_gives_the_same_round(demo_store):
    source = first_final_round(demo_store)
    text = interchange.export_json(demo_store, source.id)
    doc = json.loads(text)
    assert (doc["format"], doc["version"]) == ("groundwork.assessment", 2)
    assert doc["rubric"]["sha256"] == source.rubric_sha256

    org = demo_store.create_organisation("Elsewhere")
    scope = demo_store.create_scope(org, "system", "Copy")
    new_id = interchange.import_json(demo_store, text, scope, who="ana")
    copy = demo_store.assessment(new_id)
    assert demo_store.answers(new_id) == demo_store.answers(source.id)
    assert (copy.stage, copy.tier, copy.status, copy.label) == (
        source.stage,
        source.tier,
        source.status,
        source.label,
    )
    before = demo_store.roadmap_state(source.scope_id)
    after = demo_store.roadmap_state(scope)
    assert {k: (v["owner"], v["status"]) for k, v in before.items()} == {
        k: (v["owner"], v["status"]) for k, v in after.items()
    }


def db_hash(store) -> str:
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return hashlib.sha256(store.path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: d["answers"].append({"question": "NOPE-9", "answer": 3}), "NOPE-9"),
        (lambda d: d["answers"][0].update(answer=7), "not a level"),
        (lambda d: d["answers"].append(dict(d["answers"][0])), "answered twice"),
        (lambda d: d.update(version=3), "version"),
        (lambda d: d.update(version=1), "version 1 document has no outcomes"),
        (lambda d: d["outcomes"][0].update(baseline="Infinity"), "outcomes"),
        (
            lambda d: d["outcomes"][0]["values"].append(dict(d["outcomes"][0]["values"][0])),
            "same date",
        ),
        (lambda d: d["rubric"].update(source=d["rubric"]["source"] + "\n# edited"), "sha256"),
        (lambda d: d["roadmap"][0].update(status="nearly"), "status"),
        (lambda d: d["round"].update(stage="orbit"), "orbit"),
        (lambda d: d["round"].update(created_at="last tuesday"), "created_at"),
        (lambda d: d["roadmap"][0].update(id="not an item"), "roadmap"),
    ],
)
def test_a_bad_document_is_refused_and_changes_nothing(demo_store, damage, message):
    doc = json.loads(interchange.export_json(demo_store, first_final_round(demo_store).id))
    damage(doc)
    scope = first_final_round(demo_store).scope_id
    before = db_hash(demo_store)
    with pytest.raises(interchange.InterchangeError, match=message):
        interchange.import_json(demo_store, json.dumps(doc), scope)
    assert db_hash(demo_store) == before


def test_the_schema_is_published():
    schema = interchange.schema()
    assert schema["properties"]["format"]["const"] == "groundwork.assessment"
    assert {"scope", "round", "rubric", "answers", "roadmap"} <= set(schema["properties"])


def test_the_published_schema_file_matches_the_models():
    from pathlib import Path

    published = Path(__file__).resolve().parents[1] / "docs" / "assessment.schema.json"
    assert json.loads(published.read_text()) == interchange.schema(), (
        "regenerate docs/assessment.schema.json from groundwork.interchange.schema()"
    )


def test_the_cli_exports_and_imports_json(tmp_path, monkeypatch, capsys):
    from groundwork.cli import main

    db = tmp_path / "cli.db"
    demo.reset(db)
    monkeypatch.setenv("GROUNDWORK_DB", str(db))
    out = tmp_path / "round.json"
    assert main(["export", "--assessment", "1", str(out)]) == 0
    assert main(["import", str(out), "--scope", "Policy wording drafter", "--yes"]) == 0
    assert "Imported as assessment" in capsys.readouterr().out
    with open_store(db) as s:
        newest = max(s.assessments(), key=lambda a: a.id)
        assert s.answers(newest.id) == s.answers(1)


def test_an_import_keeps_the_round_dates_and_never_overwrites_newer_roadmap_state(demo_store):
    source = first_final_round(demo_store)
    text = interchange.export_json(demo_store, source.id)
    item = json.loads(text)["roadmap"][0]["id"]
    demo_store.save_roadmap_item(source.scope_id, item, owner="Newer owner", status="done")

    new_id = interchange.import_json(demo_store, text, source.scope_id)
    copy = demo_store.assessment(new_id)
    assert (copy.created_at, copy.finalised_at) == (source.created_at, source.finalised_at)
    state = demo_store.roadmap_state(source.scope_id)[item]
    assert (state["owner"], state["status"]) == ("Newer owner", "done")


def test_outcomes_travel_with_the_assessment_and_merge_without_overwriting(demo_store):
    source = first_final_round(demo_store)
    text = interchange.export_json(demo_store, source.id)
    (doc_outcome,) = json.loads(text)["outcomes"]
    assert doc_outcome["counter"]["name"] == "Reopened claims among those handled by people"
    org = demo_store.create_organisation("Elsewhere")
    scope = demo_store.create_scope(org, "system", "Copy")
    interchange.import_json(demo_store, text, scope)
    assert (
        demo_store.outcomes(scope)[0].headline == demo_store.outcomes(source.scope_id)[0].headline
    )
    # a second import adds nothing: the values it carries are known already
    kept = demo_store.outcomes(scope)
    interchange.import_json(demo_store, text, scope)
    assert demo_store.outcomes(scope) == kept


def test_a_version_1_document_still_imports(demo_store):
    source = first_final_round(demo_store)
    doc = json.loads(interchange.export_json(demo_store, source.id))
    doc["version"] = 1
    del doc["outcomes"]
    org = demo_store.create_organisation("Elsewhere")
    scope = demo_store.create_scope(org, "system", "Copy")
    new_id = interchange.import_json(demo_store, json.dumps(doc), scope)
    assert demo_store.answers(new_id) == demo_store.answers(source.id)
    assert demo_store.outcomes(scope) == []


def test_outcomes_imported_into_a_unit_are_refused_whole(demo_store):
    from groundwork.store import StoreError

    source = first_final_round(demo_store)
    text = interchange.export_json(demo_store, source.id)
    org = demo_store.create_organisation("Elsewhere")
    unit = demo_store.create_scope(org, "unit", "Claims")
    before = len(demo_store.assessments())
    with pytest.raises(StoreError, match="AI system"):
        interchange.import_json(demo_store, text, unit)
    assert len(demo_store.assessments()) == before  # no round half-imported
