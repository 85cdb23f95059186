"""A described pool with its version (writable configuration) and etag (whole document)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.core.rules import update_request_from
from gateway.core.version import document_tag, version_of


@dataclass(frozen=True)
class PoolRecord:
    """A DescribeUserPool document, its version (writable configuration), its
    etag (the whole document), and the UpdateUserPool request that keeps it as
    it is (the planner starts from it; computed once)."""

    pool: dict[str, Any]
    version: str
    etag: str
    request: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, pool: dict[str, Any]) -> PoolRecord:
        request = update_request_from(pool)
        return cls(pool=pool, version=version_of(request), etag=document_tag(pool), request=request)
