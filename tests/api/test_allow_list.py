"""Allow-list mode: only the listed documents run, sent whole or by hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import httpx

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
