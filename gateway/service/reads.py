"""Reading resources: fresh describes, cached reads, and the record of what an answer read.

One reader per resource kind (``core/kinds``): a pool is read with its MFA setup,
an app client with DescribeUserPoolClient; both through the same cache, keyed by
the resource's key.

An answer cache above the service (the response cache) must know which pools
an answer depends on and in which state: every cached read through
:class:`PoolReader` notes the pool's entity tag in the current request's
:data:`reads`, whatever surface asked.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Mapping
from typing import Any

from gateway.cognito.clients import Cognito
from gateway.core.clock import MONOTONIC, Clock
from gateway.core.ids import region_of
from gateway.core.kinds import USER_POOL, ResourceKind, pool_of
from gateway.core.lru import LRU
from gateway.core.mfa import with_mfa
from gateway.core.record import PoolRecord
from gateway.errors import ErrorCode, GatewayError
from gateway.service.history import HistoryRecorder
from gateway.store.cache import SingleFlightCache

PoolTags = dict[str, str]
reads: contextvars.ContextVar[PoolTags | None] = contextvars.ContextVar("reads", default=None)


# Noted by a listing: what an answer read has no tag to check later (the members of a
# list can change while each listed resource stays as it was), so it is not kept.
LISTED = "*listing*"


def record_listing() -> None:
    """Note that the current answer holds a listing, which no tag can vouch for."""
    seen = reads.get()
    if seen is not None:
        seen[LISTED] = ""


def record_read(key: str, etag: str) -> None:
    """Note that the current answer depends on the resource ``key`` names being at ``etag``."""
    seen = reads.get()
    if seen is not None:
        seen[key] = etag


MISSING_KEPT = 4096


class MissingPools:
    """Pool ids Cognito said it does not have, remembered for the cache period: unknown
    ids (typos, scans, a sign-up page for a deleted pool) would otherwise spend a token
    of the account's shared read quota on every request."""

    def __init__(self, ttl: float, clock: Clock = MONOTONIC) -> None:
        self._ttl = ttl
        self._clock = clock
        self._until: LRU[str, float] = LRU(MISSING_KEPT)

    def check(self, key: str, kind: ResourceKind = USER_POOL) -> None:
        until = self._until.get(key)
        if until is None:
            return
        if self._clock() < until:
            what = "User pool" if kind is USER_POOL else "App client"
            raise GatewayError(f"{what} {key[:200]} does not exist.", ErrorCode.NOT_FOUND)
        self._until.pop(key)

    def add(self, key: str) -> None:
        if self._ttl <= 0:
            return
        self._until.set(key, self._clock() + self._ttl)

    def discard(self, key: str) -> None:
        """A pool created under this id (or one that reappears) is no longer missing."""
        self._until.pop(key)


class PoolReader:
    """A describe of one kind of resource (DescribeUserPool unless ``kind`` says
    otherwise), fresh (writes) or through the single-flight cache (reads).

    Background describes (a listing's fan-out) go at most ``background_slots`` at a
    time, so they never queue more than that many calls ahead of an interactive read
    in the quota bucket: one listing of 60 pools cannot make an admin's read wait
    for 60 quota tokens.
    """

    def __init__(
        self,
        clients: Cognito,
        cache: SingleFlightCache,
        background_slots: int = 2,
        history: HistoryRecorder | None = None,
        missing_ttl: float = 5.0,
        clock: Clock = MONOTONIC,
        kind: ResourceKind = USER_POOL,
    ) -> None:
        self.kind = kind
        self._clients = clients
        self.cache = cache
        self._history = history
        self._background = asyncio.Semaphore(background_slots)
        self._missing = MissingPools(missing_ttl, clock)

    async def describe(
        self, key: str, background: bool = False, mfa: Mapping[str, Any] | None = None
    ) -> PoolRecord:
        """A fresh read, bypassing the cache (writes use this): DescribeUserPool and
        GetUserPoolMfaConfig side by side, since the MFA and passkey setup is part of
        the pool's configuration and DescribeUserPool does not show it. ``mfa``: the
        setup, when the caller knows it (a write that did not change it reads it back)."""
        if background:
            async with self._background:
                return await self._read(key, mfa)
        return await self._read(key, mfa)

    async def _read(self, key: str, mfa: Mapping[str, Any] | None) -> PoolRecord:
        if self.kind is not USER_POOL:
            kind = self.kind
            ids = kind.request_ids(*kind.ids_in(key))
            answer = await self._clients.call(region_of(pool_of(key)), kind.describe, **ids)
            return PoolRecord.of(answer[kind.answer_member], kind)
        region = region_of(key)
        describe = self._clients.call(region, "DescribeUserPool", UserPoolId=key)
        if mfa is not None:
            return PoolRecord.of(with_mfa((await describe)["UserPool"], mfa))
        described, setup = await asyncio.gather(
            describe, self._clients.call(region, "GetUserPoolMfaConfig", UserPoolId=key)
        )
        return PoolRecord.of(with_mfa(described["UserPool"], setup))

    async def remember(self, record: PoolRecord) -> None:
        """A pool just created: cached, and no longer missing if its id was asked for."""
        key = record.key
        self._missing.discard(key)
        await self.cache.set(key, record)

    async def get(self, key: str, background: bool = False) -> PoolRecord:
        """The pool through the cache; concurrent misses make one upstream call, and
        the history notes a version it has not seen (a change made outside the gateway)."""
        region_of(pool_of(key))
        self._missing.check(key, self.kind)
        history = self._history

        async def load() -> PoolRecord:
            if history is None:
                return await self.describe(key, background=background)
            return await history.loaded(key, lambda: self.describe(key, background))

        try:
            record = await self.cache.get_or_load(key, load)
        except GatewayError as error:
            if error.code == ErrorCode.NOT_FOUND:
                self._missing.add(key)
            raise
        record_read(record.key, record.document_tag)
        return record
