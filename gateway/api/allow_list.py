"""Operation allow-list mode (persisted queries), for deployments with few known clients.

With ``GATEWAY_ALLOWED_OPERATIONS_FILE`` set (a JSON list of GraphQL documents),
``/graphql`` executes only those documents: sent whole, or by hash only, as
Apollo's automatic persisted queries do
(``extensions.persistedQuery.sha256Hash``, the SHA-256 of the document text).
Anything else is refused with ``FORBIDDEN`` before parsing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api.http import graphql_error_response, is_post_to, replaying
from gateway.errors import ErrorCode


def load_allowed(path: str) -> dict[str, str]:
    """``{sha256 hex: document}`` of the file's documents; raises ValueError when unreadable."""
    try:
        documents = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"GATEWAY_ALLOWED_OPERATIONS_FILE: cannot read {path} ({error})") from None
    if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
        raise ValueError("GATEWAY_ALLOWED_OPERATIONS_FILE: expected a JSON list of documents")
    return {hashlib.sha256(d.encode()).hexdigest(): d for d in documents}


class AllowListMiddleware:
    """Runs after the JSON guard (which parsed the request into ``scope["state"]``)."""

    def __init__(self, app: ASGIApp, allowed: dict[str, str], path: str = "/graphql") -> None:
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
        if not isinstance(request, dict):
            return None
        query = request.get("query")
        if isinstance(query, str):
            return query if hashlib.sha256(query.encode()).hexdigest() in self._allowed else None
        persisted = (request.get("extensions") or {}).get("persistedQuery") or {}
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        return self._allowed.get(digest) if isinstance(digest, str) else None
