"""The schema, as sqlite-utils migrations applied in order."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("groundwork")


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
