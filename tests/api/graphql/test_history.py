"""History, restore, compare, copy and export over HTTP: gateway -> proxy -> moto,
the history in SQLite (and, in ``tests/store/test_history_postgres.py``, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import httpx
import pytest

from gateway.cognito.clients import CognitoClients
from gateway.core.record import PoolRecord
from gateway.core.rules import update_request_from
from tests.conftest import REGION, GatewayServer, GraphQLClient, PoolFactory
from tests.support.clock import ManualClock

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:"
UPDATE = """mutation($id: ID!, $patch: UserPoolPatch!, $confirm: Boolean, $dryRun: Boolean) {
  updateUserPool(id: $id, patch: $patch, confirmHighRisk: $confirm, dryRun: $dryRun) {
    changes { path before after risk }
    pool { version }
  }
}"""
HISTORY = """query($id: ID!, $first: Int, $after: String) {
  userPoolHistory(id: $id, first: $first, after: $after) {
    nodes { version source principal requestId recordedAt changes { path before after risk } }
    edges { cursor node { version } }
    pageInfo { hasNextPage endCursor }
  }
}"""
VERSION = "query($id: ID!) { userPool(id: $id) { version } }"
RESTORE = """mutation($id: ID!, $version: String!, $dryRun: Boolean, $ifVersion: String) {
  restoreUserPool(id: $id, version: $version, dryRun: $dryRun, ifVersion: $ifVersion) {
    dryRun changes { path before after risk } pool { version }
  }
}"""
COMPARE = """query($left: ID!, $right: ID!) {
  compareUserPools(left: $left, right: $right) { path before after risk }
}"""
EXPORT = "query($id: ID!) { exportUserPool(id: $id) }"
CREATE = "mutation($input: CreateUserPoolInput!) { createUserPool(input: $input) { id } }"
COPY = """mutation($from: ID!, $to: ID!, $paths: [String!], $dryRun: Boolean) {
  copyUserPoolSettings(from: $from, to: $to, paths: $paths, dryRun: $dryRun) {
    changes { path } pool { version }
  }
}"""


@pytest.fixture
def server(start_gateway: Callable[..., GatewayServer], history_url: str) -> GatewayServer:
    return start_gateway(history_url=history_url)


@pytest.fixture
def client(http: httpx.AsyncClient, server: GatewayServer) -> GraphQLClient:
    return GraphQLClient(http, server.url)


async def data(client: GraphQLClient, query: str, **variables: Any) -> dict[str, Any]:
    body = await client.execute(query, variables)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


async def history(client: GraphQLClient, pool: str, first: int = 50) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = (await data(client, HISTORY, id=pool, first=first))[
        "userPoolHistory"
    ]["nodes"]
    return nodes


async def patch(client: GraphQLClient, pool: str, change: dict[str, Any], **extra: Any) -> str:
    result = await data(client, UPDATE, id=pool, patch=change, **extra)
    version: str = result["updateUserPool"]["pool"]["version"]
    return version


@pytest.fixture
def boto3_cognito(emulator: str) -> Any:
    """Plain boto3 straight to the emulator: the outside world, and the ground truth."""
    return boto3.client("cognito-idp", region_name=REGION, endpoint_url=emulator)


def configuration(client: Any, pool: str) -> PoolRecord:
    return PoolRecord.of(client.describe_user_pool(UserPoolId=pool)["UserPool"])


async def test_a_sequence_of_patches_yields_the_matching_history(
    client: GraphQLClient, http: httpx.AsyncClient, new_full_pool: PoolFactory
) -> None:
    pool = await new_full_pool()
    first = (await data(client, VERSION, id=pool))["userPool"]["version"]
    versions = [first]
    for length, request in ((10, "req-10"), (11, "req-11")):
        body = await client.execute(
            UPDATE,
            {"id": pool, "patch": {"policies": {"passwordPolicy": {"minimumLength": length}}}},
            headers={"X-Request-Id": request},
        )
        versions.append(body["data"]["updateUserPool"]["pool"]["version"])
    versions.append(await patch(client, pool, {"userPoolTags": [{"key": "owner", "value": "id"}]}))

    nodes = await history(client, pool)
    assert [n["version"] for n in nodes] == versions[::-1]
    assert [n["source"] for n in nodes] == ["GATEWAY", "GATEWAY", "GATEWAY", "EXTERNAL"]
    assert nodes[-1]["changes"] == []  # the first state seen: nothing to compare with
    assert [n["requestId"] for n in nodes[1:3]] == ["req-11", "req-10"]
    assert {n["principal"] for n in nodes[:3]} == {"none:anonymous"}
    assert nodes[2]["changes"] == [
        {"path": "policies.passwordPolicy.minimumLength", "before": 12, "after": 10,
         "risk": "HIGH"}
    ]  # fmt: skip
    assert nodes[0]["changes"] == [
        {"path": "userPoolTags[owner]", "before": None, "after": "id", "risk": "LOW"}
    ]

    # Paging: newest first, cursors continue where the last page ended.
    page = (await data(client, HISTORY, id=pool, first=3))["userPoolHistory"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await data(client, HISTORY, id=pool, first=3, after=page["pageInfo"]["endCursor"])
    assert [n["version"] for n in rest["userPoolHistory"]["nodes"]] == [first]


async def test_a_change_made_outside_the_gateway_is_an_external_version(
    start_gateway: Callable[..., GatewayServer],
    http: httpx.AsyncClient,
    history_url: str,
    new_full_pool: PoolFactory,
    boto3_cognito: Any,
) -> None:
    clock = ManualClock()
    server = start_gateway(history_url=history_url, cache_ttl_seconds=30, clock=clock)
    client = GraphQLClient(http, server.url)
    pool = await new_full_pool()
    await data(client, VERSION, id=pool)
    current = configuration(boto3_cognito, pool)
    boto3_cognito.update_user_pool(
        **{**current.request, "UserPoolId": pool, "SmsAuthenticationMessage": "Code {####}"}
    )
    clock.advance(30)  # the describe cache period is over
    changed = (await data(client, VERSION, id=pool))["userPool"]["version"]

    nodes = await history(client, pool)
    assert [(n["source"], n["version"]) for n in nodes[:1]] == [("EXTERNAL", changed)]
    assert nodes[0]["changes"] == [
        {
            "path": "smsAuthenticationMessage",
            "before": "Your Acme sign-in code is {####}",
            "after": "Code {####}",
            "risk": "LOW",
        }
    ]
    assert nodes[0]["principal"] is None
    assert len(nodes) == 2


async def test_the_history_survives_a_restart(
    start_gateway: Callable[..., GatewayServer],
    http: httpx.AsyncClient,
    history_url: str,
    new_full_pool: PoolFactory,
) -> None:
    first = start_gateway(history_url=history_url)
    pool = await new_full_pool()
    await patch(GraphQLClient(http, first.url), pool, {"deletionProtection": "INACTIVE"})
    before = await history(GraphQLClient(http, first.url), pool)
    first.stop()

    second = start_gateway(history_url=history_url)
    assert await history(GraphQLClient(http, second.url), pool) == before
    assert len(before) == 2


async def test_restore_gives_back_exactly_the_recorded_configuration(
    client: GraphQLClient, new_full_pool: PoolFactory, boto3_cognito: Any
) -> None:
    pool = await new_full_pool()
    original = configuration(boto3_cognito, pool)
    await data(client, VERSION, id=pool)
    await patch(client, pool, {
        "policies": {"passwordPolicy": {"minimumLength": 20, "requireSymbols": True}},
        "lambdaConfig": {"preSignUp": None, "userMigration": ARN + "migrate"},
        "userPoolTags": [{"key": "env", "value": None}, {"key": "team", "value": "id"}],
        "deviceConfiguration": None,
    })  # fmt: skip
    await patch(client, pool, {"smsAuthenticationMessage": "Changed {####}"})
    changed = configuration(boto3_cognito, pool)
    assert changed.version != original.version

    dry = (await data(client, RESTORE, id=pool, version=original.version, dryRun=True))[
        "restoreUserPool"
    ]
    assert dry["dryRun"] is True
    assert dry["pool"]["version"] == original.version
    assert {"lambdaConfig.preSignUp", "userPoolTags[team]"} <= {c["path"] for c in dry["changes"]}
    assert (configuration(boto3_cognito, pool)).version == changed.version  # nothing written
    assert len(await history(client, pool)) == 3

    restored = (await data(client, RESTORE, id=pool, version=original.version))["restoreUserPool"]
    assert restored["pool"]["version"] == original.version
    after = configuration(boto3_cognito, pool)
    assert after.request == original.request
    assert update_request_from(after.pool) == update_request_from(original.pool)
    nodes = await history(client, pool)
    assert (nodes[0]["source"], nodes[0]["version"]) == ("GATEWAY", original.version)


async def test_restore_names_an_unknown_version_and_checks_if_version(
    client: GraphQLClient, new_full_pool: PoolFactory
) -> None:
    pool = await new_full_pool()
    first = (await data(client, VERSION, id=pool))["userPool"]["version"]
    missing = await client.execute(RESTORE, {"id": pool, "version": "0" * 20})
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert missing["errors"][0]["extensions"]["field"] == "version"
    await patch(client, pool, {"smsAuthenticationMessage": "Again {####}"})
    stale = await client.execute(RESTORE, {"id": pool, "version": first, "ifVersion": first})
    assert stale["errors"][0]["extensions"]["code"] == "PRECONDITION_FAILED"


async def test_compare_export_create_and_copy(
    client: GraphQLClient, new_full_pool: PoolFactory, cognito: CognitoClients
) -> None:
    pool = await new_full_pool()
    assert (await data(client, COMPARE, left=pool, right=pool))["compareUserPools"] == []

    exported = (await data(client, EXPORT, id=pool))["exportUserPool"]
    assert exported["poolName"] == "acme-customers"
    assert {"key": "env", "value": "demo"} in exported["userPoolTags"]
    created = await data(client, CREATE, input={**exported, "poolName": "acme-copy"})
    copy = created["createUserPool"]["id"]
    born = await history(client, copy)
    assert [(n["source"], n["principal"]) for n in born] == [("GATEWAY", "none:anonymous")]
    assert {"path": "poolName", "before": None, "after": "acme-copy", "risk": "LOW"} in born[0][
        "changes"
    ]
    differences = (await data(client, COMPARE, left=pool, right=copy))["compareUserPools"]
    assert differences == [
        {"path": "poolName", "before": "acme-customers", "after": "acme-copy", "risk": "LOW"}
    ]

    # Copy one path into a minimal pool: that path becomes equal, nothing else moves.
    minimal = (await cognito.call(REGION, "CreateUserPool", PoolName="bare"))["UserPool"]["Id"]
    before = (await data(client, COMPARE, left=pool, right=minimal))["compareUserPools"]
    copied = await data(
        client, COPY, **{"from": pool, "to": minimal, "paths": ["policies.passwordPolicy"]}
    )
    assert copied["copyUserPoolSettings"]["changes"]
    after = (await data(client, COMPARE, left=pool, right=minimal))["compareUserPools"]
    assert after == [c for c in before if not c["path"].startswith("policies.passwordPolicy.")]
    assert len(after) < len(before)


async def test_copy_without_paths_leaves_name_tags_and_deletion_protection(
    client: GraphQLClient, new_full_pool: PoolFactory, boto3_cognito: Any
) -> None:
    pool = await new_full_pool()
    minimal = boto3_cognito.create_user_pool(PoolName="bare")["UserPool"]["Id"]
    dry = await data(client, COPY, **{"from": pool, "to": minimal, "dryRun": True})
    paths = {c["path"].split(".")[0].split("[")[0] for c in dry["copyUserPoolSettings"]["changes"]}
    assert "lambdaConfig" in paths
    assert not paths & {"poolName", "userPoolTags", "deletionProtection"}
    assert (configuration(boto3_cognito, minimal)).request.get("LambdaConfig") in (None, {})


async def test_copy_names_a_path_that_is_no_setting(
    client: GraphQLClient, new_full_pool: PoolFactory
) -> None:
    pool = await new_full_pool()
    body = await client.execute(
        COPY, {"from": pool, "to": pool, "paths": ["policies", "policies.nope"]}
    )
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "paths[1]"


async def test_high_risk_changes_need_confirmation_when_required(
    start_gateway: Callable[..., GatewayServer],
    http: httpx.AsyncClient,
    history_url: str,
    new_full_pool: PoolFactory,
    boto3_cognito: Any,
) -> None:
    server = start_gateway(history_url=history_url, require_risk_confirmation=True)
    client = GraphQLClient(http, server.url)
    pool = await new_full_pool()
    weaken = {"deletionProtection": "INACTIVE"}

    dry = await data(client, UPDATE, id=pool, patch=weaken, dryRun=True)
    assert [c["risk"] for c in dry["updateUserPool"]["changes"]] == ["HIGH"]
    refused = await client.execute(UPDATE, {"id": pool, "patch": weaken})
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert refused["errors"][0]["extensions"]["field"] == "confirmHighRisk"
    assert "DeletionProtection" in refused["errors"][0]["message"]
    assert (configuration(boto3_cognito, pool)).pool["DeletionProtection"] == "ACTIVE"

    await patch(client, pool, {"userPoolTags": [{"key": "low", "value": "risk"}]})  # LOW: goes
    await patch(client, pool, weaken, confirm=True)
    assert (configuration(boto3_cognito, pool)).pool["DeletionProtection"] == "INACTIVE"


VERSIONS_WITH_CONFIGURATION = """query($id: ID!) {
  userPoolHistory(id: $id) { nodes { version configuration } }
}"""
COMPARE_VERSIONS = """query($id: ID!, $left: String!, $right: String!) {
  compareUserPoolVersions(id: $id, left: $left, right: $right) { path before after risk }
}"""


async def test_each_version_has_its_whole_configuration_and_two_versions_compare(
    client: GraphQLClient, new_full_pool: PoolFactory
) -> None:
    pool = await new_full_pool()
    await data(client, VERSION, id=pool)  # the first version, seen on a read
    patch = {"policies": {"passwordPolicy": {"minimumLength": 8}}, "userPoolTags": []}
    await data(client, UPDATE, id=pool, patch=patch, confirm=True)
    newer, older = (await data(client, VERSIONS_WITH_CONFIGURATION, id=pool))["userPoolHistory"][
        "nodes"
    ][:2]
    exported = (await data(client, EXPORT, id=pool))["exportUserPool"]
    secret = exported["smsConfiguration"].pop("externalId")  # shown to this admin, live
    kept = newer["configuration"]
    assert kept["smsConfiguration"].pop("externalId") != secret  # never kept in the history
    assert kept == exported  # otherwise the same document exportUserPool answers
    assert older["configuration"]["policies"]["passwordPolicy"]["minimumLength"] != 8
    assert older["configuration"]["userPoolTags"]  # the tags the patch removed
    forward = (
        await data(client, COMPARE_VERSIONS, id=pool, left=older["version"], right=newer["version"])
    )["compareUserPoolVersions"]
    by_path = {change["path"]: change for change in forward}
    password = by_path["policies.passwordPolicy.minimumLength"]
    assert (password["after"], password["risk"]) == (8, "HIGH")  # shorter passwords: weaker
    backward = (
        await data(client, COMPARE_VERSIONS, id=pool, left=newer["version"], right=older["version"])
    )["compareUserPoolVersions"]
    assert {c["path"] for c in backward} == set(by_path)
    missing = await client.execute(
        COMPARE_VERSIONS, {"id": pool, "left": "0" * 24, "right": newer["version"]}
    )
    error = missing["errors"][0]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["field"] == "left"
