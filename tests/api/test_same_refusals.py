"""One admission for both surfaces: the same refusal gets the same code and the same
words over GraphQL and over gRPC (each surface only adds where the field is)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from tests.api.grpc.conftest import PB, SERVICES, details
from tests.conftest import GatewayServer, PoolFactory
from tests.support.net import free_port

READ = "query($id: ID!) { userPool(id: $id) { id } }"
WRITE = """mutation($id: ID!) {
  updateUserPool(id: $id, patch: { deletionProtection: INACTIVE }) { pool { id } }
}"""


def key(name: str, scopes: list[str], pools: list[str] | None = None) -> dict[str, Any]:
    entry = {"name": name, "sha256": hashlib.sha256(name.encode()).hexdigest(), "scopes": scopes}
    return {**entry, "pools": pools} if pools is not None else entry


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


@dataclass(frozen=True)
class Case:
    name: str
    key: str | None
    write: bool = False
    other_pool: bool = False


CASES = [
    Case("no credentials", None),
    Case("bad key", "no-such-key"),
    Case("rate limited", "greedy"),
    Case("forbidden pool", "one-pool", other_pool=True),
    Case("forbidden member", "writer", write=True),
]
GRPC_CODES = {
    grpc.StatusCode.UNAUTHENTICATED: "UNAUTHENTICATED",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "THROTTLED",
    grpc.StatusCode.PERMISSION_DENIED: "FORBIDDEN",
}


@pytest.fixture(scope="module")
def both(start_gateway: Callable[..., GatewayServer]) -> tuple[GatewayServer, int, list[str]]:
    port = free_port()
    pools = ["eu-west-1_Allowed*"]  # the one pool pattern "one-pool" may read
    keys = [
        key("greedy", ["pools:read"]),
        key("one-pool", ["pools:read"], pools),
        key("writer", ["pools:write"]),
    ]
    server = start_gateway(
        auth_mode="api-key",
        api_keys=keys,
        sensitive_members=["DeletionProtection"],
        client_requests_per_second=0.2,
        client_burst=2,
        grpc=True,
        grpc_port=port,
    )
    return server, port, pools


async def over_graphql(
    http: httpx.AsyncClient, server: GatewayServer, case: Case, pool_id: str
) -> Refusal:
    headers = {"X-API-Key": case.key} if case.key else {}
    body = {"query": WRITE if case.write else READ, "variables": {"id": pool_id}}
    for _ in range(4 if case.name == "rate limited" else 1):
        answer = await http.post(f"{server.url}/graphql", json=body, headers=headers)
    [error] = answer.json()["errors"]
    return Refusal(error["extensions"]["code"], error["message"])


async def over_grpc(stub: Any, case: Case, pool_id: str) -> Refusal:
    metadata = (("x-api-key", case.key),) if case.key else ()
    for _ in range(4 if case.name == "rate limited" else 1):
        try:
            if case.write:
                request = PB.UpdateUserPoolRequest(
                    user_pool=PB.UserPool(id=pool_id, deletion_protection=2),
                    update_mask=FieldMask(paths=["deletion_protection"]),
                )
                await stub.UpdateUserPool(request, metadata=metadata)
            else:
                await stub.GetUserPool(PB.GetUserPoolRequest(id=pool_id), metadata=metadata)
        except grpc.aio.AioRpcError as error:
            refused = error
    assert details(refused)["reason"] == GRPC_CODES[refused.code()]
    message = refused.details() or ""
    # gRPC names the request field first (``update_mask.paths[0]: deletion_protection: ``),
    # as GraphQL names it in ``path``: the words after it are the service's own.
    return Refusal(GRPC_CODES[refused.code()], message.rsplit(": ", 1)[-1])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_both_surfaces_refuse_alike(
    case: Case,
    both: tuple[GatewayServer, int, list[str]],
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
) -> None:
    server, port, _ = both
    pool_id = await new_full_pool()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        answers = (
            await over_graphql(http, server, case, pool_id),
            await over_grpc(SERVICES.UserPoolServiceStub(channel), case, pool_id),
        )
    graphql, grpc_refusal = (
        Refusal(a.code, re.sub(r"retry in \d+s", "retry in Ns", a.message)) for a in answers
    )  # the two calls came a moment apart: the wait they name may differ by a second
    assert graphql.code == grpc_refusal.code
    assert graphql.message.rsplit(": ", 1)[-1] == grpc_refusal.message
    assert graphql.code in {"UNAUTHENTICATED", "THROTTLED", "FORBIDDEN"}
