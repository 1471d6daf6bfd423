"""Passwords as argon2id hashes (argon2-cffi), never as text: hash, verify, rehash.

The parameters are argon2-cffi's defaults (RFC 9106's second recommendation). When they
change, a stored hash still verifies and :func:`needs_rehash` says to store a new one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD = 10  # characters: long beats clever
MAX_PASSWORD = 1_000  # characters: hashing is bounded whatever is typed

HASHER = PasswordHasher()  # argon2id


def problem(password: str) -> str | None:
    """Why ``password`` cannot be set, or None when it can."""
    if len(password) < MIN_PASSWORD:
        return f"the password is shorter than {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"the password is longer than {MAX_PASSWORD:,} characters"
    if password != password.strip():
        return "the password starts or ends with a space"
    return None


def hash_password(password: str) -> str:
    """A salted argon2id hash of ``password`` (a new salt every call)."""
    return HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash. Unknown accounts and accounts with
    no password are checked against a dummy hash, so they take as long as a wrong password."""
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return HASHER.verify(stored or _dummy(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when ``stored`` was made with other parameters than today's."""
    return HASHER.check_needs_rehash(stored)


@lru_cache(maxsize=1)
def _dummy() -> str:
    return HASHER.hash("not a password of anyone")


class Attempts:
    """Wrong passwords per name: after ``limit`` of them within ``window`` seconds, that
    name is refused until the oldest leaves the window. Thread-safe; keeps at most
    ``names`` names (the least recently failed are forgotten first)."""

    def __init__(
        self,
        limit: int = 5,
        window: float = 300.0,
        names: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.limit, self.window, self.names, self.clock = limit, window, names, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> list[float]:
        cutoff = self.clock() - self.window
        recent = [t for t in self._failures.get(key, []) if t > cutoff]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent

    def blocked(self, name: str) -> bool:
        with self._lock:
            return len(self._recent(_key(name))) >= self.limit

    def failed(self, name: str) -> None:
        key = _key(name)
        with self._lock:
            recent = self._recent(key)
            self._failures.pop(key, None)  # re-insert: the most recent failure last
            self._failures[key] = [*recent, self.clock()][-self.limit :]
            while len(self._failures) > self.names:
                self._failures.pop(next(iter(self._failures)))

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(_key(name), None)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()[:200]
