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
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    PrivateAttr,
    Strict,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

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


# Limits that keep the work of reading a rubric bounded whatever the file holds.
MAX_RUBRIC_BYTES = 1_000_000
MAX_YAML_DEPTH = 32
MAX_YAML_NODES = 100_000
MAX_SCALE_LEVELS = 11
MAX_QUESTIONS = 500
MAX_TEXT_CHARS = 10_000
MAX_VALUE = 1_000_000
MAX_MATURITY = 100

Id = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\s@]+$")]
Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]
EffortName = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[^\s@]+$")]
Weight = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Date = Annotated[dt.date, Strict(False)]
Value = Annotated[float, Field(ge=0, le=MAX_VALUE, allow_inf_nan=False)]
Maturity = Annotated[int, Field(ge=0, le=MAX_MATURITY)]
# Open metadata: external ids and crosswalks keyed by whatever the model calls them.
MetaKey = Annotated[str, Field(min_length=1, max_length=100)]


class _Model(BaseModel):
    # strict: a rubric says what it means; "2" is not a weight and 1.10 is not a version
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ScaleLevel(_Model):
    """One level of the rubric's scale, e.g. 3 "Defined". ``value`` is what the level is
    worth in scores when that differs from its number (SAMM's No = 0 ... Most = 1)."""

    level: int = Field(ge=0)  # readiness is a share of the target, so levels start at 0
    label: Text
    meaning: Text = ""
    value: Value | None = None


class Stage(_Model):
    id: Id
    title: Text
    description: Text = ""


class Tier(_Model):
    """A risk tier: its uplift raises targets (on the listed dimensions, or on all), and
    ``includes`` names lower tiers whose gate floors apply to it as well."""

    id: Id
    title: Text
    uplift: int = Field(0, ge=0)
    dimensions: list[Id] | None = None
    includes: list[Id] = []
    description: Text = ""


class Floors(_Model):
    """Minimum levels on questions and on whole dimensions."""

    questions: dict[Id, int] = {}
    dimensions: dict[Id, int] = {}


class Gate(Floors):
    """What a stage's verdict requires: floors for every tier, extra floors per risk tier,
    and the share of all questions that must be answered with a level."""

    min_answered: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    tiers: dict[Id, Floors] = {}


class ReferenceDate(_Model):
    date: Date
    applies: Text


class Article(_Model):
    """One article of a law: whom it binds and from which of the reference's dates."""

    id: Annotated[str, Field(min_length=1, max_length=100)]
    title: Text
    binds: list[Text] = Field(min_length=1)
    applies: Date
    scope: Text = ""


class Reference(_Model):
    """A legal or standard source, with the date its facts were last checked."""

    id: Id
    title: Text
    checked: Date
    url: Text = ""
    dates: list[ReferenceDate] = []
    articles: list[Article] = []


class Action(_Model):
    """What to do to reach one level of a question. Without an effort, the rubric's
    smallest effort is assumed (as for a "find out" step)."""

    action: Text
    effort: EffortName | PositiveInt | None = None
    depends_on: list[Annotated[str, Field(max_length=200)]] = []

    @field_validator("effort", mode="wrap")
    @classmethod
    def _one_effort_message(cls, value: Any, handler: Any) -> Any:
        try:
            return handler(value)
        except ValidationError:
            if _is_int(value) and value <= 0:
                raise PydanticCustomError(
                    "effort", "effort points must be greater than 0"
                ) from None
            raise PydanticCustomError(
                "effort",
                "effort must be one of the rubric's efforts or a whole number of points, got {got}",
                {"got": repr(value)},
            ) from None


class Crosswalk(_Model):
    """Where a question sits in other frameworks: the four AI frameworks by name, and any
    other key a model uses (``iso27001-2022``, ``openCRE``, ``samm2``...)."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)
    __pydantic_extra__: dict[MetaKey, list[Text]] = Field(init=False)  # type: ignore[assignment]

    nist_ai_rmf: list[Text] = []
    nist_ai_600_1: list[Text] = []
    eu_ai_act: list[Text] = []
    iso_42001: list[Text] = []

    def entries(self) -> dict[str, list[str]]:
        """Every framework with entries, the named ones first."""
        named = {k: getattr(self, k) for k in type(self).model_fields}
        return {k: v for k, v in {**named, **(self.model_extra or {})}.items() if v}


class Question(_Model):
    """One question: a description per level, and optionally per level what an assessor
    looks at (``evidence``) and a number that backs it (``metrics``). A question from an
    imported model also carries its own answer wording per level (``labels``), its group
    within the dimension and the model's maturity level it sits at, quality criteria,
    prerequisites and the model's ids for it."""

    id: Id
    about: Literal["system", "organisation"] | None = None
    title: Text = ""
    text: Text
    description: Text = ""
    why: Text = ""
    weight: Weight = 1.0
    group: Id | None = None
    maturity: Maturity | None = None
    targets: dict[Id, int] = {}
    labels: dict[int, Text] = {}
    levels: dict[int, Text] = {}
    evidence: dict[int, Text] = {}
    metrics: dict[int, Text] = {}
    quality: list[Text] = []
    actions: dict[int, Action] = {}
    prerequisites: list[Annotated[str, Field(max_length=200)]] = []
    crosswalk: Crosswalk = Crosswalk()
    external_ids: dict[MetaKey, Text] = {}
    replaces: list[Id] = []


