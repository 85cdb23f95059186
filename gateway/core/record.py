"""A described resource with its version (writable configuration) and document tag
(whole document)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from gateway.core.kinds import KINDS, USER_POOL, ResourceKind
from gateway.core.resources import round_trip
from gateway.core.version import document_tag, version_of


@dataclass(frozen=True)
class PoolRecord:
    """A describe document of a resource of ``kind`` (a pool unless said otherwise),
    its version (writable configuration: what clients call the etag, GraphQL
    ``version`` and gRPC ``etag``), its document tag (the whole document, read-only
    members included: what caches of rendered answers key on), and the update request
    that keeps it as it is (the planner starts from it)."""

    pool: dict[str, Any]  # the described document (a pool's, or a client's)
    version: str
    document_tag: str
    request: dict[str, Any] = field(default_factory=dict, compare=False)
    kind: str = USER_POOL.name

    @classmethod
    def of(cls, document: dict[str, Any], kind: ResourceKind = USER_POOL) -> PoolRecord:
        request = round_trip(kind).request_from(document)
        return cls(
            pool=document,
            version=version_of(request),
            document_tag=document_tag(document),
            request=request,
            kind=kind.name,
        )

    @cached_property
    def key(self) -> str:
        """The resource's key in locks, caches and the history (``core/kinds``); worked
        out once per record (every cached read notes it)."""
        return KINDS[self.kind].key_of(self.pool)
