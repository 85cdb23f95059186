"""Per-pool write locks: in-process, and across replicas on Redis, with fencing.

Every write to a pool runs its read-modify-write while holding that pool's
lock, so two writers never interleave their read and their write. Inside a
process an ``asyncio.Lock`` per pool queues writers; across replicas a
redis-py ``Lock`` (a random token, a lease, released only by its owner) does
the same, renewed while the write runs.

A Redis lease can be lost: Redis restarts without persistence, fails over to
a replica that missed the latest writes, or this process pauses past its
lease. Three rules keep a lost lease from losing an update:

- **Fencing.** Right before each Cognito write the holder proves, in one Lua
  script, that the lock still holds its token on the same Redis incarnation
  and that the lease has at least ``call budget`` left. If not
  (:class:`LeaseLost`), the attempt is abandoned without writing and the
  write starts again from the top: re-acquire, re-read, re-plan. A failed
  renewal marks the lease lost at once.
- **Restart quarantine.** The lock script compares the server's ``run_id``
  with an epoch key. A restarted Redis has lost the key, a promoted replica
  has another ``run_id``: either way no lock is granted for one full lease
  period, so every older holder has finished its call (which the fence
  bounded to less than the lease) or seen its lease expire.
- **Ride-through.** While Redis is unreachable, a writer waits for it for up
  to ``redis_wait_seconds`` before answering ``SERVICE_UNAVAILABLE``.

The assumption: one Cognito call ends within the call budget
(``upstream_timeout_seconds`` x ``upstream_max_attempts``), well below the
lease (``Settings.check_locks`` enforces lease >= 1.5 x budget).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any, Protocol

import redis.asyncio as redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

from gateway.errors import ErrorCode, GatewayError
from gateway.observability.metrics import NO_METRICS, Metrics
from gateway.store.redis import RedisHealth

log = logging.getLogger(__name__)

EPOCH_KEY = "gateway:lock-epoch"
QUARANTINE_KEY = "gateway:lock-quarantine"
_RUN_ID = "local run_id = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')\n"

# KEYS: lock, epoch, quarantine. ARGV: token, lease (ms). 1 = acquired.
ACQUIRE_SCRIPT = (
    _RUN_ID
    + """
if redis.call('GET', KEYS[2]) ~= run_id then
  redis.call('SET', KEYS[2], run_id)
  redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
  return 0
end
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""
)

# KEYS: lock, epoch. ARGV: token. The lease left in ms; -1 other incarnation, -2 not ours.
FENCE_SCRIPT = (
    _RUN_ID
    + """
if redis.call('GET', KEYS[2]) ~= run_id then return -1 end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -2 end
return redis.call('PTTL', KEYS[1])
"""
)


class LeaseLost(Exception):
    """This writer can no longer prove it holds the pool's lock: write nothing, start over."""


class Lease(Protocol):
    async def check(self, needed_seconds: float) -> None:
        """Raise :class:`LeaseLost` unless the lock is still held for ``needed_seconds``."""
        ...


class LocalLease:
    """An in-process lock cannot be lost while its holder runs."""

    async def check(self, needed_seconds: float) -> None:
        return None


LOCAL_LEASE = LocalLease()


class PoolLocks(Protocol):
    def hold(self, key: str) -> contextlib.AbstractAsyncContextManager[Lease]: ...

    async def is_held(self, key: str) -> bool:
        """Whether a writer may be inside the pool's read-modify-write right now (True
        when that cannot be known): a reader must not take a write in flight for one
        made outside the gateway."""
        ...


class LocalLocks:
    """asyncio locks per key, created on demand, dropped when nobody needs them."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    async def is_held(self, key: str) -> bool:
        return key in self._users

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[Lease]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield LOCAL_LEASE
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]


class FencedLock(Lock):
    """redis-py's Lock, acquired only on a Redis incarnation out of quarantine."""

    def __init__(self, client: redis.Redis, name: str, scripts: _Scripts, **options: Any) -> None:
        super().__init__(client, name, **options)
        self._scripts = scripts

    async def do_acquire(self, token: str | bytes) -> bool:
        lease_ms = int((self.timeout or 0) * 1000)
        keys = [self.name, EPOCH_KEY, QUARANTINE_KEY]
        return bool(await self._scripts.acquire(keys=keys, args=[token, lease_ms]))

    async def lease_left(self) -> float:
        """Seconds of lease left; 0 when the lock is not ours on this incarnation."""
        left = await self._scripts.fence(keys=[self.name, EPOCH_KEY], args=[self.local.token])
        return max(0.0, int(left) / 1000)


