"""The GraphQL HTTP endpoint: strawberry's plain ASGI view with our context."""

from typing import Any

import orjson
from starlette.requests import Request
from starlette.routing import Route
from strawberry.asgi import GraphQL

from gateway.api.documents import Documents
from gateway.api.graphiql.assets import localized
from gateway.api.graphql.context import GatewayContext
from gateway.api.graphql.observability import OperationNames
from gateway.api.graphql.schema import make_schema
from gateway.observability.metrics import Metrics
from gateway.service.access import PUBLIC_CALLER, Principal
from gateway.service.pools import PoolService
from gateway.settings import Settings


def principal_of(request: Request) -> Principal:
    """Set by AuthMiddleware on every /graphql request that may execute anything.

    Only the GraphiQL page itself (GET text/html, executes nothing) reaches the
    view without one; it gets ``PUBLIC_CALLER``, which has no scopes at all.
    """
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal if principal is not None else PUBLIC_CALLER


class GraphQLEndpoint(GraphQL[GatewayContext, None]):
    """strawberry's plain ASGI view (no per-request dependency injection),
    encoding responses with orjson; the context is the caller and the service."""

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    @property
    def graphql_ide_html(self) -> str:
        """strawberry's GraphiQL page, loading its assets from the gateway, not a CDN."""
        return localized(super().graphql_ide_html)

    async def get_context(self, request: Any, response: Any) -> GatewayContext:
        runtime = request.app.state.runtime
        service: PoolService = runtime.service
        return GatewayContext(principal_of(request), service, runtime.versions, request, response)


def graphql_route(
    settings: Settings, metrics: Metrics, names: OperationNames, documents: Documents
) -> Route:
    endpoint = GraphQLEndpoint(
        make_schema(settings, metrics, names, documents),
        graphql_ide="graphiql" if settings.graphiql else None,
        allow_queries_via_get=False,
    )
    return Route("/graphql", endpoint=endpoint, methods=["GET", "POST"])
