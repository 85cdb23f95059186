"""Abuse and fuzzing over HTTP: every bad request is refused with a clear error, never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from graphql import get_introspection_query
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from tests.conftest import GatewayServer

SCHEMA = (Path(__file__).resolve().parents[3] / "schema.graphql").read_text()


def assert_clean(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    for leak in ("Traceback", 'File "', "botocore", "aiobotocore", "site-packages"):
        assert leak not in response.text


@pytest.fixture(scope="module")
def hardened(start_gateway: Callable[..., GatewayServer]) -> GatewayServer:
    return start_gateway(quota_reads_per_second=1000, quota_updates_per_second=1000)


async def post(http: httpx.AsyncClient, server: GatewayServer, body: object) -> httpx.Response:
    response = await http.post(f"{server.url}/graphql", json=body)
    assert_clean(response)
    return response


async def test_queries_deeper_than_the_limit_are_refused(
    http: httpx.AsyncClient, start_gateway: Callable[..., GatewayServer]
) -> None:
    shallow = start_gateway(max_query_depth=2)
    query = (
        '{ userPool(id: "eu-west-1_a") '
        "{ lambdaConfig { preTokenGenerationConfig { lambdaArn } } } }"
    )
    response = await post(http, shallow, {"query": query})
    error = response.json()["errors"][0]
    assert "exceeds maximum operation depth" in error["message"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("levels", [200, 3000])
async def test_pathologically_deep_documents_are_refused(
    http: httpx.AsyncClient, hardened: GatewayServer, levels: int
) -> None:
    deep = "{ " + "a { " * levels + "b" + " }" * levels + " }"
    response = await post(http, hardened, {"query": deep})
    assert response.json()["errors"]


@pytest.mark.parametrize(("count", "refused_for"), [(40, "aliases"), (1000, "tokens")])
async def test_many_aliases_are_refused(
    http: httpx.AsyncClient, hardened: GatewayServer, count: int, refused_for: str
) -> None:
    """40 aliases pass the token limit and hit the alias limit; 1000 stop at parsing."""
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"
    response = await post(http, hardened, {"query": query})
    error = response.json()["errors"][0]
    assert refused_for in error["message"].lower()
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_too_many_tokens_are_refused(
    http: httpx.AsyncClient, hardened: GatewayServer
) -> None:
    query = "{ " + "__typename " * 4000 + "}"
    response = await post(http, hardened, {"query": query})
    assert "tokens" in response.json()["errors"][0]["message"].lower()


async def test_a_huge_document_is_refused_before_parsing(
    http: httpx.AsyncClient, hardened: GatewayServer
) -> None:
    response = await post(http, hardened, {"query": "{ __typename }" + " " * 200_000})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_batched_requests_are_refused(
    http: httpx.AsyncClient, hardened: GatewayServer
) -> None:
    response = await post(http, hardened, [{"query": "{ __typename }"}] * 3)
    assert response.status_code == 400


async def test_get_is_refused(http: httpx.AsyncClient, hardened: GatewayServer) -> None:
    for query in ("{ __typename }", 'mutation { createUserPool(input: {poolName: "x"}) { id } }'):
        response = await http.get(f"{hardened.url}/graphql", params={"query": query})
        assert_clean(response)
        assert response.status_code in (400, 405)


async def test_introspection_and_suggestions_are_off_by_default(
    http: httpx.AsyncClient, hardened: GatewayServer, start_gateway: Callable[..., GatewayServer]
) -> None:
    introspection = await post(http, hardened, {"query": "{ __schema { types { name } } }"})
    assert introspection.json()["errors"]
    typo = await post(http, hardened, {"query": '{ userPool(id: "eu-west-1_a") { nam } }'})
    assert "Did you mean" not in typo.text
    open_server = start_gateway(introspection=True)
    opened = await post(http, open_server, {"query": "{ __schema { types { name } } }"})
    assert "errors" not in opened.json()
    typo = await post(http, open_server, {"query": '{ userPool(id: "eu-west-1_a") { nam } }'})
    assert "Did you mean 'name'?" in typo.text


async def test_graphiql_s_own_introspection_query_is_answered_within_the_depth_limit(
    http: httpx.AsyncClient, start_gateway: Callable[..., GatewayServer]
) -> None:
    """GraphiQL's Docs pane sends the full IntrospectionQuery (seven ofType levels); it
    was refused as deeper than 10, so the pane showed "Error fetching schema". Nesting
    that multiplies work is limited as before."""
    server = start_gateway(introspection=True)
    full = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    answer = await post(http, server, {"query": full, "operationName": "IntrospectionQuery"})
    body = answer.json()
    assert "errors" not in body, body.get("errors")
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"Query", "UserPool", "UserPoolPatch"} <= names
    deep = "{ __schema { types { " + "fields { type { " * 5 + "name" + " } }" * 5 + " } } }"
    refused = (await post(http, server, {"query": deep})).json()
    assert "exceeds maximum operation depth" in refused["errors"][0]["message"]


async def test_cors_allows_only_configured_origins(
    http: httpx.AsyncClient, start_gateway: Callable[..., GatewayServer]
) -> None:
    server = start_gateway(cors_origins=["https://console.example.com"])
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = await http.options(
        f"{server.url}/graphql", headers={**preflight, "Origin": "https://console.example.com"}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://console.example.com"
    refused = await http.options(
        f"{server.url}/graphql", headers={**preflight, "Origin": "https://evil.example.com"}
    )
    assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize("mode", [Mode.POSITIVE, Mode.NEGATIVE])
def test_schema_driven_fuzzing_finds_no_500_and_no_traceback(
    hardened: GatewayServer, mode: Mode
) -> None:
    with httpx.Client(timeout=30) as client:

        @settings(
            max_examples=120,
            deadline=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.filter_too_much,
            ],
        )
        @given(
            query=from_schema(SCHEMA, mode=mode, allow_x00=False),
            pool_id=st.sampled_from(["eu-west-1_a", "", "x" * 60, "us-east-1_Zz9"]),
        )
        def run(query: str, pool_id: str) -> None:
            response = client.post(
                f"{hardened.url}/graphql", json={"query": query, "variables": {"id": pool_id}}
            )
            assert_clean(response)
            body = response.json()
            for error in body.get("errors") or []:
                assert error["extensions"]["code"] in {
                    "BAD_USER_INPUT",
                    "NOT_FOUND",
                    "FORBIDDEN",
                    "UPSTREAM_ERROR",
                    "THROTTLED",
                    "CONFLICT",
                    "PRECONDITION_FAILED",
                }, error

        run()


@st.composite
def fragment_heavy(draw: st.DrawFn) -> str:
    """Chains and fans of fragments, with aliases and nesting, over real fields."""
    levels = draw(st.integers(1, 25))
    fan_out = draw(st.integers(1, 3))
    parts = ['query { ...F0 userPool(id: "eu-west-1_a") { ...P0 } }']
    for level in range(levels):
        alias = "x: __typename " if draw(st.booleans()) else ""
        parts.append(f"fragment F{level} on Query {{ {alias}{f'...F{level + 1} ' * fan_out}}}")
    parts.append(f"fragment F{levels} on Query {{ __typename }}")
    nest = draw(st.integers(0, 3))
    inner = "policies { passwordPolicy { minimumLength } }" if nest else "id"
    parts.append(f"fragment P0 on UserPool {{ {inner} ...P1 ...P1 }}")
    parts.append("fragment P1 on UserPool { name lambdaConfig { preSignUp } }")
    return " ".join(parts)


def deep_json(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value] if depth % 2 else {"k": value}
    return value


def test_fuzzed_fragment_heavy_documents_and_deep_variables_find_no_500(
    hardened: GatewayServer,
) -> None:
    with httpx.Client(timeout=30) as client:

        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(query=fragment_heavy(), depth=st.integers(0, 900))
        def run(query: str, depth: int) -> None:
            body = {"query": query, "variables": {"v": deep_json(depth)}}
            response = client.post(
                f"{hardened.url}/graphql",
                content=json.dumps(body),
                headers={"content-type": "application/json"},
            )
            assert_clean(response)
            for error in response.json().get("errors") or []:
                assert error["extensions"]["code"] in {"BAD_USER_INPUT", "NOT_FOUND"}, error

        run()
