"""GraphQL documents at the edge: parsed once, and what they ask for, read off the
syntax tree before any execution."""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from graphql import FieldNode, OperationDefinitionNode, OperationType, parse
from graphql.language import DocumentNode

from gateway.core.lru import LRU


class Documents:
    """Every document a request brings is parsed here, once, under one token limit
    (``GATEWAY_MAX_TOKENS``), behind one bounded cache keyed by a digest of its text: the
    public-only gate, the response cache's key and strawberry's own parse step all ask
    here, where each used to parse it again with its own limit and cache."""

    def __init__(self, max_tokens: int, size: int = 1024) -> None:
        self._max_tokens = max_tokens
        self._parsed: LRU[bytes, DocumentNode] = LRU(size)

    def parse(self, query: str) -> DocumentNode:
        """The document's syntax tree; ``GraphQLError`` if it does not parse (or is over
        the token limit). Shared: callers must not change it."""
        key = hashlib.sha256(query.encode()).digest()
        document = self._parsed.get(key)
        if document is None:
            document = parse(query, max_tokens=self._max_tokens)
            self._parsed.set(key, document)
        return document


def queries_of_only(document: DocumentNode, root_fields: Collection[str]) -> bool:
    """True when the document has operations, all queries, selecting only ``root_fields``
    at the root (no fragment spreads there)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return bool(operations) and all(
        operation.operation == OperationType.QUERY
        and all(
            isinstance(selection, FieldNode) and selection.name.value in root_fields
            for selection in operation.selection_set.selections
        )
        for operation in operations
    )
