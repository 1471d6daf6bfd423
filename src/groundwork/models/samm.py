"""OWASP SAMM v2 core model (``owaspsamm/core``, ``model/`` YAML) → a Groundwork rubric.

Written against owaspsamm/core at commit bc2b5474ab248effbc357c389bec372b0f5e200f (model
``SAMM20``). Each file says what it is in its ``type`` field, so the folder layout does not
matter. The rubric scores as the SAMM toolbox does: answers worth 0 / 0.25 / 0.5 / 1 with
each question's own answer set as labels; a stream (group) is the sum of its activities;
a practice (dimension) the sum over maturity levels 1-3 of the mean of its two streams at
that level; a business function (parent) the mean of its practices; the overall score
the mean of the functions; an unanswered activity counts as 0.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from groundwork.models import Imported, ModelError, leftovers, text_of
from groundwork.rubric import InputError, load_yaml

SOURCE = "owaspsamm/core@bc2b5474ab248effbc357c389bec372b0f5e200f"

# The fields of each SAMM document type this importer carries (the rest is reported).
CARRIED = {
    "Function": {"id", "name", "description", "order", "type"},
    "Practice": {
        "function", "id", "name", "shortName", "shortDescription", "longDescription", "order",
        "type",
    },
    "Stream": {"practice", "id", "name", "letter", "description", "order", "type"},
    "MaturityLevel": {"id", "number", "type"},
    "PracticeLevel": {"practice", "maturityLevel", "id", "objective", "type"},
    "Activity": {
        "stream", "level", "id", "title", "benefit", "shortDescription", "longDescription",
        "relatedActivities", "type",
    },
    "Question": {"activity", "answerSet", "id", "text", "order", "quality", "type"},
    "AnswerSet": {"id", "values", "type"},
}  # fmt: skip
# The SAMM documentation's names for the four answers, used where a question has its own.
SCALE_LABELS = ("No", "Yes, for some", "Yes, for half", "Yes, for most")


def _documents(files: dict[str, str]) -> dict[str, list[tuple[str, dict]]]:
    by_type: dict[str, list[tuple[str, dict]]] = {}
    for name, text in sorted(files.items()):
        try:
            doc = load_yaml(text)
        except InputError as exc:
            raise ModelError(f"{name}:{exc.line}: {exc.message}") from None
        if isinstance(doc, dict) and isinstance(doc.get("type"), str):
            by_type.setdefault(doc["type"], []).append((name, doc))
    for needed in ("Function", "Practice", "Stream", "Activity", "Question", "AnswerSet"):
        if needed not in by_type:
            raise ModelError(f"no SAMM {needed} files found (is this the core model's folder?)")
    return by_type


def _index(docs: list[tuple[str, dict]], kind: str) -> dict[str, tuple[str, dict]]:
    out: dict[str, tuple[str, dict]] = {}
    for name, doc in docs:
        key = text_of(doc.get("id"))
        if not key:
            raise ModelError(f"{name}: a {kind} without an id")
        out[key] = (name, doc)
    return out


def _order(doc: dict) -> float:
    value = doc.get("order")
    return float(value) if isinstance(value, int | float) else 0.0


def _need(index: dict[str, tuple[str, dict]], key: Any, name: str, what: str) -> dict:
    found = index.get(text_of(key))
    if found is None:
        raise ModelError(f"{name}: refers to an unknown {what} {key!r}")
    return found[1]


def import_samm(files: dict[str, str]) -> Imported:
    """A rubric from the SAMM core model's files ({path: YAML text})."""
    by_type = _documents(files)
    functions = _index(by_type["Function"], "business function")
    practices = _index(by_type["Practice"], "practice")
    streams = _index(by_type["Stream"], "stream")
    maturity = _index(by_type.get("MaturityLevel", []), "maturity level")
    answer_sets = _index(by_type["AnswerSet"], "answer set")
    activities = _index(by_type["Activity"], "activity")

    left: Counter[str] = Counter()
    for kind, docs in by_type.items():
        carried = CARRIED.get(kind)
        for _, doc in docs:
            for key, value in doc.items():
                if carried is None:
                    left[f"{kind}"] += 1
                    break
                if key not in carried and value not in (None, "", [], {}):
                    left[f"{kind}.{key}"] += 1

    # the four answers: the same values in every answer set, labels per question
    values: list[float] | None = None
    for name, doc in by_type["AnswerSet"]:
        answers = sorted((a for a in doc.get("values") or [] if isinstance(a, dict)), key=_order)
        these = [float(a.get("value", 0)) for a in answers]
        if values is None:
            values = these
        elif these != values:
            raise ModelError(f"{name}: answer values {these} differ from the others' {values}")
        if any(a.get("weight", 1) != 1 for a in answers):
            left["AnswerSet.values.weight (other than 1)"] += 1
    if not values or len(values) > len(SCALE_LABELS) + 7:
        raise ModelError("the answer sets give no usable answers")
    labels = [*SCALE_LABELS, *(f"Answer {i}" for i in range(len(SCALE_LABELS), len(values)))]
    scale = [
        {"level": i, "label": labels[i], "value": v if v % 1 else int(v)}
        for i, v in enumerate(values)
    ]

    # which question asks about each activity (the first by order; more are reported)
    asked: dict[str, dict] = {}
    for name, q in sorted(by_type["Question"], key=lambda nq: _order(nq[1])):
        activity = text_of(q.get("activity"))
        _need(activities, activity, name, "activity")
        if activity in asked:
            left["Question (a second question for one activity)"] += 1
            continue
        asked[activity] = q

    practice_code: dict[str, str] = {}
    for pid, (name, p) in practices.items():
        function = _need(functions, p.get("function"), name, "business function")
        practice_code[pid] = f"{text_of(function.get('name'))[:1]}-{text_of(p.get('shortName'))}"
    level_number = {lid: int(doc.get("number", 0)) for lid, (_, doc) in maturity.items()}
    practice_level: dict[str, tuple[str, int, str]] = {}  # id -> practice, number, objective
    for name, pl in by_type.get("PracticeLevel", []):
        number = level_number.get(text_of(pl.get("maturityLevel")))
        if number is None:
            raise ModelError(f"{name}: refers to an unknown maturity level")
        practice_level[text_of(pl.get("id"))] = (
            text_of(pl.get("practice")),
            number,
            text_of(pl.get("objective")),
        )

    # activities, keyed SAMM's way: I-SB-A-1 is Secure Build, stream A, level 1
    question_ids: dict[str, str] = {}
    for aid, (name, a) in activities.items():
        stream = _need(streams, a.get("stream"), name, "stream")
        level = practice_level.get(text_of(a.get("level")))
        if level is None:
            raise ModelError(f"{name}: refers to an unknown practice level")
        code = practice_code[text_of(stream.get("practice"))]
        question_ids[aid] = f"{code}-{text_of(stream.get('letter'))}-{level[1]}"

    parents, dimensions = [], []
    for fid, (_, f) in sorted(functions.items(), key=lambda kv: _order(kv[1][1])):
        parent_id = text_of(f.get("name"))[:1]
        parents.append(
            {
                "id": parent_id,
                "title": text_of(f.get("name")),
                "description": text_of(f.get("description")),
                "external_ids": {"samm_uuid": fid},
            }
        )
        mine = [(pid, p) for pid, (_, p) in practices.items() if text_of(p.get("function")) == fid]
        for pid, p in sorted(mine, key=lambda kv: _order(kv[1])):
            dimensions.append(
                _practice(
                    pid,
                    p,
                    parent_id,
                    practice_code[pid],
                    locals_=(
                        streams,
                        activities,
                        asked,
                        answer_sets,
                        practice_level,
                        question_ids,
                        left,
                    ),
                )
            )

    rubric = {
        "id": "owasp-samm",
        "version": "2.0",
        "title": "OWASP SAMM v2",
        "description": (
            "The OWASP Software Assurance Maturity Model, version 2, imported from its core "
            "model. Scored as the SAMM toolbox scores it."
        ),
        "origin": {
            "model": "OWASP SAMM v2 core model",
            "source": SOURCE,
            "url": "https://github.com/owaspsamm/core",
            "license": "CC BY-SA 4.0",
        },
        "scale": scale,
        "stages": [{"id": "target", "title": "Target posture"}],
        "tiers": [{"id": "standard", "title": "Standard", "uplift": 0}],
        "scoring": {
            "unanswered": "lowest",
            "groups": "sum",
            "dimensions": "sum-of-level-means",
            "parents": "mean",
        },
        "parents": parents,
        "dimensions": dimensions,
    }
    return Imported(rubric, leftovers(dict(sorted(left.items())), "SAMM"))


