"""``PublicUserPoolSettings``: the public projection in GraphQL, built from the generated types.

Each field's type is the generated type of the member it comes from
(``gateway.core.public.PUBLIC_MEMBERS`` walks ``UserPoolType``), and
``SignUpAttribute`` is ``SchemaAttributeType`` cut to the public members: the
table in the core is the only list of what is public.

No ``from __future__ import annotations`` here: strawberry must see the
generated classes as objects.
"""

from typing import Any, Optional

import strawberry
from botocore.model import Shape, StructureShape

from gateway import model
from gateway.api.graphql.shapes import describe, make_class
from gateway.api.graphql.types import ENUMS, OUTPUTS
from gateway.core.public import PUBLIC_MEMBERS, SIGN_UP_ATTRIBUTE_MEMBERS


def _member_shape(path: tuple[str, ...]) -> Shape:
    shape: Shape = model.user_pool_shape()
    for key in path:
        assert isinstance(shape, StructureShape)
        shape = shape.members[key]
    return shape


def _field(annotation: Any, name: str, description: str | None) -> tuple[Any, Any]:
    return (
        Optional[annotation],  # noqa: UP045 - a runtime object, not syntax
        strawberry.field(name=name, description=description, default=None),
    )


SCHEMA_ATTRIBUTE = model.shape("SchemaAttributeType")
assert isinstance(SCHEMA_ATTRIBUTE, StructureShape)
SignUpAttribute = make_class(
    "SignUpAttribute",
    {
        member: _field(
            OUTPUTS.annotation(SCHEMA_ATTRIBUTE.members[member]),
            model.graphql_name(member),
            describe(SCHEMA_ATTRIBUTE.members[member]),
        )
        for member in SIGN_UP_ATTRIBUTE_MEMBERS
    },
    description="A user attribute a sign-up form may ask for (not developer-only).",
    is_input=False,
)
MfaMode = ENUMS.get(model.user_pool_shape().members["MfaConfiguration"])
RecoveryOption = ENUMS.get(model.shape("RecoveryOptionNameType"))


@strawberry.type(description="How a pool's users sign in with a second factor.")
class PublicMfa:
    mode: MfaMode  # type: ignore[valid-type]
    factors: list[str] = strawberry.field(
        description="Factors a sign-in screen may offer: SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP."
    )


_fields: dict[str, tuple[Any, Any]] = {
    "Id": (strawberry.ID, strawberry.field(name="id", default="")),
    "Version": (
        str,
        strawberry.field(
            name="version",
            default="",
            description="Hash of this object (the HTTP endpoint's ETag); changes with it.",
        ),
    ),
}
for _member, _path in PUBLIC_MEMBERS.items():
    _shape = _member_shape(_path)
    _fields[_member] = _field(
        OUTPUTS.annotation(_shape), model.graphql_name(_member), describe(_shape)
    )
_fields["SignUpAttributes"] = (
    list[SignUpAttribute],  # type: ignore[valid-type]
    strawberry.field(name="signUpAttributes", default_factory=list),
)
_fields["SelfSignUpEnabled"] = (
    bool,
    strawberry.field(
        name="selfSignUpEnabled",
        default=False,
        description="Whether users may sign themselves up (not admin-created only).",
    ),
)
_fields["Mfa"] = (Optional[PublicMfa], strawberry.field(name="mfa", default=None))  # noqa: UP045
_fields["AccountRecovery"] = (
    list[RecoveryOption],  # type: ignore[valid-type]
    strawberry.field(
        name="accountRecovery",
        default_factory=list,
        description="Account recovery mechanisms, by priority.",
    ),
)
PublicUserPoolSettings = make_class(
    "PublicUserPoolSettings",
    _fields,
    description="What a sign-up or sign-in screen needs, readable without admin rights.",
    is_input=False,
)


def public_settings_object(projection: dict[str, Any], tag: str) -> Any:
    """The GraphQL object of a projection (``gateway.core.public.public_settings``)."""
    values: dict[str, Any] = {"Id": projection["Id"], "Version": tag}
    for member, path in PUBLIC_MEMBERS.items():
        values[member] = OUTPUTS.convert(_member_shape(path), projection.get(member))
    values["SignUpAttributes"] = [
        SignUpAttribute(
            **{
                member: OUTPUTS.convert(SCHEMA_ATTRIBUTE.members[member], attribute.get(member))
                for member in SIGN_UP_ATTRIBUTE_MEMBERS
            }
        )
        for attribute in projection["SignUpAttributes"]
    ]
    values["SelfSignUpEnabled"] = projection["SelfSignUpEnabled"]
    mfa = projection["Mfa"]
    values["Mfa"] = PublicMfa(mode=MfaMode(mfa["Mode"]), factors=mfa["Factors"])
    values["AccountRecovery"] = [RecoveryOption(name) for name in projection["AccountRecovery"]]
    return PublicUserPoolSettings(**values)
