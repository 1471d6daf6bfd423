"""Every page through AppTest: renders on the demo data and on an empty database, and the
Assess page stores what is answered."""

import os
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

from groundwork import demo
from groundwork.scoring import Answer
from groundwork.store import open_store
from groundwork.ui.auth import SESSION_KEY

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = [
    "pages/portfolio.py",
    "pages/assess.py",
    "pages/results.py",
    "pages/history.py",
    "pages/roadmap.py",
    "pages/outcomes.py",
    "pages/rubric.py",
    "pages/workshop.py",
    "pages/users.py",
]
CRASH = "Something went wrong"


class ExplicitNavigation(PagesManager):
    """AppTest resets Streamlit's page-folder flag on every run, which would run each page
    through the legacy ``pages/`` mechanism; the server (``groundwork.launch``) never does,
    so the tests run every page through ``app.py``'s ``st.navigation`` as users get it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def explicit_navigation(monkeypatch):
    monkeypatch.setattr(app_test, "PagesManager", ExplicitNavigation)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    demo.reset(path)
    return path


def open_page(page: str, db: Path, monkeypatch, **query: str) -> AppTest:
    monkeypatch.setenv("GROUNDWORK_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != PAGES[0]:
        at.switch_page(page).run()
    return at


def org_table(at: AppTest):
    """The portfolio's table of every unit and system (the one with a Name column)."""
    return next(d.value for d in at.dataframe if "Name" in d.value.columns)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not [e for e in at.error if CRASH in str(e.value)], [e.value for e in at.error]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_demo_data(page, demo_db, monkeypatch):
    at = open_page(page, demo_db, monkeypatch)
    assert_clean(at)
    assert at.title[0].value == Path(page).stem.capitalize()
    assert "Demo mode" in at.sidebar.caption[-1].value, "the page runs inside app.py's frame"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_an_empty_database(page, tmp_path, monkeypatch):
    at = open_page(page, tmp_path / "empty.db", monkeypatch)
    assert_clean(at)


def test_navigation_switches_pages_with_the_pinned_streamlit(demo_db, monkeypatch):
    at = open_page(PAGES[0], demo_db, monkeypatch)
    assert at.title[0].value == "Portfolio"
    for page in PAGES[1:]:
        at.switch_page(page).run()
        assert at.title[0].value == Path(page).stem.capitalize()


def test_portfolio_lists_the_demo_systems_with_verdicts(demo_db, monkeypatch):
    at = open_page(PAGES[0], demo_db, monkeypatch)
    table = org_table(at)
    assert {"Claims triage assistant", "Broker email summariser"} <= set(table["Name"])
    assert table["Verdict"].str.contains("ready").any()


def test_answering_on_the_assess_page_stores_the_answer(tmp_path, monkeypatch):
    db = tmp_path / "gw.db"
    with open_store(db) as s:
        from groundwork.rubric import DEFAULT_RUBRIC, load_rubric

        org = s.create_organisation("Acme")
        system = s.create_scope(org, "system", "Bot", stage="pilot", tier="minimal")
        aid = s.create_assessment(system, load_rubric(DEFAULT_RUBRIC), "production", "minimal")
    at = open_page("pages/assess.py", db, monkeypatch, round=str(aid))
    assert_clean(at)
    at.radio(key=f"a{aid}-MON-1-level").set_value(3).run()
    at.text_input(key=f"a{aid}-MON-1-evidence").input("Langfuse traces").run()
    assert_clean(at)
    with open_store(db) as s:
        saved = s.answers(aid)["MON-1"]
    assert (saved.value, saved.evidence) == (3, "Langfuse traces")


def test_starting_a_round_from_the_assess_page(tmp_path, monkeypatch):
    db = tmp_path / "gw.db"
    with open_store(db) as s:
        org = s.create_organisation("Acme")
        system = s.create_scope(org, "system", "Bot", stage="pilot", tier="minimal")
    at = open_page("pages/assess.py", db, monkeypatch, scope=str(system))
    submit = [b for b in at.get("form_submit_button") if "Start the round" in str(b.proto.label)]
    assert submit, "the start form is shown"
    submit[0].click().run()
    assert_clean(at)
    with open_store(db) as s:
        rounds = s.assessments(system)
    assert len(rounds) == 1 and rounds[0].stage == "production"
    assert at.query_params["round"] in (str(rounds[0].id), [str(rounds[0].id)])


