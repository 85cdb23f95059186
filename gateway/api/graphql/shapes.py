"""Shared pieces for turning botocore shapes into strawberry types.

Generated classes use the botocore member names (PascalCase) as Python
attributes and the design's lowerCamel names in GraphQL, so converting
between a botocore dict and a generated object is a plain walk over the model.
"""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Any

import strawberry
from botocore.model import MapShape, Shape, StructureShape

from gateway import model

SCALARS: dict[str, type] = {
    "string": str,
    "integer": int,
    "long": int,
    "boolean": bool,
    "timestamp": datetime.datetime,
    "double": float,
    "float": float,
    "blob": str,
}


def describe(member: Shape) -> str | None:
    """Schema description of a member: the model's documentation plus its range."""
    parts = [model.plain_documentation(member.documentation), model.describe_limits(member)]
    text = " ".join(p for p in parts if p)
    return text or None


def make_class(
    name: str,
    fields: dict[str, tuple[Any, Any]],
    *,
    description: str | None,
    is_input: bool,
) -> type:
    """Build a strawberry type or input from ``{attribute: (annotation, strawberry.field)}``."""
    namespace: dict[str, Any] = {"__annotations__": {k: v[0] for k, v in fields.items()}}
    namespace.update({k: v[1] for k, v in fields.items()})
    namespace["__module__"] = __name__
    cls = type(name, (), namespace)
    decorator = strawberry.input if is_input else strawberry.type
    return decorator(cls, name=name, description=description)


class EnumRegistry:
    """One GraphQL enum per botocore enum shape; values keep the API's spelling."""

    def __init__(self) -> None:
        self._enums: dict[str, type[Enum]] = {}

    def get(self, target: Shape) -> type[Enum]:
        name = model.type_name(target.name)
        existing = self._enums.get(name)
        if existing is not None:
            return existing
        values = model.limits(target).enum
        python_enum = Enum(name, {value: value for value in values})  # type: ignore[misc]
        described = strawberry.enum(
            python_enum, name=name, description=model.plain_documentation(target.documentation)
        )
        self._enums[name] = described
        return described


def is_enum(target: Shape) -> bool:
    return target.type_name == "string" and bool(model.limits(target).enum)


class GeneratedTypes:
    """Base of the generated type families: maps a shape to its Python annotation.

    Subclasses build the classes for structures and map entries (once each,
    cached in ``_classes`` by GraphQL name).
    """

    def __init__(self, enums: EnumRegistry) -> None:
        self._enums = enums
        self._classes: dict[str, type] = {}

    def annotation(self, target: Shape) -> Any:
        if isinstance(target, StructureShape):
            return self._structure(target)
        if isinstance(target, MapShape):
            return list[self._entry(target)]  # type: ignore[misc]
        if target.type_name == "list":
            return list[self.annotation(target.member)]  # type: ignore[misc]
        if is_enum(target):
            return self._enums.get(target)
        return SCALARS[target.type_name]

    def _structure(self, target: StructureShape) -> type:
        raise NotImplementedError

    def _entry(self, target: MapShape) -> type:
        raise NotImplementedError
