"""Concurrent patches to one app client from several replicas (gateway processes) on a
real redis-server, moto behind the proxy: each patch sends the whole client, so only
the distributed lock keeps one replica from writing back what another just changed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from gateway.cognito.clients import CognitoClients
from gateway.demo.seed import FULL_POOL, WEB_CLIENT
from tests.conftest import REGION, GraphQLClient, RedisServer
from tests.support.fault_proxy import FaultProxy

PATCH = """mutation($pool: ID!, $client: ID!, $patch: UserPoolClientPatch!) {
  updateUserPoolClient(poolId: $pool, clientId: $client, patch: $patch) { changes { path } }
}"""
# One member each: every one of them must be there at the end.
PATCHES: list[tuple[dict[str, Any], str, Any]] = [
    ({"clientName": "renamed"}, "ClientName", "renamed"),
    ({"accessTokenValidity": 15}, "AccessTokenValidity", 15),
    ({"idTokenValidity": 20}, "IdTokenValidity", 20),
    ({"refreshTokenValidity": 7}, "RefreshTokenValidity", 7),
    ({"authSessionValidity": 10}, "AuthSessionValidity", 10),
    ({"enableTokenRevocation": False}, "EnableTokenRevocation", False),
    ({"logoutURLs": ["https://out.acme.example.com/"]}, "LogoutURLs",
     ["https://out.acme.example.com/"]),
    ({"allowedOAuthScopes": ["openid"]}, "AllowedOAuthScopes", ["openid"]),
    ({"readAttributes": ["email"]}, "ReadAttributes", ["email"]),
]  # fmt: skip


async def new_client(cognito: CognitoClients) -> tuple[str, str]:
    pool_id = (await cognito.call(REGION, "CreateUserPool", **FULL_POOL))["UserPool"]["Id"]
    created = await cognito.call(REGION, "CreateUserPoolClient", UserPoolId=pool_id, **WEB_CLIENT)
    return pool_id, created["UserPoolClient"]["ClientId"]


async def patch_round_robin(
    http: httpx.AsyncClient, urls: list[str], pool_id: str, client_id: str
) -> list[dict[str, Any]]:
    gateways = [GraphQLClient(http, url) for url in urls]
    return await asyncio.gather(
        *(
            gateways[i % len(gateways)].execute(
                PATCH, {"pool": pool_id, "client": client_id, "patch": patch}
            )
            for i, (patch, _, _) in enumerate(PATCHES)
        )
    )


async def landed(cognito: CognitoClients, pool_id: str, client_id: str) -> set[str]:
    answer = await cognito.call(
        REGION, "DescribeUserPoolClient", UserPoolId=pool_id, ClientId=client_id
    )
    client = answer["UserPoolClient"]
    return {member for _, member, value in PATCHES if client.get(member) == value}


async def test_patches_of_one_client_over_three_replicas_all_land(
    start_replicas: Callable[..., Any],
    redis_server: RedisServer,
    http: httpx.AsyncClient,
    cognito: CognitoClients,
    proxy: FaultProxy,
) -> None:
    replicas = start_replicas(3, redis_url=redis_server.url)
    pool_id, client_id = await new_client(cognito)
    proxy.delay("DescribeUserPoolClient", 0.05)  # widen every read-modify-write window
    answers = await patch_round_robin(http, [r.url for r in replicas], pool_id, client_id)
    assert all("errors" not in a for a in answers), [a for a in answers if "errors" in a][:2]
    assert await landed(cognito, pool_id, client_id) == {member for _, member, _ in PATCHES}
    described = await cognito.call(
        REGION, "DescribeUserPoolClient", UserPoolId=pool_id, ClientId=client_id
    )
    assert described["UserPoolClient"]["CallbackURLs"] == WEB_CLIENT["CallbackURLs"]


async def test_without_the_distributed_lock_replicas_lose_client_updates(
    start_replicas: Callable[..., Any],
    http: httpx.AsyncClient,
    cognito: CognitoClients,
    proxy: FaultProxy,
) -> None:
    """Negative control: the same patches with only per-process locks lose some."""
    replicas = start_replicas(3)
    pool_id, client_id = await new_client(cognito)
    proxy.gate("UpdateUserPoolClient", 3)  # three writers that all read the same client
    answers = await patch_round_robin(http, [r.url for r in replicas], pool_id, client_id)
    assert all("errors" not in a for a in answers)  # every caller was told "done"...
    assert len(await landed(cognito, pool_id, client_id)) < len(PATCHES)  # ...yet some are gone
