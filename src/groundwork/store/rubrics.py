"""Rubric texts, stored once each under their sha256."""

from __future__ import annotations

from sqlite_utils.db import NotFoundError

from groundwork.rubric import Rubric, parse_rubric
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
                        "added_at": now(),
                    }
                )
        return rubric.sha256

    def rubric(self, sha256: str) -> Rubric:
        if sha256 not in _RUBRICS:
            row = self._row("select rubric_id, source from rubrics where sha256 = ?", [sha256])
            if row is None:
                raise NotFoundError(sha256)
            # stored only once parsed and validated: libyaml may read it (see parse_rubric)
            _RUBRICS[sha256] = parse_rubric(
                row["source"], f"stored rubric {row['rubric_id']}", validated=True
            )
        return _RUBRICS[sha256]

    def rubrics(self) -> list[dict]:
        return list(
            self.db.query(
                "select sha256, rubric_id, version, title, added_at from rubrics order by added_at"
            )
        )
