"""The database connection every page part opens: migrated once per process and file."""

from __future__ import annotations

import streamlit as st

from groundwork.store import Store, database_path


@st.cache_resource(show_spinner=False)
def _migrated(path: str) -> bool:
    """Apply migrations once per process and database."""
    with Store(path) as store:
        store.migrate()
    return True


def connect() -> Store:
    """A fresh connection for this script run (never kept in session state), writable:
    :func:`groundwork.ui.store` is the one pages use, read only for viewers."""
    path = str(database_path())
    _migrated(path)
    return Store(path)
