"""A gateway serving gRPC on a free loopback port, and a real grpc.aio client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from gateway.api.grpc import stubs
from tests.conftest import GatewayServer
from tests.support.net import free_port

PB, SERVICES = stubs.load()  # the stubs, compiled from the committed proto at test time


@pytest.fixture(scope="module")
def grpc_server(start_gateway: Callable[..., GatewayServer]) -> tuple[GatewayServer, int]:
    port = free_port()
    return start_gateway(grpc=True, grpc_port=port, cache_ttl_seconds=30), port


@pytest.fixture
async def stub(grpc_server: tuple[GatewayServer, int]) -> AsyncIterator[Any]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_server[1]}") as channel:
        yield SERVICES.UserPoolServiceStub(channel)


def details(error: grpc.aio.AioRpcError) -> dict[str, Any]:
    """The google.rpc details of a failed call: reason, and field violations."""
    raw = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
    assert raw is not None, "no google.rpc.Status in the trailers"
    found: dict[str, Any] = {"violations": []}
    for detail in status_pb2.Status.FromString(raw).details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            request = error_details_pb2.BadRequest()
            detail.Unpack(request)
            found["violations"] += [(v.field, v.description) for v in request.field_violations]
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            found["reason"] = info.reason
    return found
