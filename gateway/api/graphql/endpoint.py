"""The GraphQL HTTP endpoint: the pipeline, ending in strawberry's plain ASGI view."""

from typing import Any

import orjson
from starlette.requests import Request
from strawberry.asgi import GraphQL

from gateway.api.edge import Edge
from gateway.api.graphiql.assets import localized
from gateway.api.graphql.allow_list import AllowList, load_allowed
from gateway.api.graphql.context import GatewayContext
from gateway.api.graphql.observability import OperationNames
from gateway.api.graphql.pipeline import GraphQLPipeline
from gateway.api.graphql.response_cache import ResponseCache
from gateway.api.graphql.schema import make_schema
from gateway.runtime import Runtime
from gateway.service.access import PUBLIC_CALLER, Principal
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

    def __init__(self, schema: Any, runtime: Runtime | None, **options: Any) -> None:
        super().__init__(schema, **options)
        self._runtime = runtime

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    @property
    def graphql_ide_html(self) -> str:
        """strawberry's GraphiQL page, loading its assets from the gateway, not a CDN."""
        return localized(super().graphql_ide_html)

    async def get_context(self, request: Any, response: Any) -> GatewayContext:
        if self._runtime is None:
            raise RuntimeError("no runtime: this app only lists its routes")
        runtime = self._runtime
        return GatewayContext(
            principal_of(request),
            runtime.service,
            runtime.versions,
            runtime.app_clients,
            runtime.client_versions,
            request,
            response,
        )


def graphql_endpoint(settings: Settings, edge: Edge, runtime: Runtime | None) -> GraphQLPipeline:
    """``/graphql``: the pipeline, with strawberry's view as its last step."""
    names = OperationNames()  # one bounded set of operation labels, executed or cached
    view = GraphQLEndpoint(
        make_schema(settings, edge.metrics, names, edge.documents),
        runtime,
        graphql_ide="graphiql" if settings.serving.graphiql else None,
        allow_queries_via_get=False,
    )
    allowed = settings.limits.allowed_operations_file
    cache = None
    if settings.cache.response_cache and runtime is not None:
        cache = ResponseCache(
            runtime.current_tag,
            max_age=settings.cache.cache_ttl_seconds,
            documents=edge.documents,
            metrics=edge.metrics,
            max_bytes=settings.cache.response_cache_max_bytes,
            max_entry_bytes=settings.cache.response_cache_max_entry_bytes,
            clock=edge.clock,
        )
    return GraphQLPipeline(
        view,
        edge.admission,
        edge.documents,
        edge.metrics,
        names,
        allow_list=AllowList(load_allowed(allowed)) if allowed else None,
        cache=cache,
        open_page=settings.serving.graphiql,
    )
