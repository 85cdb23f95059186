"""GraphQL input types generated from the model, and their conversion to botocore dicts.

- ``UserPoolPatch`` mirrors ``UpdateUserPoolRequest``: every member optional,
  ``Maybe`` telling an absent field (keep) from an explicit ``null`` (clear).
  Maps are lists of ``{ key, value }`` entries where ``value: null`` deletes.
- ``CreateUserPoolInput`` mirrors ``CreateUserPoolRequest``: required members
  are non-null, the rest optional.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Optional

import strawberry
from botocore.model import MapShape, Shape, StructureShape
from strawberry.types.maybe import Some

from gateway import model
from gateway.api.graphql.shapes import EnumRegistry, GeneratedTypes, describe, make_class

PATCH = "Patch"
CREATE = "Input"


class InputTypes(GeneratedTypes):
    """Builds the input classes of one flavour (``Patch`` or ``Input``) and converts them."""

    def __init__(self, enums: EnumRegistry, flavour: str) -> None:
        super().__init__(enums)
        self._flavour = flavour

    @property
    def patching(self) -> bool:
        return self._flavour == PATCH

    def root(self, shape: StructureShape, name: str, skip: frozenset[str]) -> type:
        """The input type of a request ``shape``, without the ``skip`` members."""
        return self._structure(shape, name=name, skip=skip)

    def _structure(
        self, target: StructureShape, name: str | None = None, skip: frozenset[str] = frozenset()
    ) -> type:
        name = name or model.type_name(target.name) + self._flavour
        if name in self._classes:
            return self._classes[name]
        required = set(model.required_members(target))
        fields: dict[str, tuple[Any, Any]] = {}
        for member_name, member in target.members.items():
            if member_name in skip:
                continue
            inner = self.annotation(member)
            nullable: Any = Optional[inner]  # noqa: UP045
            if self.patching:
                annotation: Any = strawberry.Maybe[nullable]  # type: ignore[misc]
            elif member_name in required:
                annotation = inner
            else:
                annotation = nullable
            options: dict[str, Any] = {
                "name": model.graphql_name(member_name),
                "description": describe(member),
            }
            if self.patching or member_name not in required:
                options["default"] = None
            fields[member_name] = (annotation, strawberry.field(**options))
        cls = make_class(
            name, fields, description=model.plain_documentation(target.documentation), is_input=True
        )
        self._classes[name] = cls
        return cls

    def _entry(self, target: MapShape) -> type:
        name = model.type_name(target.name) + "Entry" + self._flavour
        if name in self._classes:
            return self._classes[name]
        value = self.annotation(target.value)
        fields: dict[str, tuple[Any, Any]] = {
            "key": (self.annotation(target.key), strawberry.field())
        }
        if self.patching:
            fields["value"] = (
                Optional[value],  # noqa: UP045
                strawberry.field(default=None, description="The new value; null deletes the key."),
            )
        else:
            fields["value"] = (value, strawberry.field())
        cls = make_class(
            name,
            fields,
            is_input=True,
            description=f"One entry of the {model.type_name(target.name)} map.",
        )
        self._classes[name] = cls
        return cls

    # -- generated objects -> botocore dicts -------------------------------------------------

    def to_botocore(self, target: Shape, value: Any) -> Any:
        """Convert an input object; in a patch, ``None`` in the result means "clear"."""
        if value is None:
            return None
        if isinstance(target, StructureShape):
            result: dict[str, Any] = {}
            for name, member in target.members.items():
                item = getattr(value, name, None)
                if self.patching:
                    if item is None:  # absent: keep
                        continue
                    item = item.value if isinstance(item, Some) else item
                elif item is None:
                    continue
                result[name] = self.to_botocore(member, item)
            return result
        if isinstance(target, MapShape):
            return {
                self.to_botocore(target.key, entry.key): self.to_botocore(target.value, entry.value)
                for entry in value
            }
        if target.type_name == "list":
            return [self.to_botocore(target.member, item) for item in value]
        if isinstance(value, Enum):
            return value.value
        return value
