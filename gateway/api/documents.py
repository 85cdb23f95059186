"""What a GraphQL document asks for, read off its syntax tree before any execution."""

from __future__ import annotations

from collections.abc import Collection

from graphql import FieldNode, OperationDefinitionNode, OperationType
from graphql.language import DocumentNode


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
