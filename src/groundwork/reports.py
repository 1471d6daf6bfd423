"""What the pages show, assembled from the store and the pure domain (no Streamlit here)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import pandas as pd

from groundwork.roadmap import DEFAULT_WAVE_DAYS, Roadmap, build_roadmap
from groundwork.rubric import Rubric
from groundwork.scoring import Scorecard, answer_wording, score, summarise
from groundwork.store import Assessment, Store
from groundwork.store.portfolio import SYSTEM_COLUMNS


@dataclass(frozen=True)
class Round:
    """One stored round with its rubric, answers and scorecard."""

    assessment: Assessment
    rubric: Rubric
    answers: dict
    card: Scorecard
    scope_path: str


def load_round(
    store: Store, assessment_id: int, stage: str | None = None, tier: str | None = None
) -> Round:
    """A round scored as stored, or for another stage and tier (what-if)."""
    a = store.assessment(assessment_id)
    rubric = store.rubric(a.rubric_sha256)
    answers = store.answers(assessment_id)
    card = score(rubric, answers, stage or a.stage, tier or a.tier)
    return Round(a, rubric, answers, card, store.scope_path(a.scope_id))


def comparable_card(store: Store, assessment: Assessment, stage: str, tier: str) -> Scorecard:
    """A round scored for the given stage and tier when its own rubric knows them (for a
    side-by-side view); otherwise as it was stored, since its rubric may have other stages."""
    rubric = store.rubric(assessment.rubric_sha256)
    if stage not in rubric.stage_ids or tier not in rubric.tier_ids:
        stage, tier = assessment.stage, assessment.tier
    return load_round(store, assessment.id, stage, tier).card


def default_stage_and_tier(store: Store, scope_id: int, rubric: Rubric) -> tuple[str, str]:
    """What a new round of a scope aims at: its last round's target stage and tier, else the
    stage after the scope's current one (or the rubric's second stage) and the scope's tier."""
    rounds = store.assessments(scope_id)
    if rounds and rounds[-1].stage in rubric.stage_ids and rounds[-1].tier in rubric.tier_ids:
        return rounds[-1].stage, rounds[-1].tier
    scope = store.scope(scope_id)
    ids = rubric.stage_ids
    if scope.stage in ids:
        stage = rubric.next_stage(scope.stage) or scope.stage
    else:
        stage = ids[1] if len(ids) > 1 else ids[0]
    tier = scope.tier if scope.tier in rubric.tier_ids else rubric.tier_ids[0]
    return stage, tier


def previous_round(store: Store, assessment: Assessment) -> Assessment | None:
    earlier = [
        x
        for x in store.assessments(assessment.scope_id)
        if (x.created_at, x.id) < (assessment.created_at, assessment.id)
    ]
    return earlier[-1] if earlier else None


def portfolio(store: Store) -> list[dict]:
    """One row per scope: where it stands and its latest round's verdict.

    A final round's verdict is read from its stored summary; drafts are scored live.
    """
    latest = store.latest_assessments()
    summaries = _final_summaries(store, list(latest.values()))
    answers = store.answers_for([a.id for a in latest.values() if a.id not in summaries])
    rows = []
    for scope in store.scopes():
        a = latest.get(scope.id)
        row = {
            "scope_id": scope.id,
            "organisation_id": scope.organisation_id,
            "parent_id": scope.parent_id,
            "kind": scope.kind,
            "name": scope.name,
            "stage": scope.stage,
            "tier": scope.tier,
            "assessment_id": None,
            "target": None,
            "verdict": None,
            "blockers": None,
            "readiness": None,
            "score": None,
            "date": None,
            "status": None,
        }
        if a is not None:
            row.update(assessment_id=a.id, target=a.stage, date=a.date, status=a.status)
            summary = summaries.get(a.id) or _summarise(store, a, answers[a.id])
            row.update({k: summary[k] for k in ("verdict", "blockers", "readiness", "score")})
            if not a.final:  # a draft says how far it has got
                questions = store.rubric(a.rubric_sha256).questions
                row.update(
                    answered=sum(q.id in answers[a.id] for q in questions),
                    questions=len(questions),
                )
        rows.append(row)
    return rows


