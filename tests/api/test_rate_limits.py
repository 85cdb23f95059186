"""Per-client rate limits: one caller over its budget gets 429 / RESOURCE_EXHAUSTED
with a retry hint while another caller is served."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import grpc
import httpx
import pytest

from tests.api.grpc.conftest import PB, SERVICES
from tests.conftest import GatewayServer
from tests.support.net import free_port

QUERY = {"query": "{ __typename }"}


def key(name: str) -> dict[str, object]:
    return {
        "name": name,
        "sha256": hashlib.sha256(name.encode()).hexdigest(),
        "scopes": ["pools:read"],
    }


@pytest.fixture(scope="module")
def limited(start_gateway: Callable[..., GatewayServer]) -> tuple[GatewayServer, int]:
    port = free_port()
    server = start_gateway(
        auth_mode="api-key",
        api_keys=[key("greedy"), key("polite"), key("grpc-greedy")],
        client_requests_per_second=0.5,
        client_burst=3,
        grpc=True,
        grpc_port=port,
    )
    return server, port


async def test_a_client_over_its_limit_gets_429_while_another_is_served(
    http: httpx.AsyncClient, limited: tuple[GatewayServer, int]
) -> None:
    server, _ = limited
    answers = [
        await http.post(f"{server.url}/graphql", json=QUERY, headers={"X-API-Key": "greedy"})
        for _ in range(6)
    ]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    refused = answers[-1]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    polite = await http.post(f"{server.url}/graphql", json=QUERY, headers={"X-API-Key": "polite"})
    assert polite.status_code == 200


async def test_grpc_answers_resource_exhausted(limited: tuple[GatewayServer, int]) -> None:
    _, port = limited
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = SERVICES.UserPoolServiceStub(channel)
        codes = []
        for _ in range(5):
            try:
                await stub.ListUserPools(
                    PB.ListUserPoolsRequest(page_size=1), metadata=(("x-api-key", "grpc-greedy"),)
                )
                codes.append(grpc.StatusCode.OK)
            except grpc.aio.AioRpcError as error:
                codes.append(error.code())
    assert codes[:3] == [grpc.StatusCode.OK] * 3
    assert codes[-1] == grpc.StatusCode.RESOURCE_EXHAUSTED