def test_results_show_the_verdict_first_and_what_if_changes_nothing_stored(demo_db, monkeypatch):
    at = open_page("pages/results.py", demo_db, monkeypatch)
    assert_clean(at)
    verdicts = [e.value for e in at.error] + [e.value for e in at.success]
    assert any("ready for" in v.lower() for v in verdicts)


def test_a_broken_rubric_upload_lists_its_errors_without_a_traceback(tmp_path, monkeypatch):
    at = open_page("pages/rubric.py", tmp_path / "gw.db", monkeypatch)
    broken = b"id: x\nversion: '1'\ntitle: X\ndimensions:\n  - id: D\n    wieght: 2\n"
    at.file_uploader(key="rubric-upload").upload("broken.yaml", broken, "application/yaml").run()
    assert not at.exception
    codes = "\n".join(c.value for c in at.code)
    assert "broken.yaml:6: D: unknown key 'wieght'" in codes


def test_a_filled_questionnaire_uploaded_on_assess_becomes_a_round(tmp_path, monkeypatch):
    from groundwork import excel
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
    from groundwork.scoring import NA, Answer

    rubric = load_rubric(DEFAULT_RUBRIC)
    db = tmp_path / "gw.db"
    with open_store(db) as s:
        org = s.create_organisation("Acme")
        system = s.create_scope(org, "system", "Bot", stage="pilot", tier="minimal")
    typed = {"MON-1": Answer(4, evidence='=HYPERLINK("http://x","y")'), "DATA-2": Answer(NA)}
    data = excel.questionnaire_workbook(rubric, typed)
    at = open_page("pages/assess.py", db, monkeypatch, scope=str(system))
    at.file_uploader(key=f"offline-{system}").upload("filled.xlsx", data, excel_mime()).run()
    assert_clean(at)
    [button] = [b for b in at.button if str(b.label).startswith("Import as a new round")]
    button.click().run()
    assert_clean(at)
    with open_store(db) as s:
        (round_,) = s.assessments(system)
        assert s.answers(round_.id) == typed


def excel_mime() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_an_empty_portfolio_offers_the_demo(tmp_path, monkeypatch):
    at = open_page(PAGES[0], tmp_path / "empty.db", monkeypatch)
    [button] = [b for b in at.button if "demo" in str(b.label)]
    button.click().run()
    assert_clean(at)
    assert "Northwind Mutual" in [h.value for h in at.subheader]


def test_a_questionnaire_made_for_another_system_needs_a_confirmation(tmp_path, monkeypatch):
    from groundwork import excel
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
    from groundwork.scoring import Answer

    rubric = load_rubric(DEFAULT_RUBRIC)
    db = tmp_path / "gw.db"
    with open_store(db) as s:
        org = s.create_organisation("Acme")
        mine = s.create_scope(org, "system", "Mine")
        other = s.create_scope(org, "system", "Other")
    data = excel.questionnaire_workbook(
        rubric, {"MON-1": Answer(3)}, scope="Acme / Other", scope_id=other
    )
    at = open_page("pages/assess.py", db, monkeypatch, scope=str(mine))
    at.file_uploader(key=f"offline-{mine}").upload("q.xlsx", data, excel_mime()).run()
    assert any("made for Acme / Other" in w.value for w in at.warning)
    [button] = [b for b in at.button if str(b.label).startswith("Import as a new round")]
    assert button.disabled
    at.checkbox(key="imp-anyway").check().run()
    [button] = [b for b in at.button if str(b.label).startswith("Import as a new round")]
    button.click().run()
    with open_store(db) as s:
        assert len(s.assessments(mine)) == 1 and not s.assessments(other)


def test_evidence_typed_before_the_level_is_saved_with_the_first_answer(tmp_path, monkeypatch):
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric

    db = tmp_path / "gw.db"
    with open_store(db) as s:
        org = s.create_organisation("Acme")
        system = s.create_scope(org, "system", "Bot")
        aid = s.create_assessment(system, load_rubric(DEFAULT_RUBRIC), "production", "minimal")
    at = open_page("pages/assess.py", db, monkeypatch, round=str(aid))
    at.text_input(key=f"a{aid}-MON-1-evidence").input("runbook v3").run()
    with open_store(db) as s:
        assert "MON-1" not in s.answers(aid)  # nothing to attach it to yet
    at.radio(key=f"a{aid}-MON-1-level").set_value(2).run()
    at.text_area(key=f"a{aid}-MON-1-notes").input("since May").run()
    assert_clean(at)
    with open_store(db) as s:
        saved = s.answers(aid)["MON-1"]
    assert (saved.value, saved.evidence, saved.notes) == (2, "runbook v3", "since May")