def _practice(pid: str, p: dict, parent_id: str, code: str, locals_: tuple) -> dict[str, Any]:
    streams, activities, asked, answer_sets, practice_level, question_ids, left = locals_
    mine = sorted(
        ((sid, s) for sid, (_, s) in streams.items() if text_of(s.get("practice")) == pid),
        key=lambda kv: _order(kv[1]),
    )
    groups = [
        {
            "id": text_of(s.get("letter")),
            "title": text_of(s.get("name")),
            "description": text_of(s.get("description")),
        }
        for _, s in mine
    ]
    questions = []
    for sid, s in mine:
        acts = [
            (aid, a, practice_level[text_of(a.get("level"))][1])
            for aid, (_, a) in activities.items()
            if text_of(a.get("stream")) == sid
        ]
        for aid, a, number in sorted(acts, key=lambda t: t[2]):
            questions.append(
                _activity(
                    aid, a, number, text_of(s.get("letter")), asked, answer_sets, question_ids, left
                )
            )
    objectives = {
        number: objective
        for practice, number, objective in sorted(practice_level.values(), key=lambda t: t[1])
        if practice == pid and objective
    }
    description = "\n\n".join(
        t for t in (text_of(p.get("shortDescription")), text_of(p.get("longDescription"))) if t
    )
    return {
        "id": code,
        "title": text_of(p.get("name")),
        "description": description,
        "parent": parent_id,
        "external_ids": {"samm_uuid": pid},
        "groups": groups,
        "objectives": objectives,
        "questions": questions,
    }


