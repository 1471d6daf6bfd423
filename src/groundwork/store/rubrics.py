"""Rubric texts, stored once each under their sha256."""

from __future__ import annotations

from sqlite_utils.db import NotFoundError

from groundwork.rubric import Rubric, parse_rubric
from groundwork.rubric_cache import compile_rubric, from_compiled
from groundwork.store.base import StoreBase
from groundwork.store.connection import now

_RUBRICS: dict[str, Rubric] = {}  # sha256 -> parsed rubric; a hash names one text forever


class Rubrics(StoreBase):
    def save_rubric(self, rubric: Rubric) -> str:
        with self.write() as db:
            if not db["rubrics"].count_where("sha256 = ?", [rubric.sha256]):
                db["rubrics"].insert(
                    {
                        "sha256": rubric.sha256,
                        "rubric_id": rubric.id,
                        "version": rubric.version,
                        "title": rubric.title,
                        "source": rubric.source,
                        "compiled": compile_rubric(rubric),
                        "added_at": now(),
                    }
                )
        return rubric.sha256

    def rubric(self, sha256: str) -> Rubric:
        if sha256 not in _RUBRICS:
            row = self._row(
                "select rubric_id, source, compiled from rubrics where sha256 = ?", [sha256]
            )
            if row is None:
                raise NotFoundError(sha256)
            compiled = row["compiled"] and from_compiled(row["compiled"], row["source"])
            # stored only once parsed and validated: libyaml may read it (see parse_rubric)
            _RUBRICS[sha256] = compiled or parse_rubric(
                row["source"], f"stored rubric {row['rubric_id']}", validated=True
            )
        return _RUBRICS[sha256]

    def rubrics(self) -> list[dict]:
        return list(
            self.db.query(
                "select sha256, rubric_id, version, title, added_at from rubrics order by added_at"
            )
        )
