"""``update_mask`` -> the same patch dict GraphQL builds (AIP-134, AIP-161).

- Only masked paths change; a masked path unset in ``user_pool`` clears the
  setting (``None`` in the patch), a masked map key unset deletes the key.
- A masked message replaces the whole message (its unset members clear).
- Map entries are addressed by key: ``user_pool_tags.env``, with backticks for
  keys that are not identifiers (``user_pool_tags.`cost-center` ``); a whole
  map may only be cleared, entries are set one by one.
- ``name`` renames the pool (PoolName). Unknown paths, read-only members and
  an empty mask are ``INVALID_ARGUMENT`` naming the path.
- The same rules for an app client's ``user_pool_client`` (``CLIENT_MASKS``).

Paths and the gRPC spelling of botocore paths (``render``) live here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore import xform_name
from botocore.model import ListShape, MapShape, Shape, StructureShape
from google.protobuf.message import Message

from gateway import model
from gateway.api.grpc.convert import field_value, replacement
from gateway.api.grpc.proto import field_name
from gateway.core.kinds import USER_POOL_CLIENT
from gateway.core.rules import writable_path_creating
from gateway.errors import Path

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RENAMED = {"name": "PoolName"}  # UserPool field -> UpdateUserPool member


@dataclass(frozen=True)
class MaskTarget:
    """What a mask of one kind's message addresses: its message's fields (``document``,
    the describe shape), the update's shape and writable members, the fields renamed on
    the way (``name`` -> ``PoolName``) and those that address the resource (skipped)."""

    message: str
    document: StructureShape
    update: StructureShape
    writable: frozenset[str]
    renamed: Mapping[str, str]
    addressing: tuple[str, ...]
    operation: str


POOL_MASKS = MaskTarget(
    "UserPool", model.user_pool_shape(), model.configuration_shape(), model.writable_members(),
    RENAMED, ("id", "etag"), "UpdateUserPool",
)  # fmt: skip
CLIENT_MASKS = MaskTarget(
    "UserPoolClient", USER_POOL_CLIENT.document_shape, USER_POOL_CLIENT.update_shape,
    USER_POOL_CLIENT.writable_members, {}, ("name", "etag", "user_pool_id", "client_id"),
    USER_POOL_CLIENT.update,
)  # fmt: skip


@dataclass(frozen=True)
class MaskError(Exception):
    """A bad mask path: which one (index into update_mask.paths) and why."""

    index: int | None
    description: str


def quote(key: str) -> str:
    """A map key as a path segment: bare if an identifier, else in backticks."""
    return key if _IDENTIFIER.match(key) else "`" + key.replace("`", "``") + "`"


def render(path: Path, operation: str = "UpdateUserPool") -> str:
    """A botocore path in mask syntax: ``policies.password_policy.minimum_length``."""
    shape = model.document_shape(operation)
    written_as = {m: n for n, m in RENAMED.items()} if operation == "UpdateUserPool" else {}
    segments = model.render_path(
        shape, path, lambda m: written_as.get(m) or field_name(m), key=quote
    )
    return ".".join(s if not s.startswith("[") else s[1:-1] for s in segments)


def split(path: str) -> list[str]:
    """``user_pool_tags.`a.b`.x`` -> ``["user_pool_tags", "a.b", "x"]``."""
    segments: list[str] = []
    current, quoted, index = "", False, 0
    while index < len(path):
        char = path[index]
        if quoted and char == "`" and path[index + 1 : index + 2] == "`":
            current += "`"
            index += 1
        elif char == "`":
            quoted = not quoted
        elif char == "." and not quoted:
            segments.append(current)
            current = ""
        else:
            current += char
        index += 1
    if quoted:
        raise ValueError("an unclosed backtick")
    segments.append(current)
    if any(segment == "" for segment in segments):
        raise ValueError("an empty segment")
    return segments


@dataclass(frozen=True)
class MaskedPatch:
    """The patch a mask makes, and the maps it names whole: those are replaced by the
    request's entries (AIP-134), which the patch alone cannot say (it merges by key)."""

    patch: dict[str, Any]
    replaced: tuple[Path, ...]


