"""What makes a rubric quick to read again: its compiled form, and a record of the texts
the reference reader has accepted.

Reading the default rubric's YAML takes a quarter of a second with PyYAML's pure-Python
reader (the reference, whose messages users see) and tens of milliseconds with libyaml;
its data as JSON reads in about a millisecond. So a stored rubric keeps its data as JSON
beside its text (validated again when read: model and semantic checks), and a rubric
file whose text the reference reader accepted before (the record is of sha256 hashes
only) is read with libyaml the next time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from groundwork.rubric import Rubric, _semantic_problems, load_rubric, load_yaml, parse_rubric

_TAG = "\x00"  # never a key in YAML: NUL is not a printable character there
ACCEPTED_AT_MOST = 256  # hashes kept in the record; the oldest go first


class _NotJson(TypeError):
    """A YAML value JSON cannot carry (a set or binary): the rubric stays uncompiled."""


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {_TAG: "map", "v": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dt.datetime):
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {_TAG: "date", "v": value.isoformat()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise _NotJson(type(value).__name__)


def _decode(obj: dict) -> Any:
    tag = obj.get(_TAG)
    if tag is None:
        return obj
    if tag == "map":
        return {_hashable(k): v for k, v in obj["v"]}
    if tag == "datetime":
        return dt.datetime.fromisoformat(obj["v"])
    if tag == "date":
        return dt.date.fromisoformat(obj["v"])
    raise ValueError(f"unknown tag {tag!r}")


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


_COMPILED: dict[str, str | None] = {}  # sha256 -> compiled form, once per process


def compile_rubric(rubric: Rubric) -> str | None:
    """The rubric's data as JSON, or None when it holds a value JSON cannot carry.

    The text was accepted when the rubric was parsed, so libyaml may read it here.
    """
    sha = rubric.sha256
    if sha not in _COMPILED:
        try:
            if hasattr(yaml, "CSafeLoader"):  # the safe loader, in C
                loader = yaml.CSafeLoader(rubric.source)
                try:
                    data = loader.get_single_data()
                finally:
                    loader.dispose()
            else:  # pragma: no cover - PyYAML built without libyaml
                data = load_yaml(rubric.source)
            _COMPILED[sha] = json.dumps(_encode(data), ensure_ascii=False)
        except (_NotJson, ValueError, yaml.YAMLError):
            _COMPILED[sha] = None
    return _COMPILED[sha]


def from_compiled(compiled: str, source: str) -> Rubric | None:
    """The rubric of ``source`` from its compiled form, checked as a parse checks it;
    None when the compiled form is unreadable or does not validate (read ``source``)."""
    try:
        data = json.loads(compiled, object_hook=_decode)
        rubric = Rubric.model_validate(data)
    except (ValueError, TypeError, KeyError, ValidationError):
        return None
    if next(iter(_semantic_problems(data)), None) is not None:
        return None
    rubric._source = source
    return rubric


# ---------------------------------------------------------------------------------
# The record of accepted texts
# ---------------------------------------------------------------------------------


def _record() -> Path:
    base = os.environ.get("GROUNDWORK_CACHE") or os.environ.get("XDG_CACHE_HOME")
    folder = Path(base) if base else Path.home() / ".cache"
    if not os.environ.get("GROUNDWORK_CACHE"):
        folder = folder / "groundwork"
    return folder / "accepted-rubrics"


def _hashes() -> list[str]:
    try:
        with _record().open(encoding="ascii") as f:
            return [line.strip() for _, line in zip(range(ACCEPTED_AT_MOST), f, strict=False)]
    except (OSError, UnicodeDecodeError):
        return []


def accepted(sha256: str) -> bool:
    """True when the reference reader accepted a text with this hash before."""
    return sha256 in _hashes()


def remember(sha256: str) -> None:
    """Note that the reference reader accepted this text; best effort (a read-only home
    only means the next read is the slow one)."""
    hashes = _hashes()
    if sha256 in hashes:
        return
    path = _record()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        kept = [sha256, *hashes][:ACCEPTED_AT_MOST]
        scratch = path.with_name(f"{path.name}.{os.getpid()}")
        scratch.write_text("\n".join(kept) + "\n", encoding="ascii")
        scratch.replace(path)
    except OSError:
        pass


def load_rubric_file(path: str | Path) -> Rubric:
    """:func:`groundwork.rubric.load_rubric`, quicker for a text accepted before: that
    text is read with libyaml (see :func:`groundwork.rubric.parse_rubric`); any other is
    read by the reference reader and, once accepted, recorded."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return load_rubric(path)  # says what is wrong with the file, as it always does
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if accepted(sha):
        return parse_rubric(text, str(path), validated=True)
    rubric = parse_rubric(text, str(path))
    remember(sha)
    return rubric
