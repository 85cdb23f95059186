"""Operation allow-list mode (persisted queries), for deployments with few known clients.

With ``GATEWAY_ALLOWED_OPERATIONS_FILE`` set, ``/graphql`` executes only the
listed operations, their documents sent whole or by hash only, as Apollo's
automatic persisted queries do (``extensions.persistedQuery.sha256Hash``, the
SHA-256 of the document text). The file is a JSON list whose items are a
document of one operation, or ``{"document": ..., "operationName": ...}`` for
one operation of a document that holds several: what is allowed is the
operation that will run, so ``operationName`` cannot pick another one out of
a listed document. Anything else is refused with ``FORBIDDEN`` before parsing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api.http import graphql_error_response, is_post_to, replaying
from gateway.errors import ErrorCode

SETTING = "GATEWAY_ALLOWED_OPERATIONS_FILE"


@dataclass
class Allowed:
    """A listed document and the names of its operations that may run (``None``: a
    request without ``operationName``, for a document of one operation)."""

    document: str
    operations: set[str | None] = field(default_factory=set)


def _operations(document: str, index: int) -> list[str | None]:
    try:
        parsed = parse(document)
    except GraphQLError as error:
        raise ValueError(f"{SETTING}: item {index} is not a GraphQL document ({error})") from None
    return [
        d.name.value if d.name else None
        for d in parsed.definitions
        if isinstance(d, OperationDefinitionNode)
    ]


def load_allowed(path: str) -> dict[str, Allowed]:
    """``{sha256 hex: Allowed}`` of the file; raises ValueError (one line naming the
    setting) when it cannot be read or names no single operation."""
    try:
        items = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{SETTING}: cannot read {path} ({error})") from None
    if not isinstance(items, list):
        raise ValueError(f"{SETTING}: expected a JSON list of documents")
    allowed: dict[str, Allowed] = {}
    for index, item in enumerate(items):
        document, wanted = item, None
        if isinstance(item, dict):
            document, wanted = item.get("document"), item.get("operationName")
        if not isinstance(document, str) or not isinstance(wanted, str | None):
            raise ValueError(
                f"{SETTING}: item {index} must be a document or "
                '{"document": ..., "operationName": ...}'
            )
        operations = _operations(document, index)
        if wanted is None and len(operations) != 1:
            raise ValueError(
                f"{SETTING}: item {index} holds {len(operations)} operations; list each one "
                'as {"document": ..., "operationName": ...}'
            )
        if wanted is not None and wanted not in operations:
            raise ValueError(f"{SETTING}: item {index} has no operation named {wanted}")
        entry = allowed.setdefault(hashlib.sha256(document.encode()).hexdigest(), Allowed(document))
        entry.operations |= {wanted} if wanted is not None else {None, operations[0]}
    return allowed


class AllowListMiddleware:
    """Runs after the JSON guard (which parsed the request into ``scope["state"]``)."""

    def __init__(self, app: ASGIApp, allowed: dict[str, Allowed], path: str = "/graphql") -> None:
        self._app = app
        self._allowed = allowed
        self._path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_post_to(scope, self._path):
            await self._app(scope, receive, send)
            return
        request: Any = scope.get("state", {}).get("graphql_request")
        document = self._document(request)
        if document is None:
            response = graphql_error_response(
                "this gateway runs only its allow-listed operations", ErrorCode.FORBIDDEN, 403
            )
            await response(scope, receive, send)
            return
        if request.get("query") == document:  # sent whole: the body goes on as it came
            await self._app(scope, receive, send)
            return
        request = {**request, "query": document}  # sent by hash: hand the document on
        scope["state"]["graphql_request"] = request
        await self._app(scope, replaying(orjson.dumps(request), True, receive), send)

    def _document(self, request: Any) -> str | None:
        """The document to run, if the operation that will run is listed."""
        if not isinstance(request, dict):
            return None
        query = request.get("query")
        if isinstance(query, str):
            digest: Any = hashlib.sha256(query.encode()).hexdigest()
        else:
            persisted = (request.get("extensions") or {}).get("persistedQuery") or {}
            digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        entry = self._allowed.get(digest) if isinstance(digest, str) else None
        if entry is None or request.get("operationName") not in entry.operations:
            return None
        return entry.document
