"""Metrics after real traffic, tracing spans, request-id logs, and SIGTERM during an update."""

from __future__ import annotations

import asyncio
import json
import re
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.observability import tracing
from tests.conftest import REGION, GatewayServer, GraphQLClient, PoolFactory
from tests.support.fault_proxy import FaultProxy

READ = "query Read($id: ID!) { userPool(id: $id) { id version } }"
PATCH = """mutation Patch($id: ID!, $key: String!) {
  updateUserPool(id: $id, patch: { userPoolTags: [{ key: $key, value: "v" }] }) { dryRun }
}"""


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one Prometheus sample, 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.match(r"^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$", line)
        if match and match.group(1) == name:
            got = (
                ",".join(sorted((match.group(2) or "{}")[1:-1].split(",")))
                if match.group(2)
                else ""
            )
            if got == wanted:
                return float(match.group(3))
    return 0.0


async def test_metrics_after_a_read_a_write_and_a_retried_write(
    start_gateway: Callable[..., GatewayServer],
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
    proxy: FaultProxy,
) -> None:
    server = start_gateway(update_backoff_base_seconds=0.01)
    client = GraphQLClient(http, server.url)
    pool_id = await new_full_pool()
    await client.execute(READ, {"id": pool_id})
    await client.execute(READ, {"id": pool_id})
    await client.execute(PATCH, {"id": pool_id, "key": "first"})
    proxy.fail("UpdateUserPool", "ConcurrentModificationException", times=1)
    await client.execute(PATCH, {"id": pool_id, "key": "second"})

    response = await http.get(f"{server.url}/metrics")
    assert response.status_code == 200
    text = response.text
    # The second read is answered by the response cache, before GraphQL execution.
    assert (
        sample(text, "gateway_graphql_requests_total", operation="Read", type="query", outcome="ok")
        == 1
    )
    assert sample(text, "gateway_response_cache_lookups_total", result="hit") == 1
    assert (
        sample(
            text, "gateway_graphql_requests_total", operation="Patch", type="mutation", outcome="ok"
        )
        == 2
    )
    assert (
        sample(text, "gateway_graphql_request_seconds_count", operation="Read", type="query") == 1
    )
    assert sample(text, "gateway_cache_lookups_total", result="miss") == 1
    assert sample(text, "gateway_cache_lookups_total", result="hit") == 1
    assert (
        sample(text, "gateway_cognito_calls_total", operation="UpdateUserPool", outcome="ok") == 2
    )
    assert (
        sample(
            text,
            "gateway_cognito_calls_total",
            operation="UpdateUserPool",
            outcome="ConcurrentModificationException",
        )
        == 1
    )
    assert (
        sample(text, "gateway_update_retries_total", reason="ConcurrentModificationException") == 1
    )
    assert sample(text, "gateway_writes_total") == 3
    assert sample(text, "gateway_lock_wait_seconds_count") == 2
    assert sample(text, "gateway_cognito_call_seconds_count", operation="DescribeUserPool") >= 5


async def test_errors_are_counted_by_code(
    graphql: GraphQLClient, http: httpx.AsyncClient, gateway: GatewayServer
) -> None:
    await graphql.execute('query Missing { userPool(id: "eu-west-1_nope1") { id } }')
    text = (await http.get(f"{gateway.url}/metrics")).text
    assert (
        sample(
            text,
            "gateway_graphql_requests_total",
            operation="Missing",
            type="query",
            outcome="NOT_FOUND",
        )
        >= 1
    )


async def test_spans_follow_the_conventions_and_never_carry_argument_values(
    start_gateway: Callable[..., GatewayServer],
    http: httpx.AsyncClient,
    demo_pool_ids: list[str],
    new_full_pool: Callable[[], Any],
) -> None:
    import json
    import logging

    from opentelemetry import trace
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from gateway.observability.logs import JsonFormatter

    exporter = InMemorySpanExporter()
    tracing.configure(exporter)
    try:
        server = start_gateway(tracing=True, cache_ttl_seconds=0)
        client = GraphQLClient(http, server.url)
        await client.execute(READ, {"id": demo_pool_ids[1]})
        pool_id = await new_full_pool()
        secret = "secret-external-id-4711"
        patch = """mutation Secret($id: ID!) { updateUserPool(id: $id, patch: {
          smsConfiguration: { externalId: "secret-external-id-4711",
            snsCallerArn: "arn:aws:iam::123456789012:role/sms" } }) { dryRun } }"""
        assert "errors" not in await client.execute(patch, {"id": pool_id})
        with trace.get_tracer("test").start_as_current_span("logging"):
            record = logging.LogRecord("t", logging.INFO, "", 0, "inside a span", (), None)
            line = json.loads(JsonFormatter().format(record))
    finally:
        tracing._enabled = False  # later gateways in this process run without tracing
    spans = exporter.get_finished_spans()
    by_name = {s.name: s for s in spans}
    upstream = by_name["CognitoIdentityProvider/DescribeUserPool"]
    assert upstream.kind == trace.SpanKind.CLIENT
    assert upstream.attributes["rpc.system"] == "aws-api"
    assert upstream.attributes["rpc.method"] == "DescribeUserPool"
    assert upstream.attributes["cloud.region"] == REGION
    mutation = by_name["mutation Secret"]
    assert mutation.kind == trace.SpanKind.SERVER
    assert mutation.attributes["graphql.operation.name"] == "Secret"
    assert mutation.attributes["graphql.operation.type"] == "mutation"
    every_value = [str(v) for s in spans for v in (s.attributes or {}).values()]
    assert not [v for v in every_value if secret in v]
    assert len(line["trace_id"]) == 32 and len(line["span_id"]) == 16


async def test_logs_are_json_lines_with_the_request_id(
    start_replicas: Callable[..., Any], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    [replica] = start_replicas(1, log_level="INFO")
    await http.post(
        f"{replica.url}/graphql",
        json={"query": "{ __typename }"},
        headers={"X-Request-Id": "trace-me-42"},
    )
    await asyncio.sleep(0.2)
    lines = [json.loads(line) for line in replica.log_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("message") == "request"]
    assert any(
        line.get("request_id") == "trace-me-42"
        and line["status"] == 200
        and line["path"] == "/graphql"
        for line in access
    ), lines


async def test_sigterm_during_a_slow_update_lets_it_finish_and_exits_cleanly(
    start_replicas: Callable[..., Any],
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
    proxy: FaultProxy,
    describe: Callable[[str], Any],
) -> None:
    [replica] = start_replicas(1, log_level="INFO")
    pool_id = await new_full_pool()
    proxy.delay("UpdateUserPool", 2.0)
    update = asyncio.create_task(
        GraphQLClient(http, replica.url).execute(PATCH, {"id": pool_id, "key": "during-shutdown"})
    )
    await asyncio.sleep(0.8)  # the update is now waiting on Cognito
    replica.signal(signal.SIGTERM)
    answer = await update
    assert "errors" not in answer, answer
    assert await asyncio.to_thread(replica.wait, 20) == 0
    assert '"message": "gateway stopped"' in replica.log_text()
    assert (await describe(pool_id))["UserPoolTags"]["during-shutdown"] == "v"
    with pytest.raises(httpx.ConnectError):
        await http.get(f"{replica.url}/healthz")
