"""Small SAMM-shaped and DSOMM-shaped models, written for the tests (not copies of the
models): the same file types, fields and links as the real ones, few enough to score
by hand.

The SAMM model has two business functions: Implementation, with Secure Build (the SAMM
documentation's worked example, "SAMM Scoring: Percent to Target and Progress to Date
Metrics", owaspsamm.org, 2025) and Secure Deployment; and Governance, with Strategy and
Metrics. The DSOMM model has two dimensions and three sub-dimensions.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ANSWERS_APPS = ["No", "Yes, for some applications", "Yes, for at least half", "Yes, for most"]
ANSWERS_TEAMS = ["No", "Yes, some teams", "Yes, half of the teams", "Yes, all teams"]
# function letter, name, practices: (short name, name, [stream A name, stream B name])
SAMM_FUNCTIONS = [
    ("I", "Implementation", [("SB", "Secure Build", ["Build Process", "Software Dependencies"]),
                             ("SD", "Secure Deployment", ["Deployment Process", "Secrets"])]),
    ("G", "Governance", [("SM", "Strategy and Metrics", ["Create and Promote", "Measure"])]),
]  # fmt: skip


def _write(folder: Path, name: str, doc: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def write_samm(root: Path) -> Path:
    """A SAMM-shaped ``model/`` folder under ``root``; returns the folder."""
    model = root / "model"
    sets = {}
    for letter, texts in (("A", ANSWERS_APPS), ("B", ANSWERS_TEAMS)):
        sets[letter] = f"answerset{letter}"
        values = [
            {"text": t, "value": v, "weight": 1, "order": i}
            for i, (t, v) in enumerate(zip(texts, (0, 0.25, 0.5, 1), strict=True))
        ]
        _write(
            model / "answer_sets",
            f"{letter}.yml",
            {"id": sets[letter], "values": values, "type": "AnswerSet"},
        )
    for n in (1, 2, 3):
        _write(
            model / "maturity_levels",
            f"{n}.yml",
            {"id": f"ml{n}", "number": n, "description": f"level {n}", "type": "MaturityLevel"},
        )
    for f_order, (fl, fname, practices) in enumerate(SAMM_FUNCTIONS, 1):
        fid = f"fn-{fl}"
        _write(
            model / "business_functions",
            f"{fname}.yml",
            {
                "model": "SAMM20",
                "id": fid,
                "name": fname,
                "description": f"All about {fname.lower()}.",
                "color": "#123456",
                "order": f_order,
                "type": "Function",
            },
        )
        for p_order, (short, pname, stream_names) in enumerate(practices, 1):
            pid = f"pr-{fl}-{short}"
            _write(
                model / "security_practices",
                f"{fl}-{short}.yml",
                {
                    "function": fid,
                    "id": pid,
                    "name": pname,
                    "shortName": short,
                    "shortDescription": f"{pname} in one line.",
                    "longDescription": f"{pname} at length.",
                    "order": p_order,
                    "assignee": "Someone",
                    "type": "Practice",
                },
            )
            for n in (1, 2, 3):
                _write(
                    model / "practice_levels",
                    f"{fl}-{short}-{n}.yml",
                    {
                        "practice": pid,
                        "maturityLevel": f"ml{n}",
                        "id": f"pl-{fl}-{short}-{n}",
                        "objective": f"{pname} objective {n}",
                        "type": "PracticeLevel",
                    },
                )
            for s_order, (sl, sname) in enumerate(zip("AB", stream_names, strict=True), 1):
                sid = f"st-{fl}-{short}-{sl}"
                _write(
                    model / "streams",
                    f"{fl}-{short}-{sl}.yml",
                    {
                        "practice": pid,
                        "id": sid,
                        "name": sname,
                        "letter": sl,
                        "description": f"{sname} stream.",
                        "order": s_order,
                        "type": "Stream",
                    },
                )
                for n in (1, 2, 3):
                    code = f"{fl}-{short}-{sl}-{n}"
                    related = ["act-I-SB-A-1"] if code == "I-SD-A-1" else None
                    _write(
                        model / "activities",
                        f"{code}.yml",
                        {
                            "stream": sid,
                            "level": f"pl-{fl}-{short}-{n}",
                            "id": f"act-{code}",
                            "title": f"Activity {code}",
                            "benefit": f"Benefit of {code}",
                            "shortDescription": f"{code} in short.",
                            "longDescription": f"{code} in full.",
                            "costs": "Some effort" if code == "I-SB-A-1" else None,
                            "relatedActivities": related,
                            "type": "Activity",
                        },
                    )
                    _write(
                        model / "questions",
                        f"{code}.yml",
                        {
                            "activity": f"act-{code}",
                            "answerSet": sets["A" if fl == "I" else "B"],
                            "id": f"q-{code}",
                            "text": f"Do you do {code}?",
                            "order": 1,
                            "quality": [f"{code} is written down", f"{code} is reviewed"],
                            "type": "Question",
                        },
                    )
    return model


DSOMM = """\
---
meta:
  version: 9.9.9
  released: "2026-01-01"
  publisher: https://example.org/dsomm-fixture
---
Build and Deployment:
  Build:
    Defined build:
      uuid: u-defined-build
      description: Write the build down.
      risk: Builds differ.
      measure: Use a pipeline.
      assessment: Show the pipeline.
      level: 1
      difficultyOfImplementation: {knowledge: 2, time: 3, resources: 2}
      usefulness: 4
      implementation:
        - {uuid: t1, name: Jenkins, tags: [ci-cd], url: https://www.jenkins.io/}
      references:
        samm2: [I-SB-A-1]
        iso27001-2022: [5.37, 8.32]
      tags: [none]
      isImplemented: false
    Pinned artifacts:
      uuid: u-pinned
      risk: Unknown versions.
      measure: Pin versions.
      level: 1
      dependsOn: [u-defined-build]
      references: {}
      tags: []
    Signed artifacts:
      uuid: u-signed
      risk: Tampering.
      measure: Sign.
      level: 2
      dependsOn: [u-defined-build, u-pinned]
      references: {}
      tags: []
    SBOM:
      uuid: u-sbom
      risk: Unknown components.
      measure: Make an SBOM.
      level: 2
      references: {}
      tags: []
    Reproducible build:
      uuid: u-repro
      risk: Drift.
      measure: Reproduce.
      level: 2
      references: {}
      tags: []
  Deployment:
    Defined deployment:
      uuid: u-deploy
      risk: Manual deployments.
      measure: Automate.
      level: 1
      references: {}
      tags: []
Culture and Organization:
  Education and Guidance:
    Security champions:
      uuid: u-champions
      risk: Nobody cares.
      measure: Name champions.
      level: 1
      references:
        openCRE: [https://www.opencre.org/node/example]
      tags: []
"""


def write_dsomm(root: Path) -> Path:
    path = root / "model.yaml"
    path.write_text(DSOMM, encoding="utf-8")
    return path
