"""The ASGI application: FastAPI, its lifespan, and the routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from strawberry.fastapi import GraphQLRouter

from gateway.cache import describe_cache
from gateway.cognito import CognitoClients
from gateway.errors import GatewayError
from gateway.graphql.schema import GatewayContext, build_schema
from gateway.pools import PoolService
from gateway.retry import Backoff
from gateway.settings import Settings

log = logging.getLogger(__name__)

READINESS_TIMEOUT_SECONDS = 3.0


@dataclass
class Runtime:
    """What the lifespan opens and closes: one of each per process."""

    settings: Settings
    clients: CognitoClients
    service: PoolService


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    built = build_schema()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        clients = CognitoClients(settings)
        cache = describe_cache(settings.cache_ttl_seconds)
        async with clients:
            backoff = Backoff(
                base_seconds=settings.update_backoff_base_seconds,
                cap_seconds=settings.update_backoff_max_seconds,
                max_attempts=settings.update_max_attempts,
            )
            service = PoolService(clients, cache, settings.region, backoff=backoff)
            app.state.runtime = Runtime(settings=settings, clients=clients, service=service)
            log.info(
                "gateway started",
                extra={
                    "region": settings.region,
                    "endpoint": settings.cognito_endpoint_url or "aws",
                },
            )
            try:
                yield
            finally:
                await cache.close()
                log.info("gateway stopped")

    app = FastAPI(
        title="Cognito user-pool gateway",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    async def context(request: Request) -> GatewayContext:
        runtime: Runtime = request.app.state.runtime
        return GatewayContext(
            service=runtime.service,
            outputs=built.outputs,
            patches=built.patches,
            creates=built.creates,
        )

    graphql = GraphQLRouter(
        built.schema,
        context_getter=context,
        graphql_ide="graphiql" if settings.graphiql else None,
        allow_queries_via_get=False,
    )
    app.include_router(graphql, prefix="/graphql")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive and serving."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        """Cognito is reachable with the gateway's credentials."""
        runtime: Runtime = request.app.state.runtime
        try:
            await asyncio.wait_for(
                runtime.clients.call(settings.region, "ListUserPools", MaxResults=1),
                READINESS_TIMEOUT_SECONDS,
            )
        except (GatewayError, TimeoutError) as error:
            reason = error.message if isinstance(error, GatewayError) else "timed out"
            return JSONResponse({"status": "unavailable", "cognito": reason}, status_code=503)
        return JSONResponse({"status": "ready", "cognito": "reachable"})

    return app


def run(settings: Settings) -> None:
    """Serve the app with uvicorn until interrupted (``serve`` and ``demo``)."""
    import uvicorn

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
    )
