"""Depth and alias limits computed in one pass, linear in the document's size.

strawberry's limiters walk every fragment spread again at every use, so a
document of fragments that each spread the next one twice (``...F1 ...F1``)
costs 2^n: 824 bytes took seconds of CPU. Here each fragment is measured once
and its figures reused wherever it is spread; aliases still count once per
use (numbers, not walks), so such a document is refused at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.language import DocumentNode

UNWRAP = "ofType"


@dataclass(frozen=True)
class Measure:
    depth: int  # nesting levels below a selection set (a leaf field adds none)
    aliases: int  # aliased fields, counted once per use


class _Measurer:
    def __init__(self, document: DocumentNode) -> None:
        self._fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._done: dict[str, Measure] = {}
        self._open: set[str] = set()

    def selection_set(self, node: SelectionSetNode | None) -> Measure:
        depth = aliases = 0
        for selection in node.selections if node is not None else ():
            if isinstance(selection, FieldNode):
                below = self.selection_set(selection.selection_set)
                # __Type.ofType unwraps a list or non-null one level at a time: a linear
                # chain, not nesting that multiplies work, so GraphiQL's own
                # IntrospectionQuery (seven ofType levels) fits the depth limit.
                level = 0 if selection.name.value == UNWRAP else 1
                depth = max(depth, below.depth + level if selection.selection_set else 0)
                aliases += below.aliases + (1 if selection.alias is not None else 0)
            else:
                inner = (
                    self.fragment(selection.name.value)
                    if isinstance(selection, FragmentSpreadNode)
                    else self.selection_set(selection.selection_set)
                    if isinstance(selection, InlineFragmentNode)
                    else Measure(0, 0)
                )
                depth, aliases = max(depth, inner.depth), aliases + inner.aliases
        return Measure(depth, aliases)

    def fragment(self, name: str) -> Measure:
        known = self._done.get(name)
        if known is not None:
            return known
        definition = self._fragments.get(name)
        if definition is None or name in self._open:  # unknown or cyclic: other rules report it
            return Measure(0, 0)
        self._open.add(name)
        measured = self.selection_set(definition.selection_set)
        self._open.discard(name)
        self._done[name] = measured
        return measured


def document_limits(max_depth: int, max_aliases: int) -> type[ValidationRule]:
    """A validation rule class enforcing both limits (one class per setting pair, so the
    validation cache, which keys on rule objects, keeps hitting)."""

    class DocumentLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            measurer = _Measurer(context.document)
            total_aliases = 0
            for definition in context.document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                measured = measurer.selection_set(definition.selection_set)
                total_aliases += measured.aliases
                if measured.depth > max_depth:
                    name = definition.name.value if definition.name else "anonymous"
                    context.report_error(
                        GraphQLError(
                            f"'{name}' exceeds maximum operation depth of {max_depth}",
                            definition,
                        )
                    )
            if total_aliases > max_aliases:
                context.report_error(
                    GraphQLError(
                        f"{total_aliases} aliases found; at most {max_aliases} are allowed"
                    )
                )

    return DocumentLimits