class _Scripts:
    def __init__(self, client: redis.Redis) -> None:
        self.acquire = client.register_script(ACQUIRE_SCRIPT)
        self.fence = client.register_script(FENCE_SCRIPT)


class RedisLease:
    def __init__(self, lock: FencedLock, health: RedisHealth) -> None:
        self._lock = lock
        self._health = health
        self.lost = False

    async def check(self, needed_seconds: float) -> None:
        if self.lost:
            raise LeaseLost("the lease could not be renewed")
        try:
            left = await self._lock.lease_left()
        except (RedisError, OSError) as error:
            self._health.failed(error, "fence")
            self.lost = True
            raise LeaseLost("Redis did not answer the fencing check") from error
        if left < needed_seconds:
            self.lost = True
            raise LeaseLost(f"{left:.2f}s of lease left, {needed_seconds:.2f}s needed")


def _lock_name(key: str) -> str:
    return f"gateway:lock:{key}"


class DistributedLocks:
    """The local lock first (one contender per process), then Redis's.

    Redis unreachable: writes wait up to ``redis_wait_seconds`` for it, then
    fail closed with ``SERVICE_UNAVAILABLE`` rather than risk a lost update;
    with ``allow_local`` (one replica only) they go on under the local lock.
    """

    def __init__(
        self,
        client: redis.Redis,
        health: RedisHealth,
        *,
        lease_seconds: float,
        wait_seconds: float,
        redis_wait_seconds: float,
        allow_local: bool,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._client = client
        self._health = health
        self._lease = lease_seconds
        self._wait = wait_seconds
        self._redis_wait = redis_wait_seconds
        self._allow_local = allow_local
        self._metrics = metrics
        self._local = LocalLocks()
        self._scripts = _Scripts(client)

    async def is_held(self, key: str) -> bool:
        if await self._local.is_held(key):
            return True
        try:
            return bool(await self._client.exists(_lock_name(key)))
        except RedisError:
            return True

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[Lease]:
        async with self._local.hold(key):
            lock = FencedLock(
                self._client,
                _lock_name(key),
                self._scripts,
                timeout=self._lease,
                blocking_timeout=self._wait,
                thread_local=False,
            )
            if not await self._acquire(lock, key):
                yield LOCAL_LEASE
                return
            lease = RedisLease(lock, self._health)
            renewal = asyncio.create_task(self._renew(lock, lease, key))
            try:
                yield lease
            finally:
                renewal.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewal
                await self._release(lock, lease, key)

    async def _acquire(self, lock: FencedLock, key: str) -> bool:
        """True once acquired; False to go on under the local lock (``allow_local``)."""
        started = time.monotonic()
        pause = 0.05
        while True:
            try:
                acquired = await lock.acquire()
            except (RedisError, OSError) as error:
                self._health.failed(error, "lock")
                waited = time.monotonic() - started
                if self._allow_local:
                    log.warning("writing under the local lock only", extra={"pool": key})
                    return False
                if waited >= self._redis_wait:
                    self._metrics.redis_wait_seconds.observe(waited)
                    raise GatewayError(
                        "writes are paused: the shared write lock (Redis) has been unreachable "
                        f"for {waited:.0f}s, and writing without it could lose another "
                        "replica's update. Retry later.",
                        ErrorCode.SERVICE_UNAVAILABLE,
                    ) from error
                await asyncio.sleep(min(pause, self._redis_wait - waited))
                pause = min(pause * 2, 1.0)
                continue
            self._health.recovered()
            if time.monotonic() - started > 0.001:
                self._metrics.redis_wait_seconds.observe(time.monotonic() - started)
            if not acquired:
                raise GatewayError(
                    f"timed out after {self._wait:.0f}s waiting for the pool's write lock; retry",
                    ErrorCode.CONFLICT,
                )
            return True

    async def _renew(self, lock: FencedLock, lease: RedisLease, key: str) -> None:
        """Extend the lease every third of it; one failure marks it lost for good."""
        while True:
            await asyncio.sleep(self._lease / 3)
            try:
                await lock.reacquire()
            except (LockError, RedisError, OSError) as error:
                lease.lost = True
                log.warning(
                    "could not renew the write lock; the write will start over",
                    extra={"pool": key, "error": type(error).__name__},
                )
                return

    async def _release(self, lock: FencedLock, lease: RedisLease, key: str) -> None:
        try:
            await lock.release()
        except LockError:
            if not lease.lost:
                log.error(
                    "the write lock expired while held; its lease is too short",
                    extra={"pool": key, "lease_seconds": self._lease},
                )
        except (RedisError, OSError) as error:
            self._health.failed(error, "unlock")
