"""Workshops in the store: join codes, tokens, blind answers, reveal, consensus, finalise,
and every way in that must be refused with a plain message and no data."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from groundwork.scoring import NA, UNKNOWN, Answer
from groundwork.store import AnswerConflict, StoreError, open_store
from groundwork.store import workshops as ws


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "gw.db") as s:
        yield s


@pytest.fixture
def round_id(store, tiny_rubric):
    org = store.create_organisation("Acme")
    system = store.create_scope(org, "system", "Chatbot")
    return store.create_assessment(system, tiny_rubric, "live", "low", who="fran")


@pytest.fixture
def room(store, round_id):
    w = store.open_workshop(round_id, who="fran")
    return (
        w,
        store.join_workshop(w.code, "Ana", "business"),
        store.join_workshop(w.code.lower(), "Bo", "risk"),
    )


def test_open_gives_a_short_unambiguous_code_unique_among_open_ones(store, round_id, tiny_rubric):
    system = store.scope(store.assessment(round_id).scope_id)
    rounds = [
        store.create_assessment(system.id, tiny_rubric, "live", "low") for _ in range(30)
    ]  # one open workshop per round
    codes = {store.open_workshop(aid).code for aid in rounds}
    assert len(codes) == 30
    for code in codes:
        assert len(code) == ws.CODE_LENGTH and set(code) <= set(ws.CODE_ALPHABET)
        assert not set(code) & set("0O1IL5S8B")


def test_tokens_are_long_random_and_stored_only_hashed(store, room):
    w, ana, bo = room
    assert ana != bo and len(ana) >= 32  # 24 bytes = 192 bits, urlsafe text
    stored = [r["token_sha256"] for r in store.db["workshop_participants"].rows]
    assert ws.token_hash(ana) in stored and ana not in stored
    seat = store.seat(ana)
    assert (seat.alias, seat.role, seat.workshop_id) == ("Ana", "business", w.id)


def test_a_participant_answers_through_their_token_only(store, room, round_id):
    w, ana, bo = room
    saved = store.save_participant_answer(ana, "A-1", based_on=0, value=2, confidence=4)
    assert saved.version == 1 and saved.answer == Answer(2, 4)
    store.save_participant_answer(bo, "A-1", based_on=0, value=0)
    assert store.own_answers(ana)["A-1"].answer.value == 2
    assert store.own_answers(bo)["A-1"].answer.value == 0
    # nothing landed in the round's own answers
    assert store.answers(round_id) == {}
    log = store.audit_log("assessment", round_id)
    assert any(e["who"] == f"Ana (workshop {w.code})" and e["field"] == "A-1.value" for e in log)


def test_no_lost_update_for_a_participant_either(store, room):
    _, ana, _ = room
    store.save_participant_answer(ana, "A-1", based_on=0, value=1)
    with pytest.raises(AnswerConflict):  # another tab of the same phone, opened before
        store.save_participant_answer(ana, "A-1", based_on=0, value=3)
    assert store.own_answer(ana, "A-1").answer.value == 1


@pytest.mark.parametrize("token", ["", "nope", "x" * 5000])
def test_a_wrong_token_gets_a_plain_message(store, room, token):
    with pytest.raises(StoreError, match="does not belong to an open workshop"):
        store.save_participant_answer(token, "A-1", value=1)
    with pytest.raises(StoreError):
        store.own_answers(token)
    with pytest.raises(StoreError):
        store.revealed_room(token)


@pytest.mark.parametrize("code", ["", "ZZZZZZ", "'; drop table workshops; --", "é" * 100])
def test_a_wrong_code_gets_a_plain_message(store, room, code):
    with pytest.raises(StoreError, match="no open workshop with this code"):
        store.join_workshop(code, "Cy", "engineering")


def test_closing_stops_answers_and_joins(store, room):
    w, ana, _ = room
    store.save_participant_answer(ana, "A-1", value=1)
    store.close_workshop(w.id, who="fran")
    with pytest.raises(StoreError, match="closed"):
        store.save_participant_answer(ana, "A-2", value=1)
    with pytest.raises(StoreError, match="closed"):
        store.join_workshop(w.code, "Cy", "engineering")
    assert store.room_answers(w.id)[store.members(w.id)[0].participant_id]["A-1"].value == 1


def test_a_workshop_closed_while_an_answer_is_on_its_way_refuses_it(store, room, monkeypatch):
    """The token was read while the workshop was open; the facilitator closes it before
    the answer is written: the database refuses it, and the participant is told."""
    w, ana, _ = room
    seat = store.seat
    monkeypatch.setattr(
        store, "seat", lambda token: (seat(token), store.close_workshop(w.id, who="fran"))[0]
    )
    with pytest.raises(StoreError, match="closed"):
        store.save_participant_answer(ana, "A-1", value=1)
    monkeypatch.undo()
    pid = store.members(w.id)[0].participant_id
    assert store.room_answers(w.id).get(pid, {}) == {}
    with pytest.raises(sqlite3.IntegrityError, match="closed"):  # by any path at all
        store.change_answer(w.assessment_id, "A-1", participant_id=pid, value=2)


def test_an_expired_workshop_refuses(store, room):
    w, ana, _ = room
    store.db.conn.execute("update workshops set expires_at = '2000-01-01T00:00:00+00:00'")
    with pytest.raises(StoreError, match="expired"):
        store.save_participant_answer(ana, "A-1", value=1)
    with pytest.raises(StoreError, match="expired"):
        store.join_workshop(w.code, "Cy", "engineering")


def test_another_workshops_token_reaches_only_its_own_seat(store, room, round_id, tiny_rubric):
    w, ana, _ = room
    other_round = store.create_assessment(
        store.assessment(round_id).scope_id, tiny_rubric, "live", "low"
    )
    other = store.open_workshop(other_round)
    stranger = store.join_workshop(other.code, "Zed", "operations")
    store.save_participant_answer(ana, "A-1", value=3)
    store.reveal(w.id, "A")
    # the stranger's token sees nothing of the first workshop, revealed or not
    shown, values = store.revealed_room(stranger)
    assert shown == set() and values == {}
    store.save_participant_answer(stranger, "A-1", value=0)
    assert store.seat(stranger).workshop_id == other.id
    assert [m.alias for m in store.members(w.id)] == ["Ana", "Bo"]
    assert store.room_answers(w.id)[store.seat(ana).participant_id]["A-1"].value == 3


def test_participants_see_the_room_only_after_reveal_and_without_names(store, room):
    w, ana, bo = room
    store.save_participant_answer(ana, "A-1", value=3)
    store.save_participant_answer(bo, "A-1", value=1)
    store.save_participant_answer(bo, "B-1", value=2)
    assert store.revealed_room(ana) == (set(), {})
    store.reveal(w.id, "A", who="fran")
    shown, values = store.revealed_room(ana)
    assert shown == {"A"}
    assert sorted(v["A-1"] for v in values.values()) == [1, 3]
    assert all("B-1" not in v for v in values.values())  # dimension B not revealed
    assert set(values) == {0, 1}  # anonymous keys, not participant ids or names


def test_duplicate_aliases_are_told_apart_and_roles_checked(store, room):
    w, _, _ = room
    store.join_workshop(w.code, "Ana", "engineering")
    assert [m.alias for m in store.members(w.id)] == ["Ana", "Bo", "Ana (2)"]
    with pytest.raises(StoreError, match="choose a role"):
        store.join_workshop(w.code, "Cy", "self")
    with pytest.raises(StoreError, match="choose a name"):
        store.join_workshop(w.code, "   ", "risk")
    with pytest.raises(StoreError, match="too long"):
        store.join_workshop(w.code, "x" * 41, "risk")


def test_consensus_then_finalise_writes_the_rounds_answers(store, room, round_id):
    w, ana, bo = room
    store.save_participant_answer(ana, "A-1", value=3)
    store.save_participant_answer(bo, "A-1", value=1)
    store.set_consensus(w.id, "A-1", 2, rationale="runbook seen", dissent="risk: 1", who="fran")
    store.set_consensus(w.id, "B-1", UNKNOWN, who="fran")
    store.set_consensus(w.id, "A-2", NA, rationale="no metric applies", who="fran")
    with pytest.raises(StoreError, match="not on the scale"):
        store.set_consensus(w.id, "A-1", 9)
    assert store.consensus(w.id)["A-1"].dissent == "risk: 1"
    assert store.finalise_workshop(w.id, who="fran") == 3
    answers = store.answers(round_id)
    assert answers["A-1"].value == 2 and answers["B-1"].value == UNKNOWN
    assert answers["A-1"].notes == "Workshop consensus: runbook seen\nDissent: risk: 1"
    assert store.workshop(w.id).status == "finalised"
    # per-participant answers stay
    assert len(store.room_answers(w.id)) == 2
    with pytest.raises(StoreError, match="closed"):
        store.save_participant_answer(ana, "A-2", value=1)
    assert any(e["action"] == "consensus" for e in store.audit_log("workshop", w.id))


def test_finalise_can_finalise_the_round(store, room, round_id):
    w, _, _ = room
    store.set_consensus(w.id, "A-1", 1)
    store.finalise_workshop(w.id, final_round=True)
    assert store.assessment(round_id).final


def test_reveal_and_timer_are_checked_and_recorded(store, room):
    w, _, _ = room
    with pytest.raises(StoreError, match="unknown dimension"):
        store.reveal(w.id, "ZZ")
    store.start_timer(w.id, "A", 5, who="fran")
    assert store.timers(w.id)["A"][1] == 5
    with pytest.raises(StoreError):
        store.start_timer(w.id, "A", 10_000)
    store.start_timer(w.id, "A", 0)
    assert "A" not in store.timers(w.id)


def test_import_an_offline_participant(store, room):
    w, _, _ = room
    pid = store.import_participant(
        w.id, "Dee", "operations", {"A-1": Answer(2), "B-1": Answer(NA, notes="n/a")}, who="fran"
    )
    assert store.room_answers(w.id)[pid] == {"A-1": Answer(2), "B-1": Answer(NA, notes="n/a")}
    with pytest.raises(StoreError):  # a bad answer: nothing of it lands
        store.import_participant(w.id, "Eve", "risk", {"A-1": Answer(2), "B-1": Answer(7)})
    assert [m.alias for m in store.members(w.id)] == ["Ana", "Bo", "Dee"]


def test_opening_a_workshop_twice_on_a_round_gives_the_one_already_open(store, round_id):
    """A double click on "Open a workshop" must not start a second room nobody watches."""
    first = store.open_workshop(round_id, who="fran")
    assert store.open_workshop(round_id, who="fran").id == first.id
    store.close_workshop(first.id, who="fran")
    assert store.open_workshop(round_id, who="fran").id != first.id  # closed: a new one


def test_finalising_a_round_closes_its_open_workshop(store, room, round_id):
    w, ana, _ = room
    store.finalise(round_id, who="fran")
    assert store.workshop(w.id).status == "closed"
    with pytest.raises(StoreError, match="closed"):
        store.join_workshop(w.code, "Cy", "engineering")


def test_a_final_round_cannot_host_a_workshop(store, round_id):
    store.finalise(round_id)
    with pytest.raises(StoreError, match="final"):
        store.open_workshop(round_id)


def test_a_full_room_answering_at_once_loses_nothing(store, room, tmp_path, tiny_rubric):
    w, _, _ = room
    tokens = [store.join_workshop(w.code, f"P{i}", "engineering") for i in range(8)]
    questions = [q.id for q in tiny_rubric.questions]
    errors: list[Exception] = []

    def answer(token: str) -> None:
        try:
            with open_store(store.path) as s:
                for qid in questions:
                    s.save_participant_answer(token, qid, based_on=0, value=1)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    saved = sum(len(a) for a in store.room_answers(w.id).values())
    assert saved == len(tokens) * len(questions)


def test_a_seat_read_once_is_not_reused_in_a_database_replaced_at_the_same_path(
    tmp_path, tiny_rubric
):
    from groundwork.store import release

    def room_in(path):
        with open_store(path) as s:
            org = s.create_organisation("Acme")
            system = s.create_scope(org, "system", "Chatbot")
            aid = s.create_assessment(system, tiny_rubric, "live", "low")
            w = s.open_workshop(aid)
            return s.join_workshop(w.code, "Ana", "business")

    here, other = tmp_path / "gw.db", tmp_path / "other.db"
    token = room_in(here)
    room_in(other)  # the same ids: round 1, participant 2
    with open_store(here) as s:
        s.save_participant_answer(token, "A-1", value=1)  # the seat is now known
    release(here)
    release(other)
    other.replace(here)
    with open_store(here) as s:
        with pytest.raises(StoreError, match="link"):
            s.save_participant_answer(token, "A-1", value=2)
        assert s.answers_for([1]) == {1: {}}
        assert not s.db.execute("select count(*) from answers").fetchone()[0]