# Final rounds never change: their summaries are kept in the database (see
# Store.summaries) and, once read, in this process.
_FINAL_SUMMARIES: dict[tuple, dict] = {}


def _final_key(store: Store, a: Assessment) -> tuple | None:
    return (str(store.path), a.id, a.finalised_at, a.rubric_sha256) if a.final else None


def _summarise(store: Store, a: Assessment, answers: dict) -> dict:
    return summarise(score(store.rubric(a.rubric_sha256), answers, a.stage, a.tier))


def _final_summaries(store: Store, rounds: list[Assessment]) -> dict[int, dict]:
    """The summaries of the final rounds among ``rounds``: from this process, else from the
    database; those missing or from another scoring version are computed and stored."""
    found: dict[int, dict] = {}
    wanted = []
    for a in rounds:
        key = _final_key(store, a)
        if key is None:
            continue
        if key in _FINAL_SUMMARIES:
            found[a.id] = _FINAL_SUMMARIES[key]
        else:
            wanted.append(a)
    if not wanted:
        return found
    stored = store.summaries([a.id for a in wanted])
    missing = [a for a in wanted if a.id not in stored]
    if missing:
        answers = store.answers_for([a.id for a in missing])
        fresh = {a.id: _summarise(store, a, answers[a.id]) for a in missing}
        store.save_summaries(fresh)
        stored.update(fresh)
    if len(_FINAL_SUMMARIES) + len(wanted) > 20_000:
        _FINAL_SUMMARIES.clear()
    for a in wanted:
        _FINAL_SUMMARIES[_final_key(store, a)] = found[a.id] = stored[a.id]
    return found


def history(store: Store, scope_id: int) -> list[dict]:
    """Every round of a scope with its dimension scores, oldest first (trends). Final
    rounds are read from their stored summaries; drafts are scored live."""
    rounds = store.assessments(scope_id)
    summaries = _final_summaries(store, rounds)
    answers = store.answers_for([a.id for a in rounds if a.id not in summaries])
    out = []
    for a in rounds:
        summary = summaries.get(a.id) or _summarise(store, a, answers[a.id])
        row = {
            "assessment_id": a.id,
            "label": a.label,
            "date": a.date,
            "status": a.status,
            "stage": a.stage,
            "overall": summary["score"],
            "blockers": summary["blockers"],
            "readiness": summary["readiness"],
            "verdict": summary["verdict"] == "ready",
        }
        row.update(summary["dimensions"])
        if summary.get("parents"):  # a rubric with parents: SAMM's business functions
            row["parents"] = summary["parents"]
        out.append(row)
    return out


def roadmap_start(store: Store, assessment_id: int) -> dt.date:
    """Where wave 1 of a round's roadmap starts: the date chosen for its scope, else the
    round's own date, so the calendar is the same on every visit and in every export."""
    a = store.assessment(assessment_id)
    return store.roadmap_start(a.scope_id) or dt.date.fromisoformat(a.date)


@dataclass(frozen=True)
class RoadmapView:
    roadmap: Roadmap
    rows: list[dict]


