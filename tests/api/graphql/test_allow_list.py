"""Allow-list mode: only the listed documents run, sent whole or by hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from gateway.api.graphql.allow_list import load_allowed
from tests.conftest import GatewayServer

KNOWN = "query Known { __typename }"


async def test_only_allow_listed_documents_run(
    http: httpx.AsyncClient, start_gateway: Callable[..., GatewayServer], tmp_path: Path
) -> None:
    allowed = tmp_path / "operations.json"
    allowed.write_text(json.dumps([KNOWN]))
    server = start_gateway(allowed_operations_file=str(allowed))
    whole = await http.post(f"{server.url}/graphql", json={"query": KNOWN})
    assert whole.json() == {"data": {"__typename": "Query"}}
    digest = hashlib.sha256(KNOWN.encode()).hexdigest()
    by_hash = await http.post(
        f"{server.url}/graphql",
        json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}},
    )
    assert by_hash.json() == {"data": {"__typename": "Query"}}
    for refused_body in (
        {"query": "query Other { __typename }"},
        {"query": KNOWN + " "},  # not the same document text
        {"extensions": {"persistedQuery": {"sha256Hash": "0" * 64}}},
    ):
        refused = await http.post(f"{server.url}/graphql", json=refused_body)
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


TWO = "query Known { __typename } mutation Other { __typename }"


async def test_only_the_listed_operation_of_a_document_runs(
    http: httpx.AsyncClient, start_gateway: Callable[..., GatewayServer], tmp_path: Path
) -> None:
    """operationName cannot pick another operation out of a listed document."""
    allowed = tmp_path / "operations.json"
    allowed.write_text(json.dumps([{"document": TWO, "operationName": "Known"}]))
    server = start_gateway(allowed_operations_file=str(allowed))
    known = await http.post(f"{server.url}/graphql", json={"query": TWO, "operationName": "Known"})
    assert known.json() == {"data": {"__typename": "Query"}}
    other = await http.post(f"{server.url}/graphql", json={"query": TWO, "operationName": "Other"})
    assert other.status_code == 403
    unnamed = await http.post(f"{server.url}/graphql", json={"query": TWO})
    assert unnamed.status_code == 403


def test_a_document_of_several_operations_must_name_the_one_allowed(tmp_path: Path) -> None:
    listed = tmp_path / "operations.json"
    listed.write_text(json.dumps([TWO]))
    with pytest.raises(ValueError, match="GATEWAY_ALLOWED_OPERATIONS_FILE: item 0 holds 2"):
        load_allowed(str(listed))
    listed.write_text(json.dumps([{"document": TWO, "operationName": "Missing"}]))
    with pytest.raises(ValueError, match="no operation named Missing"):
        load_allowed(str(listed))
