"""Whole configurations: restore one, copy parts of one, compare two. Pure functions.

A configuration is a normalized UpdateUserPool request without ``UserPoolId``
(``PoolRecord.request``). Restore and copy do not write configurations
directly: they turn "make these settings equal to that" into a patch
(:func:`replacing_patch`), which then goes through the same planner, checks
and write path as any client's patch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from botocore.model import MapShape, Shape, StructureShape

from gateway import model
from gateway.core.diff import FieldChange, diff
from gateway.core.kinds import KINDS, USER_POOL, ResourceKind
from gateway.core.merge import get_path
from gateway.core.rules import writable_path_creating
from gateway.errors import Path

REDACTED = "[REDACTED]"  # how history and audit store a secret's value
# What addresses a resource, of every kind: never a difference between two of them.
IDENTIFIERS = frozenset(name for kind in KINDS.values() for name in kind.identifiers)


def replacing_patch(current: Any, target: Any, shape: Shape) -> Any:
    """The merge patch that turns ``current`` into ``target`` (``None`` clears).

    Structures and maps are walked, so members or keys ``target`` lacks are
    cleared and equal ones are left out; lists and scalars are replaced. A
    redacted secret in ``target`` (history stores secrets as the audit does)
    keeps the current value: it cannot be restored, and must never be written.
    """
    if target == REDACTED:
        return current
    if not (
        isinstance(shape, StructureShape | MapShape)
        and isinstance(current, Mapping)
        and isinstance(target, Mapping)
    ):
        return target
    patch: dict[str, Any] = {}
    for key in [*current, *(k for k in target if k not in current)]:
        if key not in target:
            patch[key] = None
        elif current.get(key) != target[key] and target[key] != REDACTED:
            child = model.member_shape(shape, key)
            inner = replacing_patch(current.get(key), target[key], child)
            if inner != {} or not isinstance(current.get(key), Mapping):
                patch[key] = inner  # an empty sub-patch (only a redacted secret differed) is none
    return patch


def copy_patch(
    current: Mapping[str, Any],
    source: Mapping[str, Any],
    paths: Iterable[Path],
    kind: ResourceKind = USER_POOL,
) -> dict[str, Any]:
    """The patch that makes each of ``paths`` in ``current`` equal to ``source``'s,
    and touches nothing else (a path absent in ``source`` is cleared)."""
    shape = kind.configuration_shape
    patch: dict[str, Any] = {}
    for path in paths:
        before, after = get_path(current, path), get_path(source, path)
        if before == after:
            continue
        value = replacing_patch(before, after, model.shape_at(shape, path))
        writable_path_creating(patch, path[:-1])[path[-1]] = value
    return patch


def default_copy_paths(
    source: Mapping[str, Any], current: Mapping[str, Any], kind: ResourceKind = USER_POOL
) -> list[Path]:
    """Every writable member either resource has, except its identity (``not_copied``:
    a pool's name, tags and deletion protection; a client's name)."""
    members = set(source) | set(current)
    return [(m,) for m in sorted(members) if m not in kind.not_copied]


def comparable(configuration: Mapping[str, Any]) -> dict[str, Any]:
    """A configuration without what means nothing: no id, no nulls, no empty objects or
    lists (an empty ``LambdaConfig`` and none are the same pool)."""

    def prune(value: Any) -> Any:
        if isinstance(value, Mapping):
            pruned = {k: prune(v) for k, v in value.items()}
            return {k: v for k, v in pruned.items() if v not in (None, {}, [])}
        return value

    result: dict[str, Any] = prune({k: v for k, v in configuration.items() if k not in IDENTIFIERS})
    return result


def compare(
    left: Mapping[str, Any], right: Mapping[str, Any], kind: ResourceKind = USER_POOL
) -> list[FieldChange]:
    """What differs from ``left`` to ``right`` (risk: of moving ``left`` to ``right``)."""
    return diff(comparable(left), comparable(right), kind)


def redacted_change(change: FieldChange, secret: frozenset[str]) -> FieldChange:
    """``change`` with its values hidden when its path goes through a secret member."""
    if not set(change.path) & secret:
        return change
    return FieldChange(
        change.path,
        None if change.before is None else REDACTED,
        None if change.after is None else REDACTED,
        change.kind,
    )


def redact(value: Any, secret: frozenset[str]) -> Any:
    """``value`` with every member named in ``secret`` replaced by :data:`REDACTED`."""
    if isinstance(value, Mapping):
        return {
            k: REDACTED if k in secret and v is not None else redact(v, secret)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(item, secret) for item in value]
    return value
