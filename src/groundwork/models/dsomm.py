"""DSOMM (DevSecOps Maturity Model) generated data → a Groundwork rubric.

Written against DevSecOps-MaturityModel-data's ``generated/model.yaml`` version 4.3.1
(commit a03f081c33991c239646e402029f83f274bfd9ba), and the progress definitions of the
DSOMM app's ``src/assets/YAML/meta.yaml`` (DevSecOps-MaturityModel commit
698e879b5684a55bf0e814b415463cbab22595f4): Not implemented 0%, Started 20%, Partly
implemented 50%, Fully implemented 100%.

The file holds dimension → sub-dimension → activity, each activity at a level 1-5. The
rubric keeps that shape: a dimension is a parent, a sub-dimension a dimension, and its
levels are groups, so each sub-dimension × level cell is a group whose score is the mean
implementation progress of its activities, as the app's heatmap computes it (an activity
nobody has answered counts as not implemented).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from groundwork.models import Imported, ModelError, leftovers, slug, text_of
from groundwork.rubric import InputError, load_yaml_documents

SOURCE = "devsecopsmaturitymodel/DevSecOps-MaturityModel-data generated/model.yaml 4.3.1"
PROGRESS = (  # the app's progress definitions: label, value, meaning
    ("Not implemented", 0, "Activity not started and not planned"),
    ("Started", 0.2, "Activity has been started, or completed for a few applications"),
    ("Partly implemented", 0.5, "Activity has been implemented for at least half of the "
     "applications"),
    ("Fully implemented", 1, "Fully implemented for (almost) all applications"),
)  # fmt: skip
CARRIED = {
    "uuid", "description", "risk", "measure", "assessment", "level", "references",
    "dependsOn", "meta", "implementation",
}  # fmt: skip
# what a team recorded about its own progress: answers, not the model
ANSWER_FIELDS = {"isImplemented", "evidence", "comments", "teamsImplemented"}
MAX_LEVEL = 20


def _activities(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        docs = load_yaml_documents(text)
    except InputError as exc:
        raise ModelError(f"line {exc.line}: {exc.message}") from None
    meta: dict[str, Any] = {}
    for doc in docs:
        if isinstance(doc, dict) and set(doc) == {"meta"}:
            meta = doc["meta"] if isinstance(doc["meta"], dict) else {}
        elif isinstance(doc, dict):
            return meta, doc
    raise ModelError("no dimensions found (is this DSOMM's generated model.yaml?)")


def import_dsomm(text: str) -> Imported:
    """A rubric from DSOMM's generated YAML (the text of ``generated/model.yaml``)."""
    meta, model = _activities(text)
    left: Counter[str] = Counter()
    taken: set[str] = set()

    def unique(wanted: str) -> str:
        ident, n = wanted, 2
        while ident in taken:
            ident, n = f"{wanted}-{n}", n + 1
        taken.add(ident)
        return ident

    by_uuid: dict[str, str] = {}
    parents, dimensions = [], []
    plan: list[tuple[dict, list[tuple[str, str, dict]]]] = []
    for dim_name, subs in model.items():
        if not isinstance(subs, dict):
            raise ModelError(f"{dim_name}: expected sub-dimensions")
        parent_id = unique(slug(dim_name))
        parents.append({"id": parent_id, "title": text_of(dim_name)})
        for sub_name, acts in subs.items():
            if not isinstance(acts, dict):
                raise ModelError(f"{dim_name} / {sub_name}: expected activities")
            dim = {"id": unique(slug(sub_name)), "title": text_of(sub_name), "parent": parent_id}
            listed = []
            for name, act in acts.items():
                if not isinstance(act, dict):
                    raise ModelError(f"{sub_name} / {name}: expected an activity")
                level = act.get("level")
                if not isinstance(level, int) or isinstance(level, bool):
                    raise ModelError(f"{sub_name} / {name}: level {level!r} is not a number")
                if not 1 <= level <= MAX_LEVEL:
                    raise ModelError(f"{sub_name} / {name}: level {level} is out of range")
                qid = unique(slug(name))
                if text_of(act.get("uuid")):
                    by_uuid[text_of(act["uuid"])] = qid
                by_uuid.setdefault(text_of(name), qid)  # older files name dependencies
                listed.append((qid, text_of(name), act))
            plan.append((dim, listed))

    for dim, listed in plan:
        levels = sorted({act["level"] for _, _, act in listed})
        dim["groups"] = [{"id": f"L{n}", "title": f"Level {n}"} for n in levels]
        dim["questions"] = [
            _activity(qid, name, act, by_uuid, left)
            for qid, name, act in sorted(listed, key=lambda t: t[2]["level"])
        ]
        dimensions.append(dim)
    if not dimensions:
        raise ModelError("no activities found")

    version = text_of(meta.get("version")) or "unknown"
    rubric = {
        "id": "dsomm",
        "version": version,
        "title": "DevSecOps Maturity Model (DSOMM)",
        "description": (
            "OWASP DevSecOps Maturity Model, imported from its generated data. Each "
            "sub-dimension's levels are scored as the DSOMM app's heatmap scores them."
        ),
        "origin": {
            "model": f"DSOMM {version}",
            "source": SOURCE,
            "url": text_of(meta.get("publisher"))
            or "https://github.com/devsecopsmaturitymodel/DevSecOps-MaturityModel-data",
            "released": text_of(meta.get("released")),
        },
        "scale": [
            {"level": i, "label": label, "meaning": meaning, "value": value}
            for i, (label, value, meaning) in enumerate(PROGRESS)
        ],
        "stages": [{"id": "target", "title": "Target posture"}],
        "tiers": [{"id": "standard", "title": "Standard", "uplift": 0}],
        "scoring": {
            "unanswered": "lowest",
            "groups": "mean",
            "dimensions": "mean",
            "parents": "mean",
        },
        "parents": parents,
        "dimensions": dimensions,
    }
    return Imported(rubric, leftovers(dict(sorted(left.items())), "DSOMM.activity"))


