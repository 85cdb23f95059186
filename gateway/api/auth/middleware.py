"""Authentication at the HTTP edge: no valid credentials, no GraphQL execution.

A request to ``/graphql`` without valid credentials is answered here with
HTTP 401 and a GraphQL-shaped error (``UNAUTHENTICATED``); the schema never
sees it. A valid one carries its :class:`Principal` in ``scope["state"]``.
"""

from __future__ import annotations

import hashlib
import logging
import math
from typing import Any, Protocol

from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api.auth.apikeys import ApiKeyAuthenticator
from gateway.api.auth.tokens import JwtAuthenticator, TokenRejected
from gateway.api.documents import queries_of_only
from gateway.api.http import graphql_error_response
from gateway.errors import ErrorCode
from gateway.observability.context import caller
from gateway.service import limits
from gateway.service.access import ANONYMOUS, Principal
from gateway.service.limits import ClientLimiter
from gateway.settings import Settings

log = logging.getLogger(__name__)


class Authenticator(Protocol):
    async def __call__(self, headers: dict[str, str]) -> Principal | None: ...


def credentials_presented(headers: dict[str, str]) -> bool:
    """Whether the caller tried to authenticate at all (absent is not the same as invalid)."""
    return "authorization" in headers or "x-api-key" in headers


def bearer(headers: dict[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, credentials = value.partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


def make_authenticator(settings: Settings) -> Authenticator:
    if settings.auth_mode == "api-key":
        keys = ApiKeyAuthenticator(settings.api_keys)

        async def by_api_key(headers: dict[str, str]) -> Principal | None:
            presented = headers.get("x-api-key") or bearer(headers)
            return keys.authenticate(presented) if presented else None

        return by_api_key
    if settings.auth_mode == "jwt":
        assert settings.jwt_jwks_url and settings.jwt_issuer and settings.jwt_audience
        tokens = JwtAuthenticator(
            jwks_url=settings.jwt_jwks_url,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            scopes_claim=settings.jwt_scopes_claim,
            groups_claim=settings.jwt_groups_claim,
            pools_claim=settings.jwt_pools_claim,
            leeway=settings.jwt_leeway_seconds,
            jwks_ttl=settings.jwks_cache_seconds,
            scope_prefix=settings.jwt_scope_prefix,
            token_use=settings.jwt_token_use,
        )

        async def by_token(headers: dict[str, str]) -> Principal | None:
            token = bearer(headers)
            if token is None:
                return None
            try:
                return await tokens.authenticate(token)
            except TokenRejected as rejected:
                log.info("token rejected", extra={"reason": str(rejected)})
                return None
            except Exception as error:  # a token must never turn into a 500
                log.warning("token rejected", extra={"reason": type(error).__name__})
                return None

        return by_token

    async def anyone(headers: dict[str, str]) -> Principal | None:
        return ANONYMOUS

    return anyone


PUBLIC_CALLER = Principal(name="anonymous", kind="anonymous", scopes=frozenset(), pools=())
PUBLIC_ROOT_FIELDS = frozenset({"userPoolPublicSettings", "__typename"})


_checked: dict[bytes, bool] = {}  # digest of a document -> public_only; bounded below


def public_only(query: str) -> bool:
    """A document of queries that select only ``userPoolPublicSettings``."""
    digest = hashlib.sha256(query.encode()).digest()
    known = _checked.get(digest)
    if known is None:
        if len(_checked) >= 1024:
            _checked.clear()
        known = _checked[digest] = _public_only_document(query)
    return known


def _public_only_document(query: str) -> bool:
    try:
        document = parse(query, max_tokens=2000)
    except GraphQLError:
        return False
    no_fragments = all(isinstance(d, OperationDefinitionNode) for d in document.definitions)
    return no_fragments and queries_of_only(document, PUBLIC_ROOT_FIELDS)


def _public_only(scope: Scope) -> bool:
    request = scope.get("state", {}).get("graphql_request")
    query = request.get("query") if isinstance(request, dict) else None
    return isinstance(query, str) and public_only(query)


def client_key(principal: Principal, scope: Scope) -> str:
    """Who a rate limit counts: the principal, or, anonymous, the client address."""
    address = (scope.get("client") or (None,))[0]
    return limits.client_key(principal.kind, principal.name, address)


def unauthenticated() -> Response:
    return graphql_error_response(
        "missing or invalid credentials",
        ErrorCode.UNAUTHENTICATED,
        status=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


def throttled(wait: float) -> Response:
    """429 for a client over its rate, with when to come back (whole seconds, at least 1)."""
    seconds = max(1, math.ceil(wait))
    return graphql_error_response(
        f"too many requests from this client; retry in {seconds}s",
        ErrorCode.THROTTLED,
        status=429,
        headers={"Retry-After": str(seconds)},
    )


class PublicOnlyGate:
    """After the JSON guard has read the body: a caller admitted without credentials may
    run documents of ``userPoolPublicSettings`` queries only; anything else is 401, as
    if it had come with no credentials at all."""

    def __init__(self, app: ASGIApp, path: str = "/graphql") -> None:
        self._app = app
        self._path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal = scope.get("state", {}).get("principal")
        if principal is PUBLIC_CALLER and scope["type"] == "http" and not _public_only(scope):
            await unauthenticated()(scope, receive, send)
            return
        await self._app(scope, receive, send)


class AuthMiddleware:
    """Admission, from the headers alone (before the body is read): credentials, then the
    rate limit, by principal or, without credentials, by address."""

    def __init__(
        self,
        app: ASGIApp,
        authenticate: Authenticator,
        path: str = "/graphql",
        open_page: bool = False,
        limiter: ClientLimiter | None = None,
    ) -> None:
        self._app = app
        self._authenticate = authenticate
        self._path = path
        self._open_page = open_page
        self._limiter = limiter or ClientLimiter(0, 1)

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
        principal = await self._authenticate(headers)
        if principal is None and not credentials_presented(headers):
            # Admitted on its address; PublicOnlyGate, after the body is read, lets it run
            # queries of public settings and nothing else.
            principal = PUBLIC_CALLER
        if principal is None:
            await unauthenticated()(scope, receive, send)
            return
        key = client_key(principal, scope)
        wait = await self._limiter.wait_for(key)
        if wait > 0:
            await throttled(wait)(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        state["principal"] = principal
        token = caller.set(key)  # its upstream calls take places of this caller's share
        try:
            await self._app(scope, receive, send)
        finally:
            caller.reset(token)
