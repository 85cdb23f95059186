"""The HTTP edge every route shares (request id, body limit, deadline, counts), and
GraphQL-shaped error answers."""

from __future__ import annotations

import functools
import logging
import os
import time

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.deadlines import Deadlines, deadline_exceeded
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
    if path.startswith("/console-assets/"):
        return "/console-assets"
    known = ("/graphql", "/healthz", "/readyz", "/metrics", "/console")
    return path.rstrip("/") if path.rstrip("/") in known else "other"


class HttpEdge:
    """What every HTTP request passes through once, as one ASGI layer with one send
    wrapper (they were three layers, three wrappers on the hot path):

    - its id: ``X-Request-Id`` from the client (if sane) or a new one, echoed back;
    - the body limit: over ``max_body`` bytes is 413 before anything parses it;
    - the deadline (``api/deadlines.py``): a request that outlives it is 504 (set below
      the load balancer's timeout, so the client learns it from the gateway, with a
      code). Probes and scrapes have none;
    - a count of every response by status and path family (also the 401s, 413s and
      504s no route saw), the requests in flight, and one access line.
    """

    def __init__(
        self, app: ASGIApp, *, max_body: int, deadlines: Deadlines, metrics: Metrics = NO_METRICS
    ) -> None:
        self._app = app
        self.max_body = max_body
        self._deadlines = deadlines
        self._metrics = metrics
        # A few families times a few statuses: each series looked up once, not per request.
        self._series = functools.cache(
            lambda family, status: metrics.http_responses.labels(family, str(status))
        )

    def count(self, path: str, status: int) -> None:
        self._series(path_family(path), status).inc()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        given, declared = "", b""
        for key, value in scope.get("headers", []):
            lowered = key.lower()
            if lowered == b"x-request-id":
                given = value.decode("latin-1")
            elif lowered == b"content-length":
                declared = value
        # A new id is 32 random hex digits, as uuid4().hex was, at a quarter of its cost.
        identifier = client_request_id(given) or os.urandom(16).hex()
        token = request_id.set(identifier)
        exchange = _Exchange(self, scope["path"], identifier, send, receive)
        self._metrics.http_in_flight.inc()
        try:
            if declared.isdigit() and int(declared) > self.max_body:
                await self._too_large()(scope, receive, exchange.send)
            elif exchange.path in QUIET_PATHS:
                await self._app(scope, exchange.receive, exchange.send)
            else:
                await self._within_deadline(scope, exchange)
        except _TooLarge:
            if not exchange.responded:
                await self._too_large()(scope, receive, exchange.send)
        finally:
            self._metrics.http_in_flight.dec()
            exchange.close(scope["method"])
            request_id.reset(token)

    async def _within_deadline(self, scope: Scope, exchange: _Exchange) -> None:
        deadline = self._deadlines.within()
        try:
            async with deadline:
                await self._app(scope, exchange.receive, exchange.send)
        except TimeoutError:
            if not deadline.expired:
                raise  # a timeout of the app's own, not the deadline
            if exchange.responded:
                return
            exceeded = deadline_exceeded(self._deadlines.seconds)
            response = graphql_error_response(exceeded.message, exceeded.code, status=504)
            await response(scope, exchange.receive, exchange.send)

    def _too_large(self) -> JSONResponse:
        return graphql_error_response(
            f"request body over {self.max_body} bytes", ErrorCode.BAD_USER_INPUT, status=413
        )


class _TooLarge(Exception):
    pass


class _Exchange:
    """One request's passage through the edge: its body counted on the way in, its id
    added and its status counted on the way out, and its access line at the end."""

    def __init__(
        self, edge: HttpEdge, path: str, identifier: str, send: Send, receive: Receive
    ) -> None:
        self.path = path
        self.status = 500
        self.responded = False
        self._edge = edge
        self._header = (b"x-request-id", identifier.encode())
        self._send = send
        self._receive = receive
        self._received = 0
        self._started = time.perf_counter()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status, self.responded = message["status"], True
            message["headers"] = [*message.get("headers", ()), self._header]
            # Counted before the client can see the answer (and scrape right after).
            self._edge.count(self.path, self.status)
        await self._send(message)

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self._edge.max_body:
                raise _TooLarge
        return message

    def close(self, method: str) -> None:
        if not self.responded:  # the server answers 500 for an app that never did
            self._edge.count(self.path, self.status)
        if self.path not in QUIET_PATHS:
            access.info(
                "request",
                extra={
                    "method": method,
                    "path": self.path,
                    "status": self.status,
                    "duration_ms": round((time.perf_counter() - self._started) * 1000, 1),
                },
            )
