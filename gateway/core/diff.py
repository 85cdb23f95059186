"""Leaf-level differences between two UpdateUserPool requests, as botocore paths.

A change's path is a tuple of member names and map keys
(``("Policies", "PasswordPolicy", "MinimumLength")``, ``("UserPoolTags", "env")``);
each surface renders it in its own naming.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.model import MapShape, Shape, StructureShape

from gateway import model
from gateway.core.kinds import USER_POOL, ResourceKind
from gateway.core.risk import Risk, risk_of
from gateway.errors import Path


@dataclass(frozen=True)
class FieldChange:
    path: Path
    before: Any
    after: Any
    kind: str = "UserPool"  # the resource kind (``core/kinds``) whose member changed

    @property
    def risk(self) -> Risk:
        """``HIGH`` when the change weakens the resource (see ``core/risk.py``)."""
        return risk_of(self.path, self.before, self.after, self.kind)


def leaves(value: Any, shape: Shape, path: Path = ()) -> dict[Path, Any]:
    """Flatten a request into {path: leaf}; lists and scalars are leaves."""
    if not (isinstance(value, Mapping) and isinstance(shape, StructureShape | MapShape)):
        return {path: value}
    found: dict[Path, Any] = {}
    for key, item in value.items():
        found.update(leaves(item, model.member_shape(shape, key), (*path, key)))
    return found


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any], kind: ResourceKind = USER_POOL
) -> list[FieldChange]:
    """Leaf-level changes between two update requests of ``kind``, sorted by path.

    Only members that differ as a whole are flattened: a patch changes a few.
    """
    shape = kind.configuration_shape
    changes = []
    for member in sorted(set(before) | set(after)):
        if before.get(member) == after.get(member):
            continue
        child = shape.members[member]
        old = leaves(before.get(member), child, (member,))
        new = leaves(after.get(member), child, (member,))
        for path in sorted(set(old) | set(new)):
            if old.get(path) != new.get(path):
                changes.append(FieldChange(path, old.get(path), new.get(path), kind.name))
    return changes
