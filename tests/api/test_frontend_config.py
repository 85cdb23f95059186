"""An app client's frontend configuration over real sockets: the HTTP route and its
GraphQL twin, the access rules of public settings, ETag/304, no secret, and the
document loaded into aws-amplify's ``Amplify.configure`` in Node as an app would."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Callable
from typing import Any

import httpx

from gateway.cognito.clients import CognitoClients
from gateway.demo.seed import DEMO_DOMAIN, FULL_POOL, WEB_CLIENT
from tests.conftest import REGION, GatewayServer
from tests.support.tools import NODE_MODULES, ROOT

AMPLIFY = ROOT / "tests" / "support" / "node" / "amplify_config.js"
QUERY = """query($pool: ID!, $client: ID!) {
  userPoolClientFrontendConfig(poolId: $pool, clientId: $client) }"""


async def web_client_with_secret(cognito: CognitoClients) -> tuple[str, str, str]:
    pool_id = (await cognito.call(REGION, "CreateUserPool", **FULL_POOL))["UserPool"]["Id"]
    domain = f"{DEMO_DOMAIN}-{pool_id[-8:].lower()}"
    await cognito.call(REGION, "CreateUserPoolDomain", UserPoolId=pool_id, Domain=domain)
    created = await cognito.call(
        REGION, "CreateUserPoolClient", UserPoolId=pool_id, GenerateSecret=True, **WEB_CLIENT
    )
    client = created["UserPoolClient"]
    return pool_id, client["ClientId"], client["ClientSecret"]


def path(pool_id: str, client_id: str) -> str:
    return f"/pools/{pool_id}/clients/{client_id}/frontend-config"


async def amplify_config(document: bytes) -> dict[str, Any]:
    """What ``Amplify.configure(document)`` resolved, as ``Amplify.getConfig()`` says."""
    assert (NODE_MODULES / "aws-amplify").exists(), "bash tests/setup.sh installs aws-amplify"
    process = await asyncio.create_subprocess_exec(
        "node", str(AMPLIFY), stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(document), timeout=60)
    assert process.returncode == 0, err.decode()
    config: dict[str, Any] = json.loads(out)
    return config


async def test_the_config_loads_into_amplify_as_it_is(
    http: httpx.AsyncClient, gateway: GatewayServer, cognito: CognitoClients
) -> None:
    pool_id, client_id, secret = await web_client_with_secret(cognito)
    response = await http.get(gateway.url + path(pool_id, client_id))
    assert response.status_code == 200, response.text
    assert secret not in response.text and "secret" not in response.text.lower()
    auth = response.json()["auth"]
    assert (auth["user_pool_id"], auth["user_pool_client_id"]) == (pool_id, client_id)

    cognito_config = (await amplify_config(response.content))["Auth"]["Cognito"]
    assert cognito_config["userPoolId"] == pool_id
    assert cognito_config["userPoolClientId"] == client_id
    oauth = cognito_config["loginWith"]["oauth"]
    assert oauth["redirectSignIn"] == WEB_CLIENT["CallbackURLs"]  # the default one first
    assert oauth["redirectSignOut"] == WEB_CLIENT["LogoutURLs"]
    assert oauth["scopes"] == WEB_CLIENT["AllowedOAuthScopes"]
    assert oauth["responseType"] == "code"
    assert oauth["domain"].endswith(f".auth.{REGION}.amazoncognito.com")
    assert cognito_config["passwordFormat"]["minLength"] == 12


async def test_etag_304_and_the_graphql_twin(
    http: httpx.AsyncClient, gateway: GatewayServer, cognito: CognitoClients
) -> None:
    pool_id, client_id, _ = await web_client_with_secret(cognito)
    first = await http.get(gateway.url + path(pool_id, client_id))
    etag = first.headers["etag"]
    again = await http.get(gateway.url + path(pool_id, client_id), headers={"if-none-match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    twin = await http.post(
        gateway.url + "/graphql",
        json={"query": QUERY, "variables": {"pool": pool_id, "client": client_id}},
    )
    assert twin.json()["data"]["userPoolClientFrontendConfig"] == first.json()


async def test_the_access_rules_of_public_settings(
    http: httpx.AsyncClient,
    start_gateway: Callable[..., GatewayServer],
    cognito: CognitoClients,
) -> None:
    pool_id, client_id, _ = await web_client_with_secret(cognito)
    keys = [{"name": "reader", "sha256": hashlib.sha256(b"reader").hexdigest(),
             "scopes": ["pools:public"], "pools": [pool_id]}]  # fmt: skip
    server = start_gateway(auth_mode="api-key", api_keys=keys)
    anonymous = await http.get(server.url + path(pool_id, client_id))
    unknown = await http.get(server.url + path(pool_id, "nosuchclient123"))
    assert anonymous.status_code == unknown.status_code == 404
    assert anonymous.content == unknown.content  # one 404, which echoes nothing
    allowed = await http.get(server.url + path(pool_id, client_id), headers={"X-API-Key": "reader"})
    assert allowed.status_code == 200
    assert allowed.headers["cache-control"].startswith("private")
    graphql = await http.post(
        server.url + "/graphql",
        json={"query": QUERY, "variables": {"pool": pool_id, "client": client_id}},
    )
    assert graphql.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    public = start_gateway(public_pools=[pool_id])
    shared = await http.get(public.url + path(pool_id, client_id))
    assert shared.status_code == 200 and shared.headers["cache-control"].startswith("public")
