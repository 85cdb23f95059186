"""The JSON Schema of the public-settings object, for the OpenAPI document: from the
tables of ``core/public.py`` and the botocore model (types, enums, ranges), in the
camelCase names the HTTP body uses. Nothing here lists a Cognito field."""

from __future__ import annotations

from functools import cache
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from gateway import model
from gateway.core.public import MFA_FACTORS, PUBLIC_MEMBERS, SIGN_UP_ATTRIBUTE_MEMBERS

NUMBERS = {"integer": "integer", "long": "integer", "float": "number", "double": "number"}


def json_schema(shape: Shape) -> dict[str, Any]:
    """A botocore shape as JSON Schema (the model's shapes here hold no cycles)."""
    if isinstance(shape, StructureShape):
        return {
            "type": "object",
            "properties": {
                model.graphql_name(name): json_schema(member)
                for name, member in shape.members.items()
            },
        }
    if isinstance(shape, ListShape):
        return {"type": "array", "items": json_schema(shape.member)}
    if isinstance(shape, MapShape):
        return {"type": "object", "additionalProperties": json_schema(shape.value)}
    limits = model.limits(shape)
    if shape.type_name in NUMBERS:
        schema: dict[str, Any] = {"type": NUMBERS[shape.type_name]}
        bounds = {"minimum": limits.minimum, "maximum": limits.maximum}
    elif shape.type_name == "boolean":
        return {"type": "boolean"}
    elif shape.type_name == "timestamp":
        return {"type": "string", "format": "date-time"}
    else:
        # No lengths: they bind what a caller sends, not what Cognito answers (standard
        # attribute names such as ``phone_number_verified`` exceed the name's maximum).
        schema, bounds = {"type": "string"}, {}
        if limits.enum:
            schema["enum"] = list(limits.enum)
    schema.update({k: v for k, v in bounds.items() if v is not None})
    return schema


@cache
def public_settings_schema() -> dict[str, Any]:
    pool = model.user_pool_shape()
    properties: dict[str, Any] = {"id": json_schema(model.shape_at(pool, ("Id",)))}
    for member, path in PUBLIC_MEMBERS.items():
        properties[model.graphql_name(member)] = json_schema(model.shape_at(pool, path))
    attribute = model.shape_at(pool, ("SchemaAttributes",))
    assert isinstance(attribute, ListShape) and isinstance(attribute.member, StructureShape)
    shown = attribute.member.members
    properties["signUpAttributes"] = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                model.graphql_name(name): json_schema(shown[name])
                for name in SIGN_UP_ATTRIBUTE_MEMBERS
            },
        },
    }
    properties["selfSignUpEnabled"] = {"type": "boolean"}
    properties["mfa"] = {
        "type": "object",
        "properties": {
            "mode": json_schema(model.shape_at(pool, ("MfaConfiguration",))),
            "factors": {
                "type": "array",
                "items": {"type": "string", "enum": list(MFA_FACTORS.values())},
            },
        },
    }
    recovery = model.shape_at(pool, ("AccountRecoverySetting", "RecoveryMechanisms"))
    assert isinstance(recovery, ListShape) and isinstance(recovery.member, StructureShape)
    properties["accountRecovery"] = {
        "type": "array",
        "items": json_schema(recovery.member.members["Name"]),
    }
    properties["version"] = {
        "type": "string",
        "description": "The entity tag of this object (also the ETag header, unquoted).",
    }
    return {
        "type": "object",
        "properties": properties,
        "required": [
            "id",
            "signUpAttributes",
            "selfSignUpEnabled",
            "mfa",
            "accountRecovery",
            "version",
        ],
        "additionalProperties": False,
    }
