"""The read fast path: a response cache in front of the GraphQL view.

Frontends ask the same questions over and over ("this pool, these fields").
Parsing, validating and executing a full-pool query costs ~15 ms of CPU;
sending stored bytes costs microseconds. So a repeated read is answered here,
before strawberry: the entry for (document, operation, variables, the
caller's rights) is served as long as every pool it read still has the
entity tag (a hash of the whole described document) it had when it was
built, and never longer than the describe cache period. The tags come from
the DescribeUserPool cache, which every write (through any replica)
refreshes, so a write invalidates every answer that read the pool without
any bookkeeping, and a change made outside the gateway (even to a member
UpdateUserPool cannot write, like a custom attribute) shows once the cached
describe expires.

Only documents whose operations are all queries of ``userPool`` are cached;
listings, mutations and anything with errors go to the view every time.
Authentication runs before this layer (AuthMiddleware), and the caller's
rights are part of the key, so an answer is only ever served to a caller with
the same scopes and pool patterns as the one it was computed for.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLError, print_ast
from graphql.language import DocumentNode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.documents import Documents, queries_of_only
from gateway.api.graphql.observability import OperationNames
from gateway.api.http import is_post_to, replaying
from gateway.observability.metrics import NO_METRICS, Metrics
from gateway.service.access import Principal
from gateway.service.reads import PoolTags, reads

CACHEABLE_ROOT_FIELDS = frozenset({"userPool", "userPoolPublicSettings", "__typename"})
MAX_BODY_TO_CACHE = 1024 * 1024
ENTRY_OVERHEAD_BYTES = 256  # key, tuple and object headers, roughly


@dataclass(frozen=True)
class Entry:
    body: bytes
    content_type: bytes
    depends_on: tuple[tuple[str, str], ...]
    stored_at: float


class CostLRU:
    """Least recently used entries, bounded by their summed ``cost`` (bytes, or 1 each)."""

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self.used = 0
        self._items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()

    def get(self, key: Any) -> Any:
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def put(self, key: Any, value: Any, cost: int = 1) -> None:
        if cost > self._budget:
            return
        previous = self._items.pop(key, None)
        if previous is not None:
            self.used -= previous[1]
        self._items[key] = (value, cost)
        self.used += cost
        while self.used > self._budget:
            _, (_, dropped) = self._items.popitem(last=False)
            self.used -= dropped


def normalized(query: str, documents: Documents) -> tuple[bool, bytes]:
    """Whether a document may be cached, and the digest of its normalized form: comments,
    whitespace and formatting do not make new entries."""
    try:
        document = documents.parse(query)
    except GraphQLError:
        return False, b""
    return cacheable_document(document), hashlib.sha256(print_ast(document).encode()).digest()


def cacheable_document(document: DocumentNode) -> bool:
    """True when every operation is a query selecting only ``userPool``/``__typename``."""
    return queries_of_only(document, CACHEABLE_ROOT_FIELDS)


def rights_of(principal: Principal | None) -> bytes:
    """An unambiguous encoding of what a caller may see: JSON of kind, scopes and patterns
    (joined strings would let ``["A,B"]`` and ``["A", "B"]`` share an entry)."""
    if principal is None:
        return b""
    return orjson.dumps([principal.kind, sorted(principal.scopes), sorted(principal.pools)])


class ResponseCache:
    """ASGI layer on the GraphQL route; ``current_tag`` answers a pool's entity tag now.

    ``max_age``: the describe cache period; no entry is served older than that.
    """

    def __init__(
        self,
        app: ASGIApp,
        current_tag: Callable[[str], Awaitable[str | None]],
        max_age: float,
        documents: Documents,
        metrics: Metrics = NO_METRICS,
        names: OperationNames | None = None,
        path: str = "/graphql",
        max_bytes: int = 16 * 1024 * 1024,
        max_entry_bytes: int = 256 * 1024,
    ) -> None:
        self._app = app
        self._metrics = metrics
        self._current_tag = current_tag
        self._max_age = max_age
        self._path = path
        self._entries = CostLRU(max_bytes)
        self._max_entry_bytes = max_entry_bytes
        self._documents = documents
        self._keys = CostLRU(4096)  # digest of the raw text -> (cacheable, normalized digest)
        self._names = names or OperationNames()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_post_to(scope, self._path):
            await self._app(scope, receive, send)
            return
        body, complete = await _read_body(receive)
        replay = replaying(body, complete, receive)
        key = self._key(scope, body) if complete else None
        if key is None:
            await self._app(scope, replay, send)
            return
        entry: Entry | None = self._entries.get(key)
        started = time.perf_counter()
        if entry is not None and await self._still_valid(entry):
            self._metrics.response_cache.labels("hit").inc()
            await _send_entry(entry, send)
            # Counted like an executed read, so rate and latency include the hot path.
            request = scope.get("state", {}).get("graphql_request") or {}
            name = self._names.for_cached(request.get("operationName"))
            self._metrics.graphql_requests.labels(name, "query", "ok").inc()
            self._metrics.graphql_seconds.labels(name, "query").observe(
                time.perf_counter() - started
            )
            return
        self._metrics.response_cache.labels("miss").inc()
        await self._execute_and_store(key, scope, replay, send)

    def _key(self, scope: Scope, body: bytes) -> bytes | None:
        request = scope.get("state", {}).get("graphql_request")  # parsed by JsonGuardMiddleware
        if request is None:
            try:
                request = orjson.loads(body)
            except orjson.JSONDecodeError:
                return None
        if not isinstance(request, dict) or not isinstance(request.get("query"), str):
            return None
        query: str = request["query"]
        raw = hashlib.sha256(query.encode()).digest()
        known: tuple[bool, bytes] | None = self._keys.get(raw)
        if known is None:
            known = normalized(query, self._documents)
            self._keys.put(raw, known)
        cacheable, document = known
        if not cacheable:
            return None
        principal = scope.get("state", {}).get("principal")
        variables = orjson.dumps(request.get("variables") or {}, option=orjson.OPT_SORT_KEYS)
        digest = hashlib.sha256()
        for part in (
            document,
            str(request.get("operationName")).encode(),
            variables,
            rights_of(principal),
        ):
            digest.update(part)
            digest.update(b"\x00")
        return digest.digest()

    async def _still_valid(self, entry: Entry) -> bool:
        if time.monotonic() - entry.stored_at >= self._max_age:
            return False
        for pool_id, etag in entry.depends_on:
            if await self._current_tag(pool_id) != etag:
                return False
        return True

    async def _execute_and_store(
        self, key: bytes, scope: Scope, receive: Receive, send: Send
    ) -> None:
        seen: PoolTags = {}
        started = time.monotonic()
        token = reads.set(seen)
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self._app(scope, receive, capture)
        finally:
            reads.reset(token)
        if start is None or start["status"] != 200 or not seen:
            return
        body = b"".join(chunks)
        if len(body) > self._max_entry_bytes or b'"errors"' in body:
            return
        content_type = next(
            (v for k, v in start.get("headers", []) if k == b"content-type"), b"application/json"
        )
        entry = Entry(body, content_type, tuple(sorted(seen.items())), started)
        self._entries.put(key, entry, len(body) + len(key) + ENTRY_OVERHEAD_BYTES)
        self._metrics.response_cache_bytes.set(self._entries.used)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body read so far, and whether that is all of it.

    Stops early (incomplete) past ``MAX_BODY_TO_CACHE``: such a request is not
    cached, and the rest of its body is left for the app to read.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > MAX_BODY_TO_CACHE:
            return b"".join(chunks), False


async def _send_entry(entry: Entry, send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", entry.content_type),
                (b"content-length", str(len(entry.body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": entry.body})
