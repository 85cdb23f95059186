"""A described pool with its version (writable configuration) and document tag (whole
document)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.core.rules import update_request_from
from gateway.core.version import document_tag, version_of


@dataclass(frozen=True)
class PoolRecord:
    """A DescribeUserPool document, its version (writable configuration: what clients
    call the etag, GraphQL ``version`` and gRPC ``etag``), its document tag (the whole
    document, read-only members included: what caches of rendered answers key on), and
    the UpdateUserPool request that keeps it as it is (the planner starts from it)."""

    pool: dict[str, Any]
    version: str
    document_tag: str
    request: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, pool: dict[str, Any]) -> PoolRecord:
        request = update_request_from(pool)
        return cls(
            pool=pool, version=version_of(request), document_tag=document_tag(pool), request=request
        )
