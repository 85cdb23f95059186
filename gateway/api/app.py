"""The ASGI application: its lifespan, middleware stack and routes, as named pieces."""

from __future__ import annotations

import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator, Callable
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from gateway.api.admission import Admission
from gateway.api.auth.credentials import make_authenticator
from gateway.api.documents import Documents
from gateway.api.graphiql.assets import asset_route
from gateway.api.graphql.endpoint import graphql_route
from gateway.api.grpc.server import serving as grpc_serving
from gateway.api.health import health_routes
from gateway.api.http import (
    BodyLimitMiddleware,
    RequestIdMiddleware,
    RequestTimeoutMiddleware,
)
from gateway.api.http_protocol import timed_protocol
from gateway.api.public_settings import public_settings_route
from gateway.observability import tracing
from gateway.observability.metrics import Metrics
from gateway.runtime import Runtime, open_runtime
from gateway.service.limits import ClientLimiter
from gateway.settings import Settings

log = logging.getLogger(__name__)

Lifespan = Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]


def lifespan_for(
    settings: Settings, metrics: Metrics, admission: Admission, limiter: ClientLimiter
) -> Lifespan:
    """Opens the runtime (clients, caches, locks, service) for as long as the app serves."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            open_runtime(settings, metrics) as runtime,
            grpc_serving(
                settings, runtime.service, runtime.versions, metrics, admission
            ) as grpc_port,
        ):
            app.state.runtime = runtime
            limiter.share(runtime.rates)  # one budget per client across the fleet
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
                    "grpc_port": grpc_port,
                },
            )
            yield
        log.info("gateway stopped")

    return lifespan


def add_middleware(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    """What every route shares, outermost last: request id, deadline, size limit, host
    check, CORS. All that is GraphQL's own is one pipeline (``api/graphql/pipeline.py``)."""
    if settings.cors_origins or settings.cors_origin_regex:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_origin_regex=settings.cors_origin_regex,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type", "x-api-key", "x-request-id"],
            expose_headers=["x-request-id"],
        )
    if settings.auth_mode == "none":
        # Unauthenticated on loopback: a page on another site could still reach us through
        # DNS rebinding, but it cannot make the browser send our host name.
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_request_bytes)
    app.add_middleware(RequestTimeoutMiddleware, seconds=settings.request_timeout_seconds)
    app.add_middleware(RequestIdMiddleware, metrics=metrics)


def create_app(settings: Settings | None = None, *, demo: bool = False) -> FastAPI:
    """The gateway as an ASGI app.

    Raises ValueError for unsafe auth settings (``none`` off loopback), except
    for the demo, which is unauthenticated by design.
    """
    settings = settings or Settings()
    if not demo:
        settings.check_auth()
        settings.check_locks()
    if settings.tracing and not tracing.enabled():
        tracing.configure()
    metrics = Metrics()
    # One budget per client, whichever surface it calls; without authentication (a
    # loopback developer setup) there are no clients to tell apart.
    rate = settings.client_requests_per_second if settings.auth_mode != "none" else 0
    size = settings.client_table_size
    limiter = ClientLimiter(rate, settings.client_burst, clients=size, anonymous=size)
    admission = Admission(make_authenticator(settings), limiter)  # both surfaces admit here
    documents = Documents(settings.max_tokens)  # every GraphQL document parsed once
    app = FastAPI(
        title="Cognito user-pool gateway",
        lifespan=lifespan_for(settings, metrics, admission, limiter),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    async def current_tag(pool_id: str) -> str | None:
        runtime: Runtime = app.state.runtime
        return await runtime.service.current_tag(pool_id)

    app.router.routes.extend(
        [
            graphql_route(settings, metrics, admission, documents, current_tag),
            public_settings_route(admission, settings.cache_ttl_seconds),
            *health_routes(metrics),
            *([asset_route()] if settings.graphiql else []),
        ]
    )
    add_middleware(app, settings, metrics)
    return app


def run(
    settings: Settings, *, demo: bool = False, on_started: Callable[[], None] | None = None
) -> None:
    """Serve the app with uvicorn until interrupted (``serve`` and ``demo``);
    ``on_started`` runs once it listens (the demo's banner comes last, with real URLs)."""
    # On SIGTERM uvicorn stops accepting, lets in-flight requests finish (bounded),
    # then the lifespan drains queued writes, releases locks and closes clients.
    # uvicorn re-raises the signal once it has stopped; this handler turns that
    # into a plain exit(0), so a graceful stop is not reported as a kill.
    signal.signal(signal.SIGTERM, _exit_after_graceful_stop)
    config = uvicorn.Config(
        create_app(settings, demo=demo),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_timeout_seconds),
        loop="uvloop",
        http=timed_protocol(settings.header_timeout_seconds, settings.body_timeout_seconds),
        limit_concurrency=settings.max_connections,
    )
    server = _AnnouncingServer(config, on_started)
    server.run()
    if not server.started:
        raise SystemExit(3)  # what uvicorn.run exits with when startup fails


class _AnnouncingServer(uvicorn.Server):
    """uvicorn's server, calling ``on_started`` once it listens."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._on_started is not None:
            self._on_started()


def _exit_after_graceful_stop(signum: int, frame: object) -> None:
    raise SystemExit(0)
