"""Reading pools: fresh describes, cached reads, and the record of what an answer read.

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
from gateway.core.lru import LRU
from gateway.core.mfa import with_mfa
from gateway.core.record import PoolRecord
from gateway.errors import ErrorCode, GatewayError
from gateway.service.history import HistoryRecorder
from gateway.store.cache import SingleFlightCache

PoolTags = dict[str, str]
reads: contextvars.ContextVar[PoolTags | None] = contextvars.ContextVar("reads", default=None)


def record_read(pool_id: str, etag: str) -> None:
    """Note that the current answer depends on ``pool_id`` being at ``etag``."""
    seen = reads.get()
    if seen is not None:
        seen[pool_id] = etag


MISSING_KEPT = 4096


class MissingPools:
    """Pool ids Cognito said it does not have, remembered for the cache period: unknown
    ids (typos, scans, a sign-up page for a deleted pool) would otherwise spend a token
    of the account's shared read quota on every request."""

    def __init__(self, ttl: float, clock: Clock = MONOTONIC) -> None:
        self._ttl = ttl
        self._clock = clock
        self._until: LRU[str, float] = LRU(MISSING_KEPT)

    def check(self, pool_id: str) -> None:
        until = self._until.get(pool_id)
        if until is None:
            return
        if self._clock() < until:
            raise GatewayError(f"User pool {pool_id[:64]} does not exist.", ErrorCode.NOT_FOUND)
        self._until.pop(pool_id)

    def add(self, pool_id: str) -> None:
        if self._ttl <= 0:
            return
        self._until.set(pool_id, self._clock() + self._ttl)

    def discard(self, pool_id: str) -> None:
        """A pool created under this id (or one that reappears) is no longer missing."""
        self._until.pop(pool_id)


class PoolReader:
    """DescribeUserPool, fresh (writes) or through the single-flight cache (reads).

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
    ) -> None:
        self._clients = clients
        self.cache = cache
        self._history = history
        self._background = asyncio.Semaphore(background_slots)
        self._missing = MissingPools(missing_ttl, clock)

    async def describe(
        self, pool_id: str, background: bool = False, mfa: Mapping[str, Any] | None = None
    ) -> PoolRecord:
        """A fresh read, bypassing the cache (writes use this): DescribeUserPool and
        GetUserPoolMfaConfig side by side, since the MFA and passkey setup is part of
        the pool's configuration and DescribeUserPool does not show it. ``mfa``: the
        setup, when the caller knows it (a write that did not change it reads it back)."""
        if background:
            async with self._background:
                return await self._read(pool_id, mfa)
        return await self._read(pool_id, mfa)

    async def _read(self, pool_id: str, mfa: Mapping[str, Any] | None) -> PoolRecord:
        region = region_of(pool_id)
        describe = self._clients.call(region, "DescribeUserPool", UserPoolId=pool_id)
        if mfa is not None:
            return PoolRecord.of(with_mfa((await describe)["UserPool"], mfa))
        described, setup = await asyncio.gather(
            describe, self._clients.call(region, "GetUserPoolMfaConfig", UserPoolId=pool_id)
        )
        return PoolRecord.of(with_mfa(described["UserPool"], setup))

    async def remember(self, record: PoolRecord) -> None:
        """A pool just created: cached, and no longer missing if its id was asked for."""
        pool_id = str(record.pool["Id"])
        self._missing.discard(pool_id)
        await self.cache.set(pool_id, record)

    async def get(self, pool_id: str, background: bool = False) -> PoolRecord:
        """The pool through the cache; concurrent misses make one upstream call, and
        the history notes a version it has not seen (a change made outside the gateway)."""
        region_of(pool_id)
        self._missing.check(pool_id)
        history = self._history

        async def load() -> PoolRecord:
            if history is None:
                return await self.describe(pool_id, background=background)
            return await history.loaded(pool_id, lambda: self.describe(pool_id, background))

        try:
            record = await self.cache.get_or_load(pool_id, load)
        except GatewayError as error:
            if error.code == ErrorCode.NOT_FOUND:
                self._missing.add(pool_id)
            raise
        record_read(str(record.pool.get("Id", pool_id)), record.document_tag)
        return record
