"""Importers for maturity models an organisation already uses (OWASP SAMM, DSOMM).

Each importer is pure: it reads the model's own files, handed over as text, and returns
a rubric as data plus the list of the model's fields it could not carry. Nothing here
touches the store or the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml


class ModelError(ValueError):
    """A model's files that cannot be imported, with where and why."""


@dataclass
class Imported:
    """A rubric made from a model, and what of the model it leaves behind."""

    rubric: dict[str, Any]
    not_carried: list[str] = field(default_factory=list)

    def to_yaml(self) -> str:
        """The rubric as YAML, in the order a reader expects (not sorted)."""
        head = "# Imported from " + self.rubric.get("origin", {}).get("model", "a model") + "\n"
        return head + yaml.safe_dump(
            self.rubric, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
        )


def slug(text: str, limit: int = 60) -> str:
    """An id made from a name: lower case, words joined by hyphens."""
    words = re.sub(r"[^0-9a-z]+", "-", str(text).lower()).strip("-")
    return (words[:limit].rstrip("-")) or "x"


def text_of(value: Any) -> str:
    """A model's field as text ('' for nothing), without surrounding blank space."""
    if value is None:
        return ""
    if isinstance(value, bool):  # YAML 1.1 reads an unquoted No as false
        return "Yes" if value else "No"
    return str(value).strip()


def leftovers(found: dict[str, int], where: str) -> list[str]:
    """'where.field: N values' lines for the fields an importer could not carry."""
    return [f"{where}.{key}: {n} value{'s' if n != 1 else ''}" for key, n in found.items() if n]
