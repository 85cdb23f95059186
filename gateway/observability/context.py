"""Per-request context every layer may read: the request id (logs, audit)."""

from __future__ import annotations

import contextvars

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
