"""The ASGI application: FastAPI, its lifespan, and the routes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError
from starlette.routing import Route
from strawberry.asgi import GraphQL

from gateway.api.auth.middleware import AuthMiddleware, make_authenticator
from gateway.api.graphql.context import GatewayContext
from gateway.api.graphql.schema import build_schema, make_schema
from gateway.api.http import BodyLimitMiddleware, RequestIdMiddleware
from gateway.api.response_cache import ResponseCache
from gateway.errors import GatewayError
from gateway.observability import tracing
from gateway.observability.metrics import Metrics
from gateway.service.access import Principal
from gateway.service.audit import Auditor, open_sink
from gateway.service.runtime import Runtime, open_runtime
from gateway.settings import Settings

log = logging.getLogger(__name__)

READINESS_TIMEOUT_SECONDS = 3.0


class GraphQLEndpoint(GraphQL[GatewayContext, None]):
    """strawberry's plain ASGI view (no per-request dependency injection),
    encoding responses with orjson and building our context."""

    def __init__(self, schema: Any, make_context: Any, **options: Any) -> None:
        super().__init__(schema, **options)
        self._make_context = make_context

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def get_context(self, request: Any, response: Any) -> GatewayContext:
        context: GatewayContext = self._make_context(request)
        context.request, context.response = request, response
        return context


NOBODY = Principal(name="unauthenticated", kind="none", scopes=frozenset())


def principal_of(request: Request) -> Principal:
    """Set by AuthMiddleware on every /graphql request that may execute anything.

    Only the GraphiQL page itself (GET text/html, executes nothing) reaches the
    view without one; it gets a principal with no scopes at all.
    """
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal if principal is not None else NOBODY


def create_app(settings: Settings | None = None, *, demo: bool = False) -> FastAPI:
    """The gateway as an ASGI app.

    Raises ValueError for unsafe auth settings (``none`` off loopback), except
    for the demo, which is unauthenticated by design.
    """
    settings = settings or Settings()
    if not demo:
        settings.check_auth()
    built = build_schema()
    metrics = Metrics()
    if settings.tracing and not tracing.enabled():
        tracing.configure()
    auditor = Auditor(open_sink(settings.audit_sink), settings.audit_redact)
    sensitive = frozenset(settings.sensitive_members)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(settings, metrics) as runtime:
            app.state.runtime = runtime
            # The schema, the service model and the clients live as long as the
            # process: move them out of the collector's sight, so collections
            # during requests scan only what requests allocate.
            gc.collect()
            gc.freeze()
            log.info(
                "gateway started",
                extra={
                    "region": settings.region,
                    "endpoint": settings.cognito_endpoint_url or "aws",
                    "redis": "on" if settings.redis_url else "off",
                },
            )
            yield
        log.info("gateway stopped")

    app = FastAPI(
        title="Cognito user-pool gateway",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    def context(request: Request) -> GatewayContext:
        runtime: Runtime = request.app.state.runtime
        return GatewayContext(
            principal=principal_of(request),
            service=runtime.service,
            outputs=built.outputs,
            patches=built.patches,
            creates=built.creates,
            auditor=auditor,
            sensitive=sensitive,
            region=settings.region,
        )

    graphql = GraphQLEndpoint(
        make_schema(built, settings, metrics),
        context,
        graphql_ide="graphiql" if settings.graphiql else None,
        allow_queries_via_get=False,
    )
    app.router.routes.append(Route("/graphql", endpoint=graphql, methods=["GET", "POST"]))

    async def current_tag(pool_id: str) -> str | None:
        runtime: Runtime = app.state.runtime
        try:
            return (await runtime.service.get(pool_id)).etag
        except GatewayError:
            return None

    # Outermost last: request id, size limit, CORS, authentication, response cache.
    if settings.response_cache:
        app.add_middleware(
            ResponseCache,
            current_tag=current_tag,
            max_age=settings.cache_ttl_seconds,
            metrics=metrics,
        )
    app.add_middleware(
        AuthMiddleware, authenticate=make_authenticator(settings), open_page=settings.graphiql
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["POST", "OPTIONS"],
            allow_headers=["authorization", "content-type", "x-api-key", "x-request-id"],
            expose_headers=["x-request-id"],
        )
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_request_bytes)
    app.add_middleware(RequestIdMiddleware)

    @app.get("/metrics")
    async def metrics_endpoint() -> Response:
        """Prometheus exposition of this process's metrics."""
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive and serving."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
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
                runtime.clients.call(settings.region, "ListUserPools", MaxResults=1),
                READINESS_TIMEOUT_SECONDS,
            )
        except (GatewayError, TimeoutError) as error:
            reason = error.message if isinstance(error, GatewayError) else "timed out"
            return JSONResponse(
                {"status": "unavailable", "cognito": reason, **body}, status_code=503
            )
        status = "degraded" if body.get("redis") == "unreachable" else "ready"
        return JSONResponse({"status": status, "cognito": "reachable", **body})

    return app


def run(settings: Settings, *, demo: bool = False) -> None:
    """Serve the app with uvicorn until interrupted (``serve`` and ``demo``)."""
    import uvicorn

    # On SIGTERM uvicorn stops accepting, lets in-flight requests finish (bounded),
    # then the lifespan drains queued writes, releases locks and closes clients.
    # uvicorn re-raises the signal once it has stopped; this handler turns that
    # into a plain exit(0), so a graceful stop is not reported as a kill.
    signal.signal(signal.SIGTERM, _exit_after_graceful_stop)
    uvicorn.run(
        create_app(settings, demo=demo),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_timeout_seconds),
        loop="uvloop",
        http="httptools",
    )


def _exit_after_graceful_stop(signum: int, frame: object) -> None:
    raise SystemExit(0)
