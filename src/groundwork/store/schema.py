"""The schema, as sqlite-utils migrations applied in order."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from groundwork.rubric import parse_rubric
from groundwork.rubric_cache import compile_rubric

migrations = Migrations("groundwork")
WORKSHOP_CLOSED = "the workshop is closed"  # what the database says to a late answer


@migrations(transactional=False)
def m001_wal(db: Database) -> None:
    db.enable_wal()


@migrations()
def m002_schema(db: Database) -> None:
    db["organisations"].create(
        {"id": int, "name": str, "accent": str, "logo": str, "created_at": str},
        pk="id",
        not_null={"name", "created_at"},
    )
    db["organisations"].create_index(["name"], unique=True)
    db["scopes"].create(
        {
            "id": int,
            "organisation_id": int,
            "parent_id": int,
            "kind": str,
            "name": str,
            "description": str,
            "stage": str,
            "tier": str,
            "created_at": str,
        },
        pk="id",
        not_null={"organisation_id", "kind", "name", "created_at"},
        foreign_keys=[("organisation_id", "organisations", "id"), ("parent_id", "scopes", "id")],
    )
    db["scopes"].create_index(["organisation_id", "parent_id"])
    db["rubrics"].create(
        {
            "sha256": str,
            "rubric_id": str,
            "version": str,
            "title": str,
            "source": str,
            "added_at": str,
        },
        pk="sha256",
        not_null={"rubric_id", "version", "source", "added_at"},
    )
    db["assessments"].create(
        {
            "id": int,
            "scope_id": int,
            "label": str,
            "stage": str,
            "tier": str,
            "rubric_sha256": str,
            "rubric_id": str,
            "rubric_version": str,
            "status": str,
            "based_on": int,
            "created_by": str,
            "created_at": str,
            "updated_at": str,
            "finalised_at": str,
        },
        pk="id",
        not_null={"scope_id", "stage", "tier", "rubric_sha256", "status", "created_at"},
        foreign_keys=[
            ("scope_id", "scopes", "id"),
            ("rubric_sha256", "rubrics", "sha256"),
            ("based_on", "assessments", "id"),
        ],
    )
    db["assessments"].create_index(["scope_id", "created_at"])
    db["participants"].create(
        {"id": int, "assessment_id": int, "name": str, "role": str, "created_at": str},
        pk="id",
        not_null={"assessment_id", "name", "role", "created_at"},
        foreign_keys=[("assessment_id", "assessments", "id")],
    )
    db["participants"].create_index(["assessment_id", "name"], unique=True)
    db["answers"].create(
        {
            "assessment_id": int,
            "participant_id": int,
            "question_id": str,
            "value": str,
            "confidence": int,
            "evidence": str,
            "notes": str,
            "answered_by": str,
            "answered_at": str,
        },
        pk=("assessment_id", "participant_id", "question_id"),
        not_null={"value", "answered_at"},
        foreign_keys=[
            ("assessment_id", "assessments", "id"),
            ("participant_id", "participants", "id"),
        ],
    )
    db["roadmap_items"].create(
        {
            "scope_id": int,
            "item_id": str,
            "owner": str,
            "start": str,
            "due": str,
            "status": str,
            "notes": str,
            "updated_by": str,
            "updated_at": str,
        },
        pk=("scope_id", "item_id"),
        foreign_keys=[("scope_id", "scopes", "id")],
    )
    db["audit_log"].create(
        {
            "id": int,
            "at": str,
            "who": str,
            "action": str,
            "entity": str,
            "entity_id": str,
            "field": str,
            "old_value": str,
            "new_value": str,
        },
        pk="id",
        not_null={"at", "action", "entity"},
    )
    db["audit_log"].create_index(["entity", "entity_id"])


@migrations()
def m003_answer_versions(db: Database) -> None:
    """Each answer carries a version, so a save based on an older one is not applied silently.

    Answers stored before this migration start at version 1.
    """
    db["answers"].add_column("version", int, not_null_default=1)


@migrations()
def m004_roadmap_plans(db: Database) -> None:
    """Each scope's roadmap keeps the start of its wave 1, so its calendar does not drift."""
    db["roadmap_plans"].create(
        {"scope_id": int, "start": str, "updated_by": str, "updated_at": str},
        pk="scope_id",
        not_null={"start"},
        foreign_keys=[("scope_id", "scopes", "id")],
    )


