"""A write Cognito accepted is never reported as failed, over HTTP against one gateway.

The fault proxy supplies what the emulator cannot: a read-back that fails
after a successful UpdateUserPool, an UpdateUserPool that is applied but
whose answer is lost, and a writer outside the gateway acting between our
write and our read-back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.conftest import REGION, GatewayServer, GraphQLClient, PoolFactory
from tests.support.fault_proxy import FaultProxy

PATCH = """mutation($id: ID!, $key: String!) {
  updateUserPool(id: $id, patch: { userPoolTags: [{ key: $key, value: "v" }] }) {
    changes { path after } poolSource pool { userPoolTags { key } }
  }
}"""
READ = "query($id: ID!) { userPool(id: $id) { userPoolTags { key } } }"


@pytest.fixture(scope="module")
def audit_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reliability") / "audit.jsonl"


@pytest.fixture(scope="module")
def server(start_gateway: Callable[..., GatewayServer], audit_file: Path) -> GatewayServer:
    return start_gateway(cache_ttl_seconds=60, audit_sink=f"file:{audit_file}")


def tags(answer: dict[str, Any]) -> set[str]:
    return {t["key"] for t in answer["data"]["userPool"]["userPoolTags"]}


async def test_a_failed_read_back_after_an_accepted_write_answers_success(
    http: httpx.AsyncClient,
    server: GatewayServer,
    new_full_pool: PoolFactory,
    proxy: FaultProxy,
    describe: Callable[[str], Any],
    audit_file: Path,
) -> None:
    pool_id = await new_full_pool()
    client = GraphQLClient(http, server.url)
    assert "landed" not in tags(await client.execute(READ, {"id": pool_id}))  # now cached
    # The describe before the write passes; every one after it fails (botocore retries too).
    proxy.fail("DescribeUserPool", "InternalErrorException", status=500, after=1)
    answer = await client.execute(PATCH, {"id": pool_id, "key": "landed"})
    assert "errors" not in answer, answer
    payload = answer["data"]["updateUserPool"]
    assert payload["changes"] == [{"path": "userPoolTags[landed]", "after": "v"}]
    assert payload["poolSource"] == "PLAN"
    assert "landed" in {t["key"] for t in payload["pool"]["userPoolTags"]}
    assert (await describe(pool_id))["UserPoolTags"]["landed"] == "v"
    proxy.reset()
    assert "landed" in tags(await client.execute(READ, {"id": pool_id}))  # not the cached one
    event = json.loads(audit_file.read_text().splitlines()[-1])
    assert (event["outcome"], event["pool"]) == ("succeeded", pool_id)
    assert "reading the pool back failed" in event["note"]


async def test_an_applied_write_whose_answer_was_lost_answers_success(
    http: httpx.AsyncClient,
    server: GatewayServer,
    new_full_pool: PoolFactory,
    proxy: FaultProxy,
    describe: Callable[[str], Any],
) -> None:
    pool_id = await new_full_pool()
    proxy.fail("UpdateUserPool", "InternalErrorException", status=500, forward=True)
    answer = await GraphQLClient(http, server.url).execute(PATCH, {"id": pool_id, "key": "lost"})
    assert "errors" not in answer, answer
    assert answer["data"]["updateUserPool"]["poolSource"] == "COGNITO"
    assert (await describe(pool_id))["UserPoolTags"]["lost"] == "v"


async def test_a_failed_write_that_did_not_land_is_still_an_error(
    http: httpx.AsyncClient,
    server: GatewayServer,
    new_full_pool: PoolFactory,
    proxy: FaultProxy,
    describe: Callable[[str], Any],
) -> None:
    pool_id = await new_full_pool()
    proxy.fail("UpdateUserPool", "InternalErrorException", status=500)
    answer = await GraphQLClient(http, server.url).execute(PATCH, {"id": pool_id, "key": "never"})
    assert answer["errors"][0]["extensions"]["code"] == "UPSTREAM_ERROR"
    assert "never" not in (await describe(pool_id))["UserPoolTags"]


async def test_a_writer_outside_the_gateway_is_detected_and_counted(
    http: httpx.AsyncClient,
    server: GatewayServer,
    new_full_pool: PoolFactory,
    proxy: FaultProxy,
    emulator: str,
) -> None:
    pool_id = await new_full_pool()
    outsider = boto3.client("cognito-idp", region_name=REGION, endpoint_url=emulator)

    def naive_update() -> None:  # a console click or script between our write and read-back
        outsider.update_user_pool(UserPoolId=pool_id, DeletionProtection="INACTIVE")

    proxy.after_call("UpdateUserPool", naive_update)
    answer = await GraphQLClient(http, server.url).execute(PATCH, {"id": pool_id, "key": "x"})
    assert "errors" not in answer, answer
    metrics = (await http.get(f"{server.url}/metrics")).text
    assert "gateway_external_concurrent_writes_total 1.0" in metrics
