"""App clients over HTTP: gateway -> fault proxy -> the emulator, or the strict stand-in.

The emulator merges what UpdateUserPoolClient is not sent; the strict stand-in
resets it as Cognito does. Each one-member patch is checked with a direct
DescribeUserPoolClient against both.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.cognito.clients import CognitoClients
from gateway.demo.seed import FULL_POOL, WEB_CLIENT
from gateway.settings import Settings
from tests.conftest import REGION, GatewayServer, GraphQLClient
from tests.support.fault_proxy import FaultProxy
from tests.support.strict_cognito import StrictCognito

UPDATE = """mutation($pool: ID!, $client: ID!, $patch: UserPoolClientPatch!, $dryRun: Boolean,
                    $ifVersion: String) {
  updateUserPoolClient(poolId: $pool, clientId: $client, patch: $patch, dryRun: $dryRun,
                       ifVersion: $ifVersion) {
    dryRun clientSource
    changes { path before after risk }
    client { clientId version callbackURLs accessTokenValidity
             tokenValidityUnits { accessToken idToken refreshToken } }
  }
}"""
READ = """query($pool: ID!, $client: ID!) {
  userPoolClient(poolId: $pool, clientId: $client) { clientId clientName clientSecret version }
}"""
# (GraphQL patch, the DescribeUserPoolClient members it may change)
ONE_MEMBER_PATCHES: list[tuple[dict[str, Any], set[str]]] = [
    ({"clientName": "acme-portal"}, {"ClientName"}),
    (
        {"callbackURLs": [*WEB_CLIENT["CallbackURLs"], "https://beta.acme.example.com/cb"]},
        {"CallbackURLs"},
    ),
    ({"allowedOAuthFlows": ["code", "implicit"]}, {"AllowedOAuthFlows"}),
    ({"allowedOAuthScopes": ["openid"]}, {"AllowedOAuthScopes"}),
    ({"accessTokenValidity": 15}, {"AccessTokenValidity"}),
    ({"tokenValidityUnits": {"refreshToken": "hours"}, "refreshTokenValidity": 48},
     {"TokenValidityUnits", "RefreshTokenValidity"}),
    ({"readAttributes": ["email", "name"]}, {"ReadAttributes"}),
    ({"writeAttributes": ["name"]}, {"WriteAttributes"}),
    ({"analyticsConfiguration": {"userDataShared": True}}, {"AnalyticsConfiguration"}),
    ({"logoutURLs": None}, {"LogoutURLs"}),
]  # fmt: skip
VOLATILE = {"LastModifiedDate"}


def refusal(answer: dict[str, Any]) -> tuple[str, str, str]:
    """The code, field and rule of an answer's first error."""
    extensions = answer["errors"][0]["extensions"]
    return extensions["code"], extensions.get("field"), extensions.get("rule")