@migrations()
def m005_round_summaries(db: Database) -> None:
    """A final round's verdict, readiness, score, blocker count and dimension scores, so
    the portfolio reads them instead of scoring every round again.

    Rounds finalised before this migration get theirs the first time they are shown.
    """
    db["round_summaries"].create(
        {
            "assessment_id": int,
            "scoring_version": str,
            "verdict": str,
            "blockers": int,
            "readiness": float,
            "score": float,
            "dimensions": str,  # JSON: dimension id -> score
            "computed_at": str,
        },
        pk="assessment_id",
        not_null={"scoring_version", "verdict", "blockers", "dimensions", "computed_at"},
        foreign_keys=[("assessment_id", "assessments", "id")],
    )


@migrations()
def m006_users(db: Database) -> None:
    """People who sign in: a unique login (the name, case-folded), an optional unique email
    (how single sign-on finds them), a role, and an argon2id hash (none: sign-on only)."""
    db["users"].create(
        {
            "id": int,
            "name": str,
            "login": str,
            "email": str,
            "role": str,
            "password_hash": str,
            "disabled": int,
            "created_by": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"name", "login", "email", "role", "disabled", "created_at", "updated_at"},
        defaults={"email": "", "disabled": 0},
    )
    db["users"].create_index(["login"], unique=True)
    db.execute("create unique index users_email on users (email) where email != ''")


@migrations()
def m007_workshops(db: Database) -> None:
    """Workshops on a round: a join code, participants who hold a token (stored hashed),
    the dimensions revealed (and their timers) and the consensus per question.

    Participants' answers live in ``answers`` like every other answer, keyed by their
    row in ``participants``.
    """
    db["workshops"].create(
        {
            "id": int,
            "assessment_id": int,
            "code": str,
            "status": str,  # open, closed, finalised
            "show_names": int,
            "created_by": str,
            "created_at": str,
            "expires_at": str,
            "closed_at": str,
        },
        pk="id",
        not_null={"assessment_id", "code", "status", "created_at", "expires_at"},
        foreign_keys=[("assessment_id", "assessments", "id")],
    )
    db["workshops"].create_index(["code", "status"])
    db["workshops"].create_index(["assessment_id"])
    db["workshop_participants"].create(
        {
            "participant_id": int,
            "workshop_id": int,
            "token_sha256": str,
            "alias": str,
            "joined_at": str,
        },
        pk="participant_id",
        not_null={"workshop_id", "token_sha256", "alias", "joined_at"},
        foreign_keys=[
            ("participant_id", "participants", "id"),
            ("workshop_id", "workshops", "id"),
        ],
    )
    db["workshop_participants"].create_index(["token_sha256"], unique=True)
    db["workshop_participants"].create_index(["workshop_id"])
    db["workshop_dimensions"].create(
        {
            "workshop_id": int,
            "dimension_id": str,
            "revealed_at": str,
            "revealed_by": str,
            "timer_started_at": str,
            "timer_minutes": int,
        },
        pk=("workshop_id", "dimension_id"),
        foreign_keys=[("workshop_id", "workshops", "id")],
    )
    db["workshop_consensus"].create(
        {
            "workshop_id": int,
            "question_id": str,
            "value": str,
            "rationale": str,
            "dissent": str,
            "set_by": str,
            "set_at": str,
        },
        pk=("workshop_id", "question_id"),
        not_null={"value", "set_at"},
        foreign_keys=[("workshop_id", "workshops", "id")],
    )
    # A participant of a workshop answers only while it is open: the database refuses any
    # other write of their answers, whichever way it comes.
    for event in ("insert", "update"):
        db.execute(
            f"create trigger answers_only_in_open_workshops_on_{event} before {event}"
            " on answers when exists (select 1 from workshop_participants wp join workshops w"
            " on w.id = wp.workshop_id where wp.participant_id = new.participant_id"
            " and (w.status != 'open' or w.expires_at <= new.answered_at))"
            f" begin select raise(abort, '{WORKSHOP_CLOSED}'); end"
        )