def mask_to_patch(
    user_pool: Message, paths: Sequence[str], target: MaskTarget = POOL_MASKS
) -> MaskedPatch:
    """The patch that changes exactly ``paths``, with the values ``user_pool`` (or the
    message of ``target``'s kind) holds. A value it holds that no path names is
    refused, never dropped."""
    if not paths:
        raise MaskError(None, "update_mask is required: list the paths to change")
    patch: dict[str, Any] = {}
    replaced: list[Path] = []
    for index, path in enumerate(paths):
        try:
            keys, value = _resolve(user_pool, split(path), target)
        except ValueError as error:
            raise MaskError(index, f"{path}: {error}") from None
        writable_path_creating(patch, tuple(keys[:-1]))[keys[-1]] = value
        if isinstance(model.shape_at(target.update, keys), MapShape):
            replaced.append(tuple(keys))
    _refuse_unmasked(user_pool, [split(path) for path in paths], target)
    return MaskedPatch(patch, tuple(replaced))


def _refuse_unmasked(message: Message, masked: list[list[str]], target: MaskTarget) -> None:
    field = xform_name(target.message)
    for leaf in _set_leaves(message, [], target.addressing):
        if not any(leaf[: len(path)] == path for path in masked):
            shown = ".".join(quote(s) for s in leaf)
            raise MaskError(
                None,
                f"{field}.{shown} is set but no path names it: add it to update_mask "
                "(a map by key, or the whole map to replace it), or leave it unset",
            )


def _set_leaves(
    message: Message, prefix: list[str], addressing: tuple[str, ...]
) -> Iterator[list[str]]:
    """Every set field of ``message`` as mask segments; map entries by key."""
    for descriptor, value in message.ListFields():
        here = [*prefix, descriptor.name]
        if not prefix and descriptor.name in addressing:
            continue  # the resource's name for the call, and output-only fields
        entry = descriptor.message_type
        if entry is not None and entry.GetOptions().map_entry:
            for key in value:
                yield [*here, str(key)]
        elif entry is not None and not _repeated(descriptor) and value.ListFields():
            yield from _set_leaves(value, here, addressing)
        else:
            yield here


def parse(paths: Sequence[str]) -> list[Path]:
    """Mask paths as botocore paths of UpdateUserPool, without values (copy_mask)."""
    parsed: list[Path] = []
    for index, path in enumerate(paths):
        try:
            keys, _ = _resolve(None, split(path))
        except ValueError as error:
            raise MaskError(index, f"{path}: {error}") from None
        parsed.append(tuple(keys))
    return parsed


def _resolve(
    user_pool: Message | None, segments: list[str], target: MaskTarget = POOL_MASKS
) -> tuple[list[str], Any]:
    """The patch keys (botocore names, map keys) of a path and the value to write
    (``user_pool`` None: only the keys)."""
    shape: Shape = target.update
    message: Message | None = user_pool
    head, *rest = segments
    member = target.renamed.get(head) or _member_of(target.document, head)
    if member is None and head not in target.addressing:
        raise ValueError(f"no such field of {target.message}")
    if member not in target.writable:
        raise ValueError(f"read-only: {target.operation} cannot change it")
    keys = [member]
    name = head
    assert isinstance(shape, StructureShape)
    shape = shape.members[member]
    for position, segment in enumerate(rest):
        if isinstance(shape, StructureShape):
            message = _child(message, name)
            child = _member_of(shape, segment)
            if child is None:
                raise ValueError(f"{segment!r} is not a field here")
            keys.append(child)
            shape, name = shape.members[child], segment
        elif isinstance(shape, MapShape) and position == len(rest) - 1:
            entries = getattr(message, name) if message is not None else {}
            keys.append(segment)
            return keys, _map_entry(shape, entries, segment)
        else:
            raise ValueError("paths end at a list, a map key or a value")
    return keys, _leaf(message, name, shape)


def _repeated(descriptor: Any) -> bool:
    return bool(descriptor.is_repeated)


def _child(message: Message | None, name: str) -> Message | None:
    return getattr(message, name) if message is not None and message.HasField(name) else None


def _map_entry(shape: MapShape, entries: Any, key: str) -> Any:
    if key not in entries:
        return None  # unset: delete the key
    value = entries[key]
    if isinstance(shape.value, StructureShape):
        return replacement(shape.value, value)
    return value


def _leaf(message: Message | None, name: str, shape: Shape) -> Any:
    if message is None:
        return None
    if isinstance(shape, StructureShape):
        return replacement(shape, getattr(message, name)) if message.HasField(name) else None
    if isinstance(shape, ListShape | MapShape) or message.HasField(name):
        return field_value(message, name, shape)
    return None


def _member_of(shape: StructureShape, name: str) -> str | None:
    return next((m for m in shape.members if field_name(m) == name), None)
