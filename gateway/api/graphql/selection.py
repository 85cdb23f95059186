"""What a GraphQL query selects below a field: whether a listing must describe its nodes.

Listings (ListUserPools, ListUserPoolClients) return summaries; a node is described
only when the query selects a field its summary lacks, in any of the selections
merged into the field (``{ userPools {..} userPools {..} }``).
"""

from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def selected_names(selections: list[Selection], path: tuple[str, ...]) -> set[str]:
    """Field names selected at ``path`` below ``selections`` (fragments included)."""
    names: set[str] = set()
    for selection in selections:
        if isinstance(selection, FragmentSpread | InlineFragment):
            names |= selected_names(selection.selections, path)
        elif isinstance(selection, SelectedField):
            if not path:
                names.add(selection.name)
            elif selection.name == path[0]:
                names |= selected_names(selection.selections, path[1:])
    return names


def needs_more(info: Info[Any, Any], summary: frozenset[str]) -> bool:
    """True when the nodes of this connection field select more than ``summary``."""
    wanted: set[str] = set()
    for field in info.selected_fields:
        top = field.selections
        wanted |= selected_names(top, ("nodes",)) | selected_names(top, ("edges", "node"))
    return bool(wanted - summary)
