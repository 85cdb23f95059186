"""The public projection of a pool: what a sign-up or sign-in screen needs, nothing else.

Declared once, here: ``PUBLIC_MEMBERS`` maps each member of the public object
to where it comes from in a DescribeUserPool document, and
``SIGN_UP_ATTRIBUTE_MEMBERS`` lists what a schema attribute shows. Nothing
outside these tables can appear: no ARNs, sender configuration, tags, role or
external ids. The result stays botocore-shaped (PascalCase) so each surface
renders it with the types generated from the model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

from gateway import model
from gateway.core.merge import get_path

PUBLIC_MEMBERS: Mapping[str, tuple[str, ...]] = {
    "PasswordPolicy": ("Policies", "PasswordPolicy"),
    "SignInPolicy": ("Policies", "SignInPolicy"),
    "UsernameAttributes": ("UsernameAttributes",),
    "AliasAttributes": ("AliasAttributes",),
    "UsernameConfiguration": ("UsernameConfiguration",),
    "AutoVerifiedAttributes": ("AutoVerifiedAttributes",),
}
SIGN_UP_ATTRIBUTE_MEMBERS = (
    "Name",
    "AttributeDataType",
    "Required",
    "Mutable",
    "NumberAttributeConstraints",
    "StringAttributeConstraints",
)
# GetUserPoolMfaConfig member -> the factor a sign-in screen offers.
MFA_FACTORS: Mapping[str, str] = {
    "SmsMfaConfiguration": "SMS_MFA",
    "SoftwareTokenMfaConfiguration": "SOFTWARE_TOKEN_MFA",
    "EmailMfaConfiguration": "EMAIL_OTP",
}


def public_settings(pool: Mapping[str, Any], mfa: Mapping[str, Any] | None) -> dict[str, Any]:
    """The public object of ``pool`` (a DescribeUserPool document) and its MFA setup
    (a GetUserPoolMfaConfig answer, or None when MFA is off)."""
    projection: dict[str, Any] = {"Id": pool.get("Id")}
    for member, path in PUBLIC_MEMBERS.items():
        value = get_path(pool, path)
        if value is not None:
            projection[member] = value
    projection["SignUpAttributes"] = [
        {k: attribute[k] for k in SIGN_UP_ATTRIBUTE_MEMBERS if attribute.get(k) is not None}
        for attribute in pool.get("SchemaAttributes") or []
        if not attribute.get("DeveloperOnlyAttribute")
    ]
    admin_only = get_path(pool, ("AdminCreateUserConfig", "AllowAdminCreateUserOnly"))
    projection["SelfSignUpEnabled"] = not admin_only
    mode = pool.get("MfaConfiguration") or "OFF"
    projection["Mfa"] = {"Mode": mode, "Factors": mfa_factors(mfa) if mode != "OFF" else []}
    mechanisms = get_path(pool, ("AccountRecoverySetting", "RecoveryMechanisms")) or []
    ordered = sorted(mechanisms, key=lambda m: m.get("Priority", 0))
    projection["AccountRecovery"] = [m["Name"] for m in ordered if m.get("Name")]
    return projection


def mfa_factors(mfa: Mapping[str, Any] | None) -> list[str]:
    factors = []
    for member, factor in MFA_FACTORS.items():
        config = (mfa or {}).get(member)
        if config and not (isinstance(config, Mapping) and config.get("Enabled") is False):
            factors.append(factor)
    return factors


def as_json(projection: Mapping[str, Any]) -> Any:
    """The projection in GraphQL's naming (``passwordPolicy.minimumLength``): the HTTP body."""
    return _camel(projection)


def _camel(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {model.graphql_name(k): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(item) for item in value]
    return value


def json_tag(document: Any) -> str:
    """A strong entity tag of a JSON document served as it is (its keys sorted)."""
    canonical = orjson.dumps(document, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(canonical).hexdigest()[:24]


def public_tag(projection: Mapping[str, Any]) -> str:
    """A strong entity tag of the public object itself (a new custom attribute changes it)."""
    return json_tag(as_json(projection))
