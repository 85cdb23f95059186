"""A write as a caller asks for it, built once by each surface and passed whole through
the service: who asks, under which request id, on which condition, how far to go."""

from __future__ import annotations

from dataclasses import dataclass, replace

from gateway.observability.context import request_id as current_request_id
from gateway.service.access import Principal
from gateway.service.history_rows import Author


@dataclass(frozen=True)
class WriteRequest:
    """``if_version``: write only if the pool is still at this version (GraphQL
    ``ifVersion``, gRPC ``etag``). ``dry_run``: plan and validate, write nothing.
    ``confirm_high_risk``: apply changes that weaken the pool when the gateway requires
    confirming them. ``note``: why the service writes (a restore, a copy), for the audit."""

    principal: Principal
    request_id: str | None = None
    if_version: str | None = None
    dry_run: bool = False
    confirm_high_risk: bool = False
    note: str | None = None

    @classmethod
    def of(
        cls,
        principal: Principal,
        *,
        if_version: str | None = None,
        dry_run: bool | None = False,
        confirm_high_risk: bool | None = False,
    ) -> WriteRequest:
        """A request of ``principal`` in the current request's context (its request id)."""
        return cls(
            principal,
            current_request_id.get() or None,
            if_version or None,
            bool(dry_run),
            bool(confirm_high_risk),
        )

    @property
    def author(self) -> Author:
        """Who the history and the audit name: ``kind:name`` and the request id."""
        return Author(f"{self.principal.kind}:{self.principal.name}", self.request_id)

    def noted(self, note: str) -> WriteRequest:
        return replace(self, note=note)