def _round(db: Path) -> int:
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric

    with open_store(db) as s:
        org = s.create_organisation("Acme")
        system = s.create_scope(org, "system", "Bot")
        return s.create_assessment(system, load_rubric(DEFAULT_RUBRIC), "production", "minimal")


def _as(at: AppTest, name: str, monkeypatch) -> AppTest:
    """This tab signed in as the facilitator ``name`` (a local account; demo mode off)."""
    with open_store(os.environ["GROUNDWORK_DB"]) as s:
        known = {a.name: a.id for a in s.accounts()}
        account = known.get(name) or s.add_user(name, "facilitator")
    monkeypatch.delenv("GROUNDWORK_DEMO", raising=False)
    at.session_state[SESSION_KEY] = account
    at.run()
    assert f"Signed in as **{name}**" in at.sidebar.caption[-1].value
    return at


def test_a_stale_tab_is_told_and_erases_nothing(tmp_path, monkeypatch):
    """Tab B opened the unanswered question before tab A saved a level and evidence."""
    db = tmp_path / "gw.db"
    aid = _round(db)
    tab_b = open_page("pages/assess.py", db, monkeypatch, round=str(aid))
    tab_a = open_page("pages/assess.py", db, monkeypatch, round=str(aid))
    _as(tab_b, "ben", monkeypatch)
    _as(tab_a, "ana", monkeypatch)
    tab_a.radio(key=f"a{aid}-MON-1-level").set_value(3).run()
    tab_a.text_input(key=f"a{aid}-MON-1-evidence").input("Langfuse traces").run()

    tab_b.radio(key=f"a{aid}-MON-1-level").set_value(2).run()
    assert_clean(tab_b)
    with open_store(db) as s:
        assert s.answers(aid)["MON-1"] == Answer(3, None, "Langfuse traces", "")
    assert any("Someone else changed MON-1" in w.value for w in tab_b.warning)
    told = "\n".join(t.value for t in tab_b.text)
    assert "set by ana" in told and "3 · Defined; evidence: Langfuse traces" in told
    assert "Yours, not saved: 2 · Managed" in told
    assert tab_b.text_input(key=f"a{aid}-MON-1-evidence").value == "Langfuse traces"

    tab_b.button(key=f"keep-a{aid}-MON-1").click().run()
    assert_clean(tab_b)
    assert not any("Someone else changed" in w.value for w in tab_b.warning)
    with open_store(db) as s:
        assert s.answers(aid)["MON-1"] == Answer(2, None, "Langfuse traces", "")
        overrides = [e for e in s.audit_log("assessment", aid) if e["action"] == "override"]
    assert [(e["who"], e["old_value"], e["new_value"]) for e in overrides] == [("ben", "3", "2")]

    # Ana's tab still shows her 3; on her next action she is told and shown Ben's 2.
    tab_a.radio(key=f"a{aid}-MON-2-level").set_value(4).run()
    assert_clean(tab_a)
    assert any("MON-1 was changed by someone else" in i.value for i in tab_a.info)
    assert "Changed by ben" in "\n".join(t.value for t in tab_a.text)
    assert tab_a.radio(key=f"a{aid}-MON-1-level").value == 2


def test_taking_the_other_answer_drops_only_my_unsaved_change(tmp_path, monkeypatch):
    db = tmp_path / "gw.db"
    aid = _round(db)
    tab_b = open_page("pages/assess.py", db, monkeypatch, round=str(aid))
    tab_a = open_page("pages/assess.py", db, monkeypatch, round=str(aid))
    _as(tab_b, "ben", monkeypatch)
    _as(tab_a, "ana", monkeypatch)
    tab_b.text_area(key=f"a{aid}-MON-1-notes").input("ben's note").run()  # no level yet
    tab_a.radio(key=f"a{aid}-MON-1-level").set_value(3).run()

    tab_b.radio(key=f"a{aid}-MON-1-level").set_value(1).run()
    assert "Yours, not saved: 1 · Initial; notes: ben's note" in "\n".join(
        t.value for t in tab_b.text
    )
    tab_b.button(key=f"take-a{aid}-MON-1").click().run()
    assert_clean(tab_b)
    assert tab_b.radio(key=f"a{aid}-MON-1-level").value == 3
    assert tab_b.text_area(key=f"a{aid}-MON-1-notes").value == ""
    with open_store(db) as s:
        assert s.answers(aid)["MON-1"] == Answer(3)


