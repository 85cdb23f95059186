"""Probes and scrapes: ``/healthz``, ``/readyz`` and ``/metrics``."""

from __future__ import annotations

import asyncio

from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.errors import GatewayError
from gateway.observability.metrics import Metrics
from gateway.service.runtime import Runtime

READINESS_TIMEOUT_SECONDS = 3.0


async def healthz(request: Request) -> Response:
    """The process is alive and serving."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Cognito is reachable with the gateway's credentials; Redis state is reported.

    Without Redis the gateway still serves reads (degraded) and refuses
    writes, so it stays in the load balancer: 200 with ``status: degraded``.
    """
    runtime: Runtime = request.app.state.runtime
    body: dict[str, str] = {}
    if runtime.redis is not None:
        try:
            await asyncio.wait_for(runtime.redis.ping(), READINESS_TIMEOUT_SECONDS)
            body["redis"] = "reachable"
        except (RedisError, OSError, TimeoutError):
            body["redis"] = "unreachable"
    try:
        await asyncio.wait_for(
            runtime.clients.call(runtime.default_region, "ListUserPools", MaxResults=1),
            READINESS_TIMEOUT_SECONDS,
        )
    except (GatewayError, TimeoutError) as error:
        reason = error.message if isinstance(error, GatewayError) else "timed out"
        return JSONResponse({"status": "unavailable", "cognito": reason, **body}, status_code=503)
    status = "degraded" if body.get("redis") == "unreachable" else "ready"
    return JSONResponse({"status": status, "cognito": "reachable", **body})


def health_routes(metrics: Metrics) -> list[Route]:
    async def scrape(request: Request) -> Response:
        """Prometheus exposition of this process's metrics."""
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", scrape, methods=["GET"]),
    ]
