"""How a room reaches a workshop: the join link and its QR code, made here, offline.

The link starts with the server's public address, which only the person running it
knows (a laptop's address on the room's network, or a name behind a reverse proxy with
TLS): what the facilitator types on the console, else ``GROUNDWORK_PUBLIC_URL``, else the
address the facilitator's own browser reached the console at. The QR code is drawn by
segno, a pure-Python library, so no image is fetched from anywhere.
"""

from __future__ import annotations

import io
import os
from urllib.parse import quote, urlsplit

import segno

PUBLIC_URL_ENV = "GROUNDWORK_PUBLIC_URL"
FALLBACK_URL = "http://localhost:8501"
JOIN_PATH = "join"


def public_url(typed: str | None = None, seen: str | None = None) -> str:
    """The base address participants use: typed on the console, else the environment,
    else ``seen`` (the scheme, host and port the console was opened at), else localhost
    (which works only on this machine, and the console says so)."""
    for candidate in (typed, os.environ.get(PUBLIC_URL_ENV), origin(seen)):
        base = (candidate or "").strip().rstrip("/")
        if base and check_base(base) is None:
            return base
    return FALLBACK_URL


def origin(url: str | None) -> str | None:
    """'http://host:8611' of 'http://host:8611/workshop?round=3'; None for no URL."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def check_base(base: str) -> str | None:
    """Why an address cannot be a join link's base, or None when it can."""
    parts = urlsplit(base.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "the public address starts with http:// or https:// and names a host"
    if parts.query or parts.fragment:
        return "the public address has no ?query or #fragment"
    return None


def join_link(base: str, code: str) -> str:
    """'https://groundwork.example.org/join?code=ACD234'."""
    return f"{base.rstrip('/')}/{JOIN_PATH}?code={quote(code)}"


def is_local(base: str) -> bool:
    host = urlsplit(base).hostname or ""
    return host in ("localhost", "127.0.0.1", "::1")


def qr_png(text: str, scale: int = 8) -> bytes:
    """The QR code of ``text`` as PNG bytes (error correction M, a quiet zone of 4)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