class Group(_Model):
    """A group of questions within a dimension: a SAMM stream, a DSOMM level."""

    id: Id
    title: Text
    description: Text = ""


class Dimension(_Model):
    id: Id
    title: Text
    description: Text = ""
    weight: Weight = 1.0
    parent: Id | None = None
    targets: dict[Id, int] = {}
    groups: list[Group] = []
    objectives: dict[int, Text] = {}
    external_ids: dict[MetaKey, Text] = {}
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)


class Parent(_Model):
    """A grouping above dimensions: a SAMM business function, a DSOMM dimension."""

    id: Id
    title: Text
    description: Text = ""
    weight: Weight = 1.0
    external_ids: dict[MetaKey, Text] = {}


UNANSWERED_POLICIES = ("leave-out", "lowest")
GROUP_AGGREGATIONS = ("mean", "sum")
DIMENSION_AGGREGATIONS = ("mean", "sum", "sum-of-level-means")


class Scoring(_Model):
    """How answers combine into scores, for a model that scores its own way.

    ``unanswered``: a question not answered (or "don't know") is left out of every score,
    or counted at the lowest level. ``groups``: how a group's answers make its score.
    ``dimensions``: how a dimension's groups (its answers when it has none) make its
    score; ``sum-of-level-means`` adds, over the model's maturity levels, the mean of the
    groups' answers at that level (the SAMM toolbox's practice score). ``parents``: how a
    parent's dimensions make its score. Every mean is weighted by the items' weights."""

    unanswered: Literal["leave-out", "lowest"] = "leave-out"
    groups: Literal["mean", "sum"] = "mean"
    dimensions: Literal["mean", "sum", "sum-of-level-means"] = "mean"
    parents: Literal["mean", "sum"] = "mean"


