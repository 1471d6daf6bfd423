"""Read-only queries behind the portfolio: one row per system, its latest final round's
summary, its dimension scores and every final verdict, each in one statement."""

from __future__ import annotations

import json

from groundwork.scoring import SCORING_VERSION
from groundwork.store.base import StoreBase
from groundwork.store.records import Assessment

# each scope's newest final round, found by walking the (scope_id, created_at) index back
# from its end: a window over every round sorted them all first (8x slower at 6,000 rounds)
_LATEST_FINAL = (
    "latest_final as (select a.id, a.scope_id, a.label, a.stage, a.created_at,"
    " a.finalised_at from scopes s join assessments a on a.id = (select x.id from"
    " assessments x where x.scope_id = s.id and x.status = 'final'"
    " order by x.created_at desc, x.id desc limit 1))"
)


SYSTEM_COLUMNS = (
    "scope_id", "organisation_id", "name", "stage", "tier", "unit", "stage_since", "drafts",
    "assessment_id", "round", "target", "date", "verdict", "blockers", "readiness", "score",
)  # fmt: skip


class Portfolio(StoreBase):
    def data_version(self) -> tuple:
        """Changes whenever anything is written (every write is audited; a saved answer
        moves its round's ``updated_at``): the key of cached portfolio data."""
        return tuple(
            self.db.conn.execute(
                "select (select max(id) from audit_log), (select max(updated_at) from"
                " assessments), (select count(*) from scopes)"
            ).fetchone()
        )

    def unsummarised_final_rounds(self) -> list[Assessment]:
        """Final rounds without a summary of the current scoring version (finalised before
        summaries were kept, or scored by an older version)."""
        rows = self.db.query(
            "select a.* from assessments a left join round_summaries s on s.assessment_id = a.id"
            " and s.scoring_version = ? where a.status = 'final' and s.assessment_id is null",
            [SCORING_VERSION],
        )
        return [Assessment(**r) for r in rows]

    def portfolio_systems(self) -> list[tuple]:
        """Every AI system with its unit, since when it is in its stage (the last audited
        stage change, else its creation), open drafts, and its latest final round: rows
        of :data:`SYSTEM_COLUMNS`."""
        return self.db.conn.execute(
            f"with {_LATEST_FINAL},"
            " drafts as (select scope_id, count(*) as drafts from assessments"
            " where status = 'draft' group by scope_id),"
            " moved as (select entity_id, max(at) as at from audit_log where entity = 'scope'"
            " and field = 'stage' group by entity_id)"
            " select s.id as scope_id, s.organisation_id, s.name, s.stage, s.tier,"
            " case when p.kind = 'unit' then p.name else '' end as unit,"
            " coalesce(moved.at, s.created_at) as stage_since,"
            " coalesce(d.drafts, 0) as drafts, f.id as assessment_id, f.label as round,"
            " f.stage as target, substr(coalesce(f.finalised_at, f.created_at), 1, 10)"
            " as date, r.verdict, r.blockers, r.readiness, r.score"
            " from scopes s left join scopes p on p.id = s.parent_id"
            " left join latest_final f on f.scope_id = s.id"
            " left join round_summaries r on r.assessment_id = f.id"
            " and r.scoring_version = ?"
            " left join drafts d on d.scope_id = s.id"
            " left join moved on moved.entity_id = cast(s.id as text)"
            " where s.kind = 'system' order by s.id",
            [SCORING_VERSION],
        ).fetchall()

    def dimension_scores(self, assessment_ids: list[int]) -> list[tuple]:
        """(assessment id, dimension id, score) from the stored summaries of these rounds
        (one statement: the ids travel as one JSON array)."""
        return self.db.conn.execute(
            "select r.assessment_id, j.key, j.value from round_summaries r,"
            " json_each(r.dimensions) j where r.assessment_id in"
            " (select value from json_each(?)) and r.scoring_version = ?"
            " and j.value is not null",
            [json.dumps(assessment_ids), SCORING_VERSION],
        ).fetchall()

    def final_verdicts(self) -> list[tuple]:
        """(scope id, date, verdict) of every final round (in no order; the caller keeps
        those of the systems it shows)."""
        return self.db.conn.execute(
            "select a.scope_id, substr(coalesce(a.finalised_at, a.created_at), 1, 10),"
            " r.verdict from assessments a join round_summaries r on r.assessment_id = a.id"
            " and r.scoring_version = ? where a.status = 'final'",
            [SCORING_VERSION],
        ).fetchall()
