"""The process's two servers as peers over one runtime: asked to stop, gRPC stops taking
calls as soon as HTTP stops taking requests, while an HTTP write in flight finishes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.conftest import GatewayServer, GraphQLClient, PoolFactory
from tests.support.fault_proxy import FaultProxy
from tests.support.net import free_port

PATCH = """mutation Patch($id: ID!) {
  updateUserPool(id: $id, patch: { userPoolTags: [{ key: "peers", value: "v" }] }) { dryRun }
}"""


async def health(port: int) -> Any:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            answer = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
        except grpc.aio.AioRpcError as error:
            return error.code()
        return answer.status


async def test_grpc_stops_with_http_while_a_write_in_flight_finishes(
    start_gateway: Callable[..., GatewayServer],
    http: httpx.AsyncClient,
    new_full_pool: PoolFactory,
    proxy: FaultProxy,
    describe: Callable[[str], Any],
) -> None:
    port = free_port()
    server = start_gateway(grpc=True, grpc_port=port, shutdown_timeout_seconds=10)
    assert await health(port) == health_pb2.HealthCheckResponse.SERVING
    pool_id = await new_full_pool()
    proxy.delay("UpdateUserPool", 2.0)
    update = asyncio.create_task(GraphQLClient(http, server.url).execute(PATCH, {"id": pool_id}))
    await asyncio.sleep(0.6)  # the write now waits on Cognito
    server.stop_async()
    await asyncio.sleep(0.3)
    assert not update.done()
    assert await health(port) != health_pb2.HealthCheckResponse.SERVING  # gRPC is stopping
    answer = await update
    assert "errors" not in answer, answer
    await asyncio.to_thread(server.join)
    assert (await describe(pool_id))["UserPoolTags"]["peers"] == "v"