@pytest.mark.parametrize(
    ("problem", "sentence"), [("query_only = ON", "is read-only"), ("max_page_count = 1", "full")]
)
def test_a_full_disk_or_read_only_database_is_one_sentence_on_the_page(
    problem, sentence, tmp_path, monkeypatch
):
    from groundwork.store import Store

    db = tmp_path / "gw.db"
    aid = _round(db)
    at = open_page("pages/assess.py", db, monkeypatch, round=str(aid))
    at.radio(key=f"a{aid}-MON-1-level").set_value(3).run()
    real = Store.__init__

    def cramped(self, path=None):
        real(self, path)
        self.db.execute(f"PRAGMA {problem}")  # max_page_count never goes below the file

    monkeypatch.setattr(Store, "__init__", cramped)
    at.text_input(key=f"a{aid}-MON-1-evidence").input("x" * 5_000).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(sentence in e and e.startswith("Nothing was saved") for e in errors), errors
    assert not [e for e in errors if CRASH in e or "sqlite" in e.lower()]
    monkeypatch.undo()
    with open_store(db) as s:
        assert s.answers(aid)["MON-1"] == Answer(3)


def test_rubrics_with_the_same_title_and_version_are_told_apart(tmp_path, monkeypatch):
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric, parse_rubric

    default = load_rubric(DEFAULT_RUBRIC)
    edited = parse_rubric(default.source + "\n# a local edit, same title and version\n")
    assert (edited.title, edited.version) == (default.title, default.version)
    db = tmp_path / "gw.db"
    with open_store(db) as s:
        org = s.create_organisation("Acme")
        system = s.create_scope(org, "system", "Bot")
        s.save_rubric(edited)
        today = s.rubrics()[0]["added_at"][:10]
    for page, key in (("pages/assess.py", None), ("pages/rubric.py", "rubric-pick")):
        at = open_page(page, db, monkeypatch, scope=str(system))
        box = at.selectbox(key=key) if key else next(b for b in at.selectbox if b.label == "Rubric")
        options = list(box.options)
        assert len(options) == 2 and len(set(options)) == 2, options
        assert options[0].endswith(f"· not stored yet · {default.sha256[:8]} (default)")
        assert options[1] == (
            f"{edited.title} {edited.version} · added {today} · {edited.sha256[:8]}"
        )


# --- a first walk-through's rough edges ---------------------------------------------


def _two_systems(db: Path) -> tuple[int, int, int]:
    """Two systems of one organisation, and a draft round of the second."""
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric

    with open_store(db) as s:
        org = s.create_organisation("Acme")
        first = s.create_scope(org, "system", "Alpha bot")
        second = s.create_scope(org, "system", "Zulu bot")
        aid = s.create_assessment(second, load_rubric(DEFAULT_RUBRIC), "production", "minimal")
    return first, second, aid


def test_start_another_round_opens_the_form_on_the_system_of_the_round(tmp_path, monkeypatch):
    db = tmp_path / "gw.db"
    _, second, aid = _two_systems(db)
    at = open_page("pages/assess.py", db, monkeypatch, round=str(aid))
    [button] = [b for b in at.button if b.label == "Start another round"]
    button.click().run()
    assert_clean(at)
    box = next(b for b in at.selectbox if b.label == "What are you assessing?")
    assert box.value == second


def test_back_after_next_returns_to_the_previous_dimension(tmp_path, monkeypatch):
    db = tmp_path / "gw.db"
    _, _, aid = _two_systems(db)
    at = open_page("pages/assess.py", db, monkeypatch, round=str(aid))
    dims = at.radio(key=f"dim-{aid}")
    first = dims.value
    [nxt] = [b for b in at.button if str(b.label).startswith("Next:")]
    nxt.click().run()
    second = at.radio(key=f"dim-{aid}").value
    assert second != first and at.query_params["dim"] in (second, [second])
    at.query_params["dim"] = first  # the browser's Back button: the URL changes, then a rerun
    at.run()
    assert_clean(at)
    assert at.radio(key=f"dim-{aid}").value == first
    # and choosing a dimension on the radio still moves the URL along
    at.radio(key=f"dim-{aid}").set_value(second).run()
    assert at.query_params["dim"] in (second, [second])
    assert at.radio(key=f"dim-{aid}").value == second


