"""Per-request context and the selection helpers resolvers use."""

from typing import Any

from strawberry.fastapi import BaseContext
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from gateway import model
from gateway.api.graphql.inputs import InputTypes
from gateway.api.graphql.outputs import OutputTypes
from gateway.service.access import Principal
from gateway.service.audit import Auditor
from gateway.service.pools import PoolService


class GatewayContext(BaseContext):
    """Per request: who calls, the service layer, converters, audit and policy."""

    def __init__(
        self,
        *,
        principal: Principal,
        service: PoolService,
        outputs: OutputTypes,
        patches: InputTypes,
        creates: InputTypes,
        auditor: Auditor,
        sensitive: frozenset[str],
        region: str,
    ) -> None:
        super().__init__()
        self.principal = principal
        self.service = service
        self.outputs = outputs
        self.patches = patches
        self.creates = creates
        self.auditor = auditor
        self.sensitive = sensitive
        self.region = region


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


def needs_describe(info: Info[Any, Any]) -> bool:
    """True when a client selects node fields that ListUserPools does not return."""
    top = info.selected_fields[0].selections
    wanted = selected_names(top, ("nodes",)) | selected_names(top, ("edges", "node"))
    summary = {model.graphql_name(m) for m in model.summary_members()} | {"__typename"}
    return bool(wanted - summary)
