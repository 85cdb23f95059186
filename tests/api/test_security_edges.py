"""Red-team findings, each over real sockets: admission before parsing on gRPC, bounded
masks and cursors, undecodable messages, request ids, and no input value in any log."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import time
from collections.abc import Callable
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf import field_mask_pb2

from tests.api.grpc.conftest import PB, SERVICES, details
from tests.conftest import GatewayServer, PoolFactory
from tests.support.net import free_port

KEY = "writer-key"
WRITER = (("x-api-key", KEY),)
SECRET = "s3cret-external-id-7f4d"


@pytest.fixture(scope="module")
def keyed(start_gateway: Callable[..., GatewayServer]) -> tuple[GatewayServer, int]:
    port = free_port()
    keys = [{"name": "writer", "sha256": hashlib.sha256(KEY.encode()).hexdigest(),
             "scopes": ["pools:write"]}]  # fmt: skip
    server = start_gateway(grpc=True, grpc_port=port, auth_mode="api-key", api_keys=keys)
    return server, port


def tags_update(pool_id: str, paths: list[str]) -> Any:
    return PB.UpdateUserPoolRequest(
        user_pool=PB.UserPool(id=pool_id),
        update_mask=field_mask_pb2.FieldMask(paths=paths),
    )


async def refused(call: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    return error.value


async def test_an_unauthenticated_flood_of_mask_paths_is_refused_at_once(
    keyed: tuple[GatewayServer, int], http: httpx.AsyncClient
) -> None:
    server, port = keyed
    paths = [f"user_pool_tags.k{i}" for i in range(30_000)]
    latencies: list[float] = []

    async def probe() -> None:
        for _ in range(20):
            started = time.perf_counter()
            assert (await http.get(f"{server.url}/healthz")).status_code == 200
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.01)

    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = SERVICES.UserPoolServiceStub(channel)
        started = time.perf_counter()
        call = refused(stub.UpdateUserPool(tags_update("eu-west-1_nobody1", paths)))
        error, _ = await asyncio.gather(call, probe())
        elapsed = time.perf_counter() - started
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
        # A bad mask without credentials says nothing about the mask either.
        bad = await refused(stub.UpdateUserPool(tags_update("eu-west-1_nobody1", ["nope"])))
        assert bad.code() == grpc.StatusCode.UNAUTHENTICATED
    assert elapsed < 2.0  # 4.6 s when the mask was parsed first
    assert max(latencies) < 0.05, latencies


async def test_an_admitted_caller_s_mask_is_bounded(
    keyed: tuple[GatewayServer, int], new_full_pool: PoolFactory
) -> None:
    _, port = keyed
    pool_id = await new_full_pool()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = SERVICES.UserPoolServiceStub(channel)
        many = [f"user_pool_tags.k{i}" for i in range(501)]
        error = await refused(stub.UpdateUserPool(tags_update(pool_id, many), metadata=WRITER))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert details(error)["violations"] == [("update_mask", "at most 500 paths")]
        long = ["user_pool_tags." + "k" * 600]
        error = await refused(stub.UpdateUserPool(tags_update(pool_id, long), metadata=WRITER))
        assert details(error)["violations"] == [("update_mask.paths[0]", "at most 512 characters")]


async def test_an_undecodable_message_is_invalid_argument_without_a_traceback(
    keyed: tuple[GatewayServer, int], caplog: pytest.LogCaptureFixture
) -> None:
    _, port = keyed
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        raw = channel.unary_unary(
            "/cognito_gateway.v1.UserPoolService/GetUserPool",
            request_serializer=lambda body: body,
            response_deserializer=lambda body: body,
        )
        error = await refused(raw(b"\x0a\x02\xff\xfe", metadata=WRITER))  # id: bad UTF-8
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "the request is not a valid GetUserPoolRequest message"
    assert "DecodeError" not in caplog.text and "Traceback" not in caplog.text


def cursor(offset: Any) -> str:
    raw = f'{{"t":null,"o":{offset}}}'.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("offset", ["9223372036854775808", str(2**70), "1e300"])
async def test_a_cursor_past_any_position_is_bad_input_on_both_surfaces(
    keyed: tuple[GatewayServer, int], http: httpx.AsyncClient, offset: str
) -> None:
    server, port = keyed
    query = (
        'query($a: String) { userPoolHistory(id: "eu-west-1_any1", after: $a) '
        "{ nodes { version } } }"
    )
    answer = (
        await http.post(
            f"{server.url}/graphql",
            json={"query": query, "variables": {"a": cursor(offset)}},
            headers={"x-api-key": KEY},
        )
    ).json()
    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = SERVICES.UserPoolServiceStub(channel)
        request = PB.ListUserPoolVersionsRequest(id="eu-west-1_any1", page_token=cursor(offset))
        error = await refused(stub.ListUserPoolVersions(request, metadata=WRITER))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_no_input_value_reaches_a_log_line_and_request_ids_are_checked(
    start_replicas: Callable[..., Any], http: httpx.AsyncClient, new_full_pool: PoolFactory
) -> None:
    """The secret goes through every error path of both surfaces; then the process's
    whole output (logs and audit) and its metrics are searched for it (spans carry only
    operation names and Regions: ``observability/tracing.py``)."""
    port = free_port()
    (replica,) = start_replicas(1, grpc="true", grpc_port=port, log_level="INFO")
    pool_id = await new_full_pool()
    mutation = (
        "mutation($id: ID!, $p: UserPoolPatch!) { updateUserPool(id: $id, patch: $p) { dryRun } }"
    )
    bad_variable = {"smsConfiguration": {"externalId": SECRET, "bogusField": 1}}
    inline = (
        f'mutation {{ updateUserPool(id: "{pool_id}", patch: {{smsConfiguration: '
        f'{{externalId: "{SECRET}", bogus: 1}}}}) {{ dryRun }} }}'
    )
    typed = 'mutation { updateUserPool(id: "%s", patch: {deletionProtection: "%s"}) { dryRun } }'
    for body in (
        {"query": mutation, "variables": {"id": pool_id, "p": bad_variable}},
        {"query": inline},
        {"query": typed % (pool_id, SECRET)},
        {"query": mutation, "variables": {"id": pool_id, "p": {"poolName": SECRET * 20}}},
    ):
        answer = (await http.post(f"{replica.url}/graphql", json=body)).json()
        assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", answer
    long_id = "r" * 4096
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = SERVICES.UserPoolServiceStub(channel)
        request = PB.UpdateUserPoolRequest(
            user_pool=PB.UserPool(
                id=pool_id, sms_configuration=PB.SmsConfiguration(external_id=SECRET)
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["sms_configuration.nope"]),
        )
        error = await refused(stub.UpdateUserPool(request, metadata=(("x-request-id", long_id),)))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        tags = PB.UpdateUserPoolRequest(
            user_pool=PB.UserPool(id=pool_id, user_pool_tags={"k": "v"}),
            update_mask=field_mask_pb2.FieldMask(paths=["user_pool_tags.k"]),
        )
        await stub.UpdateUserPool(tags, metadata=(("x-request-id", long_id),))
    await asyncio.sleep(0.2)
    metrics = (await http.get(f"{replica.url}/metrics")).text
    assert "gateway_" in metrics and SECRET not in metrics and long_id not in metrics
    output = replica.log_text()
    assert SECRET not in output
    assert long_id not in output
    audit = [json.loads(line) for line in output.splitlines() if '"type":"audit"' in line]
    ids = [event["requestId"] for event in audit if event["pool"] == pool_id]
    assert ids and all(re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", i) for i in ids)


async def test_grpc_has_the_server_s_own_deadline(
    start_gateway: Callable[..., GatewayServer], proxy: Any
) -> None:
    port = free_port()
    start_gateway(grpc=True, grpc_port=port, request_timeout_seconds=0.5, cache_ttl_seconds=0)
    proxy.delay("DescribeUserPool", 2.0)
    proxy.delay("GetUserPoolMfaConfig", 2.0)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = SERVICES.UserPoolServiceStub(channel)
        error = await refused(stub.GetUserPool(PB.GetUserPoolRequest(id="eu-west-1_slow2")))
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    assert "took longer than 0.5s" in (error.details() or "")


async def test_http_admits_from_the_headers_before_it_reads_the_body(
    keyed: tuple[GatewayServer, int], http: httpx.AsyncClient
) -> None:
    """Bad credentials are 401 whatever the body holds: nothing is parsed for a caller
    admission refuses (before, the JSON guard answered 400 first)."""
    server, _ = keyed
    broken = b'{"query": ' + b"[" * 5000
    for headers in ({"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}):
        answer = await http.post(
            f"{server.url}/graphql",
            content=broken,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert answer.status_code == 401
        assert answer.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    anonymous = await http.post(
        f"{server.url}/graphql", json={"query": "{ userPools { nodes { id } } }"}
    )
    assert anonymous.status_code == 401  # without credentials: public settings only, as before
