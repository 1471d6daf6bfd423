"""A round's workshop as Results and the workbook show it: the spread per question, the
consensus with its rationale and dissent, and the participants (by role unless the
facilitator chose to name them)."""

from __future__ import annotations

from dataclasses import dataclass

from groundwork import workshop
from groundwork.rubric import Rubric
from groundwork.store import Consensus, Store, Workshop


@dataclass(frozen=True)
class WorkshopView:
    workshop: Workshop
    rubric: Rubric
    labels: list[str]  # one per participant, in joining order
    roles: list[str]
    answered: list[int]
    spreads: list[workshop.Spread]  # rubric order
    consensus: dict[str, Consensus]
    matrix: list[list[int | None]]  # participants x rubric questions: levels only
    given: list[list[int | str | None]]  # the same with N/A and don't know

    @property
    def disagreements(self) -> list[workshop.Spread]:
        """Flagged questions, and any with a dissent recorded, in rubric order."""
        return [
            s
            for s in self.spreads
            if s.flagged
            or (s.question_id in self.consensus and self.consensus[s.question_id].dissent)
        ]


def workshop_view(store: Store, assessment_id: int) -> WorkshopView | None:
    """The round's latest workshop that anyone joined, or None."""
    found = [w for w in store.workshops(assessment_id) if store.members(w.id)]
    if not found:
        return None
    w = found[-1]
    rubric = store.rubric(store.assessment(assessment_id).rubric_sha256)
    members = store.members(w.id)
    room = {
        pid: {q: a.value for q, a in ans.items()} for pid, ans in store.room_answers(w.id).items()
    }
    ids = [q.id for q in rubric.questions]
    people = [m.participant_id for m in members]
    return WorkshopView(
        workshop=w,
        rubric=rubric,
        labels=workshop.participant_labels([(m.alias, m.role) for m in members], w.show_names),
        roles=[m.role for m in members],
        answered=[m.answered for m in members],
        spreads=workshop.spreads(ids, room, rubric.levels),
        consensus=store.consensus(w.id),
        matrix=workshop.level_matrix(ids, people, room),
        given=[[room.get(p, {}).get(qid) for qid in ids] for p in people],
    )
