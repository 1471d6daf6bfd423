"""The rubric: pydantic models, YAML loading and validation that reports every problem.

A rubric is untrusted input written by people, so loading never stops at the first
mistake: structural errors (from pydantic) and semantic errors (duplicate ids, levels
off the scale, unknown stages, dependency cycles...) are all collected and each is
reported as ``FILE:LINE: message`` with the line of the YAML node at fault.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, PrivateAttr, ValidationError

RUBRICS_DIR = Path(__file__).resolve().parents[2] / "rubrics"
DEFAULT_RUBRIC = RUBRICS_DIR / "genai-production.yaml"
DEPENDENCY = re.compile(r"^(?P<question>[^@\s]+)@(?P<level>-?\d+)$")

DEFAULT_SCALE = [
    {"level": 1, "label": "Initial", "meaning": "Ad hoc; depends on individuals."},
    {"level": 2, "label": "Managed", "meaning": "Repeatable within a team."},
    {"level": 3, "label": "Defined", "meaning": "Standard across the organisation."},
    {"level": 4, "label": "Measured", "meaning": "Measured, with thresholds and automated gates."},
    {"level": 5, "label": "Optimising", "meaning": "Improved continuously from feedback."},
]
DEFAULT_STAGES = [
    {"id": "pilot", "title": "Pilot"},
    {"id": "production", "title": "Production"},
    {"id": "scale", "title": "Scale"},
]
DEFAULT_TIERS = [
    {"id": "minimal", "title": "Minimal risk", "uplift": 0},
    {"id": "limited", "title": "Limited risk", "uplift": 0},
    {"id": "high", "title": "High risk", "uplift": 1},
]
DEFAULT_EFFORTS = {"S": 1, "M": 2, "L": 4}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class ScaleLevel(_Model):
    """One level of the rubric's scale, e.g. 3 "Defined"."""

    level: int
    label: str
    meaning: str = ""


class Stage(_Model):
    id: str
    title: str
    description: str = ""


class Tier(_Model):
    """A risk tier; its uplift raises targets, on the listed dimensions or on all."""

    id: str
    title: str
    uplift: int = Field(0, ge=0)
    dimensions: list[str] | None = None
    description: str = ""


class Gate(_Model):
    """Floors (minimum levels) that a stage's verdict requires."""

    questions: dict[str, int] = {}
    dimensions: dict[str, int] = {}


class ReferenceDate(_Model):
    date: dt.date
    applies: str


class Reference(_Model):
    """A legal or standard source, with the date its facts were last checked."""

    id: str
    title: str
    checked: dt.date
    url: str = ""
    dates: list[ReferenceDate] = []


class Action(_Model):
    """What to do to reach one level of a question."""

    action: str
    effort: str | int
    depends_on: list[str] = []


class Crosswalk(_Model):
    nist_ai_rmf: list[str] = []
    nist_ai_600_1: list[str] = []
    eu_ai_act: list[str] = []
    iso_42001: list[str] = []


class Question(_Model):
    id: str
    text: str
    why: str = ""
    weight: float = Field(1.0, gt=0)
    targets: dict[str, int] = {}
    levels: dict[int, str]
    actions: dict[int, Action]
    crosswalk: Crosswalk = Crosswalk()
    replaces: list[str] = []


class Dimension(_Model):
    id: str
    title: str
    description: str = ""
    weight: float = Field(1.0, gt=0)
    targets: dict[str, int]
    questions: list[Question] = Field(min_length=1)


