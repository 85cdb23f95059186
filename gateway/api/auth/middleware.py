"""Admission at the HTTP edge: no valid credentials, no GraphQL execution.

A request to ``/graphql`` that admission (``api/admission.py``, shared with gRPC)
refuses is answered here with HTTP 401 or 429 and a GraphQL-shaped error; the schema
never sees it. An admitted one carries its :class:`Principal` in ``scope["state"]``.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, OperationDefinitionNode
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api import admission
from gateway.api.admission import Admission
from gateway.api.documents import Documents, queries_of_only
from gateway.api.http import graphql_error_response
from gateway.errors import ErrorCode, GatewayError
from gateway.observability.context import caller
from gateway.service.access import PUBLIC_CALLER

PUBLIC_ROOT_FIELDS = frozenset({"userPoolPublicSettings", "__typename"})


def public_only(query: str, documents: Documents) -> bool:
    """A document of queries that select only ``userPoolPublicSettings``."""
    try:
        document = documents.parse(query)
    except GraphQLError:
        return False
    no_fragments = all(isinstance(d, OperationDefinitionNode) for d in document.definitions)
    return no_fragments and queries_of_only(document, PUBLIC_ROOT_FIELDS)


def _public_only(scope: Scope, documents: Documents) -> bool:
    request = scope.get("state", {}).get("graphql_request")
    query = request.get("query") if isinstance(request, dict) else None
    return isinstance(query, str) and public_only(query, documents)


def peer_of(scope: Scope) -> str | None:
    """The client's address of an HTTP request."""
    return (scope.get("client") or (None,))[0]


def refused(refusal: GatewayError) -> Response:
    """An admission refusal as HTTP: 401 with ``WWW-Authenticate``, or 429 with
    ``Retry-After``; the body is a GraphQL error with the same words gRPC sends."""
    if refusal.code == ErrorCode.THROTTLED:
        headers = {"Retry-After": str(int(refusal.retry_after or 1))}
        return graphql_error_response(refusal.message, refusal.code, status=429, headers=headers)
    return graphql_error_response(
        refusal.message, refusal.code, status=401, headers={"WWW-Authenticate": "Bearer"}
    )


class PublicOnlyGate:
    """After the JSON guard has read the body: a caller admitted without credentials may
    run documents of ``userPoolPublicSettings`` queries only; anything else is 401, as
    if it had come with no credentials at all."""

    def __init__(self, app: ASGIApp, documents: Documents, path: str = "/graphql") -> None:
        self._app = app
        self._documents = documents
        self._path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal = scope.get("state", {}).get("principal")
        if (
            principal is PUBLIC_CALLER
            and scope["type"] == "http"
            and not _public_only(scope, self._documents)
        ):
            await refused(admission.unauthenticated())(scope, receive, send)
            return
        await self._app(scope, receive, send)


class AuthMiddleware:
    """Admission (``api/admission.py``) for ``/graphql``, from the headers alone (before
    the body is read). A caller without credentials is admitted as ``PUBLIC_CALLER``:
    :class:`PublicOnlyGate`, once the body is read, lets it run public settings only."""

    def __init__(
        self, app: ASGIApp, admission: Admission, path: str = "/graphql", open_page: bool = False
    ) -> None:
        self._app = app
        self._admission = admission
        self._path = path
        self._open_page = open_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self._path:
            await self._app(scope, receive, send)
            return
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        if scope["method"] == "OPTIONS" or (
            self._open_page
            and scope["method"] == "GET"
            and "text/html" in headers.get("accept", "")
        ):
            await self._app(scope, receive, send)  # CORS preflight, the GraphiQL page itself
            return
        try:
            admitted = await self._admission.admit(headers, peer_of(scope), public=True)
        except GatewayError as refusal:
            await refused(refusal)(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        state["principal"] = admitted.principal
        token = caller.set(admitted.key)  # its upstream calls take this caller's share
        try:
            await self._app(scope, receive, send)
        finally:
            caller.reset(token)
