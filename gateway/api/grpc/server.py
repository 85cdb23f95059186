"""The ``grpc.aio`` server beside the HTTP one: same process, loop, service and settings.

It serves ``UserPoolService``, the standard health service (for ``""`` and the
service name) and server reflection, so ``grpcurl`` and ``grpc_health_probe``
work without the proto file. It starts with the app's lifespan and stops with
it, letting in-flight calls finish within the shutdown timeout.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from gateway.api.auth.middleware import make_authenticator
from gateway.api.grpc import stubs
from gateway.api.grpc.proto import SERVICE
from gateway.api.grpc.servicer import UserPoolServicer
from gateway.observability.metrics import Metrics
from gateway.service.limits import ClientLimiter
from gateway.service.pools import PoolService
from gateway.service.versions import VersionService
from gateway.settings import Settings

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def serving(
    settings: Settings,
    service: PoolService,
    versions: VersionService,
    metrics: Metrics,
    limiter: ClientLimiter,
) -> AsyncIterator[int | None]:
    """Serve gRPC while the block runs; yields the bound port (None when off)."""
    if not settings.grpc:
        yield None
        return
    messages, services = stubs.load()
    server = grpc.aio.server()
    servicer = UserPoolServicer(
        service, versions, make_authenticator(settings), messages, metrics, limiter
    )
    services.add_UserPoolServiceServicer_to_server(servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    port = server.add_insecure_port(f"{settings.host}:{settings.grpc_port}")
    if port == 0:
        raise RuntimeError(f"gRPC could not bind {settings.host}:{settings.grpc_port}")
    await server.start()
    for name in ("", SERVICE):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("grpc started", extra={"port": port})
    try:
        yield port
    finally:
        await health_servicer.enter_graceful_shutdown()
        await server.stop(settings.shutdown_timeout_seconds)
        log.info("grpc stopped")
