"""Each scope's roadmap: the start of wave 1 and the state of each item."""

from __future__ import annotations

import datetime as dt
from typing import Any

from groundwork.limits import text_problem
from groundwork.store.base import StoreBase
from groundwork.store.connection import StoreError, now
from groundwork.store.records import ROADMAP_FIELDS, ROADMAP_STATUSES


class Roadmap(StoreBase):
    def roadmap_state(self, scope_id: int) -> dict[str, dict]:
        rows = self.db["roadmap_items"].rows_where("scope_id = ?", [scope_id])
        return {r["item_id"]: r for r in rows}

    def roadmap_start(self, scope_id: int) -> dt.date | None:
        """The start of wave 1 chosen for this scope's roadmap, if one was chosen."""
        row = next(iter(self.db["roadmap_plans"].rows_where("scope_id = ?", [scope_id])), None)
        return dt.date.fromisoformat(row["start"]) if row else None

    def set_roadmap_start(self, scope_id: int, start: dt.date, who: str = "") -> bool:
        """Keep ``start`` as the start of wave 1 of the scope's roadmap; True if it changed."""
        if not isinstance(start, dt.date):
            raise StoreError("the start of wave 1 must be a date")
        self.scope_row(scope_id)
        with self.write() as db:
            old = self.roadmap_start(scope_id)
            if old == start:
                return False
            db["roadmap_plans"].upsert(
                {
                    "scope_id": scope_id,
                    "start": start.isoformat(),
                    "updated_by": who,
                    "updated_at": now(),
                },
                pk="scope_id",
            )
            self._audit(
                who,
                "roadmap",
                "scope",
                scope_id,
                "start",
                old.isoformat() if old else None,
                start.isoformat(),
            )
        return True

    def save_roadmap_item(
        self, scope_id: int, item_id: str, who: str = "", at: str | None = None, **fields: Any
    ) -> bool:
        """Change the given fields of one item; ``at`` dates the change (imports and the
        demo record work done earlier), else now. True if anything changed. Audited."""
        unknown = set(fields) - set(ROADMAP_FIELDS)
        if unknown:
            raise StoreError(f"unknown roadmap field(s): {', '.join(sorted(unknown))}")
        problem = text_problem(f"{item_id} notes", fields.get("notes"))
        if problem:
            raise StoreError(problem)
        if "status" in fields and fields["status"] not in ROADMAP_STATUSES:
            raise StoreError(f"status must be one of: {', '.join(ROADMAP_STATUSES)}")
        for key in ("start", "due"):
            if fields.get(key):
                try:
                    fields[key] = dt.date.fromisoformat(str(fields[key])).isoformat()
                except ValueError:
                    raise StoreError(f"{key} must be a date, YYYY-MM-DD") from None
        with self.write():
            old = self._row(
                "select * from roadmap_items where scope_id = ? and item_id = ?",
                [scope_id, item_id],
            )
            old = old or {}
            changes = {k: v for k, v in fields.items() if (old.get(k) or None) != (v or None)}
            if not changes:
                return False
            stamp = at or now()
            row = {**changes, "updated_by": who, "updated_at": stamp}
            columns = ["scope_id", "item_id", *row]  # only the fields given: the rest stay
            self.db.conn.execute(
                f"insert into roadmap_items ({', '.join(columns)})"
                f" values ({', '.join('?' * len(columns))})"
                " on conflict (scope_id, item_id) do update set "
                + ", ".join(f"{c} = excluded.{c}" for c in row),
                [scope_id, item_id, *row.values()],
            )
            self._audit_fields(
                who,
                "roadmap",
                "scope",
                scope_id,
                [(f"{item_id}.{k}", old.get(k), v) for k, v in changes.items()],
                at=stamp,
            )
        return True

    def save_roadmap_items(
        self, scope_id: int, edits: dict[str, dict[str, Any]], who: str = ""
    ) -> None:
        """Several items' edits in one transaction: all are stored, or none."""
        with self.write():
            for item_id, fields in edits.items():
                self.save_roadmap_item(scope_id, item_id, who=who, **fields)

    def roadmap_done(self, scope_id: int, after: str | None, until: str | None) -> dict[str, str]:
        """The items of a scope's roadmap marked done after ``after`` and still done at
        ``until`` (ISO timestamps; None: no bound), with when they were marked done: the
        work between two rounds, read from the audit log of status changes."""
        rows = self.db.execute(
            "select substr(field, 1, length(field) - 7), new_value, at from ("
            "select field, new_value, at, row_number() over"
            " (partition by field order by at desc, id desc) as newest from audit_log"
            " where entity = 'scope' and entity_id = ? and action = 'roadmap'"
            " and field like '%.status' and at <= ?) where newest = 1 and new_value = 'done'"
            " and at > ?",
            [str(scope_id), until or "9999", after or ""],
        ).fetchall()
        return {item: at for item, _, at in rows}
