"""Several replicas (gateway processes) on a real redis-server, moto behind the proxy."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import GatewayServer, GraphQLClient, PoolFactory, RedisServer
from tests.support.documents import differences
from tests.support.fault_proxy import FaultProxy

TAG_PATCH = """mutation($id: ID!, $key: String!) {
  updateUserPool(id: $id, patch: { userPoolTags: [{ key: $key, value: "added" }] }) {
    changes { path after }
  }
}"""
READ = "query($id: ID!) { userPool(id: $id) { version deletionProtection userPoolTags { key } } }"
PROTECT = """mutation($id: ID!, $value: DeletionProtection!) {
  updateUserPool(id: $id, patch: { deletionProtection: $value }) { pool { deletionProtection } }
}"""


async def tag_round_robin(
    http: httpx.AsyncClient, urls: list[str], pool_id: str, count: int
) -> list[dict[str, Any]]:
    clients = [GraphQLClient(http, url) for url in urls]
    return await asyncio.gather(
        *(
            clients[i % len(clients)].execute(TAG_PATCH, {"id": pool_id, "key": f"tag-{i:02d}"})
            for i in range(count)
        )
    )


async def test_sixty_patches_over_three_replicas_all_land(
    start_replicas: Callable[..., Any],
    redis_server: RedisServer,
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
    describe: Callable[[str], Any],
    proxy: FaultProxy,
) -> None:
    replicas = start_replicas(3, redis_url=redis_server.url)
    pool_id = await new_full_pool()
    before = await describe(pool_id)
    proxy.delay("DescribeUserPool", 0.05)  # widen every read-modify-write window
    answers = await tag_round_robin(http, [r.url for r in replicas], pool_id, 60)
    assert all("errors" not in a for a in answers), [a for a in answers if "errors" in a][:2]
    after = await describe(pool_id)
    assert {f"tag-{i:02d}" for i in range(60)} <= set(after["UserPoolTags"])
    assert {k: v for k, v in after["UserPoolTags"].items() if not k.startswith("tag-")} == (
        before["UserPoolTags"]
    )
    untagged = [d for d in differences(before, after) if not d.startswith("UserPoolTags")]
    assert untagged == []


async def test_without_the_distributed_lock_replicas_lose_updates(
    start_replicas: Callable[..., Any],
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
    describe: Callable[[str], Any],
    proxy: FaultProxy,
) -> None:
    """Negative control: the same load with only per-process locks loses tags."""
    replicas = start_replicas(3)
    pool_id = await new_full_pool()
    # Every replica's first write waits until all three have read: a sure collision.
    proxy.gate("UpdateUserPool", 3)
    answers = await tag_round_robin(http, [r.url for r in replicas], pool_id, 60)
    assert all("errors" not in a for a in answers)  # every caller was told "done"...
    landed = {k for k in (await describe(pool_id))["UserPoolTags"] if k.startswith("tag-")}
    assert len(landed) < 60  # ...yet some tags are gone


async def test_fifty_patches_through_one_replica_are_coalesced(
    gateway: GatewayServer,
    graphql: GraphQLClient,
    new_full_pool: PoolFactory,
    describe: Callable[[str], Any],
    proxy: FaultProxy,
) -> None:
    pool_id = await new_full_pool()
    answers = await asyncio.gather(
        *(graphql.execute(TAG_PATCH, {"id": pool_id, "key": f"c-{i:02d}"}) for i in range(50))
    )
    assert all("errors" not in a for a in answers)
    # Each caller sees its own change, not its batch-mates'.
    for i, answer in enumerate(answers):
        assert answer["data"]["updateUserPool"]["changes"] == [
            {"path": f"userPoolTags[c-{i:02d}]", "after": "added"}
        ]
    assert proxy.count("UpdateUserPool") <= 10
    tags = (await describe(pool_id))["UserPoolTags"]
    assert {f"c-{i:02d}" for i in range(50)} <= set(tags)


async def test_a_later_patch_of_the_same_field_wins_within_a_batch(
    graphql: GraphQLClient,
    new_full_pool: PoolFactory,
    describe: Callable[[str], Any],
    proxy: FaultProxy,
) -> None:
    pool_id = await new_full_pool()
    proxy.delay("UpdateUserPool", 0.3)  # hold the first write so the rest queue up
    first = asyncio.create_task(graphql.execute(PROTECT, {"id": pool_id, "value": "INACTIVE"}))
    await asyncio.sleep(0.1)
    queued = [
        asyncio.create_task(graphql.execute(PROTECT, {"id": pool_id, "value": value}))
        for value in ("ACTIVE", "INACTIVE", "ACTIVE")
    ]
    await asyncio.gather(first, *queued)
    assert proxy.count("UpdateUserPool") == 2
    assert (await describe(pool_id))["DeletionProtection"] == "ACTIVE"


async def test_a_write_through_one_replica_is_read_through_another(
    start_replicas: Callable[..., Any],
    redis_server: RedisServer,
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
) -> None:
    a, b = (GraphQLClient(http, r.url) for r in start_replicas(2, redis_url=redis_server.url))
    pool_id = await new_full_pool()
    assert (await b.execute(READ, {"id": pool_id}))["data"]["userPool"][
        "deletionProtection"
    ] == "ACTIVE"  # now cached in B (L1) and in Redis
    await a.execute(PROTECT, {"id": pool_id, "value": "INACTIVE"})
    seen = await b.execute(READ, {"id": pool_id})
    assert seen["data"]["userPool"]["deletionProtection"] == "INACTIVE"


async def test_without_shared_cache_another_replica_serves_stale_data(
    start_replicas: Callable[..., Any],
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
) -> None:
    """Negative control for the test above: per-process caches do go stale."""
    a, b = (GraphQLClient(http, r.url) for r in start_replicas(2))
    pool_id = await new_full_pool()
    await b.execute(READ, {"id": pool_id})
    await a.execute(PROTECT, {"id": pool_id, "value": "INACTIVE"})
    seen = await b.execute(READ, {"id": pool_id})
    assert seen["data"]["userPool"]["deletionProtection"] == "ACTIVE"


async def wait_for(predicate: Callable[[], Any], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not await predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.2)


async def test_redis_outage_reads_answer_writes_fail_closed_then_recover(
    start_replicas: Callable[..., Any],
    redis_server: RedisServer,
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
    describe: Callable[[str], Any],
    proxy: FaultProxy,
) -> None:
    replicas = start_replicas(2, redis_url=redis_server.url, redis_wait_seconds=1)
    a, b = (GraphQLClient(http, r.url) for r in replicas)
    pool_id = await new_full_pool()
    ok = await a.execute(TAG_PATCH, {"id": pool_id, "key": "before-outage"})
    assert "errors" not in ok

    redis_server.kill()
    for client in (a, b):
        read = await client.execute(READ, {"id": pool_id})
        assert "errors" not in read, read
        assert "before-outage" in {t["key"] for t in read["data"]["userPool"]["userPoolTags"]}
    proxy.reset()
    refused = await b.execute(TAG_PATCH, {"id": pool_id, "key": "during-outage"})
    error = refused["errors"][0]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "Redis" in error["message"]
    assert proxy.count("UpdateUserPool") == 0
    ready = (await http.get(f"{replicas[0].url}/readyz")).json()
    assert ready["status"] == "degraded" and ready["redis"] == "unreachable"

    redis_server.start()

    async def writable() -> bool:
        answer = await b.execute(TAG_PATCH, {"id": pool_id, "key": "after-outage"})
        return "errors" not in answer

    await wait_for(writable)
    tags = set((await describe(pool_id))["UserPoolTags"])
    assert {"before-outage", "after-outage"} <= tags
    assert "during-outage" not in tags

    async def ready_again() -> bool:
        ready = (await http.get(f"{replicas[0].url}/readyz")).json()
        return bool(ready == {"status": "ready", "redis": "reachable", "history": "ready"})

    await wait_for(ready_again)
