"""Per-pool write locks: in-process, and across replicas on Redis.

Every write to a pool runs its read-modify-write while holding that pool's
lock, so two writers never interleave their read and their write. Inside a
process an ``asyncio.Lock`` per pool queues writers; across replicas a
redis-py ``Lock`` (a random token, a lease, released only by its owner) does
the same. The lease is renewed while the write runs, so a slow update (Cognito
retries, backoff) never loses the lock half-way; if the holder dies, the lease
runs out and the next writer proceeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Protocol

import redis.asyncio as redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

from gateway.errors import ErrorCode, GatewayError
from gateway.store.redis import RedisHealth

log = logging.getLogger(__name__)


class PoolLocks(Protocol):
    def hold(self, key: str) -> contextlib.AbstractAsyncContextManager[None]: ...


class LocalLocks:
    """asyncio locks per key, created on demand, dropped when nobody needs them."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]


class DistributedLocks:
    """The local lock first (one contender per process), then Redis's.

    Redis unreachable: writes fail closed with ``SERVICE_UNAVAILABLE`` rather
    than risk a lost update, unless ``allow_local`` (one replica only).
    """

    def __init__(
        self,
        client: redis.Redis,
        health: RedisHealth,
        *,
        lease_seconds: float,
        wait_seconds: float,
        allow_local: bool,
    ) -> None:
        self._client = client
        self._health = health
        self._lease = lease_seconds
        self._wait = wait_seconds
        self._allow_local = allow_local
        self._local = LocalLocks()

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        async with self._local.hold(key):
            lock = Lock(
                self._client,
                f"gateway:lock:{key}",
                timeout=self._lease,
                blocking_timeout=self._wait,
                thread_local=False,
            )
            acquired: bool | None
            try:
                acquired = await lock.acquire()
            except (RedisError, OSError) as error:
                self._health.failed(error, "lock")
                if not self._allow_local:
                    raise GatewayError(
                        "writes are paused: the shared write lock (Redis) is unreachable, and "
                        "writing without it could lose another replica's update. Retry later.",
                        ErrorCode.SERVICE_UNAVAILABLE,
                    ) from error
                log.warning("writing under the local lock only", extra={"pool": key})
                acquired = None
            if acquired is None:
                yield
                return
            self._health.recovered()
            if not acquired:
                raise GatewayError(
                    f"timed out after {self._wait:.0f}s waiting for the pool's write lock; retry",
                    ErrorCode.CONFLICT,
                )
            renewal = asyncio.create_task(self._renew(lock, key))
            try:
                yield
            finally:
                renewal.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewal
                await self._release(lock, key)

    async def _renew(self, lock: Lock, key: str) -> None:
        while True:
            await asyncio.sleep(self._lease / 3)
            try:
                await lock.reacquire()
            except (LockError, RedisError, OSError) as error:
                log.error(
                    "could not renew the write lock",
                    extra={"pool": key, "error": type(error).__name__},
                )

    async def _release(self, lock: Lock, key: str) -> None:
        try:
            await lock.release()
        except LockError:
            log.error(
                "the write lock expired while held; its lease is too short",
                extra={"pool": key, "lease_seconds": self._lease},
            )
        except (RedisError, OSError) as error:
            self._health.failed(error, "unlock")
