"""The HTTP surface as one ASGI app: ``/graphql`` goes straight to its pipeline and a
GET of public settings to its endpoint (the two hot paths), every other path to the
FastAPI app of the plain endpoints (typed, all described at ``/openapi.json``); around
them, only what every request shares."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api.console import console_routes
from gateway.api.edge import Edge, edge_for
from gateway.api.frontend_config import describe_frontend_config, frontend_config_endpoint
from gateway.api.graphiql.assets import asset_route
from gateway.api.graphql.endpoint import GRAPHQL_PATH, graphql_endpoint
from gateway.api.health import add_health_routes
from gateway.api.http import HttpEdge
from gateway.api.public_settings import PublicSettingsEndpoint, describe
from gateway.runtime import Runtime
from gateway.settings import Settings

TITLE = "Cognito user-pool gateway"


class HttpApp:
    """``runtime`` is None only where nothing is served (listing the routes)."""

    def __init__(
        self, settings: Settings, runtime: Runtime | None, edge: Edge | None = None
    ) -> None:
        edge = edge or edge_for(settings)
        max_age = settings.cache.cache_ttl_seconds
        self.public_settings = PublicSettingsEndpoint(edge.admission, runtime, max_age)
        self.frontend_config = frontend_config_endpoint(edge.admission, runtime, max_age)
        self._views = (self.public_settings, self.frontend_config)
        self.rest = rest_app(settings, edge, runtime, self.public_settings, self.frontend_config)
        self.graphql = graphql_endpoint(settings, edge, runtime)
        self._stack = shared_layers(self._route, settings, edge)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._stack(scope, receive, send)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") == GRAPHQL_PATH:
            await self.graphql(scope, receive, send)
        else:
            for view in self._views:
                if (ids := view.ids_of(scope)) is not None:
                    await view.respond(ids, scope, receive, send)
                    return
            await self.rest(scope, receive, send)

    @property
    def paths(self) -> set[str]:
        return {GRAPHQL_PATH, *(getattr(route, "path", "") for route in self.rest.routes)}


def rest_app(
    settings: Settings,
    edge: Edge,
    runtime: Runtime | None,
    public_settings: PublicSettingsEndpoint,
    frontend_config: PublicSettingsEndpoint,
) -> FastAPI:
    """Public settings, frontend configurations, probes, metrics and GraphiQL's assets."""
    rest = FastAPI(title=TITLE, docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    rest.state.runtime = runtime
    describe(rest, public_settings)
    describe_frontend_config(rest, frontend_config)
    add_health_routes(rest, edge.metrics)
    rest.router.routes.extend(console_routes())
    if settings.serving.graphiql:
        rest.router.routes.append(asset_route())
    return rest


def shared_layers(app: ASGIApp, settings: Settings, edge: Edge) -> ASGIApp:
    """Innermost first: CORS (it answers preflights), the host check, then the edge
    (request id, deadline, body limit, counts). GraphQL's own steps are one pipeline
    (``api/graphql/pipeline.py``), not layers here."""
    if settings.cors.cors_origins or settings.cors.cors_origin_regex:
        app = CORSMiddleware(
            app,
            allow_origins=settings.cors.cors_origins,
            allow_origin_regex=settings.cors.cors_origin_regex,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type", "x-api-key", "x-request-id"],
            expose_headers=["x-request-id"],
        )
    if settings.auth.auth_mode == "none":
        # Unauthenticated on loopback: a page on another site could still reach us through
        # DNS rebinding, but it cannot make the browser send our host name.
        app = TrustedHostMiddleware(app, allowed_hosts=settings.auth.allowed_hosts)
    return HttpEdge(
        app,
        max_body=settings.serving.max_request_bytes,
        deadlines=edge.deadlines,
        metrics=edge.metrics,
    )