def roadmap_view(
    store: Store,
    assessment_id: int,
    *,
    start: dt.date | None = None,
    capacity: int | None = None,
    wave_days: int = DEFAULT_WAVE_DAYS,
    rnd: Round | None = None,
) -> RoadmapView:
    """The generated roadmap merged with the owners, dates and status stored per item id.
    ``rnd`` is the round as stored when the caller has loaded it already."""
    rnd = rnd or load_round(store, assessment_id)
    roadmap = build_roadmap(
        rnd.rubric,
        rnd.answers,
        rnd.card.stage,
        rnd.card.tier,
        start=start or roadmap_start(store, assessment_id),
        capacity=capacity,
        wave_days=wave_days,
    )
    state = store.roadmap_state(rnd.assessment.scope_id)
    rows = []
    for wave in roadmap.waves:
        for item in wave.items:
            saved = state.get(item.id, {})
            rows.append(
                {
                    "wave": wave.number,
                    "wave_name": wave.name,
                    "id": item.id,
                    "dimension": item.dimension,
                    "question": item.question,
                    "from_level": item.from_level,
                    "to_level": item.to_level,
                    "action": item.action,
                    "effort": str(item.effort),
                    "points": item.points,
                    "depends_on": ", ".join(item.depends_on),
                    "blocker": item.blocker,
                    "owner": saved.get("owner") or "",
                    "status": saved.get("status") or "not started",
                    "start": saved.get("start") or (item.start.isoformat() if item.start else ""),
                    "due": saved.get("due") or (item.end.isoformat() if item.end else ""),
                    "notes": saved.get("notes") or "",
                }
            )
    return RoadmapView(roadmap, rows)


def answer_rows(rnd: Round) -> list[dict]:
    """One row per question of a round, for the answers CSV."""
    rows = []
    for q in rnd.card.questions:
        given = rnd.answers.get(q.id)
        rows.append(
            {
                "question": q.id,
                "dimension": q.dimension,
                "text": rnd.rubric.question(q.id).text,
                "answer": "" if q.answer is None else answer_wording(rnd.rubric, q.id, q.answer),
                "confidence": given.confidence if given and given.confidence else "",
                "evidence": given.evidence if given else "",
                "notes": given.notes if given else "",
                "target": q.target,
                "gap": "" if q.gap is None else q.gap,
            }
        )
    return rows


EDITABLE = ("owner", "status", "start", "due", "notes")


def roadmap_edits(before: list[dict], after: list[dict]) -> dict[str, dict[str, str]]:
    """The owner/status/date/notes changes between two versions of the roadmap table,
    keyed by item id (rows are matched by id, never by position)."""
    old = {r["id"]: r for r in before}
    edits: dict[str, dict[str, str]] = {}
    for row in after:
        was = old.get(row["id"])
        if was is None:
            continue
        for field in EDITABLE:
            new, prev = _as_text(row.get(field)), _as_text(was.get(field))
            if new != prev:
                edits.setdefault(row["id"], {})[field] = new
    return edits


def _as_text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# -- the portfolio: roll-ups over each system's latest final round -----------------------

PILOT_DAYS = 180  # a pilot older than this is "stuck in pilot" (GROUNDWORK_PILOT_DAYS)
TREND_QUARTERS = 40  # the portfolio trend looks back at most ten years, whatever the dates
NOT_ASSESSED = "not assessed"


def pilot_days() -> int:
    """Days in pilot after which a system counts as stuck: GROUNDWORK_PILOT_DAYS, else 180."""
    try:
        days = int(os.environ.get("GROUNDWORK_PILOT_DAYS", PILOT_DAYS))
    except ValueError:
        return PILOT_DAYS
    return min(max(days, 1), 3650)


@dataclass(frozen=True)
class PortfolioData:
    """What the Portfolio page and workbook show, as frames (picklable, so pages cache it).

    ``systems``: one row per AI system with its latest final round (drafts are counted in
    ``drafts`` and never enter a roll-up); ``scores``: (scope_id, dimension, score) of those
    rounds; ``verdicts``: (scope_id, date, verdict) of every final round, for the trend.
    """

    systems: pd.DataFrame
    scores: pd.DataFrame
    verdicts: pd.DataFrame
    first_stage: str
    pilot_days: int


