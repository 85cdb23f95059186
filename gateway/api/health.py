"""Probes and scrapes: ``/healthz``, ``/readyz`` and ``/metrics``."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.observability.metrics import Metrics
from gateway.runtime import Runtime


async def healthz(request: Request) -> Response:
    """The process is alive and serving."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Whether this pod can serve: started, not draining; Redis state is reported.

    Local on purpose: probes are unauthenticated and frequent, so they spend no
    Cognito quota, and a Cognito or credentials blip (which every replica would
    see at once) must not empty the Service. Upstream health is in the metrics
    (``gateway_cognito_calls_total{outcome}``). Without Redis the gateway still
    serves reads and rides through for writes: 200 with ``status: degraded``; so
    with the history database down (writes are journaled, ``history: degraded``).
    """
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if runtime is None or runtime.draining:
        return JSONResponse({"status": "draining" if runtime else "starting"}, status_code=503)
    body = await runtime.ready()
    degraded = body.get("redis") == "unreachable" or body.get("history") == "degraded"
    status = "degraded" if degraded else "ready"
    return JSONResponse({"status": status, **body})


def health_routes(metrics: Metrics) -> list[Route]:
    async def scrape(request: Request) -> Response:
        """Prometheus exposition of this process's metrics."""
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", scrape, methods=["GET"]),
    ]
