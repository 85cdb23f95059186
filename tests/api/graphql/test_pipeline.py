"""The GraphQL pipeline's steps, in order, in front of a view that records what reaches it:
one admission from the headers, one parse, the allow-list, the public-only check, the
response cache. The real app runs the same pipeline (the other tests here go through it
over sockets); this shows the order and the single parse."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from unittest.mock import patch

import graphql
import httpx
import orjson
from graphql.language import DocumentNode
from starlette.types import Receive, Scope, Send

from gateway.api import documents as documents_module
from gateway.api.admission import Admission
from gateway.api.documents import Documents
from gateway.api.graphql.allow_list import Allowed, AllowList
from gateway.api.graphql.observability import OperationNames
from gateway.api.graphql.pipeline import GraphQLPipeline
from gateway.api.graphql.response_cache import ResponseCache
from gateway.observability.metrics import Metrics
from gateway.service.access import READ, Principal
from gateway.service.limits import ClientLimiter
from gateway.service.reads import reads

READER = Principal("reader", "key", frozenset({READ}))
POOL_READ = 'query Pool { userPool(id: "eu-west-1_a") { name } }'
PUBLIC_READ = 'query Public { userPoolPublicSettings(id: "eu-west-1_a") { poolId } }'


class CountingDocuments(Documents):
    """Counts the parses that its cache could not spare."""

    def __init__(self) -> None:
        super().__init__(max_tokens=1000)
        self.parses = 0

    def parse(self, query: str) -> DocumentNode:
        with patch.object(documents_module, "parse", side_effect=graphql.parse) as parse:
            document = super().parse(query)
        self.parses += parse.call_count
        return document


class RecordingView:
    """Answers 200 as if it executed, noting the body it got and the pool it 'read'."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        self.bodies.append(orjson.loads(message["body"]))
        seen = reads.get()
        if seen is not None:
            seen["eu-west-1_a"] = "tag-1"
        body = b'{"data":{"userPool":{"name":"a"}}}'
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


async def authenticate(headers: Mapping[str, str]) -> Principal | None:
    return READER if headers.get("x-api-key") == "good" else None


def build(documents: CountingDocuments, view: RecordingView, **steps: Any) -> GraphQLPipeline:
    admission = Admission(authenticate, ClientLimiter(0, 1, clients=10, anonymous=10))
    return GraphQLPipeline(view, admission, documents, Metrics(), OperationNames(), **steps)


async def post(app: GraphQLPipeline, body: Any, key: str | None = "good") -> httpx.Response:
    headers = {"x-api-key": key} if key else {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.post("/graphql", content=orjson.dumps(body), headers=headers)


async def current_tag(pool_id: str) -> str | None:
    return "tag-1"


async def test_a_repeated_read_is_served_from_the_cache_after_one_parse() -> None:
    documents, view = CountingDocuments(), RecordingView()
    cache = ResponseCache(current_tag, max_age=60, documents=documents)
    app = build(documents, view, cache=cache)
    first = await post(app, {"query": POOL_READ})
    second = await post(app, {"query": POOL_READ})
    assert first.content == second.content == b'{"data":{"userPool":{"name":"a"}}}'
    assert len(view.bodies) == 1  # the second never reached the view
    assert documents.parses == 1


async def test_a_refused_caller_reaches_no_step_after_admission() -> None:
    documents, view = CountingDocuments(), RecordingView()
    app = build(documents, view, cache=ResponseCache(current_tag, 60, documents))
    refused = await post(app, {"query": POOL_READ}, key="bad")
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (view.bodies, documents.parses) == ([], 0)


async def test_without_credentials_only_public_settings_run() -> None:
    documents, view = CountingDocuments(), RecordingView()
    app = build(documents, view)
    assert (await post(app, {"query": POOL_READ}, key=None)).status_code == 401
    assert (await post(app, {"query": PUBLIC_READ}, key=None)).status_code == 200
    assert [body["query"] for body in view.bodies] == [PUBLIC_READ]


async def test_the_allow_list_hands_the_view_the_text_of_a_document_sent_by_hash() -> None:
    documents, view = CountingDocuments(), RecordingView()
    digest = hashlib.sha256(POOL_READ.encode()).hexdigest()
    allowed = AllowList({digest: Allowed(POOL_READ, {None, "Pool"})})
    app = build(documents, view, allow_list=allowed)
    by_hash = {"extensions": {"persistedQuery": {"sha256Hash": digest}}, "operationName": "Pool"}
    assert (await post(app, by_hash)).status_code == 200
    assert view.bodies[0]["query"] == POOL_READ
    other = await post(app, {"query": PUBLIC_READ})
    assert other.status_code == 403
    assert len(view.bodies) == 1


async def test_bodies_that_are_not_json_or_nest_too_deep_are_refused_before_parsing() -> None:
    documents, view = CountingDocuments(), RecordingView()
    app = build(documents, view)
    deep: Any = 1
    for _ in range(70):
        deep = [deep]
    for body in (b"{not json", orjson.dumps({"query": POOL_READ, "variables": {"v": deep}})):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.post("/graphql", content=body, headers={"x-api-key": "good"})
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (view.bodies, documents.parses) == ([], 0)
