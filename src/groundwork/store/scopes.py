"""Organisations (with their branding), units and systems."""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from typing import Any

from sqlite_utils.db import NotFoundError

from groundwork.limits import MAX_LOGO_BYTES, MAX_LOGO_SIDE
from groundwork.store.base import StoreBase
from groundwork.store.connection import StoreError, now
from groundwork.store.records import Scope, _required, _scope


class Scopes(StoreBase):
    def create_organisation(self, name: str, who: str = "") -> int:
        name = _required(name, "organisation name")
        with self.write() as db:
            if db["organisations"].count_where("name = ?", [name]):
                raise StoreError(f"an organisation called '{name}' already exists")
            org_id = db["organisations"].insert({"name": name, "created_at": now()}).last_pk
            db["scopes"].insert(
                {
                    "organisation_id": org_id,
                    "kind": "organisation",
                    "name": name,
                    "created_at": now(),
                }
            )
            self._audit(who, "create", "organisation", org_id, "name", None, name)
        return int(org_id)

    def organisations(self) -> list[dict]:
        return list(self.db["organisations"].rows_where(order_by="name"))

    def set_branding(
        self,
        organisation_id: int,
        *,
        accent: str | None = None,
        logo: bytes | None = None,
        who: str = "",
    ) -> None:
        """The accent colour and logo used on the organisation's exported workbooks.

        The logo is checked to be a real PNG or JPEG image and kept beside the database.
        """
        changes: dict[str, Any] = {}
        if accent is not None:
            if not re.fullmatch(r"#[0-9A-Fa-f]{6}", accent.strip()):
                raise StoreError("the accent colour must look like #1D4ED8")
            changes["accent"] = accent.strip().upper()
        if logo is not None:
            changes["logo"] = str(self._save_logo(organisation_id, logo))
        with self.write() as db:
            try:
                old = db["organisations"].get(organisation_id)
            except NotFoundError:
                raise StoreError(f"no organisation with id {organisation_id}") from None
            db["organisations"].update(organisation_id, changes)
            for key, value in changes.items():
                self._audit(
                    who, "update", "organisation", organisation_id, key, old.get(key), value
                )

    def _save_logo(self, organisation_id: int, data: bytes) -> Path:
        from PIL import Image, UnidentifiedImageError

        if len(data) > MAX_LOGO_BYTES:
            raise StoreError(f"the logo is larger than {MAX_LOGO_BYTES // 1_000_000} MB")
        limit = f"{MAX_LOGO_SIDE}×{MAX_LOGO_SIDE} pixels: scale it down"
        too_big = f"the logo is over {limit}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                # open() reads only the header; the size is checked before any decoding
                with Image.open(io.BytesIO(data)) as image:
                    kind = image.format
                    width, height = image.size
                    if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE:
                        raise StoreError(f"the logo is {width}×{height}, over {limit}")
                    image.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise StoreError(too_big) from None
        except (UnidentifiedImageError, OSError, SyntaxError):
            raise StoreError("the logo is not a readable PNG or JPEG image") from None
        if kind not in ("PNG", "JPEG"):
            raise StoreError(f"the logo must be a PNG or JPEG image, not {kind}")
        folder = self.path.parent / "logos"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"organisation-{organisation_id}.{'png' if kind == 'PNG' else 'jpg'}"
        path.write_bytes(data)
        return path

    def create_scope(
        self,
        organisation_id: int,
        kind: str,
        name: str,
        *,
        parent_id: int | None = None,
        stage: str | None = None,
        tier: str | None = None,
        description: str = "",
        who: str = "",
        created_at: str | None = None,
    ) -> int:
        """A unit or system; ``created_at`` (ISO 8601) back-dates it, as an import of an
        older portfolio does: a system's time in its stage counts from it."""
        if kind not in ("unit", "system"):
            raise StoreError(f"a scope is a unit or a system, not '{kind}'")
        name = _required(name, f"{kind} name")
        with self.write() as db:
            if parent_id is None:
                parent_id = self.organisation_scope(organisation_id).id
            elif self.scope_row(parent_id)["organisation_id"] != organisation_id:
                raise StoreError("the unit belongs to another organisation")
            scope_id = (
                db["scopes"]
                .insert(
                    {
                        "organisation_id": organisation_id,
                        "parent_id": parent_id,
                        "kind": kind,
                        "name": name,
                        "description": description,
                        "stage": stage,
                        "tier": tier,
                        "created_at": created_at or now(),
                    }
                )
                .last_pk
            )
            self._audit_fields(who, "create", "scope", scope_id, [("name", None, name)], created_at)
        return int(scope_id)

    def update_scope(self, scope_id: int, who: str = "", **fields: Any) -> None:
        allowed = {"name", "description", "stage", "tier", "parent_id"}
        unknown = set(fields) - allowed
        if unknown:
            raise StoreError(f"cannot change {', '.join(sorted(unknown))} of a scope")
        if "name" in fields:
            fields["name"] = _required(fields["name"], "name")
        with self.write() as db:
            old = self.scope_row(scope_id)
            if fields.get("parent_id") is not None:
                self._check_parent(old, fields["parent_id"])
            changes = {k: v for k, v in fields.items() if old.get(k) != v}
            if not changes:
                return
            db["scopes"].update(scope_id, changes)
            if old["kind"] == "organisation" and "name" in changes:
                db["organisations"].update(old["organisation_id"], {"name": changes["name"]})
            for key, value in changes.items():
                self._audit(who, "update", "scope", scope_id, key, old.get(key), value)

    def scope_row(self, scope_id: int) -> dict:
        # plain prepared SQL: a table's .get() reads its schema first, on every call
        row = self._row("select * from scopes where id = ?", [scope_id])
        if row is None:
            raise StoreError(f"no scope with id {scope_id}")
        return row

    def _check_parent(self, scope: dict, parent_id: int) -> None:
        parent = self.scope_row(parent_id)
        if parent["organisation_id"] != scope["organisation_id"]:
            raise StoreError("a scope can only move within its organisation")
        current: dict | None = parent
        while current is not None:
            if current["id"] == scope["id"]:
                raise StoreError(f"'{scope['name']}' cannot sit inside itself")
            current = self.scope_row(current["parent_id"]) if current["parent_id"] else None

    def scope(self, scope_id: int) -> Scope:
        return _scope(self.scope_row(scope_id))

    def scopes(self, organisation_id: int | None = None, kind: str | None = None) -> list[Scope]:
        where, args = [], []
        if organisation_id is not None:
            where.append("organisation_id = ?")
            args.append(organisation_id)
        if kind:
            where.append("kind = ?")
            args.append(kind)
        rows = self.db["scopes"].rows_where(" and ".join(where) or None, args, order_by="id")
        return [_scope(r) for r in rows]

    def organisation_scope(self, organisation_id: int) -> Scope:
        rows = list(
            self.db["scopes"].rows_where(
                "organisation_id = ? and kind = 'organisation'", [organisation_id]
            )
        )
        if not rows:
            raise StoreError(f"no organisation with id {organisation_id}")
        return _scope(rows[0])

    def scope_paths(self) -> dict[int, str]:
        """Every scope's 'Org / Unit / System' from one read of the scopes (a picker of
        thousands of systems asks for them all at once)."""
        rows = self.db.execute("select id, parent_id, name from scopes").fetchall()
        parent = {sid: pid for sid, pid, _ in rows}
        name = {sid: n for sid, _, n in rows}
        paths: dict[int, str] = {}
        for sid in name:
            names, current, seen = [], sid, set()
            while current is not None and current in name and current not in seen:
                seen.add(current)
                names.append(name[current])
                current = parent[current]
            paths[sid] = " / ".join(reversed(names))
        return paths

    def scope_path(self, scope_id: int) -> str:
        """'Org / Unit / System', for headings and exports."""
        names, current = [], self.scope(scope_id)
        while True:
            names.append(current.name)
            if current.parent_id is None:
                break
            current = self.scope(current.parent_id)
        return " / ".join(reversed(names))