def test_a_level_is_chosen_by_its_description_and_shows_what_to_look_at(tmp_path, monkeypatch):
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric

    rubric = load_rubric(DEFAULT_RUBRIC)
    q = rubric.question("MON-1")
    db = tmp_path / "gw.db"
    aid = _round(db)
    at = open_page("pages/assess.py", db, monkeypatch, round=str(aid))
    radio = at.radio(key=f"a{aid}-MON-1-level")
    # every level's description is part of its option, so clicking it chooses the level
    captions = list(radio.proto.captions)
    assert len(captions) == len(radio.options) == len(rubric.levels) + 2
    assert captions[0].startswith("Nothing is logged")
    assert not any("What to look at" in c.value for c in at.caption)
    radio.set_value(3).run()
    assert_clean(at)
    with open_store(db) as s:
        assert s.answers(aid)["MON-1"].value == 3
    shown = "\n".join(c.value for c in at.caption)
    assert "**3 · Defined** · What to look at: Pick five recent requests" in shown
    assert "Metric: Trace coverage" in shown
    guide = next(e for e in at.expander if e.label.startswith("What an assessor looks at"))
    from test_text import shown

    guide_text = guide.markdown[0].value
    assert "**5 · Optimising**: What to look at: Look at the last automatic" in guide_text
    assert f"Metric: {q.metrics[4]}" in shown(guide.markdown[0].value)


def _roadmap_round(db: Path) -> tuple[int, int]:
    """A final round with a few gaps, so its roadmap has a handful of items."""
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric

    rubric = load_rubric(DEFAULT_RUBRIC)
    answers = {q.id: Answer(5) for q in rubric.questions}
    answers["MON-1"] = Answer(2)
    with open_store(db) as s:
        org = s.create_organisation("Acme")
        system = s.create_scope(org, "system", "Bot", stage="pilot", tier="minimal")
        aid = s.import_round(
            system,
            rubric,
            "production",
            "minimal",
            answers,
            created_at="2027-02-01T09:00:00+00:00",
            final=True,
        )
    return system, aid


def test_the_start_of_wave_1_is_kept_per_system_across_visits(tmp_path, monkeypatch):
    import datetime as dt

    db = tmp_path / "gw.db"
    system, aid = _roadmap_round(db)
    at = open_page("pages/roadmap.py", db, monkeypatch, round=str(aid))
    assert_clean(at)
    box = at.date_input(key=f"rm-start-{system}")
    assert box.value == dt.date(2027, 2, 1)  # the round's date, not today's
    box.set_value(dt.date(2027, 3, 1)).run()
    assert_clean(at)
    with open_store(db) as s:
        assert s.roadmap_start(system) == dt.date(2027, 3, 1)
    again = open_page("pages/roadmap.py", db, monkeypatch, round=str(aid))  # another day
    assert again.date_input(key=f"rm-start-{system}").value == dt.date(2027, 3, 1)
    assert "2027-03-01" in "\n".join(m.value for m in again.markdown)


def test_updating_an_item_saves_only_the_fields_changed(tmp_path, monkeypatch):
    db = tmp_path / "gw.db"
    system, aid = _roadmap_round(db)
    at = open_page("pages/roadmap.py", db, monkeypatch, round=str(aid))
    item = at.selectbox(key="rm-item").value
    next(t for t in at.text_input if t.label == "Owner").input("Priya")
    [submit] = [b for b in at.get("form_submit_button") if "Save item" in str(b.proto.label)]
    submit.click().run()
    assert_clean(at)
    with open_store(db) as s:
        saved = s.roadmap_state(system)[item]
    assert saved["owner"] == "Priya"
    assert not saved.get("start") and not saved.get("due")  # still follow the plan


def test_the_roadmap_counts_in_plain_english_and_orders_its_columns(tmp_path, monkeypatch):
    import re

    db = tmp_path / "gw.db"
    _, aid = _roadmap_round(db)
    at = open_page("pages/roadmap.py", db, monkeypatch, round=str(aid))
    assert_clean(at)
    shown = "\n".join(m.value for m in at.markdown)
    assert "1 item," in shown and not re.search(r"\b1 (items|effort points)\b", shown), shown
    columns = list(at.dataframe[0].value.columns)
    assert columns[:7] == ["id", "action", "owner", "status", "start", "due", "wave"]