class Rubric(_Model):
    """A whole rubric. Build one with :func:`load_rubric` or :func:`parse_rubric`."""

    id: str
    version: str
    title: str
    description: str = ""
    scale: list[ScaleLevel] = Field(
        default_factory=lambda: [ScaleLevel(**s) for s in DEFAULT_SCALE], min_length=2
    )
    stages: list[Stage] = Field(
        default_factory=lambda: [Stage(**s) for s in DEFAULT_STAGES], min_length=1
    )
    tiers: list[Tier] = Field(
        default_factory=lambda: [Tier(**t) for t in DEFAULT_TIERS], min_length=1
    )
    efforts: dict[str, PositiveInt] = Field(default_factory=lambda: dict(DEFAULT_EFFORTS))
    gates: dict[str, Gate] = {}
    references: list[Reference] = []
    dimensions: list[Dimension] = Field(min_length=1)

    _source: str = PrivateAttr(default="")

    # -- the scale ---------------------------------------------------------------
    @property
    def levels(self) -> list[int]:
        return [s.level for s in self.scale]

    @property
    def min_level(self) -> int:
        return min(self.levels)

    @property
    def max_level(self) -> int:
        return max(self.levels)

    def label(self, level: int) -> str:
        return next((s.label for s in self.scale if s.level == level), str(level))

    # -- lookups -----------------------------------------------------------------
    @property
    def questions(self) -> list[Question]:
        return [q for d in self.dimensions for q in d.questions]

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def dimension(self, dimension_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise KeyError(dimension_id)

    def dimension_of(self, question_id: str) -> Dimension:
        for d in self.dimensions:
            if any(q.id == question_id for q in d.questions):
                return d
        raise KeyError(question_id)

    @property
    def stage_ids(self) -> list[str]:
        return [s.id for s in self.stages]

    @property
    def tier_ids(self) -> list[str]:
        return [t.id for t in self.tiers]

    def stage(self, stage_id: str) -> Stage:
        for s in self.stages:
            if s.id == stage_id:
                return s
        raise KeyError(stage_id)

    def tier(self, tier_id: str) -> Tier:
        for t in self.tiers:
            if t.id == tier_id:
                return t
        raise KeyError(tier_id)

    def next_stage(self, stage_id: str) -> str | None:
        ids = self.stage_ids
        i = ids.index(stage_id)
        return ids[i + 1] if i + 1 < len(ids) else None

    def stages_up_to(self, stage_id: str) -> list[str]:
        ids = self.stage_ids
        return ids[: ids.index(stage_id) + 1]

    def effort_points(self, effort: str | int) -> int:
        if isinstance(effort, int):
            return effort
        if effort.isdigit():
            return int(effort)
        return self.efforts[effort]

    # -- provenance --------------------------------------------------------------
    @property
    def source(self) -> str:
        """The YAML text this rubric was read from (stored with every assessment)."""
        return self._source

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self._source.encode("utf-8")).hexdigest()


def parse_dependency(text: str) -> tuple[str, int]:
    """Split ``"MON-1@3"`` into ``("MON-1", 3)``; raise ValueError when malformed."""
    m = DEPENDENCY.match(str(text).strip())
    if not m:
        raise ValueError(f"dependency {text!r} is not of the form QUESTION@LEVEL")
    return m["question"], int(m["level"])


