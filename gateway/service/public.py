"""Public pool settings for sign-up and sign-in screens, without admin rights.

Allowed to principals with ``pools:public`` (implied by ``pools:read``) for their
pools, and to anyone for the pools matched by ``GATEWAY_PUBLIC_POOLS``. Unknown,
malformed and non-public pools all get the same ``NOT_FOUND``, which does not
echo the id. Every answer comes from the read cache (single flight), so a
burst of page views of a cold pool makes one read; the MFA factors come with
it (the reader joins GetUserPoolMfaConfig into every pool it reads).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import orjson

from gateway.core.lru import LRU
from gateway.core.public import as_json, public_settings, public_tag
from gateway.core.record import PoolRecord
from gateway.errors import ErrorCode, GatewayError
from gateway.service.access import PUBLIC, Principal
from gateway.service.reads import PoolReader

NOT_PUBLIC = "no public settings for this pool"


@dataclass(frozen=True)
class PublicView:
    projection: dict[str, Any]  # botocore-shaped, see gateway.core.public
    tag: str
    json: bytes  # the object in GraphQL's naming, with its version: what HTTP serves


VIEWS_KEPT = 1024


@contextlib.contextmanager
def not_found_as_not_public() -> Iterator[None]:
    """An unknown or malformed resource answers as a non-public one: one ``NOT_FOUND``
    that does not echo what was asked for."""
    try:
        yield
    except GatewayError as error:
        if error.code in (ErrorCode.NOT_FOUND, ErrorCode.BAD_USER_INPUT):
            raise GatewayError(NOT_PUBLIC, ErrorCode.NOT_FOUND) from None
        raise


class PublicSettingsReader:
    def __init__(self, reader: PoolReader, public_pools: Sequence[str]) -> None:
        self._reader = reader
        self._public_pools = tuple(public_pools)
        self._views: LRU[tuple[str, str], PublicView] = LRU(VIEWS_KEPT)  # one per pool state

    def allowed(self, principal: Principal | None, pool_id: str) -> bool:
        if any(fnmatchcase(pool_id, pattern) for pattern in self._public_pools):
            return True
        return principal is not None and principal.may(PUBLIC) and principal.may_access(pool_id)

    async def get(self, principal: Principal | None, pool_id: str) -> PublicView:
        return self.view_of(await self.record(principal, pool_id))

    def view_of(self, record: PoolRecord) -> PublicView:
        """The public view of a pool as read (rendered once per pool state)."""
        pool = record.pool
        key = (str(pool.get("Id")), record.document_tag)
        view = self._views.get(key)
        if view is None:
            mfa = pool if (pool.get("MfaConfiguration") or "OFF") != "OFF" else None
            projection = public_settings(pool, mfa)
            tag = public_tag(projection)
            body = orjson.dumps(as_json(projection) | {"version": tag})
            view = PublicView(projection, tag, body)
            self._views.set(key, view)
        return view

    async def record(self, principal: Principal | None, pool_id: str) -> PoolRecord:
        """The pool as read, for a caller allowed its public settings; the one NOT_FOUND
        for every pool it may not see."""
        if not self.allowed(principal, pool_id):
            raise GatewayError(NOT_PUBLIC, ErrorCode.NOT_FOUND)
        with not_found_as_not_public():
            return await self._reader.get(pool_id)
