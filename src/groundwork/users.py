"""People who sign in, and what their role lets them do."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("viewer", "facilitator", "admin")  # each role may do all the ones before it


@dataclass(frozen=True)
class User:
    """A signed-in person (or the demo's stand-in when no sign-in is configured)."""

    name: str
    role: str
    id: int | None = None
    email: str = ""

    def can(self, role: str) -> bool:
        """True when this user's role is ``role`` or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)


DEMO_USER = User("Demo facilitator", "admin")