class Rubric(_Model):
    """A whole rubric. Build one with :func:`load_rubric` or :func:`parse_rubric`."""

    id: Id
    version: Annotated[str, Field(min_length=1, max_length=50)]
    title: Text
    description: Text = ""
    scale: list[ScaleLevel] = Field(
        default_factory=lambda: [ScaleLevel(**s) for s in DEFAULT_SCALE],
        min_length=2,
        max_length=MAX_SCALE_LEVELS,
    )
    stages: list[Stage] = Field(
        default_factory=lambda: [Stage(**s) for s in DEFAULT_STAGES], min_length=1
    )
    tiers: list[Tier] = Field(
        default_factory=lambda: [Tier(**t) for t in DEFAULT_TIERS], min_length=1
    )
    efforts: dict[EffortName, PositiveInt] = Field(default_factory=lambda: dict(DEFAULT_EFFORTS))
    gates: dict[Id, Gate] = {}
    references: list[Reference] = []
    scoring: Scoring = Scoring()
    origin: dict[MetaKey, Text] = {}
    parents: list[Parent] = []
    dimensions: list[Dimension] = Field(min_length=1)

    _source: str = PrivateAttr(default="")

    def model_post_init(self, context: Any, /) -> None:
        # A rubric is immutable, so its look-ups are built once. They live in the instance
        # dict, not in pydantic private attributes (every read of those is a slow path).
        found = self.__dict__
        found["_questions"] = {q.id: (q, d) for d in self.dimensions for q in d.questions}
        found["_question_list"] = [q for d in self.dimensions for q in d.questions]
        found["_levels"] = [s.level for s in self.scale]
        found["_values"] = {
            s.level: (float(s.level) if s.value is None else s.value) for s in self.scale
        }
        found["_tiers"] = tiers = {}
        for t in self.tiers:
            tiers.setdefault(t.id, t)

    # -- the scale ---------------------------------------------------------------
    @property
    def levels(self) -> list[int]:
        return list(self._levels)

    @property
    def min_level(self) -> int:
        return min(self._levels)

    @property
    def max_level(self) -> int:
        return max(self._levels)

    def label(self, level: int, question: Question | None = None) -> str:
        """A level's name: the question's own answer wording when it has one."""
        if question is not None and level in question.labels:
            return question.labels[level]
        return next((s.label for s in self.scale if s.level == level), str(level))

    def value(self, level: int) -> float:
        """What a level is worth in scores: its ``value``, else its number."""
        return self._values[level]

    @property
    def has_values(self) -> bool:
        """Whether levels are worth something other than their numbers."""
        return any(s.value is not None for s in self.scale)

    # -- what the roadmap does to reach a level -----------------------------------
    def action(self, question_id: str, level: int) -> Action:
        """The action for reaching ``level``: the rubric's own, or, for a model without
        actions, the question's own words and the level to reach, at the smallest
        effort."""
        q = self.question(question_id)
        smallest = min(self.efforts, key=self.efforts.get) if self.efforts else 1  # type: ignore[arg-type]
        given = q.actions.get(level)
        if given is None:
            what = q.title or q.text
            return Action(action=f"{what}: reach “{self.label(level, q)}”", effort=smallest)
        if given.effort is None:
            return given.model_copy(update={"effort": smallest})
        return given

    def depends_on(self, question_id: str, level: int) -> list[str]:
        """The steps reaching ``level`` depends on: the action's own, and the question's
        prerequisites for its first step."""
        q = self.question(question_id)
        action = q.actions.get(level)
        deps = list(action.depends_on) if action else []
        if q.prerequisites and len(self._levels) > 1 and level == sorted(self._levels)[1]:
            deps += [d for d in q.prerequisites if d not in deps]
        return deps

    # -- groups and parents --------------------------------------------------------
    def parent(self, parent_id: str) -> Parent:
        for p in self.parents:
            if p.id == parent_id:
                return p
        raise KeyError(parent_id)

    # -- lookups -----------------------------------------------------------------
    @property
    def questions(self) -> list[Question]:
        return list(self._question_list)

    def has_question(self, question_id: object) -> bool:
        try:
            return question_id in self._questions
        except TypeError:  # unhashable: no question has it as id
            return False

    def has_level(self, level: object) -> bool:
        """Whether ``level`` is a level of the scale (as ``level in rubric.levels``)."""
        return level in self._levels

    def question(self, question_id: str) -> Question:
        return self._questions[question_id][0]

    def dimension(self, dimension_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise KeyError(dimension_id)

    def dimension_of(self, question_id: str) -> Dimension:
        return self._questions[question_id][1]

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
        try:
            return self._tiers[tier_id]
        except (KeyError, TypeError):
            raise KeyError(tier_id) from None

    def tier_chain(self, tier_id: str) -> list[str]:
        """The tier and every tier it includes, directly or through others, in order."""
        chain, todo = [], [tier_id]
        while todo:
            current = todo.pop(0)
            if current not in chain:
                chain.append(current)
                todo.extend(self.tier(current).includes)
        return chain

    def next_stage(self, stage_id: str) -> str | None:
        ids = self.stage_ids
        i = ids.index(stage_id)
        return ids[i + 1] if i + 1 < len(ids) else None

    def stages_up_to(self, stage_id: str) -> list[str]:
        ids = self.stage_ids
        return ids[: ids.index(stage_id) + 1]

    def article(self, entry: str) -> Article | None:
        """The listed article a crosswalk entry such as ``"Art. 26(5)"`` cites, if any."""
        cited = _article(entry)
        return next((a for ref in self.references for a in ref.articles if a.id == cited), None)

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
    got = err.get("input")
    if kind == "string_type" and isinstance(got, bool):
        return loc, (
            f"expected text, got {str(got).lower()}: YAML reads yes/no/on/off as "
            "true/false, so put the text in quotes"
        )
    if kind == "string_type" and isinstance(got, int | float):
        return loc, f"expected text, got the number {got!r}: put it in quotes"
    if kind in ("int_type", "float_type") and isinstance(got, str):
        what = "a whole number" if kind == "int_type" else "a number"
        return loc, f"expected {what}, got the text {got!r}: remove the quotes"
    if kind == "int_type" and isinstance(got, float):
        return loc, f"expected a whole number, got {got!r}"
    if kind == "dict_type":
        return loc, f"expected a mapping of keys to values, got {type(got).__name__} {got!r}"[:200]
    if kind == "finite_number":
        return loc, f"expected a finite number, got {got!r}"
    is_id = bool(loc) and loc[-1] == "id"
    if kind == "string_pattern_mismatch" or (is_id and kind in ("string_too_short", "string_type")):
        return loc, f"an id must be text without spaces or '@', got {got!r}"[:200]
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


class _Bounds:
    """Refuses anchors and aliases (an alias bomb of a few hundred bytes would otherwise
    expand to billions of nodes), nesting deeper than :data:`MAX_YAML_DEPTH` (the
    composer recurses) and more than :data:`MAX_YAML_NODES` nodes (each costs memory long
    before validation could refuse it)."""

    _depth = 0
    _nodes = 0

    def _refuse(self, message: str) -> None:
        raise yaml.composer.ComposerError(None, None, message, self.peek_event().start_mark)

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            self._refuse("anchors and aliases (&, *) are not allowed here")
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            self._refuse(f"the file has more than {MAX_YAML_NODES:,} values")
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            self._refuse(f"values are nested more than {MAX_YAML_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


class _BoundedLoader(_Bounds, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader within the bounds: the reference reader, which
    decides what is a valid rubric and whose messages (with their lines) users see."""


if getattr(yaml, "__with_libyaml__", False):
    from yaml.cyaml import CParser

    class _FastLoader(_Bounds, Composer, CParser, SafeConstructor, Resolver):  # type: ignore[misc]
        """libyaml's C scanner and parser under the same Python composer and bounds: the
        same nodes, with the same lines, several times faster. Only a first try on texts
        accepted before: anything it cannot read is read again by :class:`_BoundedLoader`."""

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            Composer.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = None  # type: ignore[assignment,misc]

# What the pure-Python reader refuses or reads its own way: such texts take the slow path.
_NOT_FOR_FAST = re.compile("[\t\x85\u2028\u2029\ufeff]")


class InputError(ValueError):
    """YAML that cannot be read at all, with the line at fault."""

    def __init__(self, line: int, message: str):
        self.line, self.message = line, message
        super().__init__(f"line {line}: {message}")


def _compose(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree and the data of one YAML document, within the limits above."""
    if len(text) > MAX_RUBRIC_BYTES:
        raise InputError(1, f"the file is larger than {MAX_RUBRIC_BYTES:,} characters")
    loader, node = None, None
    try:
        loader = _BoundedLoader(text)
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = str(exc.problem)
        if not message.startswith(("anchors", "the file has", "values are nested")):
            message = f"YAML syntax error: {message}"
        raise InputError(mark.line + 1 if mark else 1, message) from None
    except yaml.reader.ReaderError as exc:  # a control character or broken encoding
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        char = chr(exc.character) if isinstance(exc.character, int) else exc.character
        raise InputError(line, f"character {char!r} is not allowed in YAML") from None
    except yaml.YAMLError as exc:
        raise InputError(1, f"YAML error: {exc}") from None
    except ValueError as exc:  # a well-formed scalar with an impossible value, e.g. 2026-02-30
        raise InputError(_bad_scalar_line(node), f"invalid value: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` within the limits above, for any YAML a user hands us."""
    return _compose(text)[1]


def load_yaml_documents(text: str, limit: int = 10) -> list[Any]:
    """Every document of a YAML stream (``yaml.safe_load_all``) within the same limits,
    counted over the whole stream, and at most ``limit`` documents."""
    if len(text) > MAX_RUBRIC_BYTES:
        raise InputError(1, f"the file is larger than {MAX_RUBRIC_BYTES:,} characters")
    loader = _BoundedLoader(text)
    docs: list[Any] = []
    try:
        while loader.check_node():
            if len(docs) == limit:
                raise InputError(1, f"the file has more than {limit} YAML documents")
            docs.append(loader.construct_document(loader.get_node()))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError(mark.line + 1 if mark else 1, str(exc.problem)) from None
    except yaml.YAMLError as exc:
        raise InputError(1, f"YAML error: {exc}") from None
    except ValueError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(1, f"invalid value: {exc}") from None
    finally:
        loader.dispose()
    return docs


# sha256 of a text -> (its rubric, read by the reference reader); a hash names one text
_PARSED: dict[str, tuple[Rubric, bool]] = {}
_PARSED_AT_MOST = 64


def parse_rubric(text: str, file: str = "<rubric>", *, validated: bool = False) -> Rubric:
    """Parse and validate rubric YAML; raise :class:`RubricError` listing every problem.

    A text is parsed once per process (keyed by its sha256; a Rubric is immutable): the
    default rubric read from disk and the same text stored with a round are one parse.
    ``validated`` says the text was accepted before (a rubric stored with a round): it is
    then read with libyaml first, which is several times faster. libyaml accepts a few
    texts the pure-Python reader refuses (a ``?`` inside a plain scalar in a flow
    mapping), so a text not known to be valid is always read by the pure-Python reader.
    """
    try:
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    except (UnicodeEncodeError, AttributeError):
        sha = None
    if sha is not None and sha in _PARSED:
        rubric, by_reference = _PARSED[sha]
        if validated or by_reference:
            return rubric
    fast = _parse_fast(text) if validated else None
    rubric = fast or _parse(text, file)
    if sha is not None:
        if len(_PARSED) >= _PARSED_AT_MOST:
            _PARSED.clear()
        _PARSED[sha] = (rubric, fast is None)
    return rubric


def _parse_fast(text: str) -> Rubric | None:
    """The rubric when the C reader finds nothing wrong at all, else None: every problem,
    and so every message, comes from :func:`_parse` and the pure-Python reader. For texts
    accepted before only (see :func:`parse_rubric`)."""
    if _FastLoader is None or not isinstance(text, str) or len(text) > MAX_RUBRIC_BYTES:
        return None
    if _NOT_FOR_FAST.search(text) or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return None
    loader = None
    try:
        loader = _FastLoader(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except Exception:  # noqa: BLE001 - any trouble: the reference reader says what it is
        return None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict) or next(_duplicate_keys(node), None) is not None:
        return None
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError:
        return None
    if next(iter(_semantic_problems(data)), None) is not None:
        return None
    rubric._source = text
    return rubric


def _parse(text: str, file: str) -> Rubric:
    try:
        node, data = _compose(text)
    except InputError as exc:
        raise RubricError([Problem(file, exc.line, exc.message)]) from None

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
# Semantic checks, on the raw data so they run even when pydantic found problems.
# The data may be any shape at all, so every access is guarded, nothing recurses over
# it, and nothing allocates by a number it holds.
# ---------------------------------------------------------------------------------


def _items(value: Any) -> list[tuple[int, dict]]:
    return (
        [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]
        if isinstance(value, list)
        else []
    )


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ident(value: Any) -> str | None:
    """An id as text, or None when it is not one (a list, a mapping, nothing)."""
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def _article(entry: Any) -> str:
    """``"Art. 26(5)"`` → ``"Art. 26"``: the article a crosswalk entry cites."""
    return re.sub(r"\s*\(.*$", "", str(entry)).strip()


def _semantic_problems(data: dict) -> Iterator[tuple[Path_, str]]:
    scale = data.get("scale", DEFAULT_SCALE)
    levels = [s.get("level") for _, s in _items(scale)]
    int_levels = sorted({v for v in levels if _is_int(v)})
    for i, s in _items(scale):
        if _is_int(s.get("level")) and levels.count(s["level"]) > 1:
            yield ("scale", i, "level"), f"level {s['level']} appears twice on the scale"
    if len(int_levels) > MAX_SCALE_LEVELS:
        yield ("scale",), f"a scale has at most {MAX_SCALE_LEVELS} levels"
        int_levels = []
    elif int_levels and int_levels[-1] - int_levels[0] != len(int_levels) - 1:
        yield ("scale",), f"the scale's levels must be consecutive, got {int_levels}"
    lo, hi = (int_levels[0], int_levels[-1]) if int_levels else (1, 5)
    span = f"{lo}-{hi}"
    yield from _values(_items(scale))

    stage_items = _items(data.get("stages", DEFAULT_STAGES))
    stages = [_ident(s.get("id")) for _, s in stage_items]
    tiers = _items(data.get("tiers", DEFAULT_TIERS))
    tier_ids = [_ident(t.get("id")) for _, t in tiers]
    efforts = _mapping(data.get("efforts", DEFAULT_EFFORTS))
    dims = _items(data.get("dimensions"))
    dim_ids = [_ident(d.get("id")) for _, d in dims]
    all_questions = [
        (("dimensions", di, "questions", qi), q)
        for di, d in dims
        for qi, q in _items(d.get("questions"))
    ]
    questions: dict[str, tuple[int, int, dict]] = {}
    for (_, di, _, qi), q in all_questions:
        qid = _ident(q.get("id"))
        if qid is not None and qid not in questions:
            questions[qid] = (di, qi, q)
    if len(all_questions) > MAX_QUESTIONS:
        yield ("dimensions",), f"a rubric has at most {MAX_QUESTIONS} questions"
        return

    yield from _duplicates(("stages",), stage_items, "stage")
    yield from _duplicates(("tiers",), tiers, "tier")
    yield from _duplicates(("dimensions",), dims, "dimension")
    seen: dict[str, int] = {}
    for path, q in all_questions:
        qid = _ident(q.get("id"))
        if qid is None:
            continue
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
                yield path + (stage,), f"unknown stage '{stage}' (stages: {_names(stages)})"
            yield from in_scale(path + (stage,), value, "target")
        if require_all and targets:
            for stage in stages:
                if stage is not None and stage not in targets:
                    yield path, f"no target for stage '{stage}'"

    for ti, t in tiers:
        for j, dim in enumerate(_list(t.get("dimensions"))):
            if dim not in dim_ids:
                yield ("tiers", ti, "dimensions", j), f"unknown dimension '{dim}'"
        for j, other in enumerate(_list(t.get("includes"))):
            if other not in tier_ids:
                yield ("tiers", ti, "includes", j), f"unknown tier '{other}'"
    yield from _tier_cycles(tiers)

    def check_keys_on_scale(path: Path_, value: Any, what: str) -> Iterator:
        for level in _mapping(value):
            if _is_int(level) and int_levels and level not in int_levels:
                yield path + (level,), f"{what} for level {level}, which is not on the scale {span}"

    yield from _parents(data, dims)
    by_level = _mapping(data.get("scoring")).get("dimensions") == "sum-of-level-means"
    for di, d in dims:
        yield from check_targets(("dimensions", di, "targets"), d.get("targets"), True)
        yield from _groups(("dimensions", di), d, by_level)
        for qi, q in _items(d.get("questions")):
            qpath: Path_ = ("dimensions", di, "questions", qi)
            yield from check_targets(qpath + ("targets",), q.get("targets"), False)
            yield from check_keys_on_scale(qpath + ("evidence",), q.get("evidence"), "evidence")
            yield from check_keys_on_scale(qpath + ("metrics",), q.get("metrics"), "a metric")
            yield from check_keys_on_scale(qpath + ("labels",), q.get("labels"), "a label")
            qlevels = q.get("levels", {} if "labels" in q else None)
            if isinstance(qlevels, dict) and int_levels:
                keys = {k for k in qlevels if _is_int(k)}
                labelled = {k for k in _mapping(q.get("labels")) if _is_int(k)}
                for level in int_levels:
                    if level not in keys and level not in labelled:
                        yield qpath + ("levels",), f"missing description for level {level}"
                for level in sorted(keys - set(int_levels)):
                    yield qpath + ("levels", level), f"level {level} is not on the scale {span}"
            elif "levels" not in q:
                yield qpath, "missing required key 'levels' (or 'labels')"
            for k, dep in enumerate(_list(q.get("prerequisites"))):
                yield from _check_dependency(
                    qpath + ("prerequisites", k), dep, questions, int_levels
                )
            actions = q.get("actions")
            if not isinstance(actions, dict) or not actions or len(int_levels) < 2:
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
                if isinstance(effort, str) and effort not in efforts:
                    yield (
                        apath + ("effort",),
                        f"unknown effort '{effort}' (efforts: {_names(efforts)})",
                    )
                for k, dep in enumerate(_list(action.get("depends_on"))):
                    yield from _check_dependency(
                        apath + ("depends_on", k), dep, questions, int_levels
                    )

    gates = _mapping(data.get("gates"))
    for stage, gate in gates.items():
        if stage not in stages:
            yield ("gates", stage), f"unknown stage '{stage}' (stages: {_names(stages)})"
        if not isinstance(gate, dict):
            continue
        yield from _check_floors(("gates", stage), gate, questions, dim_ids, in_scale)
        for tier, floors in _mapping(gate.get("tiers")).items():
            path = ("gates", stage, "tiers", tier)
            if tier not in tier_ids:
                yield path, f"unknown tier '{tier}' (tiers: {_names(tier_ids)})"
            yield from _check_floors(path, _mapping(floors), questions, dim_ids, in_scale)
    yield from _floors_above_targets(stages, gates, dims, questions, (lo, hi))
    yield from _articles(data, all_questions)

    if int_levels:
        yield from _cycles(questions, int_levels)


def _check_dependency(
    path: Path_, dep: Any, questions: dict, int_levels: list[int]
) -> Iterator[tuple[Path_, str]]:
    try:
        target, dep_level = parse_dependency(dep)
    except ValueError as exc:
        yield path, str(exc)
        return
    if target not in questions:
        yield path, f"depends on unknown question '{target}'"
    elif len(int_levels) > 1 and dep_level not in int_levels[1:]:
        yield (
            path,
            (
                f"depends on {target} at level {dep_level}, which is not a level "
                f"that can be reached ({int_levels[1]}-{int_levels[-1]})"
            ),
        )


def _values(scale: list[tuple[int, dict]]) -> Iterator[tuple[Path_, str]]:
    """Values are given for every level or for none, and never fall as the level rises
    (readiness credits the lower of the answer and the target, by level)."""
    valued = [(i, s) for i, s in scale if "value" in s]
    if not valued:
        return
    if len(valued) < len(scale):
        i = next(i for i, s in scale if "value" not in s)
        yield ("scale", i), "every level needs a value when one has a value"
        return
    ranked = sorted(
        (s["level"], s["value"], i)
        for i, s in scale
        if _is_int(s.get("level")) and isinstance(s.get("value"), int | float)
    )
    for (lower, low, _), (level, value, i) in zip(ranked, ranked[1:], strict=False):
        if value < low:
            yield (
                ("scale", i, "value"),
                f"level {level} is worth {value}, less than level {lower} ({low}): values "
                "must not fall as the level rises",
            )


def _groups(path: Path_, d: dict, by_level: bool) -> Iterator[tuple[Path_, str]]:
    """Every question of a dimension with groups names one of them; a dimension scored
    by maturity level gives every question its level."""
    groups = _items(d.get("groups"))
    yield from _duplicates(path + ("groups",), groups, "group")
    known = [_ident(g.get("id")) for _, g in groups]
    for qi, q in _items(d.get("questions")):
        qpath = path + ("questions", qi)
        group = q.get("group")
        if group is not None and group not in known:
            names = _names(known) or "none declared"
            yield qpath + ("group",), f"unknown group '{group}' (groups: {names})"
        elif group is None and known:
            yield qpath, f"no group: this dimension's questions are in groups ({_names(known)})"
        if by_level and q.get("maturity") is None:
            yield qpath, "no maturity: the rubric scores dimensions by maturity level"


def _parents(data: dict, dims: list[tuple[int, dict]]) -> Iterator[tuple[Path_, str]]:
    """Dimensions name a declared parent, all of them when there are parents."""
    parents = _items(data.get("parents"))
    yield from _duplicates(("parents",), parents, "parent")
    known = [_ident(p.get("id")) for _, p in parents]
    for di, d in dims:
        parent = d.get("parent")
        if parent is not None and parent not in known:
            names = _names(known) or "none declared"
            yield ("dimensions", di, "parent"), f"unknown parent '{parent}' (parents: {names})"
        elif parent is None and known:
            yield (
                ("dimensions", di),
                f"no parent: the rubric's dimensions have parents ({_names(known)})",
            )


def _names(ids: Any) -> str:
    return ", ".join(str(i) for i in ids if i is not None)


def _check_floors(
    path: Path_, floors: dict, questions: dict, dim_ids: list, in_scale: Any
) -> Iterator[tuple[Path_, str]]:
    for key, what in (("questions", "question"), ("dimensions", "dimension")):
        value = floors.get(key)
        known = questions if key == "questions" else dim_ids
        for ident, floor in _mapping(value).items():
            if ident not in known:
                yield path + (key, ident), f"gate on unknown {what} '{ident}'"
                continue
            yield from in_scale(path + (key, ident), floor, "floor")


def _floors_above_targets(
    stages: list, gates: dict, dims: list, questions: dict, scale: tuple[int, int]
) -> Iterator[tuple[Path_, str]]:
    """A stage's own floor (cumulative over earlier stages) above its target for that
    stage contradicts the rubric: the target would say "done" below what the gate needs."""
    question_floor: dict[str, tuple[int, Any]] = {}
    dimension_floor: dict[str, tuple[int, Any]] = {}
    dim_targets = {_ident(d.get("id")): _mapping(d.get("targets")) for _, d in dims}
    by_index = dict(dims)
    for stage in stages:
        gate = _mapping(gates.get(stage))
        for floors, key in ((question_floor, "questions"), (dimension_floor, "dimensions")):
            for ident, floor in _mapping(gate.get(key)).items():
                if _is_int(floor) and floor > floors.get(ident, (floor - 1, None))[0]:
                    floors[ident] = (floor, stage)
        for did, (floor, where) in dimension_floor.items():
            target = dim_targets.get(did, {}).get(stage)
            if _is_int(target) and scale[0] <= target < floor <= scale[1]:
                yield (
                    ("gates", where, "dimensions", did),
                    (f"floor {floor} for '{did}' is above its {stage} target {target}"),
                )
        for qid, (floor, where) in question_floor.items():
            if qid not in questions:
                continue
            di, _, q = questions[qid]
            target = _mapping(q.get("targets")).get(stage)
            if target is None:
                target = dim_targets.get(_ident(by_index[di].get("id")), {}).get(stage)
            if _is_int(target) and scale[0] <= target < floor <= scale[1]:
                yield (
                    ("gates", where, "questions", qid),
                    (
                        f"floor {floor} for '{qid}' is above its {stage} target {target}: raise "
                        "the target or lower the floor"
                    ),
                )


def _articles(data: dict, all_questions: list) -> Iterator[tuple[Path_, str]]:
    """Articles cited in crosswalks are listed, with whom they bind and from when, in a
    reference that lists articles; each article applies from one of its dated entries."""
    listed: set[str] = set()
    for ri, ref in _items(data.get("references")):
        dates = {d.get("date") for _, d in _items(ref.get("dates"))}
        for ai, art in _items(ref.get("articles")):
            listed.add(str(art.get("id")))
            applies = art.get("applies")
            if isinstance(applies, dt.date) and applies not in dates:
                yield (
                    ("references", ri, "articles", ai, "applies"),
                    (
                        f"{art.get('id')} applies from {applies}, which is not one of this "
                        "reference's dates"
                    ),
                )
    if not listed:
        return
    for path, q in all_questions:
        cited = _list(_mapping(q.get("crosswalk")).get("eu_ai_act"))
        for k, entry in enumerate(cited):
            if _article(entry) not in listed:
                yield (
                    path + ("crosswalk", "eu_ai_act", k),
                    (f"{entry} is not among the articles listed in references"),
                )


def _duplicates(path: Path_, items: list[tuple[int, dict]], what: str) -> Iterator:
    seen: set[str] = set()
    for i, item in items:
        ident = _ident(item.get("id"))
        if ident is None:
            continue
        if ident in seen:
            yield path + (i, "id"), f"duplicate {what} id '{ident}'"
        seen.add(ident)


def _tier_cycles(tiers: list[tuple[int, dict]]) -> Iterator[tuple[Path_, str]]:
    includes = {_ident(t.get("id")): (i, _list(t.get("includes"))) for i, t in tiers}
    for tid, (i, _) in includes.items():
        todo, reached = list(includes[tid][1]), set()
        while todo:
            other = todo.pop()
            if other == tid:
                yield ("tiers", i, "includes"), f"tier '{tid}' includes itself"
                break
            if isinstance(other, str) and other not in reached and other in includes:
                reached.add(other)
                todo.extend(includes[other][1])


def _cycles(questions: dict, levels: list[int]) -> Iterator[tuple[Path_, str]]:
    """Dependency cycles over (question, level) steps, one problem per cycle. Iterative:
    a chain of thousands of steps must not exhaust the stack."""
    reachable = set(levels[1:])
    edges: dict[tuple[str, int], list[tuple[tuple[str, int], Path_]]] = {}
    for qid, (di, qi, q) in questions.items():
        actions = _mapping(q.get("actions"))
        for level in sorted(reachable):
            out = edges.setdefault((qid, level), [])
            if level - 1 in reachable:
                out.append(((qid, level - 1), ()))
            action = actions.get(level)
            deps = action.get("depends_on") if isinstance(action, dict) else None
            listed = [
                (dep, ("actions", level, "depends_on", k)) for k, dep in enumerate(_list(deps))
            ]
            if level == levels[1]:
                listed += [
                    (dep, ("prerequisites", k))
                    for k, dep in enumerate(_list(q.get("prerequisites")))
                ]
            for dep, where in listed:
                try:
                    target = parse_dependency(dep)
                except ValueError:
                    continue
                if target[0] in questions and target[1] in reachable:
                    out.append((target, ("dimensions", di, "questions", qi, *where)))

    state: dict[tuple[str, int], int] = {}
    reported: set[frozenset] = set()
    for root in sorted(edges, key=lambda n: (str(n[0]), n[1])):
        if root in state:
            continue
        state[root] = 1
        stack: list[tuple[tuple[str, int], int]] = [(root, 0)]  # node, next edge index
        trail: list[tuple[tuple[str, int], Path_]] = []  # edges taken to reach the top
        while stack:
            node, index = stack[-1]
            out = edges.get(node, [])
            if index == len(out):
                state[node] = 2
                stack.pop()
                if trail:
                    trail.pop()
                continue
            stack[-1] = (node, index + 1)
            nxt, path = out[index]
            if state.get(nxt) == 1:
                start = next((i for i, (n, _) in enumerate(trail) if n == nxt), len(trail))
                cycle = [*trail[start:], (node, path)]
                key = frozenset(n for n, _ in cycle)
                if key not in reported:
                    reported.add(key)
                    where = next((p for _, p in cycle if p), path)
                    names = " -> ".join(f"{q}@{lv}" for (q, lv), _ in cycle)
                    yield where, f"dependency cycle: {names} -> {nxt[0]}@{nxt[1]}"
            elif nxt not in state:
                state[nxt] = 1
                trail.append((node, path))
                stack.append((nxt, 0))
