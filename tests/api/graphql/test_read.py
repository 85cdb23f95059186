"""The read path over HTTP: gateway (uvicorn) -> fault proxy -> moto server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from gateway import model
from gateway.api.graphql.schema import build_schema
from gateway.cognito.clients import CognitoClients
from gateway.core.version import pool_version
from tests.conftest import REGION, GraphQLClient
from tests.support.documents import (
    comparable,
    differences,
    expected_graphql,
    full_selection,
    load_real_pool,
    real_pool_files,
)
from tests.support.fault_proxy import FaultProxy

FULL = full_selection(build_schema()._schema, "UserPool")
POOL_QUERY = "query($id: ID!) { userPool(id: $id) " + FULL + " }"


async def test_every_field_of_the_full_demo_pool_matches_describe_user_pool(
    graphql: GraphQLClient, demo_pool_ids: list[str], describe: Callable[[str], Any]
) -> None:
    pool_id = demo_pool_ids[0]
    answer = await graphql.execute(POOL_QUERY, {"id": pool_id})
    assert "errors" not in answer, answer
    truth = await describe(pool_id)
    expected = expected_graphql(model.user_pool_shape(), truth)
    actual = comparable(answer["data"]["userPool"], model.user_pool_shape())
    assert differences(expected, actual) == []
    assert answer["data"]["userPool"]["version"] == pool_version(truth)
    # The demo pool is really fully configured: the comparison covered real values.
    configured = {k for k, v in truth.items() if v not in (None, {}, [])}
    for member in (
        "LambdaConfig",
        "DeviceConfiguration",
        "UserPoolTags",
        "AccountRecoverySetting",
        "VerificationMessageTemplate",
        "UserPoolTier",
        "DeletionProtection",
    ):
        assert member in configured


@pytest.mark.parametrize("path", real_pool_files(), ids=lambda p: p.name[:2])
async def test_real_pool_documents_read_through_the_gateway(
    start_gateway: Callable[..., Any], http: Any, proxy: FaultProxy, path: Any
) -> None:
    """The proxy answers DescribeUserPool with a real, messy document, byte for byte."""
    server = start_gateway(cache_ttl_seconds=0)
    client = GraphQLClient(http, server.url)
    proxy.respond("DescribeUserPool", path.read_bytes())
    truth = load_real_pool(path)
    proxy.respond("GetUserPoolMfaConfig", {"MfaConfiguration": truth.get("MfaConfiguration")})
    pool_id = truth["Id"]
    answer = await client.execute(POOL_QUERY, {"id": pool_id})
    assert "errors" not in answer, answer
    expected = expected_graphql(model.user_pool_shape(), truth)
    actual = comparable(answer["data"]["userPool"], model.user_pool_shape())
    assert differences(expected, actual) == []


async def test_unknown_pool_is_not_found(graphql: GraphQLClient) -> None:
    answer = await graphql.execute(POOL_QUERY, {"id": f"{REGION}_doesNotExist1"})
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"] == {"code": "NOT_FOUND"}


async def test_an_unknown_pool_costs_one_describe_per_cache_period(
    graphql: GraphQLClient, proxy: FaultProxy
) -> None:
    """Unknown ids spend the account's shared read quota: the answer is remembered."""
    for _ in range(5):
        answer = await graphql.execute(POOL_QUERY, {"id": f"{REGION}_neverThere42"})
        assert answer["errors"][0]["extensions"] == {"code": "NOT_FOUND"}
    assert proxy.count("DescribeUserPool") == 1


@pytest.mark.parametrize("bad_id", ["not-a-pool", "eu-west-1_", "_abc", "nowhere_abc", "a" * 80])
async def test_malformed_pool_id_is_bad_user_input_and_calls_nothing(
    graphql: GraphQLClient, proxy: FaultProxy, bad_id: str
) -> None:
    answer = await graphql.execute(POOL_QUERY, {"id": bad_id})
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "id"
    assert proxy.counts() == {}


async def test_single_flight_concurrent_misses_make_one_describe(
    graphql: GraphQLClient, proxy: FaultProxy, cognito: CognitoClients
) -> None:
    created = await cognito.call(REGION, "CreateUserPool", PoolName="single-flight")
    pool_id = created["UserPool"]["Id"]
    proxy.delay("DescribeUserPool", 0.3)  # keep the first call in flight while the rest arrive
    answers = await asyncio.gather(
        *(graphql.execute(POOL_QUERY, {"id": pool_id}) for _ in range(25))
    )
    assert all("errors" not in a for a in answers)
    assert proxy.count("DescribeUserPool") == 1
    # And the cached entry serves later reads without another call.
    await graphql.execute(POOL_QUERY, {"id": pool_id})
    assert proxy.count("DescribeUserPool") == 1