# ---------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a rubric, where it is."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class RubricError(ValueError):
    """A rubric that cannot be used; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# ---------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------

Path_ = tuple[Any, ...]


class _Located:
    """Parsed YAML plus the node tree, to turn a path into a line number."""

    def __init__(self, node: yaml.Node | None):
        self.node = node

    def line(self, path: Path_) -> int:
        node = self.node
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for part in path:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                        line = key.start_mark.line + 1
                        node = value
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if 0 <= part < len(node.value):
                    node = node.value[part]
                    line = node.start_mark.line + 1
                else:
                    return line
            else:
                return line
        return line


def _duplicate_keys(node: yaml.Node | None) -> Iterator[tuple[int, str]]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    yield key.start_mark.line + 1, f"duplicate key '{key.value}'"
                seen.add(key.value)
            yield from _duplicate_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item)


def _context(data: Any, loc: Path_) -> tuple[str, Path_]:
    """The id of the nearest object with one, and the rest of the path below it."""
    label, rest, cur = "", list(loc), data
    for i, part in enumerate(loc):
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(cur, dict) and isinstance(cur.get("id"), str | int):
            label, rest = str(cur["id"]), list(loc[i + 1 :])
    return label, tuple(rest)


def _describe(data: Any, loc: Path_, message: str) -> str:
    label, rest = _context(data, loc)
    if rest and f"'{rest[-1]}'" in message:  # the message already names the key
        rest = rest[:-1]
    where = ".".join(str(p) for p in rest)
    prefix = ": ".join(p for p in (label, where) if p)
    return f"{prefix}: {message}" if prefix else message


def _pydantic_message(err: dict[str, Any]) -> tuple[Path_, str]:
    loc = tuple(p for p in err["loc"] if p != "[key]")
    kind = err["type"]
    if kind == "extra_forbidden":
        return loc, f"unknown key '{loc[-1]}'"
    if kind == "missing":
        return loc, f"missing required key '{loc[-1]}'"
    if kind in ("greater_than", "greater_than_equal") and loc and loc[-1] == "weight":
        return loc, f"weight must be greater than 0 (got {err.get('input')!r})"
    if kind == "string_type" and isinstance(err.get("input"), bool):
        return loc, (
            f"expected text, got {str(err['input']).lower()}: YAML reads yes/no/on/off as "
            "true/false, so put the text in quotes"
        )
    return loc, err["msg"][0].lower() + err["msg"][1:]


def _bad_scalar_line(node: yaml.Node | None) -> int:
    """The line of the first scalar that cannot be constructed (dates, mostly)."""
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop(0)
        if isinstance(current, yaml.ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(current)
            except ValueError:
                return current.start_mark.line + 1
        elif isinstance(current, yaml.MappingNode):
            stack.extend(v for pair in current.value for v in pair)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return 1


class _NoAliasLoader(yaml.SafeLoader):
    """A safe loader that refuses anchors and aliases: a rubric never needs them, and an
    alias bomb of a few hundred bytes would otherwise expand to billions of nodes."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                "anchors and aliases (&, *) are not allowed in a rubric",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` without anchors and aliases, for any YAML a user hands us."""
    loader = _NoAliasLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def parse_rubric(text: str, file: str = "<rubric>") -> Rubric:
    """Parse and validate rubric YAML; raise :class:`RubricError` listing every problem."""
    loader = _NoAliasLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        message = str(exc.problem)
        if "aliases" not in message:
            message = f"YAML syntax error: {message}"
        raise RubricError([Problem(file, line, message)]) from None
    except ValueError as exc:  # a well-formed scalar with an impossible value, e.g. 2026-02-30
        raise RubricError(
            [Problem(file, _bad_scalar_line(node), f"invalid value: {exc}")]
        ) from None
    finally:
        loader.dispose()

    located = _Located(node)
    problems = [Problem(file, line, msg) for line, msg in _duplicate_keys(node)]
    if not isinstance(data, dict):
        problems.append(Problem(file, 1, "a rubric must be a mapping with id, version, ..."))
        raise RubricError(problems)

    def add(path: Path_, message: str) -> None:
        problems.append(Problem(file, located.line(path), _describe(data, path, message)))

    rubric: Rubric | None = None
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc, message = _pydantic_message(err)
            add(loc, message)
    for path, message in _semantic_problems(data):
        add(path, message)
    if problems or rubric is None:
        raise RubricError(problems)
    rubric._source = text
    return rubric


def load_rubric(path: str | Path) -> Rubric:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError([Problem(str(path), 1, f"cannot read the file: {exc}")]) from None
    return parse_rubric(text, str(path))


def validate_file(path: str | Path) -> list[Problem]:
    """Every problem in a rubric file; empty when it is valid."""
    try:
        load_rubric(path)
    except RubricError as exc:
        return exc.problems
    return []


def json_schema() -> str:
    """The rubric format's JSON Schema, as published in ``rubrics/rubric.schema.json``."""
    schema = Rubric.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Groundwork rubric"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


# ---------------------------------------------------------------------------------
# Semantic checks, on the raw data so they run even when pydantic found problems
# ---------------------------------------------------------------------------------