@migrations()
def m008_outcomes(db: Database) -> None:
    """The business outcomes that justify a system: a headline measure with its target, an
    optional counter-measure that must not get worse, and dated values of both."""
    db["outcomes"].create(
        {
            "id": int,
            "scope_id": int,
            "name": str,
            "unit": str,
            "direction": str,
            "baseline": float,
            "baseline_date": str,
            "target": float,
            "counter_name": str,
            "counter_unit": str,
            "counter_direction": str,
            "counter_baseline": float,
            "counter_baseline_date": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"scope_id", "name", "direction", "created_at", "updated_at"},
        foreign_keys=[("scope_id", "scopes", "id")],
    )
    db["outcomes"].create_index(["scope_id", "name"], unique=True)
    db["outcome_values"].create(
        {
            "outcome_id": int,
            "measure": str,  # headline or counter
            "date": str,
            "value": float,
            "recorded_by": str,
            "recorded_at": str,
        },
        pk=("outcome_id", "measure", "date"),
        not_null={"value", "recorded_at"},
        foreign_keys=[("outcome_id", "outcomes", "id")],
    )


_AUDIT_ANSWER_FIELD = (
    "insert into audit_log (at, who, action, entity, entity_id, field, old_value, new_value)"
    " select new.answered_at, new.answered_by, new.change, 'assessment',"
    " cast(new.assessment_id as text), new.question_id || '.{field}', {old},"
    " cast(new.{field} as text) where nullif({old}, '') is not nullif(new.{field}, '');"
)


@migrations()
def m009_answers_audit_themselves(db: Database) -> None:
    """Answers audit themselves and keep their round's ``updated_at``, in the database.

    Each answer row says how its version came about (``change``: answer, override or
    import). Triggers write one audit row per field an answer or override changed (who,
    when, old and new value) and move the round's ``updated_at``; an import is audited as
    a whole by the code that imports. Saving an answer is then one statement, atomic with
    its audit rows, and no write path can change an answer without them.
    """
    db["answers"].add_column("change", str)
    for event, old in (("insert", "null"), ("update", "cast(old.{field} as text)")):
        audit = " ".join(
            _AUDIT_ANSWER_FIELD.format(field=f, old=old.format(field=f))
            for f in ("value", "confidence", "evidence", "notes")
        )
        db.execute(
            f"create trigger answers_audit_on_{event} after {event} on answers"
            f" when new.change in ('answer', 'override') begin {audit} end"
        )
        db.execute(
            f"create trigger answers_touch_round_on_{event} after {event} on answers"
            " begin update assessments set updated_at = new.answered_at"
            " where id = new.assessment_id and updated_at < new.answered_at; end"
        )


@migrations()
def m010_compiled_rubrics(db: Database) -> None:
    """Each stored rubric keeps its data as JSON beside its text, so a server that has just
    started reads it in a millisecond instead of parsing its YAML again."""
    db["rubrics"].add_column("compiled", str)
    for row in db.query("select sha256, rubric_id, source from rubrics"):
        rubric = parse_rubric(row["source"], f"stored rubric {row['rubric_id']}", validated=True)
        db.execute(
            "update rubrics set compiled = ? where sha256 = ?",
            [compile_rubric(rubric), row["sha256"]],
        )


@migrations()
def m011_parent_scores(db: Database) -> None:
    """A round's summary keeps its parents' scores too (SAMM's business functions, DSOMM's
    dimensions), so History shows them without scoring every round again. Summaries
    stored before this carry an older scoring version and are recomputed when first read."""
    db["round_summaries"].add_column("parents", str)  # JSON: parent id -> score
