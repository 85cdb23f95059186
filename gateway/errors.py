"""Client-facing errors: a documented code in ``extensions.code``, a safe message."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    PRECONDITION_FAILED = "PRECONDITION_FAILED"
    CONFLICT = "CONFLICT"
    THROTTLED = "THROTTLED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    UPSTREAM_ERROR = "UPSTREAM_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class GatewayError(Exception):
    """An error whose message and extensions may be shown to a client as they are."""

    def __init__(
        self,
        message: str,
        code: ErrorCode,
        *,
        field: str | None = None,
        rule: str | None = None,
        upstream: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.rule = rule
        self.upstream = upstream

    @property
    def extensions(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": self.code.value}
        if self.field is not None:
            extensions["field"] = self.field
        if self.rule is not None:
            extensions["rule"] = self.rule
        if self.upstream is not None:
            extensions["upstreamCode"] = self.upstream
        return extensions
