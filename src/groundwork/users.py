"""People who sign in, and what their role lets them do."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEMO_ENV = "GROUNDWORK_DEMO"  # 1, true, yes or on: demo mode (`groundwork serve --demo`)
ROLES = ("viewer", "facilitator", "admin")  # each role may do all the ones before it


@dataclass(frozen=True)
class User:
    """A signed-in person (or the demo's stand-in in demo mode)."""

    name: str
    role: str
    id: int | None = None
    email: str = ""

    def can(self, role: str) -> bool:
        """True when this user's role is ``role`` or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)


DEMO_USER = User("Demo facilitator", "admin")


def demo_mode(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether demo mode is on: no sign-in, and everyone is :data:`DEMO_USER`, an admin."""
    return environ.get(DEMO_ENV, "").strip().lower() in ("1", "true", "yes", "on")
