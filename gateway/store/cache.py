"""The DescribeUserPool cache (aiocache) with single flight, local or shared.

- One replica: an in-process dict whose entries expire.
- Several replicas (``GATEWAY_REDIS_URL``): aiocache's Redis backend shared by
  all, with an optional in-process L1 in front. A replica that writes a pool
  bumps the pool's generation, stores the fresh record, and publishes the
  pool id; every replica drops it from its L1 on the message, and trusts its
  L1 only while its subscription is live.
- A load that started before a write must not overwrite the write's fresh
  record: loads store only if the pool's generation is still the one they saw.

Concurrent misses for one key share one load (single flight): the first
caller starts the load as its own task, later callers await the same task,
shielded, so one caller giving up does not cancel it for the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from aiocache import RedisCache
from redis.exceptions import RedisError

from gateway.core.clock import MONOTONIC, Clock
from gateway.core.record import PoolRecord
from gateway.observability.metrics import NO_METRICS, Metrics
from gateway.store.codec import RecordSerializer
from gateway.store.redis import RedisHealth

log = logging.getLogger(__name__)

# Store ``ARGV[2]`` at ``KEYS[1]`` only if the generation at ``KEYS[2]`` is ``ARGV[1]``.
STORE_IF_GENERATION = """
if (redis.call('GET', KEYS[2]) or '0') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"""


class PoolStore(Protocol):
    async def generation(self, key: str) -> str: ...
    async def get(self, key: str) -> PoolRecord | None: ...
    async def put_loaded(self, key: str, record: PoolRecord, generation: str) -> None: ...
    async def put_written(self, key: str, record: PoolRecord) -> None: ...
    async def delete(self, key: str) -> None: ...
    async def close(self) -> None: ...


class MemoryStore:
    """One process: a dict whose entries expire; a write simply replaces the entry.

    A plain dict, not aiocache's memory backend: every hot read looks a pool up here,
    and aiocache's per-call layers (an environment lookup, plugins, key building)
    cost several times the lookup itself (``bench/``: about 8% of a cached read).
    The shared store below keeps aiocache's Redis backend.
    """

    def __init__(self, ttl: float, clock: Clock = MONOTONIC) -> None:
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[str, tuple[float, PoolRecord]] = {}  # key -> (expires, record)
        self._generations: dict[str, int] = {}

    async def generation(self, key: str) -> str:
        return str(self._generations.get(key, 0))

    async def get(self, key: str) -> PoolRecord | None:
        found = self._entries.get(key)
        if found is None:
            return None
        expires, record = found
        if self._clock() >= expires:
            self._entries.pop(key, None)
            return None
        return record

    async def put_loaded(self, key: str, record: PoolRecord, generation: str) -> None:
        if generation == await self.generation(key):
            self._keep(key, record)

    async def put_written(self, key: str, record: PoolRecord) -> None:
        self._generations[key] = self._generations.get(key, 0) + 1
        self._keep(key, record)

    def _keep(self, key: str, record: PoolRecord) -> None:
        if self._ttl > 0:
            self._entries[key] = (self._clock() + self._ttl, record)

    async def delete(self, key: str) -> None:
        self._generations[key] = self._generations.get(key, 0) + 1
        self._entries.pop(key, None)

    async def clear(self) -> None:
        """Forget everything (a resubscription may have missed invalidations)."""
        for key in list(self._generations):
            self._generations[key] += 1
        self._entries.clear()

    async def close(self) -> None:
        self._entries.clear()


class SharedStore:
    """Several replicas: aiocache's Redis backend as L2, an optional memory L1.

    Redis failures never fail a read: they count as a miss (and the health
    tracker says the gateway is degraded).
    """

    def __init__(
        self,
        redis_options: dict[str, object],
        ttl: float,
        health: RedisHealth,
        l1: MemoryStore | None,
        publish: Callable[[str], Awaitable[None]],
        l1_trusted: Callable[[], bool],
    ) -> None:
        self._l2 = RedisCache(
            serializer=RecordSerializer(), namespace="gateway:pool:", **redis_options
        )
        self._ttl = ttl
        self._health = health
        self._l1 = l1
        self._publish = publish
        self._l1_trusted = l1_trusted
        self._store_if_generation = self._l2.client.register_script(STORE_IF_GENERATION)

    def _generation_key(self, key: str) -> str:
        return f"gateway:generation:{key}"

    async def generation(self, key: str) -> str:
        try:
            value = await self._l2.client.get(self._generation_key(key))
        except (RedisError, OSError) as error:
            self._health.failed(error, "cache")
            return "unavailable"
        return value.decode() if value else "0"

    async def get(self, key: str) -> PoolRecord | None:
        if self._ttl <= 0:
            return None
        l1 = self._l1 if self._l1 is not None and self._l1_trusted() else None
        if l1 is not None:
            local = await l1.get(key)
            if local is not None:
                return local
        # Read L1's generation first: an invalidation that arrives while Redis
        # answers must win over the (possibly older) record it answers with.
        l1_generation = await l1.generation(key) if l1 is not None else ""
        try:
            record: PoolRecord | None = await self._l2.get(key)
        except (TimeoutError, RedisError, OSError) as error:
            self._health.failed(error, "cache")
            return None
        self._health.recovered()
        if record is not None and l1 is not None:
            await l1.put_loaded(key, record, l1_generation)
        return record

    async def put_loaded(self, key: str, record: PoolRecord, generation: str) -> None:
        if self._ttl <= 0 or generation == "unavailable":
            return
        try:
            stored = await self._store_if_generation(
                keys=[self._l2.build_key(key), self._generation_key(key)],
                args=[generation, self._l2.serializer.dumps(record), int(self._ttl * 1000)],
            )
        except (RedisError, OSError) as error:
            self._health.failed(error, "cache")
            return
        if stored and self._l1 is not None and self._l1_trusted():
            await self._l1.put_written(key, record)

    async def put_written(self, key: str, record: PoolRecord) -> None:
        try:
            await self._l2.client.incr(self._generation_key(key))
            if self._ttl > 0:
                await self._l2.set(key, record, ttl=self._ttl)
        except (TimeoutError, RedisError, OSError) as error:
            self._health.failed(error, "cache")
        if self._l1 is not None:
            await self._l1.put_written(key, record)
        await self._publish(key)

    async def delete(self, key: str) -> None:
        try:
            await self._l2.client.incr(self._generation_key(key))
            await self._l2.delete(key)
        except (TimeoutError, RedisError, OSError) as error:
            self._health.failed(error, "cache")
        if self._l1 is not None:
            await self._l1.delete(key)
        await self._publish(key)

    async def close(self) -> None:
        await self._l2.close()
        if self._l1 is not None:
            await self._l1.close()


def _collect(task: asyncio.Task[PoolRecord]) -> None:
    """Retrieve a load's outcome even when every caller has gone, so a failure is never
    'Task exception was never retrieved' in the log (callers still get it when waiting)."""
    if not task.cancelled():
        task.exception()


class SingleFlightCache:
    def __init__(self, store: PoolStore, metrics: Metrics = NO_METRICS) -> None:
        self._store = store
        self._metrics = metrics
        self._hits = metrics.cache_lookups.labels("hit")
        self._misses = metrics.cache_lookups.labels("miss")
        self._inflight: dict[str, asyncio.Task[PoolRecord]] = {}
        self._waiting: dict[asyncio.Task[PoolRecord], int] = {}  # callers awaiting a load

    async def set(self, key: str, value: PoolRecord) -> None:
        """Store the result of a write (fresh Describe after Update)."""
        await self._store.put_written(key, value)

    async def delete(self, key: str) -> None:
        await self._store.delete(key)

    async def get_or_load(self, key: str, load: Callable[[], Awaitable[PoolRecord]]) -> PoolRecord:
        cached = await self._store.get(key)
        if cached is not None:
            self._hits.inc()
            return cached
        self._misses.inc()
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(key, load))
            task.add_done_callback(_collect)
            self._inflight[key] = task
        else:
            self._metrics.single_flight_joins.inc()
        self._waiting[task] = self._waiting.get(task, 0) + 1
        try:
            return await asyncio.shield(task)
        finally:
            left = self._waiting.pop(task) - 1
            if left > 0:
                self._waiting[task] = left
            elif not task.done():
                # The last caller is gone (cancelled, timed out, disconnected): a load
                # nobody waits for must not hold a place in the upstream quota's queue.
                task.cancel()

    async def _load(self, key: str, load: Callable[[], Awaitable[PoolRecord]]) -> PoolRecord:
        try:
            generation = await self._store.generation(key)
            value = await load()
            await self._store.put_loaded(key, value, generation)
            return value
        finally:
            self._inflight.pop(key, None)

    async def close(self) -> None:
        for task in list(self._inflight.values()):
            task.cancel()
        await self._store.close()