def portfolio_data(
    store: Store,
    stages: list[str],
    *,
    today: dt.date | None = None,
    days: int | None = None,
) -> PortfolioData:
    """Every system where it stands, from SQL and vectorised pandas (no per-system loop).

    ``stages`` in order, the first being the pilot stage; ``days`` in pilot beyond which a
    system is flagged stuck (default :func:`pilot_days`).
    """
    today = today or dt.date.today()
    days = days or pilot_days()
    missing = store.unsummarised_final_rounds()
    fresh = _final_summaries(store, missing) if missing else {}
    stored = store.unsummarised_final_rounds() if fresh else []  # read-only: kept in memory
    systems = pd.DataFrame(store.portfolio_systems(), columns=list(SYSTEM_COLUMNS))
    systems["assessment_id"] = systems["assessment_id"].astype("Int64")
    latest = systems.dropna(subset=["assessment_id"])
    scores = pd.DataFrame(
        store.dimension_scores(latest["assessment_id"].astype(int).tolist()),
        columns=["assessment_id", "dimension", "score"],
    )
    scores.insert(
        0,
        "scope_id",
        scores["assessment_id"].map(
            pd.Series(latest["scope_id"].to_numpy(), index=latest["assessment_id"].to_numpy())
        ),
    )
    scores = scores.drop(columns="assessment_id")
    verdicts = pd.DataFrame(store.final_verdicts(), columns=["scope_id", "date", "verdict"])
    verdicts = verdicts.sort_values("date", kind="stable")  # the trend takes each quarter's last
    if stored:
        systems, scores, verdicts = _patch(systems, scores, verdicts, stored, fresh)
    # the same column types with no rows as with many: an empty portfolio rolls up too
    systems = systems.astype(
        {"scope_id": "int64", "organisation_id": "int64", "drafts": "int64",
         "blockers": "Int64", "readiness": "float64", "score": "float64"}
    )  # fmt: skip
    scores = scores.astype({"scope_id": "int64", "score": "float64"})
    verdicts = verdicts.astype({"scope_id": "int64"})
    first = stages[0] if stages else ""
    since = pd.to_datetime(systems["stage_since"].str[:10], errors="coerce", format="%Y-%m-%d")
    systems["days_in_stage"] = (pd.Timestamp(today) - since).dt.days.astype("Int64")
    over = (systems["days_in_stage"] > days).fillna(False).astype(bool)
    systems["stuck"] = (systems["stage"] == first) & over
    systems["verdict"] = systems["verdict"].fillna(NOT_ASSESSED)
    systems["unit"] = systems["unit"].fillna("")
    return PortfolioData(systems, scores, verdicts, first, days)


def _patch(systems, scores, verdicts, rounds: list[Assessment], fresh: dict[int, dict]):
    """Summaries computed on this read that the database could not keep (read-only)."""
    ids = {a.id: a for a in rounds}
    s = pd.DataFrame.from_dict(
        {aid: {k: fresh[aid][k] for k in ("verdict", "blockers", "readiness", "score")}
         for aid in ids}, orient="index",
    )  # fmt: skip
    pick = systems["assessment_id"].isin(list(ids))
    for col in s.columns:
        systems.loc[pick, col] = systems.loc[pick, "assessment_id"].map(s[col])
    latest = systems.loc[pick, ["scope_id", "assessment_id"]]
    extra = [
        (sid, dim, value)
        for sid, aid in latest.itertuples(index=False)
        for dim, value in fresh[aid]["dimensions"].items()
        if value is not None
    ]
    scores = pd.concat([scores, pd.DataFrame(extra, columns=scores.columns)], ignore_index=True)
    more = [(a.scope_id, a.date, fresh[a.id]["verdict"]) for a in rounds]
    verdicts = pd.concat([verdicts, pd.DataFrame(more, columns=verdicts.columns)])
    return systems, scores, verdicts.sort_values("date", kind="stable")


def filter_systems(
    systems: pd.DataFrame,
    *,
    units: list[str] | None = None,
    stages: list[str] | None = None,
    tiers: list[str] | None = None,
    verdicts: list[str] | None = None,
) -> pd.DataFrame:
    """The systems that match every filter given (an empty or None filter keeps all)."""
    keep = pd.Series(True, index=systems.index)
    for column, wanted in (("unit", units), ("stage", stages), ("tier", tiers),
                           ("verdict", verdicts)):  # fmt: skip
        if wanted:
            keep &= systems[column].isin(wanted)
    return systems[keep]


