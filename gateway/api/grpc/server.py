"""The ``grpc.aio`` server beside the HTTP one: same process, loop, service and settings.

It serves ``UserPoolService``, the standard health service (for ``""`` and the
service name) and server reflection, so ``grpcurl`` and ``grpc_health_probe``
work without the proto file. ``gateway/servers.py`` runs it as a peer of the HTTP
server over one runtime, and stops both together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2

from gateway.api.edge import Edge
from gateway.api.grpc import stubs
from gateway.api.grpc.calls import MaskLimits
from gateway.api.grpc.client_servicer import UserPoolClientServicer
from gateway.api.grpc.proto import CLIENT_SERVICE, SERVICE, SERVICES
from gateway.api.grpc.servicer import UserPoolServicer
from gateway.service.clients import ClientService
from gateway.service.pools import PoolService
from gateway.service.versions import VersionService
from gateway.settings import Settings

log = logging.getLogger(__name__)


class _Malformed:
    """What a request that does not decode becomes: the method answers INVALID_ARGUMENT."""


MALFORMED = _Malformed()


def _decoder(message_type: Any) -> Callable[[bytes], Any]:
    def decode(raw: bytes) -> Any:
        try:
            return message_type.FromString(raw)
        except DecodeError:  # grpc would answer UNKNOWN with the exception's text, and log it
            return MALFORMED

    return decode


def _serializer(message_type: Any) -> Callable[[Any], bytes]:
    """A message's bytes; a method that answers bytes already serialized them (GetUserPool
    keeps the bytes of each pool state it answered: serializing a pool costs more than
    sending it)."""
    serialize = message_type.SerializeToString

    def encode(message: Any) -> bytes:
        return message if isinstance(message, bytes) else serialize(message)

    return encode


def _guarded(method: Callable[..., Awaitable[Any]], name: str) -> Callable[..., Awaitable[Any]]:
    async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
        if request is MALFORMED:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, f"the request is not a valid {name} message"
            )
        return await method(request, context)

    return call


def handlers(servicer: Any, messages: Any, service: str = SERVICE) -> grpc.GenericRpcHandler:
    """A service's methods (``UserPoolService`` unless said otherwise), from the proto's
    descriptor; a request that does not decode is INVALID_ARGUMENT with a fixed message,
    never a traceback."""
    descriptor = messages.DESCRIPTOR.services_by_name[service.rpartition(".")[2]]
    methods = {}
    for method in descriptor.methods:
        request = getattr(messages, method.input_type.name)
        response = getattr(messages, method.output_type.name)
        methods[method.name] = grpc.unary_unary_rpc_method_handler(
            _guarded(getattr(servicer, method.name), method.input_type.name),
            request_deserializer=_decoder(request),
            response_serializer=_serializer(response),
        )
    return grpc.method_handlers_generic_handler(service, methods)


REFLECTION_V1 = "grpc.reflection.v1.ServerReflection"


def reflection_v1(names: tuple[str, ...]) -> grpc.GenericRpcHandler:
    """Server reflection v1 (the protocol tools such as buf curl prefer), served by the
    installed v1alpha servicer: v1 is the same protocol under a new package name, so the
    v1alpha messages read and write v1's bytes as they are."""
    servicer = reflection.aio.ReflectionServicer(names)
    method = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    return grpc.method_handlers_generic_handler(REFLECTION_V1, {"ServerReflectionInfo": method})


class Serving:
    """A running gRPC server (or none, with gRPC off): its port, and a stop that lets
    in-flight calls finish within the shutdown timeout; stopping twice is stopping once."""

    def __init__(
        self,
        server: grpc.aio.Server | None = None,
        health_servicer: Any = None,
        port: int | None = None,
        grace: float = 0.0,
    ) -> None:
        self.port = port
        self._server = server
        self._health = health_servicer
        self._grace = grace
        self._stopping: asyncio.Task[None] | None = None

    async def stop(self) -> None:
        if self._server is None:
            return
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop(self._server))
        await asyncio.shield(self._stopping)

    async def _stop(self, server: grpc.aio.Server) -> None:
        await self._health.enter_graceful_shutdown()
        await server.stop(self._grace)
        log.info("grpc stopped")


@contextlib.asynccontextmanager
async def serving(
    settings: Settings,
    service: PoolService,
    versions: VersionService,
    app_clients: ClientService,
    edge: Edge,
) -> AsyncIterator[Serving]:
    """Serve gRPC while the block runs (or until stopped)."""
    if not settings.grpc_server.grpc:
        yield Serving()
        return
    messages, _ = stubs.load()
    server = grpc.aio.server(
        options=[("grpc.max_receive_message_length", settings.grpc_server.grpc_max_message_bytes)],
        maximum_concurrent_rpcs=settings.serving.max_connections,  # beyond: RESOURCE_EXHAUSTED
    )
    limits = MaskLimits(
        settings.grpc_server.grpc_max_mask_paths, settings.grpc_server.grpc_max_mask_path_chars
    )
    common = (edge.admission, messages, edge.metrics, edge.deadlines, limits)
    pools = UserPoolServicer(service, versions, *common)
    clients = UserPoolClientServicer(app_clients, *common)
    server.add_generic_rpc_handlers(
        (handlers(pools, messages), handlers(clients, messages, CLIENT_SERVICE))
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = (*SERVICES, health.SERVICE_NAME, reflection.SERVICE_NAME, REFLECTION_V1)
    reflection.enable_server_reflection(names, server)
    server.add_generic_rpc_handlers((reflection_v1(names),))
    port = server.add_insecure_port(f"{settings.serving.host}:{settings.grpc_server.grpc_port}")
    if port == 0:
        raise RuntimeError(
            f"gRPC could not bind {settings.serving.host}:{settings.grpc_server.grpc_port}"
        )
    await server.start()
    for name in ("", *SERVICES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("grpc started", extra={"port": port})
    running = Serving(server, health_servicer, port, settings.serving.shutdown_timeout_seconds)
    try:
        yield running
    finally:
        await running.stop()
