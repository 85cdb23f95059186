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

from graphql import GraphQLError, OperationDefinitionNode, parse

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


class AllowList:
    """The pipeline's allow-list step (``api/graphql/pipeline.py``)."""

    def __init__(self, allowed: dict[str, Allowed]) -> None:
        self._allowed = allowed

    def document(self, request: dict[str, Any]) -> str | None:
        """The document to run, if the operation that will run is listed."""
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
