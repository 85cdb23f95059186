"""Cache store, distributed lock and quota guard against a real redis-server."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from gateway.core.record import PoolRecord
from gateway.errors import GatewayError
from gateway.store import redis as shared
from gateway.store.cache import MemoryStore, SharedStore, SingleFlightCache
from gateway.store.codec import dump_record, load_record
from gateway.store.locks import DistributedLocks
from gateway.store.quota import QuotaGuard
from tests.conftest import RedisServer
from tests.support.net import free_port

OLD = PoolRecord.of({"Id": "eu-west-1_a", "Name": "old"})
NEW = PoolRecord.of({"Id": "eu-west-1_a", "Name": "new"})


@pytest.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[redis.Redis]:
    connection = shared.connect(redis_server.url)
    yield connection
    await connection.aclose()


def shared_store(url: str, l1: MemoryStore | None = None) -> SharedStore:
    async def publish(_: str) -> None:
        return None

    return SharedStore(
        shared.url_parts(url),
        30,
        shared.RedisHealth(),
        l1,
        publish=publish,
        l1_trusted=lambda: True,
    )


def test_records_round_trip_through_json_with_datetimes() -> None:
    import datetime

    moment = datetime.datetime(
        2024, 3, 25, 21, 22, 34, 748000, tzinfo=datetime.timezone(datetime.timedelta(hours=9))
    )
    record = PoolRecord.of({"Id": "x", "CreationDate": moment, "UserPoolTags": {"a": "b"}})
    loaded = load_record(dump_record(record))
    assert loaded == record
    assert (loaded.version, loaded.document_tag) == (record.version, record.document_tag)


async def test_the_shared_cache_logs_in_as_the_acl_user_of_the_url(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    """A Redis ACL user name in GATEWAY_REDIS_URL must reach the cache's connections."""
    await client.execute_command(
        "ACL", "SETUSER", "gateway", "on", ">s3cret/pw", "~*", "&*", "+@all"
    )
    await client.execute_command("CONFIG", "SET", "requirepass", "other-default-password")
    url = redis_server.url.replace("redis://", "redis://gateway:s3cret%2Fpw@")
    store = shared_store(url)
    try:
        await store.put_written("pool", NEW)
        assert await store.get("pool") == NEW
    finally:
        await store.close()


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_a_load_that_started_before_a_write_does_not_overwrite_it(
    redis_server: RedisServer, kind: str
) -> None:
    store = MemoryStore(30) if kind == "memory" else shared_store(redis_server.url)
    generation = await store.generation("pool")  # a load starts...
    await store.put_written("pool", NEW)  # ...a write lands meanwhile...
    await store.put_loaded("pool", OLD, generation)  # ...the load finishes late
    assert await store.get("pool") == NEW
    await store.close()


async def test_single_flight_makes_one_load_for_concurrent_misses() -> None:
    cache = SingleFlightCache(MemoryStore(30))
    loads = 0

    async def load() -> PoolRecord:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.05)
        return NEW

    results = await asyncio.gather(*(cache.get_or_load("pool", load) for _ in range(20)))
    assert results == [NEW] * 20 and loads == 1


async def test_a_load_nobody_waits_for_any_more_is_cancelled() -> None:
    """A read whose callers all gave up must not keep its place in the quota's queue."""
    cache = SingleFlightCache(MemoryStore(30))
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def load() -> PoolRecord:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return NEW

    waiters = [asyncio.ensure_future(cache.get_or_load("pool", load)) for _ in range(2)]
    await started.wait()
    waiters[0].cancel()
    await asyncio.sleep(0.05)
    assert not cancelled.is_set()  # one caller still waits
    waiters[1].cancel()
    await asyncio.wait_for(cancelled.wait(), 1)
    await asyncio.gather(*waiters, return_exceptions=True)