def _activity(
    qid: str, name: str, act: dict, by_uuid: dict[str, str], left: Counter
) -> dict[str, Any]:
    for key, value in act.items():
        if key in ANSWER_FIELDS:
            if value not in (None, "", [], {}, False):
                left[f"{key} (a team's progress, not the model)"] += 1
        elif key not in CARRIED and value not in (None, "", [], {}):
            left[key] += 1
    out: dict[str, Any] = {"id": qid, "text": name}
    parts = [text_of(act.get("description"))]
    if text_of(act.get("measure")):
        parts.append(f"Measure: {text_of(act['measure'])}")
    tools = [text_of(t.get("name")) for t in act.get("implementation") or [] if isinstance(t, dict)]
    if any(tools):
        parts.append("Tools: " + ", ".join(t for t in tools if t))
        left["implementation (the tools' links, tags and descriptions)"] += 1
    guide = act.get("meta") if isinstance(act.get("meta"), dict) else {}
    if text_of(guide.get("implementationGuide")):
        parts.append(f"Implementation guide: {text_of(guide['implementationGuide'])}")
    for key in set(guide) - {"implementationGuide"}:
        left[f"meta.{key}"] += 1
    description = "\n\n".join(p for p in parts if p)
    if description:
        out["description"] = description
    if text_of(act.get("risk")):
        out["why"] = text_of(act["risk"])
    out["group"] = f"L{act['level']}"
    out["maturity"] = act["level"]
    out["levels"] = {}
    out["labels"] = {i: label for i, (label, _, _) in enumerate(PROGRESS)}
    if text_of(act.get("assessment")):
        out["evidence"] = {len(PROGRESS) - 1: text_of(act["assessment"])}
    prerequisites = []
    for dep in act.get("dependsOn") or []:
        target = by_uuid.get(text_of(dep))
        if target is None:
            left["dependsOn (unknown activity)"] += 1
        elif target != qid:
            prerequisites.append(f"{target}@{len(PROGRESS) - 1}")
    if prerequisites:
        out["prerequisites"] = list(dict.fromkeys(prerequisites))
    references = act.get("references") if isinstance(act.get("references"), dict) else {}
    crosswalk = {
        text_of(k): [text_of(v) for v in (vs if isinstance(vs, list) else [vs]) if text_of(v)]
        for k, vs in references.items()
    }
    crosswalk = {k: v for k, v in crosswalk.items() if k and v}
    if crosswalk:
        out["crosswalk"] = crosswalk
    if text_of(act.get("uuid")):
        out["external_ids"] = {"dsomm_uuid": text_of(act["uuid"])}
    return out