def stable(client: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    return {k: v for k, v in client.items() if k not in allowed | VOLATILE}


async def describe_client(cognito: CognitoClients, pool_id: str, client_id: str) -> Any:
    answer = await cognito.call(
        REGION, "DescribeUserPoolClient", UserPoolId=pool_id, ClientId=client_id
    )
    return answer["UserPoolClient"]


async def test_one_member_at_a_time_against_the_emulator(
    graphql: GraphQLClient, cognito: CognitoClients
) -> None:
    pool_id = (await cognito.call(REGION, "CreateUserPool", **FULL_POOL))["UserPool"]["Id"]
    created = await cognito.call(REGION, "CreateUserPoolClient", UserPoolId=pool_id, **WEB_CLIENT)
    client_id = created["UserPoolClient"]["ClientId"]
    for patch, allowed in ONE_MEMBER_PATCHES:
        before = await describe_client(cognito, pool_id, client_id)
        answer = await graphql.execute(
            UPDATE, {"pool": pool_id, "client": client_id, "patch": patch}
        )
        assert "errors" not in answer, (patch, answer)
        after = await describe_client(cognito, pool_id, client_id)
        assert stable(after, allowed) == stable(before, allowed), patch
        assert {c["path"].split(".")[0] for c in answer["data"]["updateUserPoolClient"]["changes"]}
        assert answer["data"]["updateUserPoolClient"]["clientSource"] == "COGNITO"


@pytest.fixture
def strict(proxy: FaultProxy) -> Iterator[StrictCognito]:
    stand_in = StrictCognito()
    proxy.stand_in(stand_in)
    yield stand_in


def hold_web_client(strict: StrictCognito) -> tuple[str, str]:
    pool_id = f"{REGION}_{uuid.uuid4().hex[:10]}"
    schema = [{"Name": n} for n in ("email", "email_verified", "name", "preferred_username")]
    strict.add({"Id": pool_id, "Name": "held", "SchemaAttributes": schema})
    client = {**copy.deepcopy(WEB_CLIENT), "UserPoolId": pool_id, "ClientId": "web0123456789"}
    client["ClientSecret"] = "held-secret-value-0123456789"
    return pool_id, strict.add_client(client)


async def test_a_naive_partial_update_wipes_callbacks_on_the_stand_in_and_the_gateway_does_not(
    graphql: GraphQLClient, strict: StrictCognito, proxy: FaultProxy
) -> None:
    pool_id, client_id = hold_web_client(strict)
    naive_pool, naive_client = hold_web_client(strict)
    settings = Settings(region=REGION, cognito_endpoint_url=proxy.url)
    async with CognitoClients(settings) as direct:
        await direct.call(
            REGION, "UpdateUserPoolClient", UserPoolId=naive_pool, ClientId=naive_client,
            ClientName="renamed",
        )  # fmt: skip
    assert "CallbackURLs" not in strict.client(naive_pool, naive_client)
    for patch, allowed in ONE_MEMBER_PATCHES:
        before = strict.client(pool_id, client_id)
        answer = await graphql.execute(
            UPDATE, {"pool": pool_id, "client": client_id, "patch": patch}
        )
        assert "errors" not in answer, (patch, answer)
        after = strict.client(pool_id, client_id)
        assert stable(after, allowed) == stable(before, allowed), patch


async def test_bad_patches_name_the_field_and_write_nothing(
    graphql: GraphQLClient, strict: StrictCognito, proxy: FaultProxy
) -> None:
    pool_id, client_id = hold_web_client(strict)
    cases = [
        ({"tokenValidityUnits": {"accessToken": "hours"}},
         "patch.tokenValidityUnits.accessToken", "token-validity"),
        ({"defaultRedirectURI": "https://elsewhere.example"}, "patch.defaultRedirectURI",
         "in-callbacks"),
        ({"readAttributes": ["email", "shoe_size"]}, "patch.readAttributes[1]", "attribute"),
        ({"allowedOAuthFlows": ["code", "client_credentials"]}, "patch.allowedOAuthFlows",
         "client-credentials-alone"),
    ]  # fmt: skip
    for patch, field, rule in cases:
        answer = await graphql.execute(
            UPDATE, {"pool": pool_id, "client": client_id, "patch": patch}
        )
        assert refusal(answer) == ("BAD_USER_INPUT", field, rule), answer
    assert proxy.count("UpdateUserPoolClient") == 0


async def test_dry_run_shows_risk_and_writes_nothing(
    graphql: GraphQLClient, strict: StrictCognito, proxy: FaultProxy
) -> None:
    pool_id, client_id = hold_web_client(strict)
    patch = {"callbackURLs": ["http://app.acme.example.com/cb"],
             "defaultRedirectURI": "http://app.acme.example.com/cb"}  # fmt: skip
    answer = await graphql.execute(
        UPDATE, {"pool": pool_id, "client": client_id, "patch": patch, "dryRun": True}
    )
    payload = answer["data"]["updateUserPoolClient"]
    assert payload["dryRun"] and payload["clientSource"] == "PLAN"
    risks = {c["path"]: c["risk"] for c in payload["changes"]}
    assert risks["callbackURLs"] == "HIGH" and risks["defaultRedirectURI"] == "LOW"
    assert proxy.count("UpdateUserPoolClient") == 0


async def test_a_stale_if_version_writes_nothing(
    graphql: GraphQLClient, strict: StrictCognito, proxy: FaultProxy
) -> None:
    pool_id, client_id = hold_web_client(strict)
    version = (await graphql.execute(READ, {"pool": pool_id, "client": client_id}))["data"][
        "userPoolClient"
    ]["version"]
    variables = {"pool": pool_id, "client": client_id}
    await graphql.execute(UPDATE, {**variables, "patch": {"clientName": "first"}})
    answer = await graphql.execute(
        UPDATE, {**variables, "patch": {"clientName": "second"}, "ifVersion": version}
    )
    assert answer["errors"][0]["extensions"]["code"] == "PRECONDITION_FAILED"
    assert strict.client(pool_id, client_id)["ClientName"] == "first"


async def test_the_secret_only_for_admins(
    http: Any, start_gateway: Any, strict: StrictCognito
) -> None:
    keys = [
        {"name": name, "sha256": hashlib.sha256(name.encode()).hexdigest(),
         "scopes": [scope], "pools": ["*"]}
        for name, scope in (("admin", "pools:admin"), ("writer", "pools:write"))
    ]  # fmt: skip
    server: GatewayServer = start_gateway(auth_mode="api-key", api_keys=keys, cache_ttl_seconds=0)
    pool_id, client_id = hold_web_client(strict)

    async def read(key: str) -> dict[str, Any]:
        response = await http.post(
            f"{server.url}/graphql",
            headers={"X-API-Key": key},
            json={"query": READ, "variables": {"pool": pool_id, "client": client_id}},
        )
        body: dict[str, Any] = response.json()
        return body

    admin = await read("admin")
    assert admin["data"]["userPoolClient"]["clientSecret"] == "held-secret-value-0123456789"
    writer = await read("writer")
    assert writer["data"]["userPoolClient"]["clientSecret"] is None
    assert "held-secret" not in str(writer)


async def test_clients_of_a_pool_as_a_connection(
    graphql: GraphQLClient, cognito: CognitoClients, proxy: FaultProxy
) -> None:
    pool_id = (await cognito.call(REGION, "CreateUserPool", **FULL_POOL))["UserPool"]["Id"]
    for name in ("a", "b", "c"):
        await cognito.call(REGION, "CreateUserPoolClient", UserPoolId=pool_id, ClientName=name)
    query = """query($id: ID!, $after: String) { userPool(id: $id) {
      clients(first: 2, after: $after) { nodes { clientName } pageInfo { hasNextPage endCursor } }
    } }"""
    first = (await graphql.execute(query, {"id": pool_id}))["data"]["userPool"]["clients"]
    assert first["pageInfo"]["hasNextPage"] and len(first["nodes"]) == 2
    after = first["pageInfo"]["endCursor"]
    rest = (await graphql.execute(query, {"id": pool_id, "after": after}))["data"]["userPool"]
    names = [n["clientName"] for n in first["nodes"] + rest["clients"]["nodes"]]
    assert sorted(names) == ["a", "b", "c"]
    assert proxy.count("DescribeUserPoolClient") == 0  # the summaries were enough


async def test_create_a_client(graphql: GraphQLClient, cognito: CognitoClients) -> None:
    pool_id = (await cognito.call(REGION, "CreateUserPool", **FULL_POOL))["UserPool"]["Id"]
    mutation = """mutation($pool: ID!, $input: CreateUserPoolClientInput!) {
      createUserPoolClient(poolId: $pool, input: $input) {
        clientId accessTokenValidity tokenValidityUnits { accessToken } } }"""
    answer = await graphql.execute(
        mutation, {"pool": pool_id, "input": {"clientName": "new", "accessTokenValidity": 2}}
    )
    created = answer["data"]["createUserPoolClient"]
    assert created["tokenValidityUnits"] == {"accessToken": "hours"}
    described = await describe_client(cognito, pool_id, created["clientId"])
    assert described["TokenValidityUnits"]["AccessToken"] == "hours"


async def new_web_client(cognito: CognitoClients) -> tuple[str, str]:
    pool_id = (await cognito.call(REGION, "CreateUserPool", **FULL_POOL))["UserPool"]["Id"]
    created = await cognito.call(REGION, "CreateUserPoolClient", UserPoolId=pool_id, **WEB_CLIENT)
    return pool_id, created["UserPoolClient"]["ClientId"]


async def test_an_applied_client_write_whose_answer_was_lost_answers_success(
    graphql: GraphQLClient, cognito: CognitoClients, proxy: FaultProxy
) -> None:
    pool_id, client_id = await new_web_client(cognito)
    proxy.fail("UpdateUserPoolClient", "InternalErrorException", status=500, forward=True)
    answer = await graphql.execute(
        UPDATE, {"pool": pool_id, "client": client_id, "patch": {"clientName": "lost-answer"}}
    )
    assert "errors" not in answer, answer
    assert (await describe_client(cognito, pool_id, client_id))["ClientName"] == "lost-answer"


async def test_a_failed_client_read_back_after_an_accepted_write_answers_from_the_plan(
    graphql: GraphQLClient, cognito: CognitoClients, proxy: FaultProxy
) -> None:
    pool_id, client_id = await new_web_client(cognito)
    proxy.fail("DescribeUserPoolClient", "InternalErrorException", status=500, after=1)
    answer = await graphql.execute(
        UPDATE, {"pool": pool_id, "client": client_id, "patch": {"clientName": "planned"}}
    )
    assert "errors" not in answer, answer
    assert answer["data"]["updateUserPoolClient"]["clientSource"] == "PLAN"
    proxy.reset()
    assert (await describe_client(cognito, pool_id, client_id))["ClientName"] == "planned"


async def test_a_failed_client_write_that_did_not_land_is_an_error(
    graphql: GraphQLClient, cognito: CognitoClients, proxy: FaultProxy
) -> None:
    pool_id, client_id = await new_web_client(cognito)
    proxy.fail("UpdateUserPoolClient", "InternalErrorException", status=500)
    answer = await graphql.execute(
        UPDATE, {"pool": pool_id, "client": client_id, "patch": {"clientName": "never"}}
    )
    assert answer["errors"][0]["extensions"]["code"] == "UPSTREAM_ERROR"
    assert (await describe_client(cognito, pool_id, client_id))["ClientName"] != "never"


async def test_a_client_created_through_the_gateway_is_listed_at_once(
    http: Any, start_gateway: Any, cognito: CognitoClients
) -> None:
    """A pool's ``clients`` is a listing: its answer is never served from the response
    cache, whose tags cannot say when a client was added."""
    gateway = GraphQLClient(http, start_gateway(cache_ttl_seconds=60).url)
    pool_id = (await cognito.call(REGION, "CreateUserPool", **FULL_POOL))["UserPool"]["Id"]
    listing = """query($id: ID!) { userPool(id: $id) { name clients { nodes { clientName } } } }"""
    create = """mutation($pool: ID!) {
      createUserPoolClient(poolId: $pool, input: {clientName: "late"}) { clientId } }"""
    for _ in range(2):  # a second answer would be the cached one
        first = await gateway.execute(listing, {"id": pool_id})
        assert first["data"]["userPool"]["clients"]["nodes"] == []
    assert "errors" not in await gateway.execute(create, {"pool": pool_id})
    after = await gateway.execute(listing, {"id": pool_id})
    assert after["data"]["userPool"]["clients"]["nodes"] == [{"clientName": "late"}]


async def test_bad_ids_name_their_argument(graphql: GraphQLClient) -> None:
    cases = [
        ({"pool": "not-a-pool", "client": "abc"}, "poolId", "pattern"),
        ({"pool": f"{REGION}_abc", "client": "no spaces!"}, "clientId", "pattern"),
    ]
    for variables, field, rule in cases:
        answer = await graphql.execute(READ, variables)
        assert refusal(answer) == ("BAD_USER_INPUT", field, rule), answer
    missing = await graphql.execute(READ, {"pool": f"{REGION}_nosuchpool", "client": "abc123"})
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
