"""Per-request context every layer may read: the request id (logs, audit)."""

from __future__ import annotations

import contextvars
import re

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# Who the current request counts against (the rate limiter's key): upstream calls made
# for it take a place from that caller's share (``gateway.cognito.shares``).
caller: contextvars.ContextVar[str] = contextvars.ContextVar("caller", default="")

# A client's own request id is taken only if it looks like one: it goes into logs, the
# audit and the history, so it is short and plain on every surface.
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def client_request_id(value: str | None) -> str | None:
    """``value`` if it is an acceptable request id, else None (the caller makes one)."""
    return value if value and _CLIENT_REQUEST_ID.match(value) else None
