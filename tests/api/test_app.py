from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import GatewayServer
from tests.support.fault_proxy import FaultProxy
from tests.support.net import free_port


async def test_healthz_answers_while_the_process_lives(
    http: httpx.AsyncClient, gateway: GatewayServer
) -> None:
    response = await http.get(f"{gateway.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_local_and_spends_no_cognito_quota(
    http: httpx.AsyncClient, start_gateway: Callable[..., Any], proxy: FaultProxy
) -> None:
    """Unauthenticated probes must not spend the account's quota, and a Cognito outage
    (which every replica sees at once) must not take every pod out of the Service."""
    server = start_gateway(quota_reads_per_second=1)
    for _ in range(20):
        ready = await http.get(f"{server.url}/readyz")
        assert ready.status_code == 200 and ready.json() == {"status": "ready", "history": "ready"}
    assert proxy.counts() == {}
    unreachable = start_gateway(cognito_endpoint_url=f"http://127.0.0.1:{free_port()}")
    assert (await http.get(f"{unreachable.url}/readyz")).status_code == 200


async def test_mutations_and_queries_over_get_are_refused(
    http: httpx.AsyncClient, gateway: GatewayServer
) -> None:
    response = await http.get(f"{gateway.url}/graphql", params={"query": "{ __typename }"})
    assert response.status_code in (400, 404, 405)


async def test_graphiql_page_is_served_only_when_enabled(
    http: httpx.AsyncClient, start_gateway: Callable[..., Any], gateway: GatewayServer
) -> None:
    html = {"Accept": "text/html"}
    page = await http.get(f"{start_gateway(graphiql=True).url}/graphql", headers=html)
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    closed = await http.get(f"{gateway.url}/graphql", headers=html)
    assert closed.status_code != 200 or "graphiql" not in closed.text.lower()
    assert closed.status_code < 500


async def test_without_authentication_only_loopback_host_names_are_served(
    http: httpx.AsyncClient, gateway: GatewayServer, proxy: FaultProxy
) -> None:
    """A DNS-rebinding page reaches the loopback port under its own host name."""
    query = {"query": '{ userPool(id: "eu-west-1_a") { id } }'}
    rebound = await http.post(
        f"{gateway.url}/graphql", json=query, headers={"Host": "evil.example"}
    )
    assert rebound.status_code == 400
    assert proxy.counts() == {}
    for host in (f"127.0.0.1:{gateway.port}", f"localhost:{gateway.port}"):
        answer = await http.post(f"{gateway.url}/graphql", json=query, headers={"Host": host})
        assert answer.status_code == 200


async def test_readyz_stays_200_under_a_saturated_quota_and_metrics_show_it(
    http: httpx.AsyncClient, start_gateway: Callable[..., Any], new_full_pool: Any
) -> None:
    import asyncio

    server = start_gateway(quota_reads_per_second=1, cache_ttl_seconds=0)
    pools = [await new_full_pool() for _ in range(4)]
    query = "query($id: ID!) { userPool(id: $id) { id } }"
    reads = asyncio.gather(
        *(
            http.post(f"{server.url}/graphql", json={"query": query, "variables": {"id": p}})
            for p in pools
        )
    )
    await asyncio.sleep(0.5)  # the bucket is empty now; reads queue for tokens
    for _ in range(5):
        ready = await http.get(f"{server.url}/readyz")
        assert ready.status_code == 200
    assert all(r.status_code == 200 for r in await reads)
    metrics = (await http.get(f"{server.url}/metrics")).text
    waited = next(
        line
        for line in metrics.splitlines()
        if line.startswith('gateway_quota_wait_seconds_sum{kind="read"}')
    )
    assert float(waited.rsplit(" ", 1)[1]) > 1.0  # reads waited seconds for the quota


async def test_a_request_that_outlives_its_deadline_gets_a_504_with_a_code(
    http: httpx.AsyncClient, start_gateway: Callable[..., Any], proxy: FaultProxy
) -> None:
    server = start_gateway(request_timeout_seconds=0.5, cache_ttl_seconds=0)
    proxy.delay("DescribeUserPool", 2.0)
    proxy.delay("GetUserPoolMfaConfig", 2.0)  # read beside it
    query = {"query": '{ userPool(id: "eu-west-1_slow1") { id } }'}
    response = await http.post(f"{server.url}/graphql", json=query)
    assert response.status_code == 504
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert (await http.get(f"{server.url}/healthz")).status_code == 200
