"""An app client's history, restore, compare and copy over HTTP: gateway -> proxy -> moto,
the history in SQLite and in a real PostgreSQL (its keys are longer than a pool id)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from gateway.cognito.clients import CognitoClients
from gateway.demo.seed import FULL_POOL, NATIVE_CLIENT, WEB_CLIENT
from tests.conftest import REGION, GatewayServer, GraphQLClient

UPDATE = """mutation($pool: ID!, $client: ID!, $patch: UserPoolClientPatch!) {
  updateUserPoolClient(poolId: $pool, clientId: $client, patch: $patch) {
    changes { path } client { version } } }"""
HISTORY = """query($pool: ID!, $client: ID!) {
  userPoolClientHistory(poolId: $pool, clientId: $client) {
    nodes { version source changes { path before after risk } configuration } } }"""
RESTORE = """mutation($pool: ID!, $client: ID!, $version: String!) {
  restoreUserPoolClient(poolId: $pool, clientId: $client, version: $version) {
    changes { path before after } client { version callbackURLs clientName } } }"""
COMPARE = """query($left: UserPoolClientRef!, $right: UserPoolClientRef!) {
  compareUserPoolClients(left: $left, right: $right) { path before after risk } }"""
COMPARE_VERSIONS = """query($pool: ID!, $client: ID!, $left: String!, $right: String!) {
  compareUserPoolClientVersions(poolId: $pool, clientId: $client, left: $left, right: $right) {
    path before after } }"""
COPY = """mutation($from: UserPoolClientRef!, $to: UserPoolClientRef!, $paths: [String!]) {
  copyUserPoolClientSettings(from: $from, to: $to, paths: $paths) {
    changes { path } client { callbackURLs clientName } } }"""


@pytest.fixture
def client(
    http: httpx.AsyncClient, start_gateway: Callable[..., GatewayServer], history_url: str
) -> GraphQLClient:
    return GraphQLClient(http, start_gateway(history_url=history_url).url)


async def data(gateway: GraphQLClient, query: str, **variables: Any) -> dict[str, Any]:
    body = await gateway.execute(query, variables)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


async def new_clients(cognito: CognitoClients) -> tuple[str, str, str]:
    pool_id = (await cognito.call(REGION, "CreateUserPool", **FULL_POOL))["UserPool"]["Id"]
    ids = []
    for definition in (WEB_CLIENT, NATIVE_CLIENT):
        created = await cognito.call(
            REGION, "CreateUserPoolClient", UserPoolId=pool_id, **definition
        )
        ids.append(created["UserPoolClient"]["ClientId"])
    return pool_id, ids[0], ids[1]


async def test_history_restore_and_compare_of_a_client(
    client: GraphQLClient, cognito: CognitoClients
) -> None:
    pool_id, web, _ = await new_clients(cognito)
    ids = {"pool": pool_id, "client": web}
    await data(client, UPDATE, **ids, patch={"clientName": "acme-web-2"})
    urls = ["https://new.acme.example.com/cb"]
    patch = {"callbackURLs": urls, "defaultRedirectURI": urls[0]}
    await data(client, UPDATE, **ids, patch=patch)
    nodes = (await data(client, HISTORY, **ids))["userPoolClientHistory"]["nodes"]
    assert [n["source"] for n in nodes] == ["GATEWAY", "GATEWAY", "EXTERNAL"]
    assert {c["path"] for c in nodes[0]["changes"]} == {"callbackURLs", "defaultRedirectURI"}
    assert nodes[2]["configuration"]["callbackURLs"] == WEB_CLIENT["CallbackURLs"]
    assert "clientSecret" not in nodes[2]["configuration"]

    between = await data(
        client, COMPARE_VERSIONS, **ids, left=nodes[2]["version"], right=nodes[0]["version"]
    )
    assert {c["path"] for c in between["compareUserPoolClientVersions"]} == {
        "clientName",
        "callbackURLs",
        "defaultRedirectURI",
    }

    restored = await data(client, RESTORE, **ids, version=nodes[2]["version"])
    payload = restored["restoreUserPoolClient"]
    assert payload["client"]["callbackURLs"] == WEB_CLIENT["CallbackURLs"]
    assert payload["client"]["clientName"] == WEB_CLIENT["ClientName"]
    described = await cognito.call(
        REGION, "DescribeUserPoolClient", UserPoolId=pool_id, ClientId=web
    )
    assert described["UserPoolClient"]["CallbackURLs"] == WEB_CLIENT["CallbackURLs"]


async def test_compare_and_copy_between_clients_of_two_pools(
    client: GraphQLClient, cognito: CognitoClients
) -> None:
    pool_a, web, native = await new_clients(cognito)
    pool_b, other_web, _ = await new_clients(cognito)
    left, right = {"poolId": pool_a, "clientId": web}, {"poolId": pool_a, "clientId": native}
    changes = (await data(client, COMPARE, left=left, right=right))["compareUserPoolClients"]
    assert {"callbackURLs", "clientName", "allowedOAuthFlows"} <= {c["path"] for c in changes}
    assert "clientId" not in {c["path"] for c in changes}

    await data(
        client, UPDATE, pool=pool_b, client=other_web,
        patch={"logoutURLs": ["https://b.acme.example.com/"]},
    )  # fmt: skip
    copied = await data(
        client,
        COPY,
        **{"from": left, "to": {"poolId": pool_b, "clientId": other_web}},
        paths=["logoutURLs"],
    )
    assert [c["path"] for c in copied["copyUserPoolClientSettings"]["changes"]] == ["logoutURLs"]
    described = await cognito.call(
        REGION, "DescribeUserPoolClient", UserPoolId=pool_b, ClientId=other_web
    )
    assert described["UserPoolClient"]["LogoutURLs"] == WEB_CLIENT["LogoutURLs"]

    refused = await client.execute(COPY, {"from": left, "to": right, "paths": ["passwordPolicy"]})
    extensions = refused["errors"][0]["extensions"]
    assert (extensions["field"], extensions["rule"]) == ("paths[0]", "known-path")