def test_a_draft_shows_as_a_draft_on_the_portfolio_not_as_its_readiness(tmp_path, monkeypatch):
    db = tmp_path / "gw.db"
    _, _, aid = _two_systems(db)
    with open_store(db) as s:
        s.save_answer(aid, "MON-1", Answer(3))
    at = open_page(PAGES[0], db, monkeypatch)
    assert_clean(at)
    table = org_table(at).set_index("Name")
    assert table.loc["Zulu bot", "Verdict"] == "draft · 1 of 32 questions answered"
    assert table.loc["Zulu bot", "Blockers"] == ""
    assert table["Readiness"].isna()["Zulu bot"]
    assert table.loc["Alpha bot", "Verdict"] == "not assessed"


def test_the_questionnaire_preview_shows_confidence_as_typed(tmp_path, monkeypatch):
    from groundwork import excel
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric

    db = tmp_path / "gw.db"
    with open_store(db) as s:
        org = s.create_organisation("Acme")
        system = s.create_scope(org, "system", "Bot")
    data = excel.questionnaire_workbook(
        load_rubric(DEFAULT_RUBRIC), {"MON-1": Answer(3, confidence=4), "MON-2": Answer(2)}
    )
    at = open_page("pages/assess.py", db, monkeypatch, scope=str(system))
    at.file_uploader(key=f"offline-{system}").upload("q.xlsx", data, excel_mime()).run()
    assert_clean(at)
    table = at.dataframe[0].value.set_index("question")
    assert table.loc["MON-1", "confidence"] == "4"
    assert table.loc["MON-2", "confidence"] == ""


def test_a_json_assessment_made_for_another_system_needs_a_confirmation(tmp_path, monkeypatch):
    from groundwork import interchange

    db = tmp_path / "gw.db"
    first, second, aid = _two_systems(db)
    with open_store(db) as s:
        s.save_answer(aid, "MON-1", Answer(3))
        data = interchange.export_json(s, aid).encode()  # made for Acme / Zulu bot
    at = open_page("pages/assess.py", db, monkeypatch, scope=str(first))
    at.file_uploader(key=f"offline-{first}").upload("a.json", data, "application/json").run()
    assert_clean(at)
    assert any("made for Acme / Zulu bot, not for Acme / Alpha bot" in w.value for w in at.warning)
    [button] = [b for b in at.button if str(b.label).startswith("Import as a new round")]
    assert button.disabled
    at.checkbox(key="json-anyway").check().run()
    [button] = [b for b in at.button if str(b.label).startswith("Import as a new round")]
    button.click().run()
    assert_clean(at)
    with open_store(db) as s:
        assert len(s.assessments(first)) == 1


def test_a_json_assessment_of_the_same_system_imports_without_a_question(tmp_path, monkeypatch):
    from groundwork import interchange

    db = tmp_path / "gw.db"
    _, second, aid = _two_systems(db)
    with open_store(db) as s:
        data = interchange.export_json(s, aid).encode()
    at = open_page("pages/assess.py", db, monkeypatch, scope=str(second))
    at.file_uploader(key=f"offline-{second}").upload("a.json", data, "application/json").run()
    assert not at.warning and not [c for c in at.checkbox if c.key == "json-anyway"]
    [button] = [b for b in at.button if str(b.label).startswith("Import as a new round")]
    assert not button.disabled


def test_the_first_screen_says_what_groundwork_is_and_offers_the_ways_in(tmp_path, monkeypatch):
    at = open_page(PAGES[0], tmp_path / "empty.db", monkeypatch)
    assert_clean(at)
    banner, intro = at.markdown[0].value, at.markdown[1].value
    assert "Demo mode" in banner, "demo mode says so above every page"
    assert intro.startswith("Groundwork assesses a generative-AI system") and intro.count(". ") == 1
    links = {link.proto.label: link.proto.page for link in at.get("page_link") if link.proto.label}
    assert {"Assess a system", "Look at the portfolio", "Read the rubric"} <= set(links)
    assert "rubric" in links["Read the rubric"] and "assess" in links["Assess a system"]


