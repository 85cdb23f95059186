"""Public settings for sign-up and sign-in screens: HTTP and GraphQL, no admin rights."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from gateway import model
from gateway.core.public import PUBLIC_MEMBERS
from tests.conftest import REGION, GatewayServer, GraphQLClient, PoolFactory
from tests.support.clock import ManualClock
from tests.support.fault_proxy import FaultProxy

READER = {
    "name": "reader",
    "sha256": hashlib.sha256(b"reader").hexdigest(),
    "scopes": ["pools:read"],
}
PUBLIC_QUERY = """query($id: ID!) { userPoolPublicSettings(id: $id) {
  id version passwordPolicy { minimumLength requireSymbols } selfSignUpEnabled
  signUpAttributes { name attributeDataType required } accountRecovery mfa { mode factors } } }"""
DECLARED = {model.graphql_name(m) for m in PUBLIC_MEMBERS} | {
    "id",
    "version",
    "signUpAttributes",
    "selfSignUpEnabled",
    "mfa",
    "accountRecovery",
}


@pytest.fixture(scope="module")
async def public_pool(cognito: Any) -> str:
    from gateway.demo.seed import FULL_POOL

    created = await cognito.call(REGION, "CreateUserPool", **FULL_POOL)
    return str(created["UserPool"]["Id"])


@pytest.fixture(scope="module")
def server(start_gateway: Callable[..., GatewayServer], public_pool: str) -> GatewayServer:
    return start_gateway(
        auth_mode="api-key", api_keys=[READER], public_pools=[public_pool], cache_ttl_seconds=1
    )


def url(server: GatewayServer, pool_id: str) -> str:
    return f"{server.url}/pools/{pool_id}/public-settings"


async def test_only_the_declared_members_appear_for_a_fully_configured_pool(
    http: httpx.AsyncClient, server: GatewayServer, public_pool: str, describe: Any
) -> None:
    response = await http.get(url(server, public_pool))
    assert response.status_code == 200
    body = response.json()
    assert set(body) <= DECLARED
    assert body["passwordPolicy"]["minimumLength"] == 12
    assert body["accountRecovery"] == ["verified_email", "verified_phone_number"]
    assert {a["name"] for a in body["signUpAttributes"]} >= {"email", "phone_number"}
    truth = await describe(public_pool)
    admin_only = truth["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"]
    assert body["selfSignUpEnabled"] is (not admin_only)
    text = response.text
    for secret in (
        "arn:aws",
        truth["SmsConfiguration"]["ExternalId"],
        *truth["UserPoolTags"].values(),
        "KMSKeyID",
        "kmsKeyID",
    ):
        assert secret not in text


async def test_anonymous_unlisted_and_missing_pools_get_the_same_404(
    http: httpx.AsyncClient, server: GatewayServer, new_full_pool: PoolFactory
) -> None:
    unlisted = await new_full_pool()
    missing = f"{REGION}_doesNotExist1"
    answers = [await http.get(url(server, pool)) for pool in (unlisted, missing, "garbage")]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1
    assert unlisted.encode() not in answers[0].content
    reader = await http.get(url(server, unlisted), headers={"X-API-Key": "reader"})
    assert reader.status_code == 200  # pools:read implies pools:public for its pools
    wrong = await http.get(url(server, unlisted), headers={"X-API-Key": "nope"})
    assert wrong.status_code == 401


async def test_etag_304_and_cache_headers(
    http: httpx.AsyncClient, server: GatewayServer, public_pool: str
) -> None:
    first = await http.get(url(server, public_pool))
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.json()["version"] == etag.strip('"')
    assert first.headers["cache-control"] == "public, max-age=1"
    again = await http.get(url(server, public_pool), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


async def test_an_answer_that_needed_credentials_is_private(
    http: httpx.AsyncClient, server: GatewayServer, public_pool: str, new_full_pool: PoolFactory
) -> None:
    """A shared cache that ignores Vary must not hand a non-public pool to anyone."""
    unlisted = await new_full_pool()
    reader = await http.get(url(server, unlisted), headers={"X-API-Key": "reader"})
    assert reader.status_code == 200
    assert reader.headers["cache-control"] == "private, max-age=1"
    listed = await http.get(url(server, public_pool), headers={"X-API-Key": "reader"})
    assert listed.headers["cache-control"] == "public, max-age=1"  # anyone may read it


async def test_changes_show_after_a_patch_and_after_an_out_of_band_change(
    http: httpx.AsyncClient,
    start_gateway: Callable[..., GatewayServer],
    new_full_pool: PoolFactory,
    cognito: Any,
) -> None:
    pool_id = await new_full_pool()
    clock = ManualClock()
    server = start_gateway(public_pools=[pool_id], cache_ttl_seconds=30, clock=clock)
    before = (await http.get(url(server, pool_id))).json()
    patch = """mutation($id: ID!) { updateUserPool(id: $id,
      patch: { policies: { passwordPolicy: { minimumLength: 15 } } }) { dryRun } }"""
    assert "errors" not in await GraphQLClient(http, server.url).execute(patch, {"id": pool_id})
    after_patch = (await http.get(url(server, pool_id))).json()
    assert after_patch["passwordPolicy"]["minimumLength"] == 15  # the next request already
    await cognito.call(
        REGION,
        "AddCustomAttributes",
        UserPoolId=pool_id,
        CustomAttributes=[{"Name": "plan", "AttributeDataType": "String", "Mutable": True}],
    )
    clock.advance(30)  # the describe cache period is over
    after_outside = (await http.get(url(server, pool_id))).json()
    assert "custom:plan" in {a["name"] for a in after_outside["signUpAttributes"]}
    assert len({before["version"], after_patch["version"], after_outside["version"]}) == 3


async def test_a_burst_of_cold_page_views_makes_one_describe(
    start_gateway: Callable[..., GatewayServer], new_full_pool: PoolFactory, proxy: FaultProxy
) -> None:
    pool_id = await new_full_pool()
    server = start_gateway(public_pools=[pool_id], cache_ttl_seconds=30)
    proxy.reset()
    proxy.delay("DescribeUserPool", 0.3)
    limits = httpx.Limits(max_connections=500)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        answers = await asyncio.gather(*(client.get(url(server, pool_id)) for _ in range(500)))
    assert {a.status_code for a in answers} == {200}
    assert proxy.count("DescribeUserPool") == 1


async def test_graphql_anonymous_callers_may_read_public_settings_and_nothing_else(
    http: httpx.AsyncClient, server: GatewayServer, public_pool: str, new_full_pool: PoolFactory
) -> None:
    answer = (
        await http.post(
            f"{server.url}/graphql", json={"query": PUBLIC_QUERY, "variables": {"id": public_pool}}
        )
    ).json()
    assert "errors" not in answer, answer
    settings = answer["data"]["userPoolPublicSettings"]
    assert settings["passwordPolicy"]["minimumLength"] == 12
    assert settings["mfa"] == {"mode": "OFF", "factors": []}
    other = await new_full_pool()
    hidden = (
        await http.post(
            f"{server.url}/graphql", json={"query": PUBLIC_QUERY, "variables": {"id": other}}
        )
    ).json()
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert other not in hidden["errors"][0]["message"]
    pools = await http.post(
        f"{server.url}/graphql",
        json={
            "query": "query($id: ID!) { userPool(id: $id) { id } }",
            "variables": {"id": public_pool},
        },
    )
    assert pools.status_code == 401


async def test_mfa_factors_come_from_the_mfa_setup(
    http: httpx.AsyncClient,
    start_gateway: Callable[..., GatewayServer],
    new_full_pool: PoolFactory,
    cognito: Any,
) -> None:
    pool_id = await new_full_pool()
    await cognito.call(
        REGION,
        "SetUserPoolMfaConfig",
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )
    server = start_gateway(public_pools=[pool_id])
    body = (await http.get(url(server, pool_id))).json()
    assert body["mfa"] == {"mode": "OPTIONAL", "factors": ["SOFTWARE_TOKEN_MFA"]}


@pytest.mark.timeout(120)
async def test_a_burst_of_500_sign_up_pages_all_get_the_settings_from_one_describe(
    start_replicas: Callable[..., Any], new_full_pool: PoolFactory, proxy: FaultProxy
) -> None:
    """500 browsers open a sign-up page of a cold public pool at once, against `gateway
    serve` with default settings: cheap answers are never refused by the cap (295 of them
    were 503 when it counted connections)."""
    pool_id = await new_full_pool()
    [replica] = start_replicas(1, public_pools=pool_id)
    proxy.reset()
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as browsers:
        answers = await asyncio.gather(*(browsers.get(url(replica, pool_id)) for _ in range(500)))
    assert [a.status_code for a in answers].count(200) == 500
    assert {a.json()["id"] for a in answers} == {pool_id}
    assert proxy.count("DescribeUserPool") == 1
