"""Assembles the long-lived parts from settings, and closes them in order.

One replica: in-process cache, locks and quota. With ``GATEWAY_REDIS_URL``:
Redis-backed cache (with an in-process L1 kept honest by pub/sub), the
distributed write lock, and the shared quota bucket.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import redis.asyncio as redis

from gateway.cognito.clients import CognitoClients
from gateway.core.backoff import Backoff
from gateway.observability.metrics import Metrics
from gateway.service.pools import PoolService
from gateway.settings import Settings
from gateway.store import redis as shared
from gateway.store.cache import MemoryStore, PoolStore, SharedStore, SingleFlightCache
from gateway.store.locks import DistributedLocks, LocalLocks, PoolLocks
from gateway.store.quota import QuotaGuard

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What request handlers use; the rest is owned and closed by ``open_runtime``."""

    clients: CognitoClients
    service: PoolService
    redis: redis.Redis | None = None


@contextlib.asynccontextmanager
async def open_runtime(settings: Settings, metrics: Metrics) -> AsyncIterator[Runtime]:
    client: redis.Redis | None = None
    health: shared.RedisHealth | None = None
    bus: shared.InvalidationBus | None = None
    locks: PoolLocks
    store: PoolStore
    if settings.redis_url:
        client = shared.connect(settings.redis_url)
        health = shared.RedisHealth()
        l1 = MemoryStore(settings.cache_ttl_seconds) if settings.l1_cache else None
        bus = shared.InvalidationBus(
            client,
            health,
            on_change=l1.drop if l1 is not None else (lambda _key: None),
            on_reset=l1.clear if l1 is not None else (lambda: None),
        )
        store = SharedStore(
            shared.url_parts(settings.redis_url),
            settings.cache_ttl_seconds,
            health,
            l1,
            publish=bus.publish,
            l1_trusted=lambda: bus.connected,
        )
        locks = DistributedLocks(
            client,
            health,
            lease_seconds=settings.lock_timeout_seconds,
            wait_seconds=settings.lock_wait_seconds,
            allow_local=settings.allow_local_lock,
        )
        quota = QuotaGuard.shared(
            client,
            health,
            settings.aws_account_id or "default",
            settings.quota_reads_per_second,
            settings.quota_updates_per_second,
        )
        bus.start()
    else:
        store = MemoryStore(settings.cache_ttl_seconds)
        locks = LocalLocks()
        quota = QuotaGuard.local(settings.quota_reads_per_second, settings.quota_updates_per_second)
    cache = SingleFlightCache(store, metrics)
    backoff = Backoff(
        base_seconds=settings.update_backoff_base_seconds,
        cap_seconds=settings.update_backoff_max_seconds,
        max_attempts=settings.update_max_attempts,
    )
    clients = CognitoClients(settings, quota=quota, metrics=metrics)
    try:
        async with clients:
            service = PoolService(
                clients, cache, settings.region, backoff=backoff, locks=locks, metrics=metrics
            )
            yield Runtime(clients=clients, service=service, redis=client)
            await service.coalescer.drain()
    finally:
        if bus is not None:
            await bus.stop()
        await cache.close()
        if client is not None:
            await client.aclose()