def test_results_show_the_evidence_confidence_and_notes_behind_an_answer(tmp_path, monkeypatch):
    db = tmp_path / "gw.db"
    _, _, aid = _two_systems(db)
    with open_store(db) as s:
        s.save_answer(aid, "MON-1", Answer(3, 4, "Langfuse **traces**", "since May"))
    at = open_page("pages/results.py", db, monkeypatch, round=str(aid))
    assert_clean(at)
    table = at.dataframe[0].value.set_index("Question")
    assert (table.loc["MON-1", "Confidence"], table.loc["MON-1", "Evidence"]) == (
        "4",
        "Langfuse **traces**",
    )
    [box] = [e for e in at.expander if e.label.startswith("Evidence and notes:")]
    assert box.markdown[0].value == "**MON-1** · 3 · confidence 4 of 5"
    assert box.text[0].value == "Evidence: Langfuse **traces**\nNotes: since May"


def test_the_rubric_page_shows_tier_floors_evidence_prompts_and_articles(demo_db, monkeypatch):
    at = open_page("pages/rubric.py", demo_db, monkeypatch)
    assert_clean(at)
    frames = [d.value for d in at.dataframe]
    gates = next(f for f in frames if "On" in f.columns and "pilot · limited" in f.columns)
    assert gates.set_index("On").loc["HUM-5", "pilot · limited"] == "3"
    assert gates.set_index("On").loc["answered with a level", "pilot"] == "80%"
    levels = next(f for f in frames if "What an assessor looks at" in f.columns)
    assert levels["What an assessor looks at"].str.len().min() > 0
    articles = next(f for f in frames if "Applies from" in f.columns)
    assert set(articles.columns) >= {"Article", "Binds", "Applies from"}
    captions = " ".join(c.value for c in at.caption)
    assert "Art. 12 (provider; from 2027-12-02)" in captions


def test_the_portfolio_shows_the_heatmap_the_stuck_pilot_and_the_unit_roll_up(demo_db, monkeypatch):
    at = open_page(PAGES[0], demo_db, monkeypatch)
    assert_clean(at)
    stuck = [m for m in at.metric if m.label.startswith("Stuck in")]
    assert stuck and stuck[0].value == "1"
    warning = " ".join(w.value for w in at.warning)
    assert "Claims triage assistant (290 days)" in warning
    charts = [c for c in at.get("plotly_chart")]
    assert len(charts) >= 2, "the heatmap and the trend"
    units = next(d.value for d in at.dataframe if "Spread (SD)" in d.value.columns)
    assert set(units["Unit"]) == {"Claims", "Underwriting"}
    pilots = next(
        d.value for d in at.dataframe if "Days in stage" in d.value.columns and len(d.value) == 2
    )
    assert pilots.set_index("System").loc["Policy wording drafter", "Drafts"] == "draft open (1)"


def test_portfolio_filters_narrow_every_roll_up(demo_db, monkeypatch):
    at = open_page(PAGES[0], demo_db, monkeypatch)
    at.multiselect(key="pf-unit").select("Underwriting").run()
    assert_clean(at)
    units = next(d.value for d in at.dataframe if "Spread (SD)" in d.value.columns)
    assert set(units["Unit"]) == {"Underwriting"}
    assert not any("290 days" in w.value for w in at.warning)


def test_the_outcomes_page_charts_the_demo_trap_and_records_a_value(demo_db, tmp_path, monkeypatch):
    import shutil

    db = tmp_path / "copy.db"
    shutil.copy(demo_db, db)
    with open_store(db) as s:
        claims = next(x.id for x in s.scopes(kind="system") if x.name == "Claims triage assistant")
        (outcome,) = s.outcomes(claims)
    at = open_page("pages/outcomes.py", db, monkeypatch, scope=str(claims))
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 2, "the headline and its counter-measure"
    assert any("improved while the counter-measure" in w.value for w in at.warning)
    at.number_input(key=f"ov-{outcome.id}-v").set_value(820)
    [submit] = [b for b in at.get("form_submit_button") if "Record value" in str(b.proto.label)]
    submit.click().run()
    assert_clean(at)
    with open_store(db) as s:
        assert s.outcomes(claims)[0].headline.latest.value == 820


def test_an_outcome_added_on_the_page_is_stored(tmp_path, monkeypatch):
    db = tmp_path / "gw.db"
    with open_store(db) as s:
        org = s.create_organisation("Acme")
        bot = s.create_scope(org, "system", "Bot", stage="pilot", tier="minimal")
    at = open_page("pages/outcomes.py", db, monkeypatch, scope=str(bot))
    assert_clean(at)
    at.text_input(key="of-new-h-name").input("Cost per case")
    at.radio(key="of-new-h-dir").set_value("lower")
    at.number_input(key="of-new-h-base").set_value(12.5)
    at.number_input(key="of-new-target").set_value(9)
    [submit] = [b for b in at.get("form_submit_button") if "Add outcome" in str(b.proto.label)]
    submit.click().run()
    assert_clean(at)
    with open_store(db) as s:
        (o,) = s.outcomes(bot)
    assert (o.name, o.headline.direction, o.headline.baseline, o.target) == (
        "Cost per case",
        "lower",
        12.5,
        9.0,
    )


