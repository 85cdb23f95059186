"""The write lock on a real redis-server that is killed and restarted: fencing,
restart quarantine, lost renewals and ride-through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from gateway.errors import GatewayError
from gateway.observability.metrics import Metrics
from gateway.store import redis as shared
from gateway.store.locks import EPOCH_KEY, DistributedLocks, FencedLock, LeaseLost, _Scripts
from tests.conftest import RedisServer


@pytest.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[redis.Redis]:
    connection = shared.connect(redis_server.url)
    yield connection
    await connection.aclose()


def locks(
    client: redis.Redis, lease: float, redis_wait: float = 0.0, **extra: object
) -> DistributedLocks:
    return DistributedLocks(
        client,
        shared.RedisHealth(),
        lease_seconds=lease,
        wait_seconds=10,
        redis_wait_seconds=redis_wait,
        allow_local=False,
        **extra,  # type: ignore[arg-type]
    )


async def restart(server: RedisServer) -> None:
    server.kill()
    await asyncio.sleep(0.1)
    server.start()


async def reconnected(client: redis.Redis) -> None:
    """The pool's old connections died with the server: the first command may fail."""
    for _ in range(20):
        try:
            await client.ping()
            return
        except redis.ConnectionError:
            await asyncio.sleep(0.05)


async def test_a_holder_cannot_write_after_redis_restarts(
    client: redis.Redis, redis_server: RedisServer
) -> None:
    async with locks(client, lease=5).hold("pool") as lease:
        await lease.check(1.0)  # held: the write may go
        await restart(redis_server)
        with pytest.raises(LeaseLost):
            await lease.check(1.0)


async def test_a_restarted_redis_grants_no_lock_for_one_lease(
    client: redis.Redis, redis_server: RedisServer
) -> None:
    lease = 0.8
    first = FencedLock(client, "gateway:lock:a", _Scripts(client), timeout=lease)
    assert not await first.acquire(blocking=False)  # a new Redis starts in quarantine
    await asyncio.sleep(lease + 0.1)
    assert await first.acquire(blocking=False)
    await first.release()
    await restart(redis_server)
    await reconnected(client)
    again = FencedLock(client, "gateway:lock:a", _Scripts(client), timeout=lease)
    assert not await again.acquire(blocking=False)
    await asyncio.sleep(lease / 2)
    assert not await again.acquire(blocking=False)  # still within the lease period
    await asyncio.sleep(lease / 2 + 0.1)
    assert await again.acquire(blocking=False)


async def test_a_failover_to_another_server_fences_the_holder_and_quarantines(
    client: redis.Redis,
) -> None:
    """A promoted replica keeps the keys but has another run_id (simulated by the epoch)."""
    async with locks(client, lease=0.5).hold("pool") as lease:
        await client.set(EPOCH_KEY, "an-older-primary")
        with pytest.raises(LeaseLost):
            await lease.check(0.1)
    other = FencedLock(client, "gateway:lock:other", _Scripts(client), timeout=0.5)
    assert not await other.acquire(blocking=False)


async def test_the_fence_wants_the_whole_call_budget_left(client: redis.Redis) -> None:
    async with locks(client, lease=1.0).hold("pool") as lease:
        await lease.check(0.5)
        with pytest.raises(LeaseLost):
            await lease.check(5.0)  # the call could outlive the lease


async def test_a_failed_renewal_marks_the_lease_lost(
    client: redis.Redis, redis_server: RedisServer
) -> None:
    async with locks(client, lease=0.6).hold("pool") as lease:
        redis_server.kill()
        await asyncio.sleep(0.5)  # the renewal at 0.2 s fails
        redis_server.start()
        with pytest.raises(LeaseLost):
            await lease.check(0.01)


async def test_writers_ride_through_a_short_outage_and_it_is_measured(
    client: redis.Redis, redis_server: RedisServer
) -> None:
    metrics = Metrics()
    health = shared.RedisHealth(metrics)
    riding = DistributedLocks(
        client,
        health,
        lease_seconds=0.5,
        wait_seconds=10,
        redis_wait_seconds=10,
        allow_local=False,
        metrics=metrics,
    )
    redis_server.kill()

    async def write() -> bool:
        async with riding.hold("pool") as lease:
            await lease.check(0.1)
            return True

    task = asyncio.create_task(write())
    await asyncio.sleep(0.6)
    assert not task.done()
    assert metrics.redis_up._value.get() == 0
    redis_server.start()
    assert await asyncio.wait_for(task, 10)
    assert metrics.redis_up._value.get() == 1
    text = metrics.render().decode()
    assert "gateway_redis_wait_seconds_count 1.0" in text


async def test_a_longer_outage_fails_the_write_with_service_unavailable(
    client: redis.Redis, redis_server: RedisServer
) -> None:
    redis_server.kill()
    with pytest.raises(GatewayError) as error:
        async with locks(client, lease=0.5, redis_wait=0.3).hold("pool"):
            pass
    assert error.value.code == "SERVICE_UNAVAILABLE"
