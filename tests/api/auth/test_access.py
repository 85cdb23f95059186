"""API keys, scopes, pool allow-lists and the audit trail, over HTTP."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.service.access import normalize_scopes
from tests.conftest import GatewayServer, PoolFactory
from tests.support.fault_proxy import FaultProxy

KEYS = {
    "reader-key": ("reader", ["pools:read"], ["*"]),
    "writer-key": ("writer", ["pools:write"], ["*"]),
    "admin-key": ("admin", ["pools:admin"], ["*"]),
    "scoped-key": ("scoped", ["pools:admin"], ["eu-west-1_Scoped*"]),
}
UPDATE = """mutation($id: ID!, $patch: UserPoolPatch!, $dryRun: Boolean) {
  updateUserPool(id: $id, patch: $patch, dryRun: $dryRun) { changes { path } }
}"""
READ = "query($id: ID!) { userPool(id: $id) { id } }"
LIST = "{ userPools(first: 60) { nodes { id } edges { node { id } } } }"


def api_keys_setting() -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "sha256": hashlib.sha256(key.encode()).hexdigest(),
            "scopes": scopes,
            "pools": pools,
        }
        for key, (name, scopes, pools) in KEYS.items()
    ]


@pytest.fixture(scope="module")
def audit_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit") / "audit.jsonl"


@pytest.fixture(scope="module")
def keyed(start_gateway: Callable[..., GatewayServer], audit_file: Path) -> GatewayServer:
    return start_gateway(
        auth_mode="api-key", api_keys=api_keys_setting(), audit_sink=f"file:{audit_file}"
    )


async def gql(
    http: httpx.AsyncClient,
    server: GatewayServer,
    key: str | None,
    query: str,
    variables: dict[str, Any] | None = None,
    header: str = "bearer",
) -> httpx.Response:
    headers = {}
    if key is not None:
        headers = {"Authorization": f"Bearer {key}"} if header == "bearer" else {"X-API-Key": key}
    return await http.post(
        f"{server.url}/graphql",
        headers=headers,
        json={"query": query, "variables": variables or {}},
    )


@pytest.fixture
async def pool(new_full_pool: PoolFactory) -> str:
    return await new_full_pool()


def test_scopes_nest_and_resource_server_prefixes_are_understood() -> None:
    assert normalize_scopes(["pools:admin"]) == {
        "pools:admin",
        "pools:write",
        "pools:read",
        "pools:public",
    }
    assert normalize_scopes(["pools:public"]) == {"pools:public"}
    prefix = "https://api.example.com/"
    assert normalize_scopes(["https://api.example.com/pools:write"], prefix=prefix) == {
        "pools:write",
        "pools:read",
        "pools:public",
    }
    # Only the configured prefix, and no prefix means bare names only.
    assert normalize_scopes(["https://evil.example.com/pools:write"], prefix=prefix) == set()
    assert normalize_scopes(["pools:write"], prefix=prefix) == set()
    assert normalize_scopes(["team/pools:write", "https://api.example.com/pools:write"]) == set()
    assert normalize_scopes(["openid", "pools:everything"]) == frozenset()


@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
async def test_api_key_in_either_header(
    http: httpx.AsyncClient, keyed: GatewayServer, pool: str, header: str
) -> None:
    response = await gql(http, keyed, "reader-key", READ, {"id": pool}, header=header)
    assert response.status_code == 200
    assert response.json()["data"]["userPool"]["id"] == pool


@pytest.mark.parametrize("key", [None, "wrong-key", "reader-key-but-longer"])
async def test_missing_or_unknown_key_is_401(
    http: httpx.AsyncClient, keyed: GatewayServer, proxy: FaultProxy, key: str | None
) -> None:
    response = await gql(http, keyed, key, LIST)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert proxy.counts() == {}


async def test_read_only_principal_cannot_mutate(
    http: httpx.AsyncClient, keyed: GatewayServer, pool: str, proxy: FaultProxy
) -> None:
    response = await gql(
        http,
        keyed,
        "reader-key",
        UPDATE,
        {"id": pool, "patch": {"policies": {"passwordPolicy": {"minimumLength": 9}}}},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert proxy.count("UpdateUserPool") == 0 and proxy.count("DescribeUserPool") == 0


async def test_writer_cannot_touch_a_sensitive_field_and_nothing_is_written(
    http: httpx.AsyncClient, keyed: GatewayServer, pool: str, proxy: FaultProxy
) -> None:
    response = await gql(
        http,
        keyed,
        "writer-key",
        UPDATE,
        {
            "id": pool,
            "patch": {
                "policies": {"passwordPolicy": {"minimumLength": 9}},
                "deletionProtection": "INACTIVE",
            },
        },
    )
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "FORBIDDEN", "field": "patch.deletionProtection"}
    assert "pools:admin" in error["message"]
    assert proxy.count("UpdateUserPool") == 0
    allowed = await gql(
        http,
        keyed,
        "writer-key",
        UPDATE,
        {"id": pool, "patch": {"policies": {"passwordPolicy": {"minimumLength": 9}}}},
    )
    assert "errors" not in allowed.json()
    admin = await gql(
        http, keyed, "admin-key", UPDATE, {"id": pool, "patch": {"deletionProtection": "INACTIVE"}}
    )
    assert "errors" not in admin.json()


async def test_pool_allow_list_on_reads_writes_and_listings(
    http: httpx.AsyncClient, keyed: GatewayServer, pool: str, proxy: FaultProxy
) -> None:
    read = await gql(http, keyed, "scoped-key", READ, {"id": pool})
    assert read.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    write = await gql(
        http,
        keyed,
        "scoped-key",
        UPDATE,
        {"id": pool, "patch": {"userPoolTags": [{"key": "x", "value": "y"}]}},
    )
    assert write.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    listing = await gql(http, keyed, "scoped-key", LIST)
    assert listing.json()["data"]["userPools"] == {"nodes": [], "edges": []}
    everything = await gql(http, keyed, "reader-key", LIST)
    assert pool in {n["id"] for n in everything.json()["data"]["userPools"]["nodes"]}
    assert proxy.count("UpdateUserPool") == 0


def audit_events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_audit_events_for_success_dry_run_failure_and_forbidden(
    http: httpx.AsyncClient, keyed: GatewayServer, pool: str, audit_file: Path
) -> None:
    seen = len(audit_events(audit_file)) if audit_file.exists() else 0
    cases = [
        ("admin-key", {"smsConfiguration": {"externalId": "new-secret-id"}}, False),
        ("admin-key", {"deletionProtection": "INACTIVE"}, True),
        ("admin-key", {"policies": {"passwordPolicy": {"minimumLength": 1}}}, False),
        ("writer-key", {"lambdaConfig": {"preSignUp": None}}, False),
    ]
    for key, patch, dry_run in cases:
        await gql(
            http,
            keyed,
            key,
            UPDATE,
            {"id": pool, "patch": patch, "dryRun": dry_run},
            header="x-api-key",
        )
    events = audit_events(audit_file)[seen:]
    assert [
        (e["principal"]["name"], e["outcome"], e["dryRun"], e["errorCode"]) for e in events
    ] == [
        ("admin", "succeeded", False, None),
        ("admin", "succeeded", True, None),
        ("admin", "failed", False, "BAD_USER_INPUT"),
        ("writer", "forbidden", False, "FORBIDDEN"),
    ]
    assert all(e["pool"] == pool and e["operation"] == "UpdateUserPool" for e in events)
    assert all(e["requestId"] for e in events)
    secret = events[0]["changes"]
    assert secret == [
        {"path": "SmsConfiguration.ExternalId", "before": "[REDACTED]", "after": "[REDACTED]"}
    ]
    assert "new-secret-id" not in audit_file.read_text()
    assert "acme-sms-external-id" not in audit_file.read_text()
    assert events[1]["changes"] == [
        {"path": "DeletionProtection", "before": "ACTIVE", "after": "INACTIVE"}
    ]
    assert events[2]["requested"] == ["Policies.PasswordPolicy.MinimumLength"]


async def test_request_id_is_taken_from_the_client_and_returned(
    http: httpx.AsyncClient, keyed: GatewayServer
) -> None:
    response = await http.post(
        f"{keyed.url}/graphql",
        json={"query": LIST},
        headers={"X-API-Key": "reader-key", "X-Request-Id": "abc-123"},
    )
    assert response.headers["x-request-id"] == "abc-123"
    generated = await http.post(
        f"{keyed.url}/graphql", json={"query": LIST}, headers={"X-API-Key": "reader-key"}
    )
    assert len(generated.headers["x-request-id"]) == 32


def test_serve_refuses_auth_none_off_loopback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "serve", "--host", "0.0.0.0", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"GATEWAY_AUTH_MODE": "none", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert "only allowed on a loopback address" in result.stderr


SECRET = "query($id: ID!) { userPool(id: $id) { id smsConfiguration { snsCallerArn externalId } } }"
SECRET_LIST = "{ userPools(first: 60) { nodes { id smsConfiguration { externalId } } } }"


async def test_secrets_read_as_null_with_forbidden_below_admin(
    http: httpx.AsyncClient, keyed: GatewayServer, pool: str
) -> None:
    reader = (await gql(http, keyed, "reader-key", SECRET, {"id": pool})).json()
    sms = reader["data"]["userPool"]["smsConfiguration"]
    assert sms["externalId"] is None and sms["snsCallerArn"]  # the rest is still readable
    [error] = reader["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["path"] == ["userPool", "smsConfiguration", "externalId"]
    assert "acme-sms-external-id" not in json.dumps(reader)
    admin = (await gql(http, keyed, "admin-key", SECRET, {"id": pool})).json()
    assert admin["data"]["userPool"]["smsConfiguration"]["externalId"] == "acme-sms-external-id"
    listing = (await gql(http, keyed, "reader-key", SECRET_LIST)).text
    assert "acme-sms-external-id" not in listing and "FORBIDDEN" in listing


HISTORY_READ = """query($id: ID!) {
  userPoolHistory(id: $id) { nodes { version } }
  compareUserPools(left: $id, right: $id) { path }
  exportUserPool(id: $id)
}"""
RESTORE = """mutation($id: ID!, $version: String!) {
  restoreUserPool(id: $id, version: $version) { changes { path } }
}"""
COPY = """mutation($from: ID!, $to: ID!, $paths: [String!]) {
  copyUserPoolSettings(from: $from, to: $to, paths: $paths) { changes { path } }
}"""


async def test_history_needs_read_restore_and_copy_need_write_or_admin(
    http: httpx.AsyncClient, keyed: GatewayServer, pool: str, new_full_pool: PoolFactory
) -> None:
    await gql(http, keyed, "reader-key", READ, {"id": pool})  # the first version seen
    read = await gql(http, keyed, "reader-key", HISTORY_READ, {"id": pool})
    body = read.json()
    assert "errors" not in body, body
    first = body["data"]["userPoolHistory"]["nodes"][0]["version"]
    exported = body["data"]["exportUserPool"]
    assert "smsConfiguration" in exported and "externalId" not in exported["smsConfiguration"]
    admin_export = (await gql(http, keyed, "admin-key", HISTORY_READ, {"id": pool})).json()
    assert admin_export["data"]["exportUserPool"]["smsConfiguration"]["externalId"] == (
        "acme-sms-external-id"
    )

    refused = await gql(http, keyed, "reader-key", RESTORE, {"id": pool, "version": first})
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other = await new_full_pool()
    different = {
        "lambdaConfig": {"preSignUp": "arn:aws:lambda:eu-west-1:123456789012:function:other"},
        "policies": {"passwordPolicy": {"minimumLength": 20}},
    }
    await gql(http, keyed, "admin-key", UPDATE, {"id": other, "patch": different})
    copy = {"from": other, "to": pool}
    for paths, key, code in (
        (["policies.passwordPolicy"], "reader-key", "FORBIDDEN"),
        (["lambdaConfig"], "writer-key", "FORBIDDEN"),  # an admin-only member
    ):
        answer = await gql(http, keyed, key, COPY, {**copy, "paths": paths})
        assert answer.json()["errors"][0]["extensions"]["code"] == code, answer.json()
    allowed = await gql(http, keyed, "writer-key", COPY, {**copy, "paths": ["policies"]})
    assert "errors" not in allowed.json(), allowed.json()

    await gql(
        http,
        keyed,
        "admin-key",
        UPDATE,
        {"id": pool, "patch": {"lambdaConfig": {"preSignUp": None}}},
    )
    sensitive = await gql(http, keyed, "writer-key", RESTORE, {"id": pool, "version": first})
    assert sensitive.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    restored = await gql(http, keyed, "admin-key", RESTORE, {"id": pool, "version": first})
    assert "errors" not in restored.json(), restored.json()


async def test_a_writer_restores_a_pool_with_sms_configured_and_its_secret_stays(
    http: httpx.AsyncClient,
    keyed: GatewayServer,
    new_full_pool: PoolFactory,
    describe: Callable[[str], Any],
) -> None:
    """The history stores ExternalId redacted; restoring must not turn that into a change
    of the (admin-only) SMS configuration."""
    pool = await new_full_pool()
    await gql(http, keyed, "reader-key", READ, {"id": pool})  # the first version seen
    tag = {"userPoolTags": [{"key": "owner", "value": "someone"}]}
    changed = await gql(http, keyed, "writer-key", UPDATE, {"id": pool, "patch": tag})
    assert "errors" not in changed.json(), changed.json()
    history = (await gql(http, keyed, "reader-key", HISTORY_READ, {"id": pool})).json()
    first = history["data"]["userPoolHistory"]["nodes"][-1]["version"]
    restored = await gql(http, keyed, "writer-key", RESTORE, {"id": pool, "version": first})
    assert "errors" not in restored.json(), restored.json()
    assert restored.json()["data"]["restoreUserPool"]["changes"] == [
        {"path": "userPoolTags[owner]"}
    ]
    pool_now = await describe(pool)
    assert "owner" not in pool_now["UserPoolTags"]
    assert pool_now["SmsConfiguration"]["ExternalId"] == "acme-sms-external-id"
