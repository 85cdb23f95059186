"""The gRPC contract, generated from the botocore model: ``gateway export-proto``.

Every ``UserPoolType`` member (recursively) and the whole
``CreateUserPoolRequest`` become protobuf messages (the export's answer is a
wire-identical twin of the latter), and so do ``UserPoolClientType`` and
``CreateUserPoolClientRequest`` for the app clients' service; every message,
field and enum value has a comment, the model's documentation where it has
one; names are botocore's own ``xform_name`` (``KMSKeyID`` -> ``kms_key_id``),
enums follow the protobuf style guide (values prefixed with the enum's
UPPER_SNAKE name, a zero ``..._UNSPECIFIED``), scalars have explicit presence.

Field and enum numbers never move: they come from a committed registry
(``field_numbers.json`` beside the proto). A member the registry does not know
gets the next free number of its message; a member the model dropped becomes
``reserved``. :func:`generate` returns the proto text and the registry to
commit with it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore import xform_name
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

from gateway import model
from gateway.core.kinds import USER_POOL_CLIENT

PACKAGE = "cognito_gateway.v1"
SERVICE = f"{PACKAGE}.UserPoolService"
CLIENT_SERVICE = f"{PACKAGE}.UserPoolClientService"
SERVICES = (SERVICE, CLIENT_SERVICE)
PROTO_FILE = "cognito_gateway/v1/user_pool.proto"
REGISTRY_FILE = "cognito_gateway/v1/field_numbers.json"
SCALARS = {
    "string": "string",
    "integer": "int32",
    "long": "int64",
    "boolean": "bool",
    "double": "double",
    "float": "float",
    "blob": "bytes",
    "timestamp": "google.protobuf.Timestamp",
}
EXPORT_MESSAGE = "ExportUserPoolResponse"
POOL_EXTRA_FIELDS = ("etag",)  # fields of UserPool that are not botocore members
Registry = dict[str, Any]


def field_name(member: str) -> str:
    return str(xform_name(member))


def enum_prefix(shape_name: str) -> str:
    return str(xform_name(shape_name)).upper()


def enum_value_name(shape_name: str, api_value: str) -> str:
    """``DeletionProtectionType`` + ``ACTIVE`` -> ``DELETION_PROTECTION_TYPE_ACTIVE``."""
    return f"{enum_prefix(shape_name)}_{re.sub(r'[^A-Za-z0-9]', '_', api_value).upper()}"


def message_name(shape: StructureShape) -> str:
    return model.type_name(str(shape.name))


def is_enum(shape: Shape) -> bool:
    return shape.type_name == "string" and bool(getattr(shape, "enum", None))


@dataclass
class ProtoField:
    name: str
    type: str
    label: str  # "optional", "repeated" or "" (messages and maps)
    comment: str | None
    number: int = 0


@dataclass
class ProtoMessage:
    name: str
    comment: str | None
    fields: list[ProtoField]
    reserved: dict[str, int] = field(default_factory=dict)
    numbered_as: str | None = None  # a wire-identical twin: that message's numbers, always


@dataclass
class ProtoEnum:
    name: str
    comment: str | None
    values: list[tuple[str, int]]  # (API value, number)
    reserved: dict[str, int] = field(default_factory=dict)


class _Collector:
    """Walks the model from the roots and builds every message and enum once."""

    def __init__(self, service: ServiceModel) -> None:
        self.service = service
        self.messages: dict[str, ProtoMessage] = {}
        self.enums: dict[str, ProtoEnum] = {}

    def structure(self, shape: StructureShape, extra: tuple[ProtoField, ...] = ()) -> str:
        name = message_name(shape)
        if name in self.messages:
            return name
        comment = model.plain_documentation(shape.documentation) or _from_api(shape.name)
        message = ProtoMessage(name, comment, [*extra])
        self.messages[name] = message
        for member_name, member in shape.members.items():
            message.fields.append(self.member(member_name, member))
        return name

    def member(self, member_name: str, member: Shape) -> ProtoField:
        comment = model.plain_documentation(member.documentation) or _from_api(member_name)
        if isinstance(member, MapShape):
            value = self.value_type(member.value)
            return ProtoField(field_name(member_name), f"map<string, {value}>", "", comment)
        if isinstance(member, ListShape):
            if isinstance(member.member, ListShape | MapShape):
                raise ValueError(f"{member_name}: lists of lists or maps have no proto form")
            return ProtoField(
                field_name(member_name), self.value_type(member.member), "repeated", comment
            )
        type_name = self.value_type(member)
        label = "" if isinstance(member, StructureShape) else "optional"
        return ProtoField(field_name(member_name), type_name, label, comment)

    def value_type(self, shape: Shape) -> str:
        if isinstance(shape, StructureShape):
            return self.structure(shape)
        if is_enum(shape):
            return self.enum(shape)
        return SCALARS[shape.type_name]

    def enum(self, shape: Shape) -> str:
        if shape.name not in self.enums:
            values = list(getattr(shape, "enum", []))
            names = [enum_value_name(shape.name, v) for v in values]
            if len(set(names)) != len(names):
                raise ValueError(f"{shape.name}: enum values collide once upper-cased")
            self.enums[shape.name] = ProtoEnum(
                str(shape.name),
                model.plain_documentation(shape.documentation) or _from_api(shape.name),
                [(v, 0) for v in values],
            )
        return str(shape.name)


def collect(service: ServiceModel | None = None) -> tuple[list[ProtoMessage], list[ProtoEnum]]:
    """The generated messages and enums, unnumbered, from ``service`` (default: botocore's)."""
    service = service or model.service_model()
    collector = _Collector(service)
    pool_shape = model.with_mfa_members(service.shape_for(model.USER_POOL_SHAPE), service)
    create_shape = model.with_mfa_members(
        service.operation_model("CreateUserPool").input_shape, service
    )
    assert isinstance(pool_shape, StructureShape) and isinstance(create_shape, StructureShape)
    etag = ProtoField(
        "etag",
        "string",
        "optional",
        "Output only. The pool's version (GraphQL's `version`); pass it as "
        "UpdateUserPoolRequest.etag to make an update conditional.",
    )
    collector.structure(pool_shape, extra=(etag,))
    client_shape = service.operation_model(USER_POOL_CLIENT.describe).output_shape.members[
        USER_POOL_CLIENT.answer_member
    ]
    assert isinstance(client_shape, StructureShape)
    collector.structure(client_shape, extra=tuple(map(dataclasses.replace, CLIENT_EXTRA_FIELDS)))
    collector.structure(service.operation_model(USER_POOL_CLIENT.create).input_shape)
    request = collector.messages[collector.structure(create_shape)]
    collector.messages[EXPORT_MESSAGE] = ProtoMessage(
        EXPORT_MESSAGE,
        "The pool's writable configuration: field for field (same names and numbers) a "
        "CreateUserPoolRequest, so its bytes or JSON go to CreateUserPool unchanged, or "
        "into Git.",
        [dataclasses.replace(f) for f in request.fields],
        numbered_as=request.name,
    )
    return list(collector.messages.values()), list(collector.enums.values())


# Fields of UserPoolClient that are not botocore members: its AIP-122 name and its etag.
CLIENT_EXTRA_FIELDS = (
    ProtoField(
        "name",
        "string",
        "optional",
        "The client's resource name, `userPools/{pool id}/clients/{client id}` (AIP-122): "
        "what GetUserPoolClient and UpdateUserPoolClient take.",
    ),
    ProtoField(
        "etag",
        "string",
        "optional",
        "Output only. The client's version (GraphQL's `version`); pass it as "
        "UpdateUserPoolClientRequest.etag to make an update conditional.",
    ),
)


def _from_api(name: str) -> str:
    """The comment of what the model leaves undocumented: where it comes from."""
    return f"`{name}` in the Cognito API."


def number(messages: list[ProtoMessage], enums: list[ProtoEnum], registry: Registry) -> Registry:
    """Give every field and enum value its registered number, new ones the next free
    number, and turn registered names the model no longer has into ``reserved``."""
    result: Registry = {"messages": {}, "enums": {}}
    for message in sorted(messages, key=lambda m: m.numbered_as is not None):
        known = registry.get("messages", {}).get(message.name, {})
        if message.numbered_as is not None:
            known = result["messages"][message.numbered_as]
        numbers, reserved = _assign(
            [f.name for f in message.fields], known.get("fields", {}), known.get("reserved", {})
        )
        for proto_field in message.fields:
            proto_field.number = numbers[proto_field.name]
        message.reserved = reserved
        result["messages"][message.name] = {"fields": numbers, "reserved": reserved}
    for enum in enums:
        known = registry.get("enums", {}).get(enum.name, {})
        numbers, reserved = _assign(
            [v for v, _ in enum.values], known.get("values", {}), known.get("reserved", {})
        )
        enum.values = [(v, numbers[v]) for v, _ in enum.values]
        enum.reserved = reserved
        result["enums"][enum.name] = {"values": numbers, "reserved": reserved}
    return result


def _assign(
    names: list[str], known: dict[str, int], reserved: dict[str, int]
) -> tuple[dict[str, int], dict[str, int]]:
    dropped = {name: n for name, n in known.items() if name not in names}
    reserved = {**reserved, **dropped}
    used = set(known.values()) | set(reserved.values())
    numbers = {name: known[name] for name in names if name in known}
    for name in names:
        if name not in numbers:
            numbers[name] = max(used, default=0) + 1
            used.add(numbers[name])
    return numbers, dict(sorted(reserved.items(), key=lambda item: item[1]))


def load_registry(root: Path) -> Registry:
    path = root / REGISTRY_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def generate(registry: Registry, service: ServiceModel | None = None) -> tuple[str, Registry]:
    """The proto text and the registry that numbers it."""
    messages, enums = collect(service)
    numbered = number(messages, enums, registry)
    writable = model.writable_members()
    pool = next(m for m in messages if m.name == "UserPool")
    for proto_field in pool.fields:
        member = next((m for m in writable if field_name(m) == proto_field.name), None)
        if proto_field.name == "name":
            member = "PoolName"
        if member is None and proto_field.name != "etag":
            proto_field.comment = (proto_field.comment or "") + " Output only."
    _mark_output_only(messages, "UserPoolClient", USER_POOL_CLIENT.writable_members, {"name"})
    leading = ("UserPool", "CreateUserPoolRequest", EXPORT_MESSAGE, "UserPoolClient")
    first = [m for m in messages if m.name in leading]
    rest = sorted((m for m in messages if m not in first), key=lambda m: m.name)
    parts = [HEADER, *(_message(m) for m in [*first, *rest])]
    parts += [_enum(e) for e in sorted(enums, key=lambda e: e.name)]
    return "\n".join(parts), numbered


def _mark_output_only(
    messages: list[ProtoMessage], name: str, writable: frozenset[str], kept: set[str]
) -> None:
    message = next(m for m in messages if m.name == name)
    written = {field_name(m) for m in writable} | kept | {"etag"}
    for proto_field in message.fields:
        if proto_field.name not in written:
            proto_field.comment = (proto_field.comment or "") + " Output only."


def _comment(text: str | None, indent: str = "") -> list[str]:
    if not text:
        return []
    return [f"{indent}// {line}" for line in textwrap.wrap(text.strip(), 96 - len(indent))]


def _message(message: ProtoMessage) -> str:
    lines = [*_comment(message.comment), f"message {message.name} {{"]
    if message.reserved:
        lines.append(f"  reserved {', '.join(str(n) for n in message.reserved.values())};")
        lines.append(f"  reserved {', '.join(json.dumps(n) for n in message.reserved)};")
    for proto_field in sorted(message.fields, key=lambda f: f.number):
        lines += _comment(proto_field.comment, "  ")
        label = f"{proto_field.label} " if proto_field.label else ""
        lines.append(f"  {label}{proto_field.type} {proto_field.name} = {proto_field.number};")
    lines.append("}\n")
    return "\n".join(lines)


def _enum(enum: ProtoEnum) -> str:
    prefix = enum_prefix(enum.name)
    lines = [*_comment(enum.comment), f"enum {enum.name} {{"]
    if enum.reserved:
        lines.append(f"  reserved {', '.join(str(n) for n in enum.reserved.values())};")
    lines.append("  // Unset.")
    lines.append(f"  {prefix}_UNSPECIFIED = 0;")
    for api_value, value_number in sorted(enum.values, key=lambda v: v[1]):
        lines.append(f"  // `{api_value}` in the Cognito API.")
        lines.append(f"  {enum_value_name(enum.name, api_value)} = {value_number};")
    lines.append("}\n")
    return "\n".join(lines)


def iter_enum_values(enums: list[ProtoEnum]) -> Iterator[tuple[str, str, str]]:
    for enum in enums:
        for api_value, _ in enum.values:
            yield enum.name, api_value, enum_value_name(enum.name, api_value)


# The hand-written part of the contract: the service, its requests and responses.
HEADER = Path(__file__).with_name("service_header.proto.in").read_text()