def _items(value: Any) -> list[tuple[int, dict]]:
    return (
        [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]
        if isinstance(value, list)
        else []
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _semantic_problems(data: dict) -> Iterator[tuple[Path_, str]]:
    scale = data.get("scale", DEFAULT_SCALE)
    levels = [s.get("level") for _, s in _items(scale)]
    int_levels = sorted(v for v in levels if _is_int(v))
    for i, s in _items(scale):
        if _is_int(s.get("level")) and levels.count(s["level"]) > 1:
            yield ("scale", i, "level"), f"level {s['level']} appears twice on the scale"
    if int_levels and int_levels != list(range(int_levels[0], int_levels[-1] + 1)):
        yield ("scale",), f"the scale's levels must be consecutive, got {int_levels}"
    lo, hi = (int_levels[0], int_levels[-1]) if int_levels else (1, 5)
    span = f"{lo}-{hi}"

    stages = [s.get("id") for _, s in _items(data.get("stages", DEFAULT_STAGES))]
    tiers = _items(data.get("tiers", DEFAULT_TIERS))
    efforts = data.get("efforts", DEFAULT_EFFORTS)
    efforts = efforts if isinstance(efforts, dict) else {}
    dims = _items(data.get("dimensions"))
    dim_ids = [d.get("id") for _, d in dims]
    questions = {q.get("id"): (di, qi, q) for di, d in dims for qi, q in _items(d.get("questions"))}

    yield from _duplicates(("stages",), _items(data.get("stages", DEFAULT_STAGES)), "stage")
    yield from _duplicates(("tiers",), tiers, "tier")
    yield from _duplicates(("dimensions",), dims, "dimension")
    all_questions = [
        (("dimensions", di, "questions", qi), q)
        for di, d in dims
        for qi, q in _items(d.get("questions"))
    ]
    seen: dict[Any, int] = {}
    for path, q in all_questions:
        qid = q.get("id")
        seen[qid] = seen.get(qid, 0) + 1
        if seen[qid] == 2 or (seen[qid] == 1 and qid in dim_ids):
            yield path + ("id",), f"duplicate id '{qid}'"

    def in_scale(path: Path_, value: Any, what: str) -> Iterator[tuple[Path_, str]]:
        if _is_int(value) and not lo <= value <= hi:
            yield path, f"{what} {value} is outside the scale {span}"

    def check_targets(path: Path_, targets: Any, require_all: bool) -> Iterator:
        if not isinstance(targets, dict):
            return
        for stage, value in targets.items():
            if stage not in stages:
                yield path + (stage,), f"unknown stage '{stage}' (stages: {', '.join(stages)})"
            yield from in_scale(path + (stage,), value, "target")
        if require_all:
            for stage in stages:
                if stage not in targets:
                    yield path, f"no target for stage '{stage}'"

    for ti, t in tiers:
        for j, dim in enumerate(t.get("dimensions") or []):
            if dim not in dim_ids:
                yield ("tiers", ti, "dimensions", j), f"unknown dimension '{dim}'"

    for di, d in dims:
        yield from check_targets(("dimensions", di, "targets"), d.get("targets"), True)
        for qi, q in _items(d.get("questions")):
            qpath: Path_ = ("dimensions", di, "questions", qi)
            yield from check_targets(qpath + ("targets",), q.get("targets"), False)
            qlevels = q.get("levels")
            if isinstance(qlevels, dict) and int_levels:
                keys = {k for k in qlevels if _is_int(k)}
                for level in int_levels:
                    if level not in keys:
                        yield qpath + ("levels",), f"missing description for level {level}"
                for level in sorted(keys - set(int_levels)):
                    yield qpath + ("levels", level), f"level {level} is not on the scale {span}"
            actions = q.get("actions")
            if not isinstance(actions, dict) or len(int_levels) < 2:
                continue
            keys = {k for k in actions if _is_int(k)}
            for level in int_levels[1:]:
                if level not in keys:
                    yield qpath + ("actions",), f"no action for reaching level {level}"
            for level in sorted(keys - set(int_levels[1:])):
                yield (
                    qpath + ("actions", level),
                    (f"action for level {level}: actions are for levels {int_levels[1]}-{hi}"),
                )
            for level, action in actions.items():
                if not isinstance(action, dict):
                    continue
                apath = qpath + ("actions", level)
                effort = action.get("effort")
                if isinstance(effort, str) and not effort.isdigit() and effort not in efforts:
                    yield (
                        apath + ("effort",),
                        (f"unknown effort '{effort}' (efforts: {', '.join(map(str, efforts))})"),
                    )
                elif (_is_int(effort) or (isinstance(effort, str) and effort.isdigit())) and int(
                    effort
                ) <= 0:
                    yield apath + ("effort",), "effort points must be greater than 0"
                deps = action.get("depends_on") or []
                for k, dep in enumerate(deps if isinstance(deps, list) else []):
                    try:
                        target, dep_level = parse_dependency(dep)
                    except ValueError as exc:
                        yield apath + ("depends_on", k), str(exc)
                        continue
                    if target not in questions:
                        yield apath + ("depends_on", k), f"depends on unknown question '{target}'"
                    elif dep_level not in int_levels[1:]:
                        yield (
                            apath + ("depends_on", k),
                            (
                                f"depends on {target} at level {dep_level}, which is not a level "
                                f"that can be reached ({int_levels[1]}-{hi})"
                            ),
                        )

    gates = data.get("gates")
    if isinstance(gates, dict):
        for stage, gate in gates.items():
            if stage not in stages:
                yield ("gates", stage), f"unknown stage '{stage}' (stages: {', '.join(stages)})"
            if not isinstance(gate, dict):
                continue
            for qid, floor in (gate.get("questions") or {}).items():
                path = ("gates", stage, "questions", qid)
                if qid not in questions:
                    yield path, f"gate on unknown question '{qid}'"
                yield from in_scale(path, floor, "floor")
            for did, floor in (gate.get("dimensions") or {}).items():
                path = ("gates", stage, "dimensions", did)
                if did not in dim_ids:
                    yield path, f"gate on unknown dimension '{did}'"
                    continue
                yield from in_scale(path, floor, "floor")
                targets = dims[dim_ids.index(did)][1].get("targets")
                target = targets.get(stage) if isinstance(targets, dict) else None
                if _is_int(floor) and _is_int(target) and floor > target:
                    yield path, (f"floor {floor} for '{did}' is above its {stage} target {target}")

    if int_levels:
        yield from _cycles(questions, int_levels)


def _duplicates(path: Path_, items: list[tuple[int, dict]], what: str) -> Iterator:
    seen: set[Any] = set()
    for i, item in items:
        ident = item.get("id")
        if ident in seen:
            yield path + (i, "id"), f"duplicate {what} id '{ident}'"
        seen.add(ident)


def _cycles(questions: dict, levels: list[int]) -> Iterator[tuple[Path_, str]]:
    """Dependency cycles over (question, level) steps, one problem per cycle."""
    reachable = set(levels[1:])
    edges: dict[tuple[str, int], list[tuple[tuple[str, int], Path_]]] = {}
    for qid, (di, qi, q) in questions.items():
        actions = q.get("actions") if isinstance(q.get("actions"), dict) else {}
        for level in reachable:
            out = edges.setdefault((qid, level), [])
            if level - 1 in reachable:
                out.append(((qid, level - 1), ()))
            action = actions.get(level)
            deps = action.get("depends_on") if isinstance(action, dict) else None
            for k, dep in enumerate(deps if isinstance(deps, list) else []):
                try:
                    target = parse_dependency(dep)
                except ValueError:
                    continue
                if target[0] in questions and target[1] in reachable:
                    path = ("dimensions", di, "questions", qi, "actions", level, "depends_on", k)
                    out.append((target, path))

    state: dict[tuple[str, int], int] = {}
    stack: list[tuple[tuple[str, int], Path_]] = []
    reported: set[frozenset] = set()

    def visit(node: tuple[str, int]) -> Iterator[tuple[Path_, str]]:
        state[node] = 1
        for nxt, path in edges.get(node, []):
            stack.append((node, path))
            if state.get(nxt) == 1:
                start = next(i for i, (n, _) in enumerate(stack) if n == nxt)
                cycle = stack[start:]
                key = frozenset(n for n, _ in cycle)
                if key not in reported:
                    reported.add(key)
                    where = next((p for _, p in cycle if p), path)
                    names = " -> ".join(f"{q}@{lv}" for (q, lv), _ in cycle)
                    yield where, f"dependency cycle: {names} -> {nxt[0]}@{nxt[1]}"
            elif nxt not in state:
                yield from visit(nxt)
            stack.pop()
        state[node] = 2

    for node in sorted(edges, key=lambda n: (str(n[0]), n[1])):
        if node not in state:
            yield from visit(node)
