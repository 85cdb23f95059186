"""Per-client rate limits: one caller over its budget gets 429 / RESOURCE_EXHAUSTED
with a retry hint while another caller is served."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import Any

import grpc
import httpx
import pytest
from google.rpc import error_details_pb2, status_pb2

from gateway.service.limits import ClientLimiter, address_key
from tests.api.grpc.conftest import PB, SERVICES
from tests.conftest import GatewayServer, PoolFactory
from tests.support.fault_proxy import FaultProxy
from tests.support.net import free_port

QUERY = {"query": "{ __typename }"}
RETRY_INFO = error_details_pb2.RetryInfo.DESCRIPTOR


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


async def test_grpc_throttling_carries_retry_info(limited: tuple[GatewayServer, int]) -> None:
    _, port = limited
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = SERVICES.UserPoolServiceStub(channel)
        request = PB.ListUserPoolsRequest(page_size=1)
        metadata = (("x-api-key", "grpc-greedy"),)
        with pytest.raises(grpc.aio.AioRpcError) as error:
            for _ in range(6):
                await stub.ListUserPools(request, metadata=metadata)
    raw = dict(error.value.trailing_metadata() or ()).get("grpc-status-details-bin")
    assert raw is not None
    infos = [d for d in status_pb2.Status.FromString(raw).details if d.Is(RETRY_INFO)]
    assert len(infos) == 1
    retry = error_details_pb2.RetryInfo()
    infos[0].Unpack(retry)
    assert retry.retry_delay.seconds >= 1


@pytest.fixture(scope="module")
def flooded(start_gateway: Callable[..., GatewayServer]) -> GatewayServer:
    """A small limiter table, so a flood that outgrows it fits in a test."""
    return start_gateway(
        auth_mode="api-key",
        api_keys=[key("throttled"), key("reader")],
        client_requests_per_second=0.01,
        client_burst=2,
        client_table_size=50,
        public_pools=["eu-west-1_*"],
    )


async def anonymous_get(url: str, address: str) -> int:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(transport=transport, timeout=10) as client:
        return (await client.get(url)).status_code


async def test_a_flood_of_addresses_never_resets_a_throttled_key(
    http: httpx.AsyncClient, flooded: GatewayServer
) -> None:
    """Anonymous callers from 150 addresses (three times the table) evict only each
    other; before, the limiter emptied its whole table and the key went free."""
    headers = {"X-API-Key": "throttled"}
    codes = [
        (await http.post(f"{flooded.url}/graphql", json=QUERY, headers=headers)).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    unknown = f"{flooded.url}/pools/eu-west-1_unknown1/public-settings"
    answers = [await anonymous_get(unknown, f"127.0.{i // 200}.{i % 200 + 2}") for i in range(150)]
    assert set(answers) == {404}
    after = await http.post(f"{flooded.url}/graphql", json=QUERY, headers=headers)
    assert after.status_code == 429


async def test_public_settings_are_limited_like_every_route(
    http: httpx.AsyncClient, flooded: GatewayServer
) -> None:
    url = f"{flooded.url}/pools/eu-west-1_unknown2/public-settings"
    codes = [await anonymous_get(url, "127.0.9.9") for _ in range(4)]
    assert codes == [404, 404, 429, 429]


def test_anonymous_ipv6_callers_share_their_64_and_ipv4_mapped_ones_are_ipv4() -> None:
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:10.1.2.3") == address_key("10.1.2.3")


async def test_the_least_recently_seen_anonymous_caller_is_evicted_first() -> None:
    limiter = ClientLimiter(rate=0.001, burst=1, clients=10, anonymous=10)
    assert await limiter.wait_for("key:greedy") == 0 and await limiter.wait_for("key:greedy") > 0
    assert await limiter.wait_for(address_key("10.0.0.1")) == 0
    for i in range(2, 30):
        await limiter.wait_for(address_key(f"10.0.0.{i}"))
    assert await limiter.wait_for("key:greedy") > 0  # another table: untouched by the flood
    assert await limiter.wait_for(address_key("10.0.0.1")) == 0  # evicted: starts afresh
    assert await limiter.wait_for(address_key("10.0.0.29")) > 0  # recent: still remembered


async def test_replicas_on_one_redis_allow_a_client_its_rate_once(
    http: httpx.AsyncClient, start_gateway: Callable[..., GatewayServer], redis_server: Any
) -> None:
    """Two replicas, burst 3: the fourth request is refused whichever replica it reaches
    (each replica alone would allow three). Without Redis, each counts on its own."""
    settings = {
        "auth_mode": "api-key",
        "api_keys": [key("fleet")],
        "client_requests_per_second": 0.01,
        "client_burst": 3,
        "redis_url": redis_server.url,
        "lock_timeout_seconds": 3,
        "upstream_timeout_seconds": 1,
    }
    replicas = [start_gateway(**settings), start_gateway(**settings)]
    headers = {"X-API-Key": "fleet"}
    codes = [
        (await http.post(f"{replicas[i % 2].url}/graphql", json=QUERY, headers=headers)).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    redis_server.kill()  # Redis gone: each replica falls back to its own buckets
    alone = await http.post(f"{replicas[0].url}/graphql", json=QUERY, headers=headers)
    assert alone.status_code == 200


@pytest.fixture(scope="module")
def fair(start_gateway: Callable[..., GatewayServer]) -> GatewayServer:
    """A slow account quota (10 reads/s), uncached, public pools for anyone."""
    return start_gateway(
        auth_mode="api-key",
        api_keys=[key("admin") | {"scopes": ["pools:admin"]}],
        client_requests_per_second=1000,
        client_burst=1000,
        public_pools=["eu-west-1_*"],
        quota_reads_per_second=10,
        cache_ttl_seconds=0,
    )


async def test_a_burst_of_unknown_ids_does_not_starve_another_caller(
    http: httpx.AsyncClient, fair: GatewayServer, proxy: FaultProxy, new_full_pool: PoolFactory
) -> None:
    """24 anonymous reads of unknown ids need 48 quota tokens (about 4 s at 10/s). An
    admin's read sent meanwhile waits for at most the flooder's share of queued calls,
    not for all of them: counted in calls that reach Cognito first, never in seconds."""
    pool_id = await new_full_pool()

    async def anonymous(number: int) -> None:
        await http.get(f"{fair.url}/pools/eu-west-1_flood{number:04d}x/public-settings")

    flood = [asyncio.ensure_future(anonymous(i)) for i in range(24)]
    await asyncio.sleep(1.0)  # the initial burst of tokens is spent; the rest queue
    before = proxy.count("DescribeUserPool")
    query = {"query": f'{{ userPool(id: "{pool_id}") {{ id }} }}'}
    answer = await http.post(f"{fair.url}/graphql", json=query, headers={"X-API-Key": "admin"})
    assert "errors" not in answer.json(), answer.json()
    describes = [body["UserPoolId"] for body in proxy.requests("DescribeUserPool")]
    ahead = describes.index(pool_id) - before
    await asyncio.gather(*flood)  # drained: no call of this test reaches a later one's proxy
    assert ahead <= 5, f"{ahead} of the flood's calls went first"  # 4 per caller, 1 in flight
