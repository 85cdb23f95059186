"""Bad input answered as BAD_USER_INPUT over HTTP: never a 500, never a wrong answer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import GatewayServer, GraphQLClient, PoolFactory
from tests.support.fault_proxy import FaultProxy

READ = "query($id: ID!) { userPool(id: $id) { id } }"


async def test_a_made_up_region_is_refused_before_any_client_exists(
    graphql: GraphQLClient, proxy: FaultProxy
) -> None:
    for index in range(5):
        answer = await graphql.execute(READ, {"id": f"aa-ax-{index}_abc"})
        error = answer["errors"][0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id", "rule": "region"}
    assert proxy.counts() == {}


async def test_a_cursor_with_a_huge_offset_is_bad_input(graphql: GraphQLClient) -> None:
    answer = await graphql.execute(
        'query { userPools(after: "eyJ0IjpudWxsLCJvIjoxZTQwMH0") { nodes { id } } }'
    )
    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert answer["errors"][0]["extensions"]["field"] == "after"


async def test_every_selection_of_a_listing_decides_whether_to_describe(
    graphql: GraphQLClient, new_full_pool: PoolFactory
) -> None:
    pool_id = await new_full_pool()
    answer = await graphql.execute(
        "{ userPools(first: 60) { nodes { id } } "
        "userPools(first: 60) { nodes { name deletionProtection } } }"
    )
    assert "errors" not in answer, answer
    nodes = answer["data"]["userPools"]["nodes"]
    full = [n for n in nodes if n["id"] == pool_id]
    if full:  # on the first page
        assert full[0]["deletionProtection"] == "ACTIVE"
    assert any(n["deletionProtection"] for n in nodes)


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


async def test_deeply_nested_variables_are_a_400_not_a_500(
    http: httpx.AsyncClient, gateway: GatewayServer
) -> None:
    for depth in (300, 2000):
        body = '{"query": "query($v: JSON) { __typename }", "variables": {"v": '
        body += '{"a":' * depth + '"x"' + "}" * depth + "}}"
        response = await http.post(
            f"{gateway.url}/graphql", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, (depth, response.text[:200])
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


PATCH = """mutation($id: ID!, $patch: UserPoolPatch!) {
  updateUserPool(id: $id, patch: $patch, dryRun: true) { dryRun }
}"""


@pytest.mark.parametrize(
    ("policy", "field", "rule"),
    [
        ({"minimumLength": "abc"}, "patch.policies.passwordPolicy.minimumLength", "type"),
        ({"minLength": 8}, "patch.policies.passwordPolicy.minLength", "unknown"),
    ],
)
async def test_a_bad_variable_names_its_field_for_a_form(
    graphql: GraphQLClient, policy: dict[str, Any], field: str, rule: str
) -> None:
    answer = await graphql.execute(
        PATCH, {"id": "eu-west-1_a", "patch": {"policies": {"passwordPolicy": policy}}}
    )
    error = answer["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field, "rule": rule}
