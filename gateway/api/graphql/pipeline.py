"""The GraphQL edge as one pipeline: every step a request to ``/graphql`` takes before
strawberry executes it, and after, in the order they run.

1. **admit** the caller from its headers (``api/admission.py``, shared with gRPC);
   a caller without credentials is admitted as ``PUBLIC_CALLER``;
2. read the body as **JSON**, no deeper than ``MAX_JSON_DEPTH`` (deep variables made
   the decoders and the cache key's encoder fail with a 500);
3. the **allow-list**, when configured: the document that will run, sent whole or by
   hash (``api/graphql/allow_list.py``);
4. **parse** the document once (``api/documents.py``); strawberry's parse step takes
   the same tree;
5. the **public-only** check: a caller without credentials runs
   ``userPoolPublicSettings`` and ``userPoolClientFrontendConfig`` queries and nothing
   else;
6. the **response cache**: a repeated read is answered from stored bytes
   (``api/graphql/response_cache.py``); otherwise
7. strawberry **executes** it, and a cacheable answer is kept.

Only what every route shares stays ASGI middleware around it: request ids, the body
limit, the deadline, CORS (which answers preflights) and the host check. The GraphiQL
page (GET, HTML) needs no credentials and goes straight to the view.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api import admission
from gateway.api.admission import Admission
from gateway.api.documents import Documents, queries_of_only
from gateway.api.graphql.allow_list import AllowList
from gateway.api.graphql.observability import OperationNames
from gateway.api.graphql.response_cache import Answer, ResponseCache, send_entry
from gateway.api.http import graphql_error_response, peer_of, refused
from gateway.errors import ErrorCode, GatewayError
from gateway.observability.context import caller
from gateway.observability.metrics import Metrics
from gateway.service.access import PUBLIC_CALLER

MAX_JSON_DEPTH = 64
PUBLIC_ROOT_FIELDS = frozenset(
    {"userPoolPublicSettings", "userPoolClientFrontendConfig", "__typename"}
)


class GraphQLPipeline:
    """The ASGI endpoint of ``/graphql``; ``view`` is strawberry's, which executes."""

    def __init__(
        self,
        view: ASGIApp,
        admission: Admission,
        documents: Documents,
        metrics: Metrics,
        names: OperationNames,
        *,
        allow_list: AllowList | None = None,
        cache: ResponseCache | None = None,
        open_page: bool = False,
    ) -> None:
        self._view = view
        self._admission = admission
        self._documents = documents
        self._metrics = metrics
        self._names = names
        self._allow_list = allow_list
        self._cache = cache
        self._open_page = open_page
        # The names are bounded (OperationNames): their series are looked up once each.
        self._cached_series = functools.cache(
            lambda name: (
                metrics.graphql_requests.labels(name, "query", "ok"),
                metrics.graphql_seconds.labels(name, "query"),
            )
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        method = scope["method"]
        if self._open_page and method == "GET" and "text/html" in headers.get("accept", ""):
            await self._view(scope, receive, send)  # the GraphiQL page: it executes nothing
            return
        try:  # from the headers alone: no body is read for a caller it refuses
            admitted = await self._admission.admit(headers, peer_of(scope), public=True)
        except GatewayError as refusal:
            await refused(refusal)(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = admitted.principal
        token = caller.set(admitted.key)  # its upstream calls take this caller's share
        try:
            if method == "POST":
                await self._post(scope, receive, send)
            else:
                await self._view(scope, receive, send)  # strawberry refuses queries by GET
        finally:
            caller.reset(token)

    async def _post(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        body = await _read_body(receive)
        request = _json_request(body)
        if request is None:
            problem = f"the request body is not JSON, or nests deeper than {MAX_JSON_DEPTH} levels"
            bad = graphql_error_response(problem, ErrorCode.BAD_USER_INPUT, 400)
            await bad(scope, receive, send)
            return
        if self._allow_list is not None:
            document = self._allow_list.document(request) if isinstance(request, dict) else None
            if document is None:
                message = "this gateway runs only its allow-listed operations"
                forbidden = graphql_error_response(message, ErrorCode.FORBIDDEN, 403)
                await forbidden(scope, receive, send)
                return
            if request.get("query") != document:  # sent by hash: strawberry gets the text
                request = {**request, "query": document}
                body = orjson.dumps(request)
        query = request.get("query") if isinstance(request, dict) else None
        principal = scope["state"]["principal"]
        if principal is PUBLIC_CALLER and not (
            isinstance(query, str) and public_only(query, self._documents)
        ):
            await refused(admission.unauthenticated())(scope, receive, send)
            return
        key = None
        if self._cache is not None and isinstance(query, str):
            key = self._cache.key(request, principal)
        if key is None or self._cache is None:
            await self._view(scope, _replaying(body, receive), send)
            return
        entry = await self._cache.fresh(key)
        if entry is not None:
            await send_entry(entry, send)
            self._count_cached(request.get("operationName"), started)
            return
        answer = Answer()
        with self._cache.noting_reads() as reads:
            await self._view(scope, _replaying(body, receive), _capturing(answer, send))
        self._cache.keep(key, answer, reads)

    def _count_cached(self, operation_name: Any, started: float) -> None:
        """An answer from the cache counts like an executed read (the strawberry extension
        counts those), so rate and latency include the hot path."""
        name = self._names.for_cached(operation_name if isinstance(operation_name, str) else None)
        requests, seconds = self._cached_series(name)
        requests.inc()
        seconds.observe(time.perf_counter() - started)


def public_only(query: str, documents: Documents) -> bool:
    """A document of queries that select only the public fields (``PUBLIC_ROOT_FIELDS``)."""
    try:
        document = documents.parse(query)
    except GraphQLError:
        return False
    no_fragments = all(isinstance(d, OperationDefinitionNode) for d in document.definitions)
    return no_fragments and queries_of_only(document, PUBLIC_ROOT_FIELDS)


def json_depth(value: object, limit: int) -> int:
    """Nesting depth of a parsed JSON value, counted without recursion up to ``limit + 1``."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _json_request(body: bytes) -> Any:
    """The parsed body, or None when it is not JSON or nests too deep."""
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return request if json_depth(request, MAX_JSON_DEPTH) <= MAX_JSON_DEPTH else None


async def _read_body(receive: Receive) -> bytes:
    """The whole body (``HttpEdge`` has bounded it)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the body read here to the view, then listens to the client."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _capturing(answer: Answer, send: Send) -> Send:
    """A send that also notes the status, content type and body in ``answer``."""

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.content_type = next(
                (v for k, v in message.get("headers", []) if k == b"content-type"),
                answer.content_type,
            )
        elif message["type"] == "http.response.body":
            answer.chunks.append(message.get("body", b""))
        await send(message)

    return capture
