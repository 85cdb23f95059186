"""The series an on-call needs, present after a read, a cached read, a write, an auth
failure and a 413; cached reads are counted like executed ones."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import GatewayServer, PoolFactory

READ = "query Read($id: ID!) { userPool(id: $id) { id name } }"
WRITE = """mutation Write($id: ID!) {
  updateUserPool(id: $id, patch: { userPoolTags: [{ key: "k", value: "v" }] }) { dryRun }
}"""


def value(metrics: str, series: str) -> float:
    line = next((line for line in metrics.splitlines() if line.startswith(series + " ")), None)
    assert line is not None, f"{series} missing"
    return float(line.rsplit(" ", 1)[1])


async def test_every_series_an_on_call_needs(
    http: httpx.AsyncClient, start_gateway: Callable[..., GatewayServer], new_full_pool: PoolFactory
) -> None:
    key = {"name": "ops", "sha256": hashlib.sha256(b"ops").hexdigest(), "scopes": ["pools:write"]}
    server = start_gateway(auth_mode="api-key", api_keys=[key], max_request_bytes=2048)
    pool_id = await new_full_pool()
    headers = {"X-API-Key": "ops"}

    async def post(query: str, **extra: Any) -> httpx.Response:
        body = {"query": query, "variables": {"id": pool_id}, **extra}
        return await http.post(f"{server.url}/graphql", json=body, headers=headers)

    for _ in range(13):  # one execution, twelve answers from the response cache
        assert (await post(READ, operationName="Read")).status_code == 200
    assert "errors" not in (await post(WRITE, operationName="Write")).json()
    unauthenticated = await http.post(f"{server.url}/graphql", json={"query": READ})
    assert unauthenticated.status_code == 401
    too_large = await post(READ, padding="x" * 4096)
    assert too_large.status_code == 413
    metrics = (await http.get(f"{server.url}/metrics")).text

    assert (
        value(metrics, 'gateway_graphql_requests_total{operation="Read",outcome="ok",type="query"}')
        == 13
    )
    assert (
        value(metrics, 'gateway_graphql_request_seconds_count{operation="Read",type="query"}') == 13
    )
    assert value(metrics, 'gateway_http_responses_total{path="/graphql",status="401"}') == 1
    assert value(metrics, 'gateway_http_responses_total{path="/graphql",status="413"}') == 1
    assert value(metrics, 'gateway_http_responses_total{path="/graphql",status="200"}') == 14
    assert value(metrics, "gateway_http_requests_in_flight") >= 1  # this scrape (and stragglers)
    assert 'gateway_build_info{version="' in metrics
    assert value(metrics, 'gateway_quota_wait_seconds_count{kind="update"}') >= 1
    assert value(metrics, 'gateway_quota_wait_seconds_count{kind="read"}') >= 2
    for family in ("process_cpu_seconds_total", "python_gc_objects_collected_total", "python_info"):
        assert family in metrics, family
    # The whole exposition parses (what promtool's `check metrics` reads first).
    from prometheus_client.parser import text_string_to_metric_families

    families = {family.name for family in text_string_to_metric_families(metrics)}
    assert {"gateway_http_responses", "gateway_graphql_requests", "process_cpu_seconds"} <= families
