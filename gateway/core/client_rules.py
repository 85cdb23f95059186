"""An app client's round trip: DescribeUserPoolClient -> a safe UpdateUserPoolClient.

UpdateUserPoolClient resets every member it is not sent, like UpdateUserPool, so
a write always sends the whole configuration (see ``client_planner``). What a
describe shows and an update refuses (the secret, the dates) is left out by the
model (``USER_POOL_CLIENT.writable_members``); the rest are the service's rules,
as public threads and the API reference describe them:

- a token validity travels with its unit: without ``TokenValidityUnits`` the
  service reads access and ID validities in hours and the refresh validity in
  days, so 60 (minutes) sent alone becomes 60 hours and is refused. Every
  validity is therefore sent with its unit, the default one written out;
- access and ID tokens last 5 minutes to 1 day, refresh tokens 60 minutes to 10
  years, whatever the unit (``Invalid range for token validity``);
- an empty list is refused (``Value '[]' at 'callbackURLs'``): it is sent absent,
  which the service reads as empty;
- ``DefaultRedirectURI`` is one of ``CallbackURLs``;
- OAuth flows and scopes need ``AllowedOAuthFlowsUserPoolClient``; the code and
  implicit grants need callback URLs; ``client_credentials`` is the only flow
  of a client that has a secret, and takes no OpenID Connect scope;
- ``AnalyticsConfiguration`` names an application by ARN, or by id with a role.

Pure functions on botocore-shaped dicts; nothing here calls AWS.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.core.kinds import USER_POOL_CLIENT
from gateway.core.rules import without_nulls
from gateway.errors import Argument, Field, invalid

Document = dict[str, Any]
UNITS = "TokenValidityUnits"
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


@dataclass(frozen=True)
class Validity:
    """A token validity member, its key in ``TokenValidityUnits``, the unit the service
    assumes without one, and the duration range it enforces (seconds)."""

    member: str
    unit_key: str
    default_unit: str
    shortest: int
    longest: int
    token: str


VALIDITIES = (
    Validity("AccessTokenValidity", "AccessToken", "hours", 5 * 60, 86400, "access tokens"),
    Validity("IdTokenValidity", "IdToken", "hours", 5 * 60, 86400, "ID tokens"),
    Validity("RefreshTokenValidity", "RefreshToken", "days", 3600, 3650 * 86400, "refresh tokens"),
)
REDIRECTING_FLOWS = ("code", "implicit")
MACHINE_FLOW = "client_credentials"
# The scopes of a signed-in user: a client-credentials token has no user to show them.
USER_SCOPES = frozenset({"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"})


def keep_writable(client: Mapping[str, Any]) -> Document:
    """What UpdateUserPoolClient accepts of a described client (the model says which)."""
    writable = USER_POOL_CLIENT.writable_members
    return dict(without_nulls({k: v for k, v in client.items() if k in writable}))


def with_units(request: Mapping[str, Any]) -> Document:
    """Every validity the request sends goes with its unit (the service's default one
    written out): a unit left out turns minutes into hours."""
    present = [v for v in VALIDITIES if request.get(v.member) is not None]
    units = dict(request.get(UNITS) or {})
    missing = {v.unit_key: v.default_unit for v in present if units.get(v.unit_key) is None}
    if not missing:
        return dict(request)
    return {**request, UNITS: {**units, **missing}}


def drop_empty(request: Mapping[str, Any], members: Collection[str] | None = None) -> Document:
    """Empty lists and objects are sent absent: the service refuses ``[]`` and reads an
    absent member as empty."""
    result = dict(request)
    for member in list(result) if members is None else [m for m in members if m in result]:
        value = result[member]
        if isinstance(value, list | dict) and not value:
            del result[member]
    return result


def normalize_client_request(request: Mapping[str, Any]) -> Document:
    return with_units(drop_empty(request))


def client_request_from(client: Mapping[str, Any]) -> Document:
    """The UpdateUserPoolClient request (without the ids) that keeps ``client`` as it is."""
    return normalize_client_request(keep_writable(client))


def duration(configuration: Mapping[str, Any], validity: Validity) -> int | None:
    """How long a token of ``validity`` lasts, in seconds (None: the service's default)."""
    value = configuration.get(validity.member)
    if value is None:
        return None
    unit = (configuration.get(UNITS) or {}).get(validity.unit_key) or validity.default_unit
    return int(value) * UNIT_SECONDS.get(unit, 1)


def _spoken(seconds: int) -> str:
    for unit in ("days", "hours", "minutes"):
        size = UNIT_SECONDS[unit]
        if seconds % size == 0 and seconds >= size:
            count = seconds // size
            return f"{count} {unit[:-1] if count == 1 else unit}"
    return f"{seconds} seconds"


def check_client(
    after: Mapping[str, Any],
    argument: Argument,
    has_secret: bool,
    touched: Collection[str] | None = None,
) -> None:
    """The service's rules between an app client's members, on the configuration a
    write leaves (``touched``: the members it changed, where the error points first)."""
    _check_validities(after, argument, touched)
    _check_oauth(after, argument, has_secret)
    _check_analytics(after, argument)


def _check_validities(
    after: Mapping[str, Any], argument: Argument, touched: Collection[str] | None
) -> None:
    for validity in VALIDITIES:
        seconds = duration(after, validity)
        if after.get(validity.member) == 0 and validity.member == "RefreshTokenValidity":
            continue  # the service reads 0 as its default, 30 days
        if seconds is None or validity.shortest <= seconds <= validity.longest:
            continue
        units_changed = touched is not None and UNITS in touched and validity.member not in touched
        path = (UNITS, validity.unit_key) if units_changed else (validity.member,)
        raise invalid(
            f"{validity.token} must last from {_spoken(validity.shortest)} to "
            f"{_spoken(validity.longest)}; this is {_spoken(seconds)} "
            f"({after.get(validity.member)} {_unit_of(after, validity)})",
            Field(argument, path),
            "token-validity",
        )


def _check_oauth(after: Mapping[str, Any], argument: Argument, has_secret: bool) -> None:
    callbacks = list(after.get("CallbackURLs") or ())
    default = after.get("DefaultRedirectURI")
    if default is not None and default not in callbacks:
        raise invalid(
            "must be one of the callback URLs", Field(argument, ("DefaultRedirectURI",)),
            "in-callbacks",
        )  # fmt: skip
    flows = list(after.get("AllowedOAuthFlows") or ())
    scopes = list(after.get("AllowedOAuthScopes") or ())
    if (flows or scopes) and after.get("AllowedOAuthFlowsUserPoolClient") is not True:
        raise invalid(
            "needs allowedOAuthFlowsUserPoolClient set to true; to turn OAuth off, clear "
            "the OAuth flows and scopes in the same patch",
            Field(argument, ("AllowedOAuthFlows" if flows else "AllowedOAuthScopes",)),
            "oauth-enabled",
        )
    redirecting = [f for f in flows if f in REDIRECTING_FLOWS]
    if redirecting and not callbacks:
        raise invalid(
            f"the {redirecting[0]} grant needs at least one callback URL",
            Field(argument, ("CallbackURLs",)),
            "callbacks-required",
        )
    if MACHINE_FLOW in flows:
        _check_machine_flow(redirecting, scopes, argument, has_secret)


def _check_machine_flow(
    redirecting: list[str], scopes: list[str], argument: Argument, has_secret: bool
) -> None:
    if redirecting:
        raise invalid(
            f"{MACHINE_FLOW} cannot be combined with the {redirecting[0]} grant",
            Field(argument, ("AllowedOAuthFlows",)),
            "client-credentials-alone",
        )
    if not has_secret:
        raise invalid(
            f"{MACHINE_FLOW} needs a client with a secret",
            Field(argument, ("AllowedOAuthFlows",)),
            "secret",
        )
    user_scopes = sorted(set(scopes) & USER_SCOPES)
    if user_scopes:
        raise invalid(
            f"{user_scopes[0]} is not supported with the {MACHINE_FLOW} flow",
            Field(argument, ("AllowedOAuthScopes",)),
            "client-credentials-scopes",
        )


def _check_analytics(after: Mapping[str, Any], argument: Argument) -> None:
    analytics = after.get("AnalyticsConfiguration")
    if not isinstance(analytics, Mapping) or analytics.get("ApplicationArn") is not None:
        return
    for needed in ("ApplicationId", "RoleArn"):
        if analytics.get(needed) is None:
            raise invalid(
                "is required unless applicationArn is set",
                Field(argument, ("AnalyticsConfiguration", needed)),
                "required",
            )


def _unit_of(configuration: Mapping[str, Any], validity: Validity) -> str:
    return str((configuration.get(UNITS) or {}).get(validity.unit_key) or validity.default_unit)


def unknown_attributes(
    configuration: Mapping[str, Any], known: Collection[str], argument: Argument
) -> None:
    """``ReadAttributes``/``WriteAttributes`` name only attributes the pool has."""
    for member in ("ReadAttributes", "WriteAttributes"):
        for index, name in enumerate(configuration.get(member) or ()):
            if name not in known:
                raise invalid(
                    f"the pool has no attribute {name!r}",
                    Field(argument, (member, str(index))),
                    "attribute",
                )
