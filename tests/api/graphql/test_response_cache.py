"""The response cache: what it may store, and that it never serves a stale or foreign answer."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from gateway.api.documents import Documents
from gateway.api.graphql.response_cache import normalized
from tests.conftest import REGION, GatewayServer, GraphQLClient, PoolFactory
from tests.support.clock import ManualClock
from tests.support.fault_proxy import FaultProxy

READ = "query($id: ID!) { userPool(id: $id) { id deletionProtection version } }"
PROTECT = """mutation($id: ID!, $value: DeletionProtection!) {
  updateUserPool(id: $id, patch: { deletionProtection: $value }) { dryRun }
}"""


@pytest.mark.parametrize(
    ("query", "cacheable"),
    [
        (READ, True),
        ("{ __typename }", True),  # allowed, but stored only if it read a pool (it reads none)
        ("{ userPools { nodes { id } } }", False),
        ('mutation { createUserPool(input: {poolName: "x"}) { id } }', False),
        ('query A { userPool(id: "x") { id } } mutation B { __typename }', False),
        ('{ ...F } fragment F on Query { userPool(id: "x") { id } }', False),
        ("{ userPool(", False),
    ],
)
def test_only_user_pool_queries_are_cacheable(query: str, cacheable: bool) -> None:
    assert normalized(query, Documents(3000))[0] is cacheable


@pytest.fixture(scope="module")
def cached(start_gateway: Callable[..., GatewayServer]) -> GatewayServer:
    return start_gateway(cache_ttl_seconds=30)


async def test_a_repeated_read_is_served_without_execution_and_identically(
    http: httpx.AsyncClient,
    cached: GatewayServer,
    new_full_pool: PoolFactory,
    proxy: FaultProxy,
) -> None:
    pool_id = await new_full_pool()
    client = GraphQLClient(http, cached.url)
    first = await http.post(
        f"{cached.url}/graphql", json={"query": READ, "variables": {"id": pool_id}}
    )
    second = await http.post(
        f"{cached.url}/graphql", json={"query": READ, "variables": {"id": pool_id}}
    )
    assert first.content == second.content
    assert "errors" not in first.json()
    metrics = (await http.get(f"{cached.url}/metrics")).text
    assert 'gateway_response_cache_lookups_total{result="hit"} 1.0' in metrics
    assert proxy.count("DescribeUserPool") == 1
    other = await client.execute(READ, {"id": f"{REGION}_doesNotExist9"})
    assert other["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_write_invalidates_every_cached_answer_that_read_the_pool(
    http: httpx.AsyncClient, cached: GatewayServer, new_full_pool: PoolFactory
) -> None:
    pool_id = await new_full_pool()
    client = GraphQLClient(http, cached.url)
    for _ in range(2):
        before = await client.execute(READ, {"id": pool_id})
        assert before["data"]["userPool"]["deletionProtection"] == "ACTIVE"
    await client.execute(PROTECT, {"id": pool_id, "value": "INACTIVE"})
    after = await client.execute(READ, {"id": pool_id})
    assert after["data"]["userPool"]["deletionProtection"] == "INACTIVE"
    assert after["data"]["userPool"]["version"] != before["data"]["userPool"]["version"]


async def test_errors_are_not_cached(
    http: httpx.AsyncClient,
    cached: GatewayServer,
    new_full_pool: PoolFactory,
    proxy: FaultProxy,
) -> None:
    pool_id = await new_full_pool()
    client = GraphQLClient(http, cached.url)
    proxy.fail("DescribeUserPool", "InternalErrorException", status=500, times=2)
    failed = await client.execute(READ, {"id": pool_id})
    assert failed["errors"][0]["extensions"]["code"] == "UPSTREAM_ERROR"
    recovered = await client.execute(READ, {"id": pool_id})
    assert "errors" not in recovered


async def test_a_cached_answer_is_never_served_to_a_caller_with_other_rights(
    http: httpx.AsyncClient, start_gateway: Callable[..., GatewayServer], new_full_pool: PoolFactory
) -> None:
    keys = [
        {
            "name": "admin",
            "sha256": hashlib.sha256(b"admin").hexdigest(),
            "scopes": ["pools:admin"],
            "pools": ["*"],
        },
        {
            "name": "other-team",
            "sha256": hashlib.sha256(b"other").hexdigest(),
            "scopes": ["pools:read"],
            "pools": ["us-east-1_*"],
        },
    ]
    server = start_gateway(auth_mode="api-key", api_keys=keys)
    pool_id = await new_full_pool()

    async def read(key: str) -> dict[str, Any]:
        response = await http.post(
            f"{server.url}/graphql",
            headers={"X-API-Key": key},
            json={"query": READ, "variables": {"id": pool_id}},
        )
        body: dict[str, Any] = response.json()
        return body

    assert "errors" not in await read("admin")
    assert "errors" not in await read("admin")  # now cached for the admin's rights
    refused = await read("other")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (
        await http.post(f"{server.url}/graphql", json={"query": READ, "variables": {"id": pool_id}})
    ).status_code == 401


SIGN_UP_FORM = """query($id: ID!) {
  userPool(id: $id) { schemaAttributes { name } domain estimatedNumberOfUsers version }
}"""


async def test_out_of_band_changes_of_read_only_members_show_within_the_cache_period(
    http: httpx.AsyncClient,
    start_gateway: Callable[..., GatewayServer],
    new_full_pool: PoolFactory,
    cognito: Any,
) -> None:
    """Custom attributes and domains change without changing ``version``: the
    response cache must still notice them once the describe cache period is over."""
    clock = ManualClock()
    server = start_gateway(cache_ttl_seconds=30, clock=clock)
    pool_id = await new_full_pool()
    client = GraphQLClient(http, server.url)
    for _ in range(3):
        before = (await client.execute(SIGN_UP_FORM, {"id": pool_id}))["data"]["userPool"]
    await cognito.call(
        REGION,
        "AddCustomAttributes",
        UserPoolId=pool_id,
        CustomAttributes=[{"Name": "tenant", "AttributeDataType": "String", "Mutable": True}],
    )
    await cognito.call(
        REGION, "CreateUserPoolDomain", UserPoolId=pool_id, Domain=f"acme-{pool_id[-8:].lower()}"
    )
    unchanged = (await client.execute(SIGN_UP_FORM, {"id": pool_id}))["data"]["userPool"]
    assert unchanged == before  # within the period, the answer is the cached one
    clock.advance(30)  # the describe cache period is over
    after = (await client.execute(SIGN_UP_FORM, {"id": pool_id}))["data"]["userPool"]
    assert "custom:tenant" in {a["name"] for a in after["schemaAttributes"]}
    assert before["domain"] is None
    assert after["domain"] == f"acme-{pool_id[-8:].lower()}"
    assert after["version"] == before["version"]  # the writable configuration did not change


def test_rights_in_the_key_are_unambiguous() -> None:
    """Joined with commas, ``["A,B"]`` and ``["A", "B"]`` once shared cache entries."""
    from gateway.api.graphql.response_cache import rights_of
    from gateway.service.access import Principal

    one = Principal(name="a", kind="api-key", scopes=frozenset({"pools:read"}), pools=("A,B",))
    two = Principal(name="b", kind="api-key", scopes=frozenset({"pools:read"}), pools=("A", "B"))
    assert rights_of(one) != rights_of(two)


@pytest.mark.parametrize("pattern", ["eu-west-1_A,eu-west-1_B", "a b", "x|y", ""])
def test_api_key_pool_patterns_with_separators_are_refused(pattern: str) -> None:
    from pydantic import ValidationError

    from gateway.settings import Settings

    key = {"name": "k", "sha256": "0" * 64, "scopes": ["pools:read"], "pools": [pattern]}
    with pytest.raises(ValidationError):
        Settings(api_keys=[key])


def gauge(metrics: str, name: str) -> float:
    line = next(line for line in metrics.splitlines() if line.startswith(name + " "))
    return float(line.split()[-1])


async def test_comment_varied_documents_share_an_entry_and_bytes_are_bounded(
    http: httpx.AsyncClient,
    start_gateway: Callable[..., GatewayServer],
    new_full_pool: PoolFactory,
) -> None:
    server = start_gateway(response_cache_max_bytes=16 * 1024)
    pool_id = await new_full_pool()
    client = GraphQLClient(http, server.url)
    for index in range(200):  # comments and whitespace: one normalized document
        answer = await client.execute(f"# variant {index}\n{READ}\n" + " " * index, {"id": pool_id})
        assert "errors" not in answer
    metrics = (await http.get(f"{server.url}/metrics")).text
    assert 'gateway_response_cache_lookups_total{result="hit"} 199.0' in metrics
    fields = ["id", "name", "arn", "status", "version", "domain", "mfaConfiguration"]
    for index in range(300):  # distinct documents: the cache evicts by bytes
        chosen = " ".join(f"f{index}_{n}: {f}" for n, f in enumerate(fields[: 1 + index % 7]))
        await client.execute(
            f"query($id: ID!) {{ userPool(id: $id) {{ {chosen} }} }}", {"id": pool_id}
        )
    metrics = (await http.get(f"{server.url}/metrics")).text
    assert 0 < gauge(metrics, "gateway_response_cache_bytes") <= 16 * 1024


async def test_answers_above_the_entry_size_are_not_cached(
    http: httpx.AsyncClient,
    start_gateway: Callable[..., GatewayServer],
    new_full_pool: PoolFactory,
) -> None:
    server = start_gateway(response_cache_max_entry_bytes=64)
    pool_id = await new_full_pool()
    client = GraphQLClient(http, server.url)
    for _ in range(3):
        assert "errors" not in await client.execute(READ, {"id": pool_id})
    metrics = (await http.get(f"{server.url}/metrics")).text
    assert 'gateway_response_cache_lookups_total{result="hit"}' not in metrics
    assert gauge(metrics, "gateway_response_cache_bytes") == 0
