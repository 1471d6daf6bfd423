"""A rubric read again is read quickly, and exactly as the first time: its compiled form
(stored rubrics) and the record of texts the reference reader accepted (rubric files)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import PROPERTY, RUBRIC_FILES

from groundwork import rubric_cache
from groundwork.rubric import DEFAULT_RUBRIC, RubricError, load_rubric, parse_rubric
from groundwork.store import open_store

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
    st.dates(),
    st.datetimes(),
)
keys = st.one_of(st.text(), st.integers(), st.booleans(), st.dates())
yaml_like = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


@PROPERTY
@given(yaml_like)
def test_what_yaml_can_hold_comes_back_from_json_as_it_went_in(data):
    back = json.loads(json.dumps(rubric_cache._encode(data)), object_hook=rubric_cache._decode)
    assert back == data
    assert type(back) is type(data)


@pytest.mark.parametrize("name", sorted(RUBRIC_FILES))
def test_a_compiled_rubric_is_the_rubric_its_text_parses_to(name):
    rubric = load_rubric(RUBRIC_FILES[name])
    back = rubric_cache.from_compiled(rubric_cache.compile_rubric(rubric), rubric.source)
    assert back == rubric and back.sha256 == rubric.sha256 and back.source == rubric.source


def test_a_compiled_form_that_no_longer_validates_is_not_used(tmp_path):
    rubric = load_rubric(DEFAULT_RUBRIC)
    data = json.loads(rubric_cache.compile_rubric(rubric))
    data["dimensions"][0]["questions"][0]["depends_on"] = [data["dimensions"][0]["id"] + "@9"]
    assert rubric_cache.from_compiled(json.dumps(data), rubric.source) is None
    assert rubric_cache.from_compiled("{not json", rubric.source) is None


def test_a_stored_rubric_is_read_from_its_compiled_form_and_from_its_text_without_one(
    tmp_path,
):
    from groundwork.store import rubrics as stored

    rubric = load_rubric(DEFAULT_RUBRIC)
    with open_store(tmp_path / "gw.db") as s:
        sha = s.save_rubric(rubric)
        [row] = s.db.query("select compiled from rubrics")
        assert row["compiled"] == rubric_cache.compile_rubric(rubric)
        stored._RUBRICS.clear()
        assert s.rubric(sha) == rubric
        # a database from before compiled forms (or with a broken one) reads the text
        s.db.execute("update rubrics set compiled = '[]'")
        stored._RUBRICS.clear()
        assert s.rubric(sha) == rubric


def test_a_rubric_file_accepted_once_is_recorded_and_read_the_quick_way(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUNDWORK_CACHE", str(tmp_path / "cache"))
    text = DEFAULT_RUBRIC.read_text(encoding="utf-8").replace("version:", "version:", 1)
    path = tmp_path / "mine.yaml"
    path.write_text(text + "\n# mine\n", encoding="utf-8")
    sha = load_rubric(path).sha256
    assert not rubric_cache.accepted(sha)

    calls = []
    real = rubric_cache.parse_rubric
    monkeypatch.setattr(
        rubric_cache, "parse_rubric", lambda *a, **k: calls.append(k) or real(*a, **k)
    )
    first = rubric_cache.load_rubric_file(path)
    assert rubric_cache.accepted(sha) and calls[-1] == {}
    second = rubric_cache.load_rubric_file(path)
    assert calls[-1] == {"validated": True} and second == first


def test_a_text_only_libyaml_would_accept_is_refused_every_time_and_never_recorded(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("GROUNDWORK_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "odd.yaml"
    path.write_text("{a?b: 1}\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(RubricError):
            rubric_cache.load_rubric_file(path)
    assert not (tmp_path / "cache" / "accepted-rubrics").exists()


def test_the_record_is_bounded_and_a_read_only_home_costs_only_speed(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUNDWORK_CACHE", str(tmp_path / "cache"))
    for n in range(rubric_cache.ACCEPTED_AT_MOST + 10):
        rubric_cache.remember(f"{n:064x}")
    assert len(rubric_cache._hashes()) == rubric_cache.ACCEPTED_AT_MOST
    assert rubric_cache.accepted(f"{rubric_cache.ACCEPTED_AT_MOST + 9:064x}")
    assert not rubric_cache.accepted(f"{0:064x}")  # the oldest went first

    (tmp_path / "ro").write_text("a file, not a folder")
    monkeypatch.setenv("GROUNDWORK_CACHE", str(tmp_path / "ro"))
    rubric_cache.remember("f" * 64)  # no error
    assert not rubric_cache.accepted("f" * 64)
    assert parse_rubric(DEFAULT_RUBRIC.read_text(encoding="utf-8")).id


def test_dates_in_a_rubric_survive_compilation():
    rubric = load_rubric(DEFAULT_RUBRIC)
    back = rubric_cache.from_compiled(rubric_cache.compile_rubric(rubric), rubric.source)

    def dates(r):
        return [ref.checked for ref in r.references] + [
            d.date for ref in r.references for d in ref.dates
        ]

    assert dates(rubric) and all(isinstance(d, dt.date) for d in dates(rubric))
    assert dates(back) == dates(rubric)