def headline(systems: pd.DataFrame, stages: list[str]) -> dict[str, int]:
    """Headline counts; verdicts are those of final rounds only (a draft is no verdict)."""
    return {
        "systems": len(systems),
        "assessed": int((systems["verdict"] != NOT_ASSESSED).sum()),
        "ready": int((systems["verdict"] == "ready").sum()),
        "stuck_in_pilot": int(systems["stuck"].sum()),
        "beyond_pilot": int(systems["stage"].isin(stages[1:]).sum()),
        "drafts": int((systems["drafts"] > 0).sum()),
    }


def heatmap(data: PortfolioData, systems: pd.DataFrame, dimensions: list[str]) -> pd.DataFrame:
    """Systems x dimensions: the latest final round's dimension scores (NaN: not scored)."""
    scores = data.scores[data.scores["scope_id"].isin(systems["scope_id"])]
    wide = scores.set_index(["scope_id", "dimension"])["score"].unstack("dimension")
    wide = wide.reindex(index=systems["scope_id"], columns=dimensions).astype(float)
    wide.index = pd.Index(systems["name"].to_list(), name="system")
    return wide


def unit_rollup(data: PortfolioData, systems: pd.DataFrame, dimensions: list[str]) -> pd.DataFrame:
    """Per unit and dimension: the mean score over its assessed systems, with the spread
    (lowest, highest, standard deviation) and how many systems it rests on."""
    scores = data.scores.merge(systems[["scope_id", "unit"]], on="scope_id")
    scores["unit"] = scores["unit"].replace("", "(no unit)")
    out = scores.groupby(["unit", "dimension"])["score"].agg(
        mean="mean", low="min", high="max", sd="std", systems="count"
    )
    order = {d: i for i, d in enumerate(dimensions)}
    out = out.reset_index()
    out["_order"] = out["dimension"].map(order)
    return out.sort_values(["unit", "_order"]).drop(columns="_order").reset_index(drop=True)


def unit_heatmap(rollup: pd.DataFrame, dimensions: list[str]) -> pd.DataFrame:
    """Units x dimensions of the roll-up's mean scores."""
    wide = rollup.set_index(["unit", "dimension"])["mean"].unstack("dimension")
    return wide.reindex(columns=dimensions).astype(float)


def trend(data: PortfolioData, systems: pd.DataFrame) -> pd.DataFrame:
    """Per quarter: how many systems had a final round by then, and the share whose latest
    final round by the end of that quarter was ready for its target (the next stage)."""
    v = data.verdicts[data.verdicts["scope_id"].isin(systems["scope_id"])].copy()
    columns = ["quarter", "assessed", "ready", "share"]
    if v.empty:
        return pd.DataFrame(columns=columns)
    v["quarter"] = pd.PeriodIndex(
        pd.to_datetime(v["date"], errors="coerce", format="%Y-%m-%d"), freq="Q"
    )
    v = v.dropna(subset=["quarter"])
    v["ready"] = (v["verdict"] == "ready").astype(float)
    last = v.groupby(["scope_id", "quarter"])["ready"].last().unstack("quarter")
    end = last.columns.max()
    quarters = pd.period_range(max(last.columns.min(), end - (TREND_QUARTERS - 1)), end, freq="Q")
    # a round before the window still says where a system stood when the window opens
    before = last.loc[:, last.columns < quarters[0]].ffill(axis=1)
    grid = last.reindex(columns=quarters)
    if not before.empty:
        grid[quarters[0]] = grid[quarters[0]].fillna(before.iloc[:, -1])
    grid = grid.ffill(axis=1)
    out = pd.DataFrame(
        {
            "quarter": [f"{q.year} Q{q.quarter}" for q in quarters],
            "assessed": grid.notna().sum().to_numpy(),
            "ready": grid.sum().to_numpy().astype(int),
        }
    )
    out["share"] = out["ready"] / out["assessed"].where(out["assessed"] > 0)
    return out