async def test_a_failed_load_is_collected_even_with_no_caller_left(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A load that outlives its last caller (it did not stop when cancelled) and then
    fails leaves no 'Task exception was never retrieved' in the log."""
    cache = SingleFlightCache(MemoryStore(30))
    started, failed = asyncio.Event(), asyncio.Event()

    async def load() -> PoolRecord:
        started.set()
        with contextlib.suppress(asyncio.CancelledError):  # a load that does not stop
            await asyncio.sleep(30)
        await asyncio.sleep(0.01)
        failed.set()
        raise RuntimeError("upstream went away")

    waiter = asyncio.ensure_future(cache.get_or_load("pool", load))
    await started.wait()
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    await asyncio.wait_for(failed.wait(), 1)
    del waiter
    for _ in range(3):  # the failed task is freed, and reported then if unretrieved
        await asyncio.sleep(0.01)
        gc.collect()
    assert "never retrieved" not in caplog.text


async def test_l1_entry_dropped_by_invalidation_is_not_served(redis_server: RedisServer) -> None:
    l1 = MemoryStore(30)
    store = shared_store(redis_server.url, l1)
    await store.put_written("pool", OLD)
    assert await store.get("pool") == OLD
    other_replica = shared_store(redis_server.url)
    await other_replica.put_written("pool", NEW)
    await l1.delete("pool")  # what the pub/sub message does
    assert await store.get("pool") == NEW
    await store.close()
    await other_replica.close()


async def test_distributed_lock_excludes_across_instances_and_outlives_its_lease(
    client: redis.Redis,
) -> None:
    one = DistributedLocks(
        client,
        shared.RedisHealth(),
        lease_seconds=0.3,
        wait_seconds=5,
        redis_wait_seconds=0,
        allow_local=False,
    )
    two = DistributedLocks(
        client,
        shared.RedisHealth(),
        lease_seconds=0.3,
        wait_seconds=5,
        redis_wait_seconds=0,
        allow_local=False,
    )
    inside = 0
    most = 0

    async def writer(locks: DistributedLocks) -> None:
        nonlocal inside, most
        async with locks.hold("pool"):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.5)  # longer than the lease: renewal must keep it
            inside -= 1

    await asyncio.gather(writer(one), writer(two), writer(one), writer(two))
    assert most == 1
    assert await client.exists("gateway:lock:pool") == 0  # released on the way out


async def test_lock_fails_closed_when_redis_is_unreachable() -> None:
    dead = shared.connect(f"redis://127.0.0.1:{free_port()}/0")
    closed = DistributedLocks(
        dead,
        shared.RedisHealth(),
        lease_seconds=1,
        wait_seconds=1,
        redis_wait_seconds=0.3,
        allow_local=False,
    )
    with pytest.raises(GatewayError) as error:
        async with closed.hold("pool"):
            pass
    assert error.value.code == "SERVICE_UNAVAILABLE"
    allowed = DistributedLocks(
        dead,
        shared.RedisHealth(),
        lease_seconds=1,
        wait_seconds=1,
        redis_wait_seconds=0.3,
        allow_local=True,
    )
    entered = False
    async with allowed.hold("pool"):
        entered = True
    assert entered
    await dead.aclose()


async def test_quota_bucket_is_shared_between_replicas(client: redis.Redis) -> None:
    """Two guards (two replicas) on one Redis share one budget of 20/s (burst 20).

    60 calls need at least (60 - 20) / 20 = 2 seconds whatever the machine;
    with separate budgets they would need only 1.
    """
    guards = [QuotaGuard.shared(client, shared.RedisHealth(), "acct", 20, 20) for _ in range(2)]
    started = time.monotonic()
    await asyncio.gather(*(guards[i % 2].admit("DescribeUserPool", "eu-west-1") for i in range(60)))
    assert time.monotonic() - started >= 1.9
    # Updates have their own bucket: unaffected by the reads above.
    started = time.monotonic()
    await guards[0].admit("UpdateUserPool", "eu-west-1")
    assert time.monotonic() - started < 1.0
