"""Checks of patches and requests against the model and the cross-field rules.

Everything here runs before any call to AWS. A failure is a ``BAD_USER_INPUT``
naming the field (GraphQL names, e.g. ``patch.policies.passwordPolicy.minimumLength``)
and the rule it broke.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from botocore.model import MapShape, Shape, StructureShape

from gateway import model
from gateway.core.rules import CUSTOM_SENDER_TRIGGERS, RESERVED_TAG_PREFIX, is_reserved_tag
from gateway.errors import ErrorCode, GatewayError

Path = tuple[str, ...]


def field_path(root: str, path: Iterable[str], shape: Shape | None = None) -> str:
    """``("Policies", "PasswordPolicy")`` -> ``patch.policies.passwordPolicy``; keys: ``[k]``."""
    text = root
    current = shape
    for key in path:
        if isinstance(current, MapShape):
            text += f"[{key}]"
            current = current.value
        else:
            text += f".{model.graphql_name(key)}"
            current = current.members.get(key) if isinstance(current, StructureShape) else None
    return text


def invalid(message: str, field: str, rule: str) -> GatewayError:
    return GatewayError(f"{field}: {message}", ErrorCode.BAD_USER_INPUT, field=field, rule=rule)


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


def check_values(value: Any, shape: Shape, field: str) -> None:
    """Model rules for one value: type, enum, length, range, pattern (recursively).

    ``None`` inside a structure or map means "clear" and is always allowed here;
    required members are checked on the merged request instead.
    """
    if value is None:
        return
    rules = model.limits(shape)
    if isinstance(shape, StructureShape):
        if not isinstance(value, Mapping):
            raise invalid("must be an object", field, "type")
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                raise invalid(f"unknown member {key}", field, "unknown")
            check_values(item, member, f"{field}.{model.graphql_name(key)}")
        return
    if isinstance(shape, MapShape):
        _check_size(len(value), rules, field, "entries")
        for key, item in value.items():
            check_values(key, shape.key, f"{field}[{key}].key")
            check_values(item, shape.value, f"{field}[{key}]")
        return
    if shape.type_name == "list":
        _check_size(len(value), rules, field, "items")
        for index, item in enumerate(value):
            check_values(item, shape.member, f"{field}[{index}]")
        return
    if shape.type_name in ("integer", "long"):
        if rules.minimum is not None and value < rules.minimum:
            raise invalid(f"must be at least {rules.minimum} (got {value})", field, "min")
        if rules.maximum is not None and value > rules.maximum:
            raise invalid(f"must be at most {rules.maximum} (got {value})", field, "max")
        return
    if shape.type_name == "string":
        if rules.enum and value not in rules.enum:
            raise invalid(f"must be one of {', '.join(rules.enum)}", field, "enum")
        _check_size(len(value), rules, field, "characters")
        compiled = _compiled(rules.pattern) if rules.pattern else None
        if compiled is not None and not compiled.fullmatch(value):
            raise invalid(f"does not match the pattern {rules.pattern}", field, "pattern")


def _check_size(size: int, rules: model.Limits, field: str, unit: str) -> None:
    if rules.minimum is not None and size < rules.minimum:
        raise invalid(f"needs at least {rules.minimum} {unit} (got {size})", field, "min")
    if rules.maximum is not None and size > rules.maximum:
        raise invalid(f"allows at most {rules.maximum} {unit} (got {size})", field, "max")


def check_required(value: Any, shape: Shape, field: str) -> None:
    """Every structure present in ``value`` has its required members (recursively)."""
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        for required in model.required_members(shape):
            if value.get(required) is None:
                name = f"{field}.{model.graphql_name(required)}"
                raise invalid(f"is required when {field} is set", name, "required")
        for key, item in value.items():
            member = shape.members.get(key)
            if member is not None:
                check_required(item, member, f"{field}.{model.graphql_name(key)}")
    elif isinstance(shape, MapShape) and isinstance(value, Mapping):
        for key, item in value.items():
            check_required(item, shape.value, f"{field}[{key}]")
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            check_required(item, shape.member, f"{field}[{index}]")


def check_reserved_tags(tags: Mapping[str, Any] | None, field: str) -> None:
    """Rule 7: ``aws:`` keys are AWS's; a client may neither set nor delete them."""
    for key in tags or {}:
        if is_reserved_tag(key):
            raise invalid(
                f"tag keys starting with '{RESERVED_TAG_PREFIX}' are reserved by AWS",
                f"{field}[{key}]",
                "reserved",
            )


def check_cross_fields(request: Mapping[str, Any], touched: set[str], root: str) -> None:
    """Rule 9 and rule 5: settings that only make sense together.

    Checked only when the patch touches one of the settings involved, so an
    unrelated patch on a pool that already breaks a rule is not blocked.
    """
    verifies_phone = "phone_number" in (request.get("AutoVerifiedAttributes") or [])
    sms_touched = touched & {"AutoVerifiedAttributes", "SmsConfiguration"}
    if sms_touched and verifies_phone and not request.get("SmsConfiguration"):
        raise invalid(
            "phone_number can only be auto-verified when smsConfiguration is set",
            f"{root}.autoVerifiedAttributes",
            "requires-sms-configuration",
        )
    if touched & {"UserPoolAddOns", "UserPoolTier"}:
        mode = (request.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode")
        if mode not in (None, "OFF") and request.get("UserPoolTier") != "PLUS":
            raise invalid(
                f"threat protection ({mode}) requires userPoolTier PLUS",
                f"{root}.userPoolAddOns.advancedSecurityMode",
                "requires-plus-tier",
            )
    if "LambdaConfig" in touched:
        lambdas = request.get("LambdaConfig") or {}
        if any(lambdas.get(t) for t in CUSTOM_SENDER_TRIGGERS) and not lambdas.get("KMSKeyID"):
            raise invalid(
                "custom sender triggers need a KMS key to encrypt codes",
                f"{root}.lambdaConfig.kmsKeyID",
                "requires-kms-key",
            )
