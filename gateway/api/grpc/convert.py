"""botocore-shaped dicts <-> the generated protobuf messages, walked by the model.

Enum values travel as the API spells them in dicts (``phone_number``) and as
the protobuf enum's value names in messages
(``VERIFIED_ATTRIBUTE_TYPE_PHONE_NUMBER``); ``..._UNSPECIFIED`` reads as unset.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.utils import parse_timestamp
from google.protobuf.message import Message

from gateway.api.grpc.proto import enum_value_name, field_name, is_enum

log = logging.getLogger(__name__)


def to_message(shape: StructureShape, document: Mapping[str, Any], message: Message) -> Message:
    """Fill ``message`` from a botocore document of ``shape`` (members it lacks stay unset)."""
    message.SetInParent()
    for member_name, member in shape.members.items():
        value = document.get(member_name)
        if value is not None:
            _set(message, field_name(member_name), member, value)
    return message


def _set(message: Message, name: str, member: Shape, value: Any) -> None:
    if isinstance(member, StructureShape):
        to_message(member, value, getattr(message, name))
    elif isinstance(member, MapShape):
        _set_map(getattr(message, name), member, value)
    elif isinstance(member, ListShape):
        _set_list(getattr(message, name), member, value)
    elif member.type_name == "timestamp":
        getattr(message, name).FromDatetime(_datetime(value))
    else:
        converted = _scalar_out(member, value)
        if converted is not None:
            setattr(message, name, converted)


def _set_map(target: Any, member: MapShape, value: Mapping[str, Any]) -> None:
    for key, item in value.items():
        if isinstance(member.value, StructureShape):
            to_message(member.value, item, target[key])
        else:
            target[key] = _scalar_out(member.value, item)


def _set_list(target: Any, member: ListShape, value: list[Any]) -> None:
    for item in value:
        if isinstance(member.member, StructureShape):
            to_message(member.member, item, target.add())
        else:
            converted = _scalar_out(member.member, item)
            if converted is not None:
                target.append(converted)


def _scalar_out(shape: Shape, value: Any) -> Any:
    if is_enum(shape):
        if value not in (getattr(shape, "enum", None) or ()):
            log.warning("enum value not in the service model", extra={"enum": shape.name})
            return None
        return enum_value_name(shape.name, str(value))
    if shape.type_name == "timestamp":
        return _datetime(value)
    return value


def proto_json(shape: Shape, value: Any) -> Any:
    """A botocore value as the message's protobuf JSON spells it: camelCase field names,
    enum values by their protobuf names (``DELETION_PROTECTION_TYPE_ACTIVE``), so a
    ``FieldChange`` says a value the way ``user_pool`` in the same answer does."""
    if value is None:
        return None
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        return {
            _json_name(field_name(name)): proto_json(shape.members[name], item)
            for name, item in value.items()
            if name in shape.members
        }
    if isinstance(shape, MapShape) and isinstance(value, Mapping):
        return {key: proto_json(shape.value, item) for key, item in value.items()}
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [proto_json(shape.member, item) for item in value]
    if is_enum(shape) and value in (getattr(shape, "enum", None) or ()):
        return enum_value_name(shape.name, str(value))
    return value


def _json_name(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _datetime(value: Any) -> datetime.datetime:
    return value if isinstance(value, datetime.datetime) else parse_timestamp(value)


def to_document(shape: StructureShape, message: Message) -> dict[str, Any]:
    """The botocore document a message says: set fields only (for create requests)."""
    document: dict[str, Any] = {}
    for member_name, member in shape.members.items():
        value = field_value(message, field_name(member_name), member)
        if value is not None:
            document[member_name] = value
    return document


def field_value(message: Message, name: str, member: Shape) -> Any:
    """One field as a botocore value; None when unset (or empty, for lists and maps)."""
    if isinstance(member, StructureShape):
        return to_document(member, getattr(message, name)) if message.HasField(name) else None
    if isinstance(member, MapShape):
        entries = getattr(message, name)
        if not entries:
            return None
        if isinstance(member.value, StructureShape):
            return {k: to_document(member.value, v) for k, v in entries.items()}
        return {k: _scalar_in(member.value, v, message, name) for k, v in entries.items()}
    if isinstance(member, ListShape):
        items = getattr(message, name)
        if not items:
            return None
        if isinstance(member.member, StructureShape):
            return [to_document(member.member, item) for item in items]
        return [_scalar_in(member.member, item, message, name) for item in items]
    if not message.HasField(name):
        return None
    if member.type_name == "timestamp":
        return getattr(message, name).ToDatetime(tzinfo=datetime.UTC)
    return _scalar_in(member, getattr(message, name), message, name)


def replacement(shape: StructureShape, message: Message) -> dict[str, Any]:
    """A structure that replaces the current one (AIP-161): unset members clear."""
    document: dict[str, Any] = {}
    for member_name, member in shape.members.items():
        name = field_name(member_name)
        if isinstance(member, StructureShape):
            document[member_name] = (
                replacement(member, getattr(message, name)) if message.HasField(name) else None
            )
        else:
            document[member_name] = field_value(message, name, member)
    return document


def _scalar_in(shape: Shape, value: Any, message: Message, name: str) -> Any:
    if not is_enum(shape):
        return value
    enum_type = message.DESCRIPTOR.fields_by_name[name].enum_type
    label = enum_type.values_by_number[value].name
    by_label = {enum_value_name(shape.name, v): v for v in getattr(shape, "enum", ())}
    return by_label.get(label)  # the zero value (UNSPECIFIED) is unset
