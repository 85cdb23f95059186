"""HTTP-edge helpers: request ids, request size limit, GraphQL-shaped error responses."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import ErrorCode, GatewayError
from gateway.observability.context import client_request_id, request_id
from gateway.observability.metrics import NO_METRICS, Metrics

access = logging.getLogger("gateway.access")
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes: no log line


def graphql_error_response(
    message: str, code: ErrorCode, status: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code.value}}]},
        status_code=status,
        headers=headers,
    )


def refused(refusal: GatewayError) -> JSONResponse:
    """An admission refusal as HTTP: 401 with ``WWW-Authenticate``, or 429 with
    ``Retry-After``; the body is a GraphQL error with the same words gRPC sends."""
    if refusal.code == ErrorCode.THROTTLED:
        headers = {"Retry-After": str(int(refusal.retry_after or 1))}
        return graphql_error_response(refusal.message, refusal.code, status=429, headers=headers)
    return graphql_error_response(
        refusal.message, refusal.code, status=401, headers={"WWW-Authenticate": "Bearer"}
    )


def peer_of(scope: Scope) -> str | None:
    """The client's address of an HTTP request."""
    return (scope.get("client") or (None,))[0]


def path_family(path: str) -> str:
    """A bounded label for a path: the route it belongs to, never the raw path."""
    if path.startswith("/pools/"):
        return "/pools/{id}/public-settings"
    if path.startswith("/graphiql-assets/"):
        return "/graphiql-assets"
    known = ("/graphql", "/healthz", "/readyz", "/metrics")
    return path.rstrip("/") if path.rstrip("/") in known else "other"


class RequestIdMiddleware:
    """Takes ``X-Request-Id`` from the client (if sane) or makes one; echoes it back; counts
    every response by status (also those refused before any route: 401, 413) and the
    requests in flight."""

    def __init__(self, app: ASGIApp, metrics: Metrics = NO_METRICS) -> None:
        self._app = app
        self._metrics = metrics

    def _count(self, path: str, status: int) -> None:
        self._metrics.http_responses.labels(path_family(path), str(status)).inc()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        given = next(
            (
                v.decode("latin-1")
                for k, v in scope.get("headers", [])
                if k.lower() == b"x-request-id"
            ),
            "",
        )
        value = client_request_id(given) or uuid.uuid4().hex
        token = request_id.set(value)
        started = time.perf_counter()
        status = 500

        responded = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", value.encode())]
                # Counted before the client can see the answer (and scrape right after).
                self._count(scope["path"], status)
            await send(message)

        self._metrics.http_in_flight.inc()
        try:
            await self._app(scope, receive, send_with_id)
        finally:
            self._metrics.http_in_flight.dec()
            if not responded:  # the server answers 500 for an app that never did
                self._count(scope["path"], status)
            if scope["path"] not in QUIET_PATHS:
                access.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            request_id.reset(token)


class BodyLimitMiddleware:
    """Refuses request bodies over ``limit`` bytes (413) before anything parses them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self._app = app
        self._limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = next(
            (v for k, v in scope.get("headers", []) if k.lower() == b"content-length"), None
        )
        if declared is not None and declared.isdigit() and int(declared) > self._limit:
            await self._too_large(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = graphql_error_response(
            f"request body over {self._limit} bytes", ErrorCode.BAD_USER_INPUT, status=413
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class RequestTimeoutMiddleware:
    """Answers 504 when a request outlives ``seconds`` (set below the load balancer's
    timeout, so the client learns it from the gateway, with a code, not from a proxy).

    A write that started goes on (writes are shielded from their callers), so the
    message says the change may still land.
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self._app = app
        self._seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in QUIET_PATHS:
            await self._app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await asyncio.wait_for(self._app(scope, receive, tracking_send), self._seconds)
        except TimeoutError:
            if started:
                return
            response = graphql_error_response(
                f"the request took longer than {self._seconds:g}s; a change it made may still "
                "land: read the pool before you retry",
                ErrorCode.SERVICE_UNAVAILABLE,
                status=504,
            )
            await response(scope, receive, send)