async def test_without_cache_every_read_goes_upstream(
    start_gateway: Callable[..., Any], http: Any, proxy: FaultProxy, demo_pool_ids: list[str]
) -> None:
    """Negative control for the cache test: with TTL 0 reads are not shared once done."""
    server = start_gateway(cache_ttl_seconds=0)
    client = GraphQLClient(http, server.url)
    for _ in range(3):
        await client.execute(POOL_QUERY, {"id": demo_pool_ids[1]})
    assert proxy.count("DescribeUserPool") == 3


LIST_SUMMARY = """query($first: Int, $after: String) {
  userPools(first: $first, after: $after) {
    edges { cursor node { id name } }
    nodes { id name creationDate }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def test_listing_pages_through_every_pool_without_describing(
    graphql: GraphQLClient, proxy: FaultProxy, demo_pool_ids: list[str], cognito: CognitoClients
) -> None:
    every_id: list[str] = []  # every pool, however many earlier tests created
    token: dict[str, str] = {}
    while True:
        listed = await cognito.call(REGION, "ListUserPools", MaxResults=60, **token)
        every_id += [p["Id"] for p in listed["UserPools"]]
        if not listed.get("NextToken"):
            break
        token = {"NextToken": listed["NextToken"]}
    seen: list[str] = []
    after = None
    while True:
        answer = await graphql.execute(LIST_SUMMARY, {"first": 2, "after": after})
        assert "errors" not in answer, answer
        page = answer["data"]["userPools"]
        seen += [node["id"] for node in page["nodes"]]
        assert [e["node"]["id"] for e in page["edges"]] == [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == every_id
    assert set(demo_pool_ids) <= set(seen)
    assert proxy.count("DescribeUserPool") == 0


async def test_listing_with_full_nodes_describes_them(
    graphql: GraphQLClient, demo_pool_ids: list[str], describe: Callable[[str], Any]
) -> None:
    query = """query($after: String) { userPools(first: 60, after: $after) {
      nodes { id version deletionProtection userPoolTier } pageInfo { hasNextPage endCursor }
    } }"""
    nodes: dict[str, Any] = {}
    after = None
    while demo_pool_ids[0] not in nodes:  # however many pools earlier tests created
        page = (await graphql.execute(query, {"after": after}))["data"]["userPools"]
        nodes.update({n["id"]: n for n in page["nodes"]})
        assert page["pageInfo"]["hasNextPage"] or demo_pool_ids[0] in nodes
        after = page["pageInfo"]["endCursor"]
    full = nodes[demo_pool_ids[0]]
    truth = await describe(demo_pool_ids[0])
    assert full["version"] == pool_version(truth)
    assert full["deletionProtection"] == "ACTIVE"
    assert full["userPoolTier"] == "PLUS"


@pytest.mark.parametrize(("first", "after"), [(0, None), (61, None), (5, "not-a-cursor")])
async def test_bad_paging_arguments_are_bad_user_input(
    graphql: GraphQLClient, first: int, after: str | None
) -> None:
    answer = await graphql.execute(LIST_SUMMARY, {"first": first, "after": after})
    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert answer["errors"][0]["extensions"]["field"] in ("first", "after")


async def test_throttling_maps_to_throttled_after_transport_retries(
    graphql: GraphQLClient, proxy: FaultProxy, cognito: CognitoClients
) -> None:
    created = await cognito.call(REGION, "CreateUserPool", PoolName="throttled")
    proxy.fail("DescribeUserPool", "TooManyRequestsException")
    answer = await graphql.execute(POOL_QUERY, {"id": created["UserPool"]["Id"]})
    assert answer["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert proxy.count("DescribeUserPool") == 2  # botocore standard mode retried once


async def test_upstream_failure_is_upstream_error_without_internals(
    graphql: GraphQLClient, proxy: FaultProxy, cognito: CognitoClients
) -> None:
    created = await cognito.call(REGION, "CreateUserPool", PoolName="broken-upstream")
    proxy.fail(
        "DescribeUserPool",
        "InternalErrorException",
        status=500,
        message="stack trace at com.amazon.Secret arn:aws:iam::123456789012:role/x",
    )
    answer = await graphql.execute(POOL_QUERY, {"id": created["UserPool"]["Id"]})
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "UPSTREAM_ERROR"
    text = str(answer)
    for secret in ("com.amazon", "arn:aws:iam", "Traceback", "botocore", "testing"):
        assert secret not in text


async def test_invalid_query_gets_a_code(graphql: GraphQLClient) -> None:
    answer = await graphql.execute('{ userPool(id: "eu-west-1_x") { nope } }')
    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "nope" in answer["errors"][0]["message"]
