"""The workshop through AppTest: the facilitator's console and a participant's phone page,
and what each of them must not see."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP, assert_clean, explicit_navigation, open_page  # noqa: F401

from groundwork.rubric import DEFAULT_RUBRIC, load_rubric
from groundwork.store import open_store


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "ws.db"
    with open_store(path) as s:
        org = s.create_organisation("Acme")
        system = s.create_scope(org, "system", "Claims bot")
        s.create_assessment(system, load_rubric(DEFAULT_RUBRIC), "production", "minimal")
    return path


def participant(db, monkeypatch, **query: str) -> AppTest:
    monkeypatch.setenv("GROUNDWORK_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_the_facilitator_opens_a_workshop_and_sees_the_code(db, monkeypatch):
    at = open_page("pages/workshop.py", db, monkeypatch, round="1")
    assert_clean(at)
    at.button[0].click().run()  # the form's submit: open a workshop on this round
    assert_clean(at)
    with open_store(db) as s:
        (w,) = s.workshops(1)
    assert any(f"Join code: {w.code}" in m.value for m in at.markdown)
    assert any(f"/join?code={w.code}" in t.value for t in at.text)
    assert at.get("image"), "the QR code is drawn"
    assert any("Not revealed yet" in i.value for i in at.info)


def test_a_participant_joins_answers_and_resumes_by_token(db, monkeypatch):
    with open_store(db) as s:
        w = s.open_workshop(1)
    at = participant(db, monkeypatch, code=w.code)
    assert_clean(at)
    assert not at.sidebar.text_input, "a participant's link shows no app menu or sidebar"
    at.text_input[1].input("Ana")
    at.selectbox[0].select("risk")
    at.button[0].click().run()
    assert_clean(at)
    token = at.query_params["token"]
    token = token[0] if isinstance(token, list) else token
    with open_store(db) as s:
        seat = s.seat(token)
    assert seat.alias == "Ana" and seat.role == "risk"
    key = f"p{seat.participant_id}-MON-1-level"
    at.radio(key=key).set_value(3).run()
    assert_clean(at)
    with open_store(db) as s:
        assert s.own_answers(token)["MON-1"].answer.value == 3
        assert s.answers(1) == {}  # the round's own answers are untouched
    # a reload: a new session with only the token
    again = participant(db, monkeypatch, token=token, q="MON-1")
    assert_clean(again)
    assert again.radio(key=key).value == 3
    assert "1 of" in again.get("progress")[0].proto.text


def test_a_participant_never_sees_another_before_reveal(db, monkeypatch):
    with open_store(db) as s:
        w = s.open_workshop(1)
        ana = s.join_workshop(w.code, "Ana", "risk")
        bo = s.join_workshop(w.code, "Bo", "business")
        s.save_participant_answer(ana, "MON-1", value=1, notes="secret note of Ana")
    at = participant(db, monkeypatch, token=bo, q="MON-1")
    assert_clean(at)
    everything = " ".join(str(e.value) for e in at.markdown) + " ".join(
        str(c.value) for c in at.caption
    )
    assert "Ana" not in everything and "secret" not in everything
    assert not at.get("plotly_chart")
    with open_store(db) as s:
        s.reveal(w.id, "MON")
    at = participant(db, monkeypatch, token=bo, q="MON-1")
    assert_clean(at)
    assert any("How the room answered" in m.value for m in at.markdown)
    everything = " ".join(str(e.value) for e in at.markdown) + " ".join(
        str(c.value) for c in at.caption
    )
    assert "Ana" not in everything and "secret" not in everything


@pytest.mark.parametrize("query", [{"token": "forged"}, {"code": "ZZZZZZ"}])
def test_wrong_tokens_and_codes_get_a_plain_message(db, monkeypatch, query):
    at = participant(db, monkeypatch, **query)
    assert_clean(at)
    assert any("Ask the facilitator" in e.value or "no open workshop" in e.value for e in at.error)
    assert not at.radio, "no question is shown"


def test_a_closed_workshop_tells_its_participants(db, monkeypatch):
    with open_store(db) as s:
        w = s.open_workshop(1)
        ana = s.join_workshop(w.code, "Ana", "risk")
        s.close_workshop(w.id)
    at = participant(db, monkeypatch, token=ana)
    assert_clean(at)
    assert any("closed" in e.value for e in at.error)
    assert not at.radio


def test_the_console_reveals_and_records_consensus(db, monkeypatch):
    with open_store(db) as s:
        w = s.open_workshop(1)
        for name, level in (("Ana", 1), ("Bo", 4), ("Cy", 4)):
            token = s.join_workshop(w.code, name, "engineering")
            s.save_participant_answer(token, "MON-1", value=level)
        s.save_participant_answer(token, "MON-1", notes="traces in Langfuse")
    at = open_page("pages/workshop.py", db, monkeypatch, round="1")
    assert_clean(at)
    reveal = next(b for b in at.button if b.label.startswith("Reveal"))
    reveal.click().run()
    assert_clean(at)
    assert any("Disagreement" in m.value for m in at.markdown)
    assert any(e.label == "Comments (1, without names)" for e in at.expander)
    assert any(t.value == "traces in Langfuse" for t in at.text)
    # the consensus form proposes the median, 4; save it with a rationale and dissent
    rationale = next(t for t in at.text_area if t.label == "Rationale")
    rationale.input("dashboards exist for two of three models")
    dissent = next(t for t in at.text_area if t.label.startswith("Dissent"))
    dissent.input("Ana: no alerting yet")
    save = next(b for b in at.button if b.label == "Save the consensus")
    save.click().run()
    assert_clean(at)
    with open_store(db) as s:
        c = s.consensus(w.id)
    first = next(iter(c.values()))
    assert first.value == 4 and first.dissent == "Ana: no alerting yet"
    # present mode hides the forms and the names
    at.toggle[0].set_value(True).run()
    assert_clean(at)
    assert not [b for b in at.button if b.label == "Save the consensus"]
    assert not at.dataframe, "no table of names in present mode"


@pytest.mark.parametrize("page", ["pages/workshop.py", "pages/results.py", "pages/portfolio.py"])
def test_a_participants_link_reaches_only_the_join_page(db, monkeypatch, page):
    with open_store(db) as s:
        w = s.open_workshop(1)
        ana = s.join_workshop(w.code, "Ana", "risk")
    at = participant(db, monkeypatch, token=ana)
    at.switch_page(page).run()
    assert_clean(at)
    assert at.title[0].value == "Workshop" and at.get("progress"), "still the join page"
    assert not at.sidebar.text_input, "no sidebar, no menu"
    assert not [b for b in at.button if b.label.startswith("Open a workshop")]
    assert not at.dataframe


def test_an_offline_participants_questionnaire_joins_the_workshop(db, monkeypatch):
    from test_app import excel_mime

    from groundwork import excel
    from groundwork.scoring import NA, Answer

    with open_store(db) as s:
        w = s.open_workshop(1)
    typed = {"MON-1": Answer(2, notes="filled on paper"), "DATA-2": Answer(NA)}
    data = excel.questionnaire_workbook(load_rubric(DEFAULT_RUBRIC), typed)
    at = open_page("pages/workshop.py", db, monkeypatch, round="1")
    at.text_input(key=f"off-alias-{w.id}").input("Dee")
    at.selectbox(key=f"off-role-{w.id}").select("operations")
    at.file_uploader(key=f"offline-ws-{w.id}").upload("dee.xlsx", data, excel_mime()).run()
    assert_clean(at)
    at.button(key=f"off-add-{w.id}").click().run()
    assert_clean(at)
    with open_store(db) as s:
        (dee,) = s.members(w.id)
        assert (dee.alias, dee.role) == ("Dee", "operations")
        assert s.room_answers(w.id)[dee.participant_id] == typed


def test_a_dimensions_timer_shows_on_the_console_and_the_phones(db, monkeypatch):
    with open_store(db) as s:
        w = s.open_workshop(1)
        ana = s.join_workshop(w.code, "Ana", "risk")
    at = open_page("pages/workshop.py", db, monkeypatch, round="1")
    start = next(b for b in at.button if b.label == "Start the timer")
    start.click().run()
    assert_clean(at)
    assert any("Timer:" in m.value and "left" in m.value for m in at.markdown)
    phone = participant(db, monkeypatch, token=ana, q="MON-1")
    assert any("Timer:" in c.value for c in phone.caption)


def test_hostile_names_and_notes_stay_text_on_both_sides(tmp_path, monkeypatch):
    import hostile
    from test_app_text import assert_inert, markdown_strings

    path = tmp_path / "hostile.db"
    ids = hostile.seed(path)
    alias = f"A {hostile.IMAGE}"
    with open_store(path) as s:
        w = s.open_workshop(ids["assessment"])
        token = s.join_workshop(w.code, alias, "risk")
        s.save_participant_answer(token, "A-1", value=1, notes=hostile.hostile("note"))
        s.reveal(w.id, "A")
        s.set_consensus(
            w.id, "A-1", 1, rationale=hostile.hostile("why"), who=hostile.hostile("Fac")
        )
    phone = participant(path, monkeypatch, token=token, q="A-1")
    assert_clean(phone)
    assert_inert(markdown_strings(phone))
    console = open_page("pages/workshop.py", path, monkeypatch, round=str(ids["assessment"]))
    assert_clean(console)
    assert_inert(markdown_strings(console))
    results = open_page("pages/results.py", path, monkeypatch, round=str(ids["assessment"]))
    assert_clean(results)
    assert_inert(markdown_strings(results))
