"""The gRPC server around the service: credentials in metadata, health, reflection,
metrics, and a graceful stop on SIGTERM with a call in flight."""

from __future__ import annotations

import asyncio
import hashlib
import signal
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from google.protobuf import field_mask_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tests.api.grpc.conftest import PB, SERVICES
from tests.conftest import GatewayServer, PoolFactory
from tests.support.fault_proxy import FaultProxy
from tests.support.net import free_port, wait_for_port

KEYS = {"reader": ["pools:read"], "writer": ["pools:write"], "admin": ["pools:admin"]}
SERVICE = "cognito_gateway.v1.UserPoolService"


@pytest.fixture(scope="module")
def keyed(start_gateway: Callable[..., GatewayServer]) -> int:
    port = free_port()
    keys = [
        {"name": name, "sha256": hashlib.sha256(f"{name}-key".encode()).hexdigest(), "scopes": s}
        for name, s in KEYS.items()
    ]
    start_gateway(grpc=True, grpc_port=port, auth_mode="api-key", api_keys=keys)
    return port


def tag(pool_id: str, paths: list[str], **values: Any) -> Any:
    return PB.UpdateUserPoolRequest(
        user_pool=PB.UserPool(id=pool_id, **values),
        update_mask=field_mask_pb2.FieldMask(paths=paths),
    )


async def code_of(call: Any) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    return error.value.code()


async def test_credentials_in_metadata_with_the_same_scopes_as_graphql(
    keyed: int, new_full_pool: PoolFactory, proxy: FaultProxy
) -> None:
    pool_id = await new_full_pool()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{keyed}") as channel:
        stub = SERVICES.UserPoolServiceStub(channel)
        get = PB.GetUserPoolRequest(id=pool_id)
        assert await code_of(stub.GetUserPool(get)) == grpc.StatusCode.UNAUTHENTICATED
        wrong = (("x-api-key", "nope"),)
        assert await code_of(stub.GetUserPool(get, metadata=wrong)) == (
            grpc.StatusCode.UNAUTHENTICATED
        )
        reader = (("authorization", "Bearer reader-key"),)
        assert (await stub.GetUserPool(get, metadata=reader)).id == pool_id
        change = tag(pool_id, ["user_pool_tags.x"], user_pool_tags={"x": "y"})
        assert await code_of(stub.UpdateUserPool(change, metadata=reader)) == (
            grpc.StatusCode.PERMISSION_DENIED
        )
        writer = (("x-api-key", "writer-key"),)
        protect = tag(pool_id, ["deletion_protection"], deletion_protection=2)
        assert await code_of(stub.UpdateUserPool(protect, metadata=writer)) == (
            grpc.StatusCode.PERMISSION_DENIED
        )
        assert proxy.count("UpdateUserPool") == 0
        await stub.UpdateUserPool(change, metadata=writer)
        await stub.UpdateUserPool(protect, metadata=(("x-api-key", "admin-key"),))
        assert proxy.count("UpdateUserPool") == 2


async def test_health_reflection_and_metrics(
    start_gateway: Callable[..., GatewayServer], http: Any, new_full_pool: PoolFactory
) -> None:
    port = free_port()
    server = start_gateway(grpc=True, grpc_port=port)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", SERVICE):
            answer = await health.Check(health_pb2.HealthCheckRequest(service=name))
            assert answer.status == health_pb2.HealthCheckResponse.SERVING
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        responses = [r async for r in reflection.ServerReflectionInfo(iter([request]))]
        listed = {s.name for s in responses[0].list_services_response.service}
        assert SERVICE in listed
        # Reflection v1 too (buf curl tries it first): the same messages at the v1 path.
        v1 = channel.stream_stream(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )
        symbol = reflection_pb2.ServerReflectionRequest(file_containing_symbol=SERVICE)
        [found] = [r async for r in v1(iter([symbol]))]
        assert found.file_descriptor_response.file_descriptor_proto
        v1_listed = [r async for r in v1(iter([request]))]
        names = {s.name for s in v1_listed[0].list_services_response.service}
        assert {SERVICE, "grpc.reflection.v1.ServerReflection"} <= names
        stub = SERVICES.UserPoolServiceStub(channel)
        await stub.GetUserPool(PB.GetUserPoolRequest(id=await new_full_pool()))
        with pytest.raises(grpc.aio.AioRpcError):
            await stub.GetUserPool(PB.GetUserPoolRequest(id="eu-west-1_missing1"))
    metrics = (await http.get(f"{server.url}/metrics")).text
    assert 'gateway_grpc_requests_total{code="OK",method="GetUserPool"} 1.0' in metrics
    assert 'gateway_grpc_requests_total{code="NOT_FOUND",method="GetUserPool"} 1.0' in metrics
    assert 'gateway_grpc_request_seconds_count{method="GetUserPool"} 2.0' in metrics


async def test_sigterm_lets_an_in_flight_call_finish(
    start_replicas: Callable[..., Any],
    new_full_pool: PoolFactory,
    proxy: FaultProxy,
    describe: Callable[[str], Any],
) -> None:
    port = free_port()
    [replica] = start_replicas(1, grpc="true", grpc_port=port)
    wait_for_port(port)
    pool_id = await new_full_pool()
    proxy.delay("UpdateUserPool", 2.0)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = SERVICES.UserPoolServiceStub(channel)
        call = asyncio.ensure_future(
            stub.UpdateUserPool(tag(pool_id, ["user_pool_tags.late"], user_pool_tags={"late": "v"}))
        )
        await asyncio.sleep(0.8)  # the update is now waiting on Cognito
        replica.signal(signal.SIGTERM)
        answer = await call
    assert [c.path for c in answer.changes] == ["user_pool_tags.late"]
    assert await asyncio.to_thread(replica.wait, 20) == 0
    assert (await describe(pool_id))["UserPoolTags"]["late"] == "v"


async def test_secrets_are_left_out_of_messages_below_admin(
    keyed: int, new_full_pool: PoolFactory
) -> None:
    pool_id = await new_full_pool()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{keyed}") as channel:
        stub = SERVICES.UserPoolServiceStub(channel)
        get = PB.GetUserPoolRequest(id=pool_id)
        reader = await stub.GetUserPool(get, metadata=(("x-api-key", "reader-key"),))
        assert reader.sms_configuration.sns_caller_arn
        assert not reader.sms_configuration.HasField("external_id")
        admin = await stub.GetUserPool(get, metadata=(("x-api-key", "admin-key"),))
        assert admin.sms_configuration.external_id == "acme-sms-external-id"
