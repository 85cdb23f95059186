"""The history as an audit trail on bad days: a PostgreSQL restart in the middle of
concurrent writes, a replica killed while its update is in flight, a database that is
down when the gateway starts. Every acknowledged write keeps its author and its changes.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import signal
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest

from gateway.core.diff import diff
from gateway.store.history import HistoryStore, VersionRow
from tests.conftest import GatewayProcess, PoolFactory, PostgresServer, RedisServer
from tests.support.fault_proxy import FaultProxy

TAG_PATCH = """mutation($id: ID!, $key: String!) {
  updateUserPool(id: $id, patch: { userPoolTags: [{ key: $key, value: "set" }] }) {
    pool { version }
  }
}"""
WRITERS = 4
WRITES_EACH = 15


def api_keys(count: int) -> str:
    return json.dumps(
        [
            {
                "name": f"writer-{i}",
                "sha256": hashlib.sha256(f"key-{i}".encode()).hexdigest(),
                "scopes": ["pools:write"],
            }
            for i in range(count)
        ]
    )


async def patch(
    http: httpx.AsyncClient, replica: GatewayProcess, pool_id: str, writer: int, key: str
) -> tuple[str, bool]:
    """One tag patch as writer ``writer`` with its own request id; (id, acknowledged)."""
    request_id = f"req-{key}"
    headers = {"X-API-Key": f"key-{writer}", "X-Request-Id": request_id}
    body = {"query": TAG_PATCH, "variables": {"id": pool_id, "key": key}}
    try:
        answer = await http.post(f"{replica.url}/graphql", json=body, headers=headers)
    except httpx.HTTPError:
        return request_id, False
    return request_id, answer.status_code == 200 and "errors" not in answer.json()


async def history_of(url: str, pool_id: str) -> list[VersionRow]:
    store = HistoryStore.open(url)
    try:
        return list(reversed(await store.page(pool_id, 1000, None)))
    except Exception:  # the database is still coming back
        return []
    finally:
        await store.close()


async def eventually(check: Callable[[], Awaitable[bool]], within: float) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.25)


def authored(rows: list[VersionRow]) -> dict[str, list[tuple[str, str | None]]]:
    """request id -> the (source, principal) of every row naming it."""
    found: dict[str, list[tuple[str, str | None]]] = {}
    for row in rows:
        for request_id in (row.request_id or "").split(", "):
            if request_id:
                found.setdefault(request_id, []).append((row.source, row.principal))
    return found


def assert_complete(rows: list[VersionRow]) -> None:
    """Numbered without gaps; each row's changes are exactly what differs from the row
    before it, so together they add up to the first-to-last difference."""
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    for before, after in itertools.pairwise(rows):
        expected = sorted(
            (list(c.path), c.before, c.after)
            for c in diff(before.configuration, after.configuration)
        )
        stored = sorted((c["path"], c["before"], c["after"]) for c in after.changes)
        assert stored == expected, f"row {after.seq} ({after.source}) misses changes"


@pytest.mark.timeout(240)
async def test_a_database_restart_mid_run_loses_no_author_and_no_change(
    start_replicas: Callable[..., list[GatewayProcess]],
    redis_server: RedisServer,
    own_postgres: PostgresServer,
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
) -> None:
    url = own_postgres.new_database()
    replicas = start_replicas(
        2, redis_url=redis_server.url, history_url=url, auth_mode="api-key",
        api_keys=api_keys(WRITERS),
    )  # fmt: skip
    pool_id = await new_full_pool()
    acknowledged: dict[str, str] = {}

    async def writer(number: int) -> None:
        for n in range(WRITES_EACH):
            replica = replicas[(number + n) % 2]
            request_id, ok = await patch(http, replica, pool_id, number, f"w{number}-{n:02d}")
            if ok:
                acknowledged[request_id] = f"api-key:writer-{number}"
            await asyncio.sleep(0.1)

    async def outage() -> None:
        await asyncio.sleep(1.0)
        await asyncio.to_thread(own_postgres.stop)  # pg_ctl stop -m immediate
        await asyncio.sleep(3.0)
        await asyncio.to_thread(own_postgres.resume)

    await asyncio.gather(outage(), *(writer(i) for i in range(WRITERS)))
    assert len(acknowledged) >= WRITERS * WRITES_EACH * 0.9, "writes failed during the outage"

    async def all_recorded() -> bool:
        return set(acknowledged) <= set(authored(await history_of(url, pool_id)))

    await eventually(all_recorded, within=30)
    rows = await history_of(url, pool_id)
    by_request = authored(rows)
    for request_id, principal in acknowledged.items():
        [(source, principals)] = by_request[request_id]  # exactly once
        assert source == "GATEWAY", request_id
        assert principal in (principals or "").split(", "), (request_id, principals)
    assert_complete(rows)


@pytest.mark.timeout(120)
async def test_a_replica_killed_mid_update_is_still_the_author(
    start_replicas: Callable[..., list[GatewayProcess]],
    redis_server: RedisServer,
    postgres: PostgresServer,
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
    proxy: FaultProxy,
) -> None:
    """SIGKILL once Cognito applied the update and before its answer came back: the other
    replica records the landed change as the dead one's caller's, within a lease."""
    url = postgres.new_database()
    doomed, survivor = start_replicas(
        2, redis_url=redis_server.url, history_url=url, auth_mode="api-key",
        api_keys=api_keys(1),
    )  # fmt: skip
    pool_id = await new_full_pool()
    await patch(http, survivor, pool_id, 0, "first")  # the pool's history has begun
    proxy.after_call("UpdateUserPool", lambda: doomed.signal(signal.SIGKILL))
    request_id, ok = await patch(http, doomed, pool_id, 0, "in-flight")
    assert not ok  # the replica died before answering
    killed = time.monotonic()

    async def recorded() -> bool:
        return request_id in authored(await history_of(url, pool_id))

    await eventually(recorded, within=15)
    lease = 3.0  # GATEWAY_LOCK_TIMEOUT_SECONDS of replicas on Redis (conftest)
    took = time.monotonic() - killed
    assert took < lease + 2.5, took  # the lease runs out, then one sweep (every second)
    rows = await history_of(url, pool_id)
    assert authored(rows)[request_id] == [("GATEWAY", "api-key:writer-0")]
    assert [r.source for r in rows].count("EXTERNAL") == 1  # only the first sighting
    assert_complete(rows)
    audit = [json.loads(line) for line in survivor.log_text().splitlines()
             if line.startswith('{"type":"audit"')]  # fmt: skip
    [later] = [a for a in audit if a["outcome"] == "applied-later"]  # the audit agrees
    assert later["requestId"] == request_id and later["principal"]["name"] == "writer-0"


@pytest.mark.timeout(120)
async def test_serve_starts_with_the_database_down_and_fills_the_history_in_later(
    start_replicas: Callable[..., list[GatewayProcess]],
    own_postgres: PostgresServer,
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
) -> None:
    url = own_postgres.new_database()
    own_postgres.stop()
    [replica] = start_replicas(1, history_url=url)
    pool_id = await new_full_pool()
    ready = (await http.get(f"{replica.url}/readyz")).json()
    assert ready["status"] == "degraded" and ready["history"] == "degraded"
    request_ids = []
    for n in range(3):
        request_id, ok = await patch(http, replica, pool_id, 0, f"early-{n}")
        assert ok
        request_ids.append(request_id)

    async def spooled() -> bool:
        metrics = (await http.get(f"{replica.url}/metrics")).text
        return "gateway_history_spooled 3.0" in metrics

    await eventually(spooled, within=5)

    await asyncio.to_thread(own_postgres.resume)

    async def filled_in() -> bool:
        return set(request_ids) <= set(authored(await history_of(url, pool_id)))

    await eventually(filled_in, within=30)
    rows = await history_of(url, pool_id)
    assert [r.source for r in rows] == ["EXTERNAL", "GATEWAY", "GATEWAY", "GATEWAY"]
    assert_complete(rows)
    metrics = (await http.get(f"{replica.url}/metrics")).text
    assert "gateway_history_replayed_total 3.0" in metrics

    async def ready_again() -> bool:
        return (await http.get(f"{replica.url}/readyz")).json()["status"] == "ready"

    await eventually(ready_again, within=20)


@pytest.mark.timeout(120)
async def test_a_read_only_history_store_fails_no_write_and_loses_no_author(
    start_replicas: Callable[..., list[GatewayProcess]],
    redis_server: RedisServer,
    postgres: PostgresServer,
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
) -> None:
    """The database answers but refuses every insert (read-only, as after a failover to a
    standby or a full disk): writes succeed, wait in the journal, and keep their authors."""
    url = postgres.new_database()
    database = url.rsplit("/", 1)[1]
    [replica] = start_replicas(
        1, redis_url=redis_server.url, history_url=url, auth_mode="api-key",
        api_keys=api_keys(1),
    )  # fmt: skip
    pool_id = await new_full_pool()
    await patch(http, replica, pool_id, 0, "before")
    postgres.read_only(database, True)
    request_ids = []
    for n in range(4):
        request_id, ok = await patch(http, replica, pool_id, 0, f"refused-{n}")
        assert ok, request_id
        request_ids.append(request_id)
    assert not set(request_ids) & set(authored(await history_of(url, pool_id)))
    postgres.read_only(database, False)

    async def recorded() -> bool:
        return set(request_ids) <= set(authored(await history_of(url, pool_id)))

    await eventually(recorded, within=30)
    rows = await history_of(url, pool_id)
    for request_id in request_ids:
        assert authored(rows)[request_id] == [("GATEWAY", "api-key:writer-0")]
    assert_complete(rows)


@pytest.mark.timeout(60)
async def test_log_lines_of_a_coalesced_batch_name_its_own_callers(
    start_replicas: Callable[..., list[GatewayProcess]],
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
    proxy: FaultProxy,
) -> None:
    """The batch worker starts in its first caller's context; a later batch's lines used
    to carry that first caller's request id."""
    [replica] = start_replicas(1, log_level="INFO")
    pool_id = await new_full_pool()
    proxy.delay("UpdateUserPool", 0.5)  # the rest queue up behind the first write
    first = asyncio.create_task(patch(http, replica, pool_id, 0, "alone"))
    await asyncio.sleep(0.2)
    rest = [f"queued-{n}" for n in range(3)]
    answers = await asyncio.gather(*(patch(http, replica, pool_id, 0, key) for key in rest))
    assert (await first)[1] and all(ok for _, ok in answers)
    updated = [
        json.loads(line)
        for line in replica.log_text().splitlines()
        if line.startswith("{") and '"pool updated"' in line
    ]
    assert [set(u["request_id"].split(", ")) for u in updated] == [
        {"req-alone"},
        {f"req-{key}" for key in rest},
    ]
