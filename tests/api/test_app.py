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


async def test_readyz_checks_cognito(
    http: httpx.AsyncClient, gateway: GatewayServer, proxy: FaultProxy
) -> None:
    ready = await http.get(f"{gateway.url}/readyz")
    assert ready.status_code == 200
    assert proxy.count("ListUserPools") == 1
    proxy.fail("ListUserPools", "InternalErrorException", status=500)
    unready = await http.get(f"{gateway.url}/readyz")
    assert unready.status_code == 503
    assert unready.json()["status"] == "unavailable"


async def test_readyz_fails_when_cognito_is_unreachable(
    http: httpx.AsyncClient, start_gateway: Callable[..., Any]
) -> None:
    server = start_gateway(cognito_endpoint_url=f"http://127.0.0.1:{free_port()}")
    response = await http.get(f"{server.url}/readyz")
    assert response.status_code == 503
    assert "reached" in response.json()["cognito"]


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
