"""Checks of patches and requests against the model and the cross-field rules.

Everything here runs before any call to AWS. A failure is a ``BAD_USER_INPUT``
naming the field (a botocore path inside the request document, e.g.
``("Policies", "PasswordPolicy", "MinimumLength")``) and the rule it broke.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from botocore.model import MapShape, Shape, StructureShape

from gateway import model
from gateway.core.rules import RESERVED_TAG_PREFIX, is_reserved_tag
from gateway.errors import Argument, Field, invalid


def at(argument: Argument, *path: str) -> Field:
    return Field(argument, tuple(path))


def below(field: Field, *keys: str) -> Field:
    return Field(field.argument, (*field.path, *keys))


@cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    """The model's (Java) pattern, when Python's ``re`` reads it the same way.

    Patterns with Unicode classes (``\\p{L}``) are left to the service.
    """
    if "\\p{" in pattern:
        return None
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error:
        return None


def check_values(value: Any, shape: Shape, field: Field) -> None:
    """Model rules for one value: type, enum, length, range, pattern (recursively).

    ``None`` inside a structure or map means "clear" and is always allowed here;
    required members are checked on the merged request instead.
    """
    if value is None:
        return
    if isinstance(shape, StructureShape):
        _check_structure(value, shape, field)
    elif isinstance(shape, MapShape):
        _check_size(len(value), model.limits(shape), field, "entries")
        for key, item in value.items():
            check_values(key, shape.key, below(field, key))
            check_values(item, shape.value, below(field, key))
    elif shape.type_name == "list":
        _check_size(len(value), model.limits(shape), field, "items")
        for index, item in enumerate(value):
            check_values(item, shape.member, below(field, str(index)))
    elif shape.type_name in ("integer", "long"):
        _check_range(value, model.limits(shape), field)
    elif shape.type_name == "string":
        _check_string(value, model.limits(shape), field)


def _check_structure(value: Any, shape: StructureShape, field: Field) -> None:
    if not isinstance(value, Mapping):
        raise invalid("must be an object", field, "type")
    for key, item in value.items():
        member = shape.members.get(key)
        if member is None:
            raise invalid(f"unknown member {key}", field, "unknown")
        check_values(item, member, below(field, key))


def _check_range(value: int, rules: model.Limits, field: Field) -> None:
    if rules.minimum is not None and value < rules.minimum:
        raise invalid(f"must be at least {rules.minimum} (got {value})", field, "min")
    if rules.maximum is not None and value > rules.maximum:
        raise invalid(f"must be at most {rules.maximum} (got {value})", field, "max")


def _check_string(value: str, rules: model.Limits, field: Field) -> None:
    if rules.enum and value not in rules.enum:
        raise invalid(f"must be one of {', '.join(rules.enum)}", field, "enum")
    _check_size(len(value), rules, field, "characters")
    compiled = _compiled(rules.pattern) if rules.pattern else None
    if compiled is not None and not compiled.fullmatch(value):
        raise invalid(f"does not match the pattern {rules.pattern}", field, "pattern")


def _check_size(size: int, rules: model.Limits, field: Field, unit: str) -> None:
    if rules.minimum is not None and size < rules.minimum:
        raise invalid(f"needs at least {rules.minimum} {unit} (got {size})", field, "min")
    if rules.maximum is not None and size > rules.maximum:
        raise invalid(f"allows at most {rules.maximum} {unit} (got {size})", field, "max")


def check_required(value: Any, shape: Shape, field: Field) -> None:
    """Every structure present in ``value`` has its required members (recursively)."""
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        for required in model.required_members(shape):
            if value.get(required) is None:
                raise invalid(
                    "is required when its parent is set", below(field, required), "required"
                )
        for key, item in value.items():
            member = shape.members.get(key)
            if member is not None:
                check_required(item, member, below(field, key))
    elif isinstance(shape, MapShape) and isinstance(value, Mapping):
        for key, item in value.items():
            check_required(item, shape.value, below(field, key))
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            check_required(item, shape.member, below(field, str(index)))


def check_reserved_tags(tags: Mapping[str, Any] | None, field: Field) -> None:
    """Rule 7: ``aws:`` keys are AWS's; a client may neither set nor delete them."""
    for key in tags or {}:
        if is_reserved_tag(key):
            raise invalid(
                f"tag keys starting with '{RESERVED_TAG_PREFIX}' are reserved by AWS",
                below(field, key),
                "reserved",
            )
