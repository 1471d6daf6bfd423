"""Workshop aggregation: the spread a facilitator reveals, and the consensus it proposes."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import PROPERTY

from groundwork import workshop
from groundwork.scoring import NA, UNKNOWN

SCALE = [1, 2, 3, 4, 5]
levels = st.lists(st.sampled_from(SCALE), min_size=1, max_size=40)
room = st.lists(st.sampled_from([*SCALE, NA, UNKNOWN]), max_size=40)


def test_a_small_room():
    s = workshop.spread("MON-1", [2, 4, 4, NA, UNKNOWN, 5], SCALE)
    assert s.counts == {1: 0, 2: 1, 3: 0, 4: 2, 5: 1}
    assert (s.answered, s.na, s.unknown, s.total) == (4, 1, 1, 6)
    assert s.median == 4.0 and (s.low, s.high, s.range) == (2, 5, 3)
    assert s.sd == pytest.approx(math.sqrt(((2 - 3.75) ** 2 + 2 * 0.25**2 + 1.25**2) / 4))
    assert s.flagged and s.mixed
    assert s.why_flagged() == "answers range over 3 levels (2 to 5)"


def test_flag_rules_at_their_edges():
    assert not workshop.spread("q", [3, 4], SCALE).flagged  # range 1, sd 0.5
    assert workshop.spread("q", [3, 5], SCALE).flagged  # range 2
    # sd >= 1 needs three answers: two answers one level apart never reach it anyway,
    # but a sd of exactly 1 with three does (range 2 flags it as well)
    three = workshop.spread("q", [1, 1, 3], SCALE)
    assert three.flagged and three.sd == pytest.approx(math.sqrt(8 / 9))


def test_na_and_dont_know_are_not_levels():
    s = workshop.spread("q", [NA, NA, UNKNOWN], SCALE)
    assert s.median is None and s.sd is None and s.range is None
    assert not s.flagged and s.default == UNKNOWN
    assert workshop.spread("q", [NA], SCALE).default == NA
    assert workshop.spread("q", [], SCALE).default is None


def test_a_half_median_rounds_down():
    s = workshop.spread("q", [2, 3], SCALE)
    assert s.median == 2.5 and s.default == 2
    assert workshop.spread("q", [2, 2, 4, 5], SCALE).default == 3  # (2 + 4) / 2


def test_values_off_the_scale_are_refused():
    with pytest.raises(ValueError, match="not on the scale"):
        workshop.spread("q", [7], SCALE)
    with pytest.raises(ValueError):
        workshop.spread("q", [True], SCALE)


def test_spreads_count_every_participant_and_ignore_other_questions():
    answers = {1: {"A": 1, "B": NA, "X": 3}, 2: {"A": 3}, 3: {}}
    a, b = workshop.spreads(["A", "B"], answers, SCALE)
    assert (a.question_id, a.answered, a.low, a.high) == ("A", 2, 1, 3)
    assert (b.question_id, b.answered, b.na) == ("B", 0, 1)


def test_flagged_first_keeps_rubric_order_within_groups():
    answers = {1: {"A": 1, "B": 3, "C": 1, "D": 2}, 2: {"A": 1, "B": 5, "C": 4, "D": 2}}
    order = workshop.flagged_first(workshop.spreads(["A", "B", "C", "D"], answers, SCALE))
    assert [s.question_id for s in order] == ["B", "C", "A", "D"]


def test_minority_names_the_other_views():
    s = workshop.spread("q", [3, 3, 1, 4, NA], SCALE)
    assert workshop.minority(s, 3) == {1: 1, 4: 1, NA: 1}
    assert workshop.minority_text(s, 3) == "1 answered 1, 1 answered 4, 1 said N/A"
    assert workshop.minority_text(workshop.spread("q", [2, 2], SCALE), 2) == ""


def test_consensus_notes():
    assert workshop.consensus_notes("runbook seen", "") == "Workshop consensus: runbook seen"
    assert workshop.consensus_notes("", " risk says 2 ") == "Dissent: risk says 2"


# -- invariants -----------------------------------------------------------------------


@PROPERTY
@given(room)
def test_the_median_lies_within_the_range(values):
    s = workshop.spread("q", values, SCALE)
    if s.median is None:
        assert s.answered == 0
    else:
        assert s.low <= s.median <= s.high
        assert s.low <= s.default <= s.high


@PROPERTY
@given(st.sampled_from(SCALE), st.integers(1, 40), st.integers(0, 5), st.integers(0, 5))
def test_a_unanimous_room_is_never_flagged(level, n, na, unknown):
    s = workshop.spread("q", [level] * n + [NA] * na + [UNKNOWN] * unknown, SCALE)
    assert not s.flagged and s.sd == 0 and s.range == 0 and s.default == level


@PROPERTY
@given(levels, st.data())
def test_an_identical_answer_never_raises_sd_above_the_old_maximum_deviation(values, data):
    before = workshop.spread("q", values, SCALE)
    mean = sum(values) / len(values)
    max_deviation = max(abs(v - mean) for v in values)
    repeat = data.draw(st.sampled_from(values))
    after = workshop.spread("q", [*values, repeat], SCALE)
    assert after.sd <= max_deviation + 1e-9
    assert before.sd <= max_deviation + 1e-9


@PROPERTY
@given(room)
def test_counts_add_up_and_order_of_answers_does_not_matter(values):
    s = workshop.spread("q", values, SCALE)
    assert s.total == len(values)
    again = workshop.spread("q", list(reversed(values)), SCALE)
    assert (again.median, again.sd, again.flagged) == (s.median, s.sd, s.flagged)


@PROPERTY
@given(st.lists(room, min_size=1, max_size=6))
def test_flagged_first_is_a_permutation_with_flags_in_front(rooms):
    items = [workshop.spread(f"q{i}", r, SCALE) for i, r in enumerate(rooms)]
    ordered = workshop.flagged_first(items)
    assert sorted(s.question_id for s in ordered) == sorted(s.question_id for s in items)
    flags = [s.flagged for s in ordered]
    assert flags == sorted(flags, reverse=True)


def test_the_join_link_uses_the_address_the_console_was_opened_at(monkeypatch):
    """Served on another port than 8501, the link must still reach this server."""
    from groundwork import join

    monkeypatch.delenv(join.PUBLIC_URL_ENV, raising=False)
    seen = "http://127.0.0.1:8611/workshop?round=3"
    assert join.public_url(None, seen=seen) == "http://127.0.0.1:8611"
    assert join.join_link(join.public_url(None, seen=seen), "ACD234") == (
        "http://127.0.0.1:8611/join?code=ACD234"
    )
    monkeypatch.setenv(join.PUBLIC_URL_ENV, "https://groundwork.example.org")
    assert join.public_url(None, seen=seen) == "https://groundwork.example.org"
    assert join.public_url("http://192.168.1.20:8611", seen=seen) == "http://192.168.1.20:8611"
    monkeypatch.delenv(join.PUBLIC_URL_ENV)
    assert join.public_url(None, seen=None) == join.FALLBACK_URL
