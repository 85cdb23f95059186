"""The quota guard: a token bucket every upstream call passes.

Cognito allows about 15 requests per second per account and Region for
reads and for updates, not adjustable, and answers more with
TooManyRequestsException. The gateway keeps below that on its own: one bucket
for reads and one for updates (default 10/s each), in-process for one
replica, shared through Redis for a fleet (one Lua script refills and takes
a token atomically, using Redis's clock, so replicas share one budget).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError

from gateway import model
from gateway.store.rates import TAKE_TOKEN
from gateway.store.redis import RedisHealth

log = logging.getLogger(__name__)


# Seconds a bucket's key outlives its last use (it is full again long before).
BUCKET_KEPT_SECONDS = 60


kind_of = model.call_kind


class Bucket(Protocol):
    async def take(self) -> None: ...


class LocalBucket:
    """A token bucket for one process: ``rate`` tokens a second, ``burst`` at most."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self._rate = rate
        self._burst = burst if burst is not None else max(1.0, rate)
        self._tokens = self._burst
        self._at = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
                self._at = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self._rate)


class SharedBucket:
    """The same bucket in Redis, shared by every replica; local when Redis is down."""

    def __init__(self, client: redis.Redis, key: str, rate: float, health: RedisHealth) -> None:
        self._script = client.register_script(TAKE_TOKEN)
        self._key = key
        self._rate = rate
        self._burst = max(1.0, rate)
        self._health = health
        self._fallback = LocalBucket(rate)

    async def take(self) -> None:
        while True:
            try:
                args = [self._rate, self._burst, BUCKET_KEPT_SECONDS]
                wait = float(await self._script(keys=[self._key], args=args))
            except (RedisError, OSError) as error:
                self._health.failed(error, "quota")
                await self._fallback.take()
                return
            if wait <= 0:
                return
            await asyncio.sleep(wait)


class QuotaGuard:
    """One bucket per kind of call (read, update) and Region, made on first use."""

    def __init__(self, make_bucket: Callable[[str, str], Bucket]) -> None:
        self._make_bucket = make_bucket
        self._buckets: dict[tuple[str, str], Bucket] = {}

    async def admit(self, operation: str, region: str) -> None:
        key = (kind_of(operation), region)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets.setdefault(key, self._make_bucket(*key))
        await bucket.take()

    @classmethod
    def local(cls, reads_per_second: float, updates_per_second: float) -> QuotaGuard:
        def make(kind: str, region: str) -> Bucket:
            return LocalBucket(reads_per_second if kind == "read" else updates_per_second)

        return cls(make)

    @classmethod
    def shared(
        cls,
        client: redis.Redis,
        health: RedisHealth,
        account: str,
        reads_per_second: float,
        updates_per_second: float,
    ) -> QuotaGuard:
        def make(kind: str, region: str) -> Bucket:
            rate = reads_per_second if kind == "read" else updates_per_second
            return SharedBucket(client, f"gateway:quota:{account}:{region}:{kind}", rate, health)

        return cls(make)
