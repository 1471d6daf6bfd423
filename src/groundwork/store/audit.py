"""Who changed what, and when: read from the audit log every write appends to."""

from __future__ import annotations

from typing import Any

from groundwork.store.base import StoreBase


class AuditLog(StoreBase):
    def people(self) -> set[str]:
        """Everyone the audit log names: a database only the demo wrote names only it."""
        if not self.db["audit_log"].exists():
            return set()
        return {r["who"] for r in self.db.query("select distinct who from audit_log")}

    def audit_log(self, entity: str | None = None, entity_id: Any = None) -> list[dict]:
        where, args = [], []
        if entity:
            where.append("entity = ?")
            args.append(entity)
        if entity_id is not None:
            where.append("entity_id = ?")
            args.append(str(entity_id))
        return list(
            self.db["audit_log"].rows_where(" and ".join(where) or None, args, order_by="id")
        )
