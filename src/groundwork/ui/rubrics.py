"""How a rubric reads in a list of choices: two files with the same title and version but
different content are told apart by the date each was added and a short content hash."""

from __future__ import annotations

from groundwork.rubric import Rubric


def choice_label(title: str, version: str, sha256: str, added_at: str | None = None) -> str:
    """'GenAI production readiness 1.0 · added 2026-11-02 · 3f2a9c1e'."""
    when = f"added {added_at[:10]}" if added_at else "not stored yet"
    return f"{title} {version} · {when} · {sha256[:8]}"


def choices(stored: list[dict], default: Rubric) -> dict[str, str]:
    """sha256 -> label for every stored rubric, the default first (marked as such)."""
    labels = {
        r["sha256"]: choice_label(r["title"], r["version"], r["sha256"], r["added_at"])
        for r in stored
    }
    first = labels.get(default.sha256) or choice_label(
        default.title, default.version, default.sha256
    )
    return {
        default.sha256: f"{first} (default)",
        **{k: v for k, v in labels.items() if k != default.sha256},
    }
