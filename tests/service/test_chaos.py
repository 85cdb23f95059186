"""Chaos: three replicas, a redis-server killed (SIGKILL) and restarted mid-run,
slowed upstream writes and random ConcurrentModificationExceptions.

Bounded and self-stopping: a fixed number of rounds and writes, each round
on a fresh pool. It fails on a single lost update: a write that answered
success must be in the final pool, a write that answered an error must not,
nothing else may change, and writes sent after recovery must all land.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from gateway.core.rules import update_request_from
from tests.conftest import GraphQLClient, PoolFactory, RedisServer
from tests.support.fault_proxy import FaultProxy

ROUNDS = 3
WRITES_PER_ROUND = 30
KILLS_PER_ROUND = 2
TAG = """mutation($id: ID!, $key: String!) {
  updateUserPool(id: $id, patch: { userPoolTags: [{ key: $key, value: "v" }] }) { dryRun }
}"""


def without_tags(pool: dict[str, Any]) -> dict[str, Any]:
    request = update_request_from(pool)
    request.pop("UserPoolTags", None)
    return request


async def write_all(
    clients: list[GraphQLClient], pool_id: str, keys: list[str]
) -> dict[str, dict[str, Any]]:
    answers = await asyncio.gather(
        *(
            clients[i % len(clients)].execute(TAG, {"id": pool_id, "key": key})
            for i, key in enumerate(keys)
        )
    )
    return dict(zip(keys, answers, strict=True))


def failed(answer: dict[str, Any]) -> str | None:
    errors = answer.get("errors")
    return str(errors[0]["extensions"]["code"]) if errors else None


@pytest.mark.timeout(400)
async def test_no_acknowledged_update_is_lost_when_redis_dies_mid_run(
    start_replicas: Callable[..., Any],
    redis_server: RedisServer,
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
    describe: Callable[[str], Any],
    proxy: FaultProxy,
) -> None:
    # Cognito calls of up to 3 s (one attempt) under a 5 s lease; writes slowed to
    # 0.2-1 s, so that a holder is often mid-write when Redis comes back.
    replicas = start_replicas(
        3,
        redis_url=redis_server.url,
        redis_wait_seconds=30,
        update_max_attempts=12,
        lock_timeout_seconds=5,
        upstream_timeout_seconds=3,
        upstream_max_attempts=1,
    )
    clients = [GraphQLClient(http, replica.url) for replica in replicas]
    warm_up = await new_full_pool()
    assert not any(map(failed, (await write_all(clients, warm_up, ["a", "b", "c"])).values()))

    for round_number in range(ROUNDS):
        pool_id = await new_full_pool()
        before = await describe(pool_id)
        proxy.reset()
        proxy.delay("UpdateUserPool", 0.2, jitter=0.8)
        proxy.fail("UpdateUserPool", "ConcurrentModificationException", rate=0.25)
        keys = [f"r{round_number}-{i:02d}" for i in range(WRITES_PER_ROUND)]
        run = asyncio.create_task(write_all(clients, pool_id, keys))
        for _ in range(KILLS_PER_ROUND):
            await asyncio.sleep(0.6)
            redis_server.kill()
            await asyncio.sleep(0.3)
            redis_server.start()
        answers = await run
        after_recovery = await write_all(
            clients, pool_id, [f"r{round_number}-after-{i}" for i in range(3)]
        )
        proxy.reset()

        final = await describe(pool_id)
        tags = set(final.get("UserPoolTags", {}))
        succeeded = {key for key, answer in answers.items() if failed(answer) is None}
        refused = set(answers) - succeeded
        lost = succeeded - tags
        assert not lost, f"round {round_number}: acknowledged writes missing: {sorted(lost)}"
        assert not refused & tags, f"round {round_number}: failed writes landed"
        assert {failed(answers[key]) for key in refused} <= {"CONFLICT"}, answers
        assert not any(map(failed, after_recovery.values())), after_recovery
        assert set(after_recovery) <= tags
        assert without_tags(final) == without_tags(before)
