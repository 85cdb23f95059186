"""JSON Merge Patch (RFC 7396) over botocore-shaped dicts, guided by the model.

- absent member: keep the current value;
- ``None``: clear the member (it is then not sent, so Cognito applies its default);
- structures merge recursively, member by member;
- maps merge by key, a ``None`` value deletes the key;
- lists and scalars replace as a whole.

The model decides what is a structure or a map, so a string-keyed map and a
structure are never confused, whatever the values look like.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from botocore.model import MapShape, Shape, StructureShape

from gateway import model


def merge(current: Any, patch: Any, shape: Shape) -> Any:
    """The value of ``shape`` after applying ``patch`` to ``current`` (inputs untouched)."""
    if patch is None:
        return None
    if isinstance(shape, StructureShape | MapShape) and isinstance(patch, Mapping):
        # A fresh dict at this level; deeper levels are copied by the recursion
        # only where the patch reaches, the rest is shared with ``current``.
        result = dict(current) if isinstance(current, Mapping) else {}
        for key, value in patch.items():
            if value is None:
                result.pop(key, None)
                continue
            result[key] = merge(result.get(key), value, model.member_shape(shape, key))
        return result
    return copy.deepcopy(patch)


def patched_paths(patch: Mapping[str, Any], shape: Shape) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every leaf the patch sets, as (path of botocore names or map keys, value).

    A ``None`` is a leaf (a clear); lists and scalars are leaves; structures and
    maps are walked.
    """
    for key, value in patch.items():
        child = model.member_shape(shape, key)
        if (
            value is not None
            and isinstance(child, StructureShape | MapShape)
            and isinstance(value, Mapping)
        ):
            for path, leaf in patched_paths(value, child):
                yield (key, *path), leaf
        else:
            yield (key,), value


def get_path(document: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = document
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value
