"""Two replicas on one PostgreSQL and one Redis: one history row per write, and reads
racing the writes record no phantom EXTERNAL versions."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import httpx

from gateway.store.history import HistoryStore
from tests.conftest import GraphQLClient, PoolFactory, PostgresServer, RedisServer
from tests.support.fault_proxy import FaultProxy

TAG_PATCH = """mutation($id: ID!, $key: String!) {
  updateUserPool(id: $id, patch: { userPoolTags: [{ key: $key, value: "added" }] }) {
    pool { version }
  }
}"""
READ = "query($id: ID!) { userPool(id: $id) { version } }"
WRITES = 16


async def test_two_replicas_record_one_version_per_write(
    start_replicas: Callable[..., Any],
    redis_server: RedisServer,
    postgres: PostgresServer,
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
    proxy: FaultProxy,
) -> None:
    url = postgres.new_database()
    replicas = start_replicas(
        2, redis_url=redis_server.url, history_url=url, cache_ttl_seconds=0.05
    )
    clients = [GraphQLClient(http, r.url) for r in replicas]
    pool = await new_full_pool()
    first = (await clients[0].execute(READ, {"id": pool}))["data"]["userPool"]["version"]
    proxy.delay("DescribeUserPool", 0.03)  # widen every window between a read and its record
    done = asyncio.Event()

    async def keep_reading(client: GraphQLClient) -> None:
        while not done.is_set():
            await client.execute(READ, {"id": pool})

    readers = [asyncio.create_task(keep_reading(c)) for c in clients]
    try:
        answers = await asyncio.gather(
            *(
                clients[i % 2].execute(TAG_PATCH, {"id": pool, "key": f"fleet-{i:02d}"})
                for i in range(WRITES)
            )
        )
    finally:
        done.set()
        for task in readers:
            with contextlib.suppress(Exception):
                await task
    assert all("errors" not in a for a in answers), [a for a in answers if "errors" in a][:2]
    # Coalesced patches share one write; every write answered its own new version.
    written = {a["data"]["updateUserPool"]["pool"]["version"] for a in answers}

    store = HistoryStore.open(url)
    try:
        rows = await store.page(pool, 100, None)
    finally:
        await store.close()
    assert [r.seq for r in rows] == list(range(len(rows), 0, -1))
    gateway_rows = [r.version for r in rows if r.source == "GATEWAY"]
    assert sorted(gateway_rows) == sorted(written)  # each write once, none twice
    assert [(r.source, r.version) for r in rows if r.source == "EXTERNAL"] == [("EXTERNAL", first)]
