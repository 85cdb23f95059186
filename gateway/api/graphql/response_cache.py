"""The read fast path: a response cache, a step of the GraphQL pipeline.

Frontends ask the same questions over and over ("this pool, these fields").
Parsing, validating and executing a full-pool query costs ~15 ms of CPU;
sending stored bytes costs microseconds. So a repeated read is answered from
here, before strawberry: the entry for (document, operation, variables, the
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
Admission runs before this step, and the caller's
rights are part of the key, so an answer is only ever served to a caller with
the same scopes and pool patterns as the one it was computed for.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import GraphQLError, print_ast
from graphql.language import DocumentNode
from starlette.types import Send

from gateway.api.documents import Documents, queries_of_only
from gateway.core.clock import MONOTONIC, Clock
from gateway.core.lru import LRU
from gateway.observability.metrics import NO_METRICS, Metrics
from gateway.service.access import Principal
from gateway.service.reads import LISTED, PoolTags, reads

CACHEABLE_ROOT_FIELDS = frozenset(
    {
        "userPool",
        "userPoolPublicSettings",
        "userPoolClient",
        "userPoolClientFrontendConfig",
        "__typename",
    }
)
ENTRY_OVERHEAD_BYTES = 256  # key, tuple and object headers, roughly


@dataclass(frozen=True)
class Entry:
    body: bytes
    content_type: bytes
    depends_on: tuple[tuple[str, str], ...]
    stored_at: float


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


@functools.lru_cache(maxsize=1024)
def rights_of(principal: Principal | None) -> bytes:
    """An unambiguous encoding of what a caller may see: JSON of kind, scopes and patterns
    (joined strings would let ``["A,B"]`` and ``["A", "B"]`` share an entry)."""
    if principal is None:
        return b""
    return orjson.dumps([principal.kind, sorted(principal.scopes), sorted(principal.pools)])


class ResponseCache:
    """Answers kept for repeated reads; ``current_tag`` answers a pool's entity tag now.

    ``max_age``: the describe cache period; no entry is served older than that. It is a
    step of the GraphQL pipeline (``api/graphql/pipeline.py``), which asks it for a
    request's key, serves what :meth:`fresh` finds and offers what it executed to
    :meth:`keep`.
    """

    def __init__(
        self,
        current_tag: Callable[[str], Awaitable[str | None]],
        max_age: float,
        documents: Documents,
        metrics: Metrics = NO_METRICS,
        max_bytes: int = 16 * 1024 * 1024,
        max_entry_bytes: int = 256 * 1024,
        clock: Clock = MONOTONIC,
    ) -> None:
        self._clock = clock
        self._metrics = metrics
        # Looked up once each, and only once used: a series with no lookups stays absent.
        self._lookups = functools.cache(metrics.response_cache.labels)
        self._current_tag = current_tag
        self._max_age = max_age
        self._entries: LRU[bytes, Entry] = LRU(max_bytes)  # cost: bytes
        self._max_entry_bytes = max_entry_bytes
        self._documents = documents
        # digest of the raw text -> (cacheable, normalized digest)
        self._keys: LRU[bytes, tuple[bool, bytes]] = LRU(4096)

    def key(self, request: dict[str, Any], principal: Principal | None) -> bytes | None:
        """The entry's key for a request (its ``query`` a string), or None when its
        answer is not kept (not only ``userPool`` queries, or not a document at all)."""
        query: str = request["query"]
        raw = hashlib.sha256(query.encode()).digest()
        known: tuple[bool, bytes] | None = self._keys.get(raw)
        if known is None:
            known = normalized(query, self._documents)
            self._keys.set(raw, known)
        cacheable, document = known
        if not cacheable:
            return None
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

    async def fresh(self, key: bytes) -> Entry | None:
        """The entry for ``key`` if every pool it read still has the tag it had."""
        entry: Entry | None = self._entries.get(key)
        if entry is not None and await self._still_valid(entry):
            self._lookups("hit").inc()
            return entry
        self._lookups("miss").inc()
        return None

    async def _still_valid(self, entry: Entry) -> bool:
        if self._clock() - entry.stored_at >= self._max_age:
            return False
        for pool_id, etag in entry.depends_on:
            if await self._current_tag(pool_id) != etag:
                return False
        return True

    @contextlib.contextmanager
    def noting_reads(self) -> Iterator[Reads]:
        """Notes the pools (and their tags) that an execution inside reads."""
        noted = Reads({}, self._clock())
        token = reads.set(noted.tags)
        try:
            yield noted
        finally:
            reads.reset(token)

    def keep(self, key: bytes, answer: Answer, noted: Reads) -> None:
        """Keep an executed answer: a 200 without errors that read at least one pool, and
        no listing (a pool's ``clients``: no tag says when its members change)."""
        if answer.status != 200 or not noted.tags or LISTED in noted.tags:
            return
        body = b"".join(answer.chunks)
        if len(body) > self._max_entry_bytes or b'"errors"' in body:
            return
        depends_on = tuple(sorted(noted.tags.items()))
        entry = Entry(body, answer.content_type, depends_on, noted.started)
        self._entries.set(key, entry, len(body) + len(key) + ENTRY_OVERHEAD_BYTES)
        self._metrics.response_cache_bytes.set(self._entries.used)


@dataclass(frozen=True)
class Reads:
    """The pools an execution read, with their tags, and when it started."""

    tags: PoolTags
    started: float


@dataclass
class Answer:
    """What the view answered, as captured on its way out (the body in its chunks)."""

    status: int = 0
    content_type: bytes = b"application/json"
    chunks: list[bytes] = field(default_factory=list)


async def send_entry(entry: Entry, send: Send) -> None:
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