def test_a_measure_named_like_markdown_shows_as_typed_in_the_value_form(tmp_path, monkeypatch):
    from groundwork.outcomes import Measure, Outcome

    db = tmp_path / "gw.db"
    name = "**bold** http://x.example"
    with open_store(db) as s:
        org = s.create_organisation("Acme")
        bot = s.create_scope(org, "system", "Bot", stage="pilot", tier="minimal")
        s.save_outcome(bot, Outcome(Measure(name, baseline=1.0, baseline_date=None)), who="t")
        (o,) = s.outcomes(bot)
    at = open_page("pages/outcomes.py", db, monkeypatch, scope=str(bot))
    assert_clean(at)
    [measure] = [r for r in at.radio if r.key == f"ov-{o.id}-m"]
    assert all("**" not in label and "http://x" not in label for label in measure.options)


def test_results_warn_when_a_counter_measure_got_worse_while_the_headline_improved(
    demo_db, monkeypatch
):
    with open_store(demo_db) as s:
        claims = next(x.id for x in s.scopes(kind="system") if x.name == "Claims triage assistant")
        aid = s.assessments(claims)[-1].id
    at = open_page("pages/results.py", demo_db, monkeypatch, round=str(aid))
    assert_clean(at)
    assert any(w.value.startswith("Outcome:") and "got worse" in w.value for w in at.warning)


def test_a_large_portfolio_heatmap_shows_the_weakest_systems_and_names_a_few_stuck(
    tmp_path, monkeypatch
):
    from groundwork.rubric import DEFAULT_RUBRIC, load_rubric

    rubric = load_rubric(DEFAULT_RUBRIC)
    db = tmp_path / "big.db"
    with open_store(db) as s, s.write():
        org = s.create_organisation("Big")
        for n in range(65):
            sid = s.create_scope(org, "system", f"S{n:02d}", stage="pilot", tier="minimal",
                                 created_at="2020-01-01T09:00:00+00:00")  # fmt: skip
            answers = {q.id: Answer(1 + (n % 5)) for q in rubric.questions}
            s.import_round(sid, rubric, "production", "minimal", answers, final=True)
    at = open_page(PAGES[0], db, monkeypatch)
    assert_clean(at)
    assert any("The 60 weakest of 65" in c.value for c in at.caption)
    assert any("and 53 more, listed under Stages" in w.value for w in at.warning)


def _history_part(db: str, scope_id: int) -> None:
    """What the History page calls beside its maturity trend (a page link needs the app's
    navigation, which a bare function has not: it is shown as a caption instead)."""
    from unittest import mock

    import streamlit as st

    from groundwork.store import Store
    from groundwork.ui.outcomes import outcome_section

    def link(page, *, label, query_params, **_):
        st.caption(f"link to {page}?scope={query_params['scope']}: {label}")

    with Store(db) as s, mock.patch("streamlit.page_link", link):
        outcome_section(s, scope_id)


def test_the_outcome_section_for_history_charts_a_systems_outcomes_with_a_link(demo_db):
    with open_store(demo_db) as s:
        search = next(x.id for x in s.scopes(kind="system") if x.name.startswith("Adjuster"))
    at = AppTest.from_function(_history_part, args=(str(demo_db), search), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.subheader[0].value == "Business outcomes"
    assert len(at.get("plotly_chart")) == 3  # two headlines, one counter-measure
    links = [c.value for c in at.caption if c.value.startswith("link to")]
    assert links == [f"link to pages/outcomes.py?scope={search}: Record or edit outcomes"]


@pytest.mark.parametrize("systems", [0, 1])
def test_the_portfolio_of_a_new_organisation_renders_with_its_forms(tmp_path, monkeypatch, systems):
    db = tmp_path / "new.db"
    with open_store(db) as s:
        org = s.create_organisation("Acme")
        for n in range(systems):
            s.create_scope(org, "system", f"Bot {n}", stage="pilot", tier="high")
    at = open_page(PAGES[0], db, monkeypatch)
    assert_clean(at)
    assert at.text_input(key="new-scope-name"), "the form to add a system is there"