def _activity(
    aid: str,
    a: dict,
    number: int,
    letter: str,
    asked: dict,
    answer_sets: dict,
    question_ids: dict[str, str],
    left: Counter,
) -> dict[str, Any]:
    qid = question_ids[aid]
    q = asked.get(aid)
    out: dict[str, Any] = {"id": qid, "title": text_of(a.get("title"))}
    out["text"] = text_of(q.get("text")) if q else text_of(a.get("title"))
    description = "\n\n".join(
        t for t in (text_of(a.get("shortDescription")), text_of(a.get("longDescription"))) if t
    )
    if description:
        out["description"] = description
    if text_of(a.get("benefit")):
        out["why"] = text_of(a.get("benefit"))
    out["group"] = letter
    out["maturity"] = number
    if q is not None:
        answers = _need(answer_sets, q.get("answerSet"), qid, "answer set")
        ordered = sorted(
            (v for v in answers.get("values") or [] if isinstance(v, dict)), key=_order
        )
        out["labels"] = {i: text_of(v.get("text")) for i, v in enumerate(ordered)}
        quality = [text_of(c) for c in q.get("quality") or [] if text_of(c)]
        if quality:
            out["quality"] = quality
    else:
        left["Activity (without a question: answered on the scale's labels)"] += 1
        out["levels"] = {}
    related = []
    for other in a.get("relatedActivities") or []:
        target = question_ids.get(text_of(other))
        if target is None:
            left["Activity.relatedActivities (unknown activity)"] += 1
        elif target != qid:
            related.append(f"{target}@1")
    if related:
        out["prerequisites"] = related
    ids = {"samm": qid, "samm_activity_uuid": aid}
    if q is not None:
        ids["samm_question_uuid"] = text_of(q.get("id"))
    out["external_ids"] = ids
    return out
