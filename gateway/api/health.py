"""Probes and scrapes: ``/healthz``, ``/readyz`` and ``/metrics``, typed for the
OpenAPI document."""

from __future__ import annotations

from enum import Enum
from typing import Literal

from fastapi import APIRouter, FastAPI
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.observability.metrics import Metrics
from gateway.runtime import Runtime


class Alive(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "degraded", "starting", "draining"]
    redis: Literal["reachable", "unreachable"] | None = Field(
        None, description="Present when GATEWAY_REDIS_URL is set."
    )
    history: Literal["ready", "degraded"] | None = Field(
        None, description="Present when the history is on; degraded: writes are journaled."
    )


async def healthz() -> Alive:
    """The process is alive and serving."""
    return Alive()


async def readyz(request: Request) -> JSONResponse:
    """Whether this pod can serve: 200 ready or degraded, 503 starting or draining.

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


def add_health_routes(router: APIRouter | FastAPI, metrics: Metrics) -> None:

    async def scrape() -> Response:
        """Prometheus exposition of this process's metrics."""
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    tags: list[str | Enum] = ["operations"]
    router.add_api_route("/healthz", healthz, methods=["GET"], response_model=Alive, tags=tags)
    router.add_api_route(
        "/readyz",
        readyz,
        methods=["GET"],
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "Starting or draining."}},
        tags=tags,
    )
    router.add_api_route(
        "/metrics",
        scrape,
        methods=["GET"],
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
        tags=tags,
    )
