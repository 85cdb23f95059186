"""The GraphQL HTTP endpoint: the pipeline, ending in strawberry's plain ASGI view."""

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.routing import Route
from strawberry.asgi import GraphQL

from gateway.api.admission import Admission
from gateway.api.documents import Documents
from gateway.api.graphiql.assets import localized
from gateway.api.graphql.allow_list import AllowList, load_allowed
from gateway.api.graphql.context import GatewayContext
from gateway.api.graphql.observability import OperationNames
from gateway.api.graphql.pipeline import GraphQLPipeline
from gateway.api.graphql.response_cache import ResponseCache
from gateway.api.graphql.schema import make_schema
from gateway.observability.metrics import Metrics
from gateway.service.access import PUBLIC_CALLER, Principal
from gateway.service.pools import PoolService
from gateway.settings import Settings

GRAPHQL_PATH = "/graphql"


def principal_of(request: Request) -> Principal:
    """Set by the pipeline's admission on every /graphql request that may execute anything.

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
    settings: Settings,
    metrics: Metrics,
    admission: Admission,
    documents: Documents,
    current_tag: Callable[[str], Awaitable[str | None]],
) -> Route:
    """``/graphql``: the pipeline, with strawberry's view as its last step."""
    names = OperationNames()  # one bounded set of operation labels, executed or cached
    view = GraphQLEndpoint(
        make_schema(settings, metrics, names, documents),
        graphql_ide="graphiql" if settings.graphiql else None,
        allow_queries_via_get=False,
    )
    allowed = settings.allowed_operations_file
    cache = None
    if settings.response_cache:
        cache = ResponseCache(
            current_tag,
            max_age=settings.cache_ttl_seconds,
            documents=documents,
            metrics=metrics,
            max_bytes=settings.response_cache_max_bytes,
            max_entry_bytes=settings.response_cache_max_entry_bytes,
        )
    pipeline = GraphQLPipeline(
        view,
        admission,
        documents,
        metrics,
        names,
        allow_list=AllowList(load_allowed(allowed)) if allowed else None,
        cache=cache,
        open_page=settings.graphiql,
    )
    return Route(GRAPHQL_PATH, endpoint=pipeline, methods=["GET", "POST"])
