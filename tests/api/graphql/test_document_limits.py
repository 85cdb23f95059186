"""Depth and alias limits cost linear time, whatever the fragments do (over HTTP, and
fuzzed), and operation names cannot blow up the metrics."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from graphql import parse, validate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.api.graphql.limits import document_limits
from gateway.api.graphql.schema import build_schema
from tests.conftest import GatewayServer

SCHEMA = build_schema()._schema


def doubling_fragments(levels: int, alias: bool = False) -> str:
    """``F0`` spreads ``F1`` twice, which spreads ``F2`` twice, ... (2^levels expansions)."""
    head = "a: __typename " if alias else ""
    parts = ["query { ...F0 }"]
    for level in range(levels):
        parts.append(f"fragment F{level} on Query {{ {head}...F{level + 1} ...F{level + 1} }}")
    parts.append(f"fragment F{levels} on Query {{ __typename }}")
    return " ".join(parts)


def cpu_seconds(work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


async def test_doubling_fragments_cost_bounded_cpu_over_http(
    http: httpx.AsyncClient, start_gateway: Callable[..., GatewayServer]
) -> None:
    server = start_gateway()
    started = time.process_time()  # the server runs in this process: its CPU counts here
    body = {"query": doubling_fragments(18)}
    answer = (await http.post(f"{server.url}/graphql", json=body)).json()
    spent = time.process_time() - started
    assert answer == {"data": {"__typename": "Query"}}
    assert spent < 0.5, f"{spent:.2f}s of CPU for an 18-level fragment document"
    refused = await http.post(
        f"{server.url}/graphql", json={"query": doubling_fragments(18, alias=True)}
    )
    error = refused.json()["errors"][0]
    assert "aliases" in error["message"] and error["extensions"]["code"] == "BAD_USER_INPUT"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    levels=st.integers(1, 60),
    fan_out=st.integers(1, 4),
    alias_every=st.integers(0, 3),
    nest=st.integers(0, 30),
)
def test_fuzzed_fragment_graphs_validate_in_linear_time(
    levels: int, fan_out: int, alias_every: int, nest: int
) -> None:
    parts = ["query { ...F0 }"]
    for level in range(levels):
        alias = "x: __typename " if alias_every and level % alias_every == 0 else ""
        spreads = f"...F{level + 1} " * fan_out
        parts.append(f"fragment F{level} on Query {{ {alias}{spreads}}}")
    inner = 'userPool(id: "eu-west-1_a") { policies { ' + "a { " * nest + "b" + " }" * nest
    parts.append(f"fragment F{levels} on Query {{ __typename {inner} }} }} }}")
    document = parse(" ".join(parts), max_tokens=100_000)
    rule = document_limits(10, 30)
    spent = cpu_seconds(lambda: validate(SCHEMA, document, [rule]))
    assert spent < 0.5, (levels, fan_out, spent)


@pytest.mark.parametrize("levels", [50, 150])
def test_deeply_nested_documents_validate_in_bounded_time(levels: int) -> None:
    deep = "{ " + 'userPool(id: "x") { policies { ' * 1 + "a { " * levels + "b" + " }" * levels
    deep += " } } }"
    document = parse(deep, max_tokens=100_000)
    errors: list[object] = []
    rules = [document_limits(10, 30)]
    spent = cpu_seconds(lambda: errors.extend(validate(SCHEMA, document, rules)))
    assert spent < 0.5 and any("depth" in str(e) for e in errors)


async def test_operation_names_are_bounded_labels(
    http: httpx.AsyncClient, start_gateway: Callable[..., GatewayServer]
) -> None:
    server = start_gateway()
    for index in range(120):
        await http.post(
            f"{server.url}/graphql",
            json={"query": f"query Op{index} {{ __typename }}", "operationName": f"Op{index}"},
        )
    for index in range(30):
        await http.post(
            f"{server.url}/graphql",
            json={"query": "{ broken", "operationName": "X" * 60_000 + str(index)},
        )
    metrics = (await http.get(f"{server.url}/metrics")).text
    labels = {
        line.split('operation="')[1].split('"')[0]
        for line in metrics.splitlines()
        if line.startswith("gateway_graphql_requests_total{")
    }
    assert len(labels) <= 102 and "other" in labels and "invalid" in labels
    assert max(len(label) for label in labels) <= 64
    assert len(metrics) < 200_000
