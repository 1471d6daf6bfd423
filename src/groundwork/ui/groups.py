"""Scores above and within dimensions, for a rubric that has them: each parent (a SAMM
business function, a DSOMM dimension) and each group (a SAMM stream, a DSOMM level)."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from groundwork.scoring import Scorecard


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def group_table(card: Scorecard) -> pd.DataFrame | None:
    """One row per dimension with groups: its parent, score and each group's score."""
    titles: dict[str, set[str]] = {}
    for dim in card.rubric.dimensions:
        for g in dim.groups:
            titles.setdefault(g.id, set()).add(g.title)
    # a column per group id, named by its title where every dimension gives it the same
    column = {g: next(iter(t)) if len(t) == 1 else g for g, t in titles.items()}
    named = any(len(t) > 1 for t in titles.values())
    parents = {p.id: p.title for p in card.rubric.parents}
    rows = []
    for d, dim in zip(card.dimensions, card.rubric.dimensions, strict=True):
        if not d.groups:
            continue
        row: dict[str, object] = {"Dimension": d.title}
        if parents:
            row["Part of"] = parents.get(d.parent or "", "")
        row["Score"] = _r(d.score)
        row |= {column[g]: _r(v) for g, v in d.groups.items()}
        if named:
            row["Groups"] = " · ".join(f"{g.id}: {g.title}" for g in dim.groups)
        rows.append(row)
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    ordered = sorted(titles, key=_natural)  # L1, L2 ... L10, whichever dimension has them
    heads = [c for c in ("Dimension", "Part of", "Score") if c in frame.columns]
    return frame[heads + [column[g] for g in ordered] + (["Groups"] if named else [])]


def _natural(text: str) -> list[object]:
    """A sort key reading the numbers in an id as numbers: L2 before L10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def model_scores(card: Scorecard) -> None:
    """The parents' scores as metrics, and the group scores as a table (nothing for a
    rubric without parents or groups)."""
    if card.parents:
        st.markdown("#### Scores by " + ("part" if len(card.parents) > 1 else "parent"))
        cols = st.columns(min(len(card.parents), 6))
        for i, p in enumerate(card.parents):
            cols[i % len(cols)].metric(
                p.title, "—" if p.score is None else f"{p.score:.2f}", help=f"target {p.target:.2f}"
            )
    table = group_table(card)
    if table is not None:
        st.markdown("#### Scores by group")
        st.caption(
            "Each group's score as the rubric declares it "
            f"({card.rubric.scoring.groups} of its answers; a dimension is "
            f"{card.rubric.scoring.dimensions.replace('-', ' ')} of its groups)."
        )
        st.dataframe(table, hide_index=True, width="stretch")
