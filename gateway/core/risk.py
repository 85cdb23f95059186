"""Which changes weaken a pool: one table of rules, read by :func:`risk_of`.

A change is ``HIGH`` risk when it makes the pool less safe: deletion
protection off, a Lambda trigger removed or replaced, MFA relaxed, a password
rule weakened, threat protection relaxed, self sign-up opened, a verification
requirement dropped. For an app client: a callback or logout URL that is not
https (loopback aside), the implicit grant or ``ALLOW_USER_PASSWORD_AUTH`` turned
on, token revocation off, user-existence errors back to ``LEGACY``, a refresh
token that lives more than twice as long, an identity provider added. Everything
else is ``LOW``. The rules are data
(:data:`RULES`); a test checks that every path in it is a member of
its kind's update request, so a botocore rename cannot silently disarm one.

A missing value counts as the service's default (an absent ``MfaConfiguration``
is ``OFF``, an absent ``MinimumLength`` is 8), so clearing a setting is judged
like setting its default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from gateway.errors import Path


class Risk(StrEnum):
    LOW = "LOW"
    HIGH = "HIGH"


Weakens = Callable[[Any, Any], bool]


def lower(before: Any, after: Any) -> bool:
    """A number that protects more when larger went down (minimum length)."""
    return isinstance(before, int) and isinstance(after, int) and after < before


def higher(before: Any, after: Any) -> bool:
    """A number that protects more when smaller went up (temporary password lifetime)."""
    return isinstance(before, int) and isinstance(after, int) and after > before


def turned_off(before: Any, after: Any) -> bool:
    return before is True and after is not True


def ranked(*order: str) -> Weakens:
    """An enum whose values go from weakest to strongest; a step down weakens."""

    def weakens(before: Any, after: Any) -> bool:
        if before not in order or after not in order:
            return before in order and after is None
        return order.index(after) < order.index(before)

    return weakens


def fewer(before: Any, after: Any) -> bool:
    """A list of requirements lost an entry."""
    return bool(set(before or ()) - set(after or ()))


def changed(before: Any, after: Any) -> bool:
    """Any change at all: what depends on the value breaks (the token issuer URL)."""
    return bool(before != after)


def removed_or_replaced(before: Any, after: Any) -> bool:
    """A configured value (a trigger's ARN) is gone or points elsewhere; adding one is not."""
    return before is not None and after != before


def added(*values: str) -> Weakens:
    """A list gained one of ``values`` (the implicit grant, password sign-in)."""

    def weakens(before: Any, after: Any) -> bool:
        return bool((set(after or ()) - set(before or ())) & set(values))

    return weakens


def grew(before: Any, after: Any) -> bool:
    """A list gained any entry (an identity provider that can now sign users in)."""
    return bool(set(after or ()) - set(before or ()))


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def insecure_url(url: Any) -> bool:
    """Not https, unless it stays on this machine (a developer's http://localhost)."""
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return True
    return parts.scheme != "https" and (parts.hostname or "") not in LOOPBACK_HOSTS


def insecure_url_added(before: Any, after: Any) -> bool:
    return any(insecure_url(url) for url in set(after or ()) - set(before or ()))


def more_than_doubled(before: Any, after: Any) -> bool:
    """A lifetime more than twice as long (a refresh token that outlives its purpose)."""
    return isinstance(before, int) and isinstance(after, int) and after > 2 * max(before, 1)


@dataclass(frozen=True)
class RiskRule:
    """``path``: a botocore path; with ``prefix`` every leaf below it (one rule for all
    triggers). ``default``: the service's value when the setting is absent."""

    path: Path
    weakens: Weakens
    reason: str
    default: Any = None
    prefix: bool = False
    ignore: frozenset[str] = frozenset()  # leaf names below a prefix the rule skips
    kind: str = "UserPool"  # the resource kind whose members ``path`` names


PASSWORD = ("Policies", "PasswordPolicy")
RULES: tuple[RiskRule, ...] = (
    RiskRule(("DeletionProtection",), ranked("INACTIVE", "ACTIVE"), "deletion protection off",
             default="INACTIVE"),
    RiskRule(("LambdaConfig",), removed_or_replaced, "a Lambda trigger removed or replaced",
             prefix=True, ignore=frozenset({"LambdaVersion", "KMSKeyID"})),
    RiskRule(("MfaConfiguration",), ranked("OFF", "OPTIONAL", "ON"), "MFA relaxed", default="OFF"),
    RiskRule((*PASSWORD, "MinimumLength"), lower, "password rule weakened", default=8),
    RiskRule((*PASSWORD, "RequireUppercase"), turned_off, "password rule weakened", False),
    RiskRule((*PASSWORD, "RequireLowercase"), turned_off, "password rule weakened", False),
    RiskRule((*PASSWORD, "RequireNumbers"), turned_off, "password rule weakened", False),
    RiskRule((*PASSWORD, "RequireSymbols"), turned_off, "password rule weakened", False),
    RiskRule((*PASSWORD, "PasswordHistorySize"), lower, "password rule weakened", default=0),
    RiskRule((*PASSWORD, "TemporaryPasswordValidityDays"), higher, "password rule weakened",
             default=7),
    RiskRule(("UserPoolAddOns", "AdvancedSecurityMode"), ranked("OFF", "AUDIT", "ENFORCED"),
             "threat protection relaxed", default="OFF"),
    RiskRule(("UserPoolAddOns", "AdvancedSecurityAdditionalFlows", "CustomAuthMode"),
             ranked("AUDIT", "ENFORCED"), "threat protection relaxed", default="AUDIT"),
    RiskRule(("AdminCreateUserConfig", "AllowAdminCreateUserOnly"), turned_off,
             "self sign-up opened", default=False),
    RiskRule(("AutoVerifiedAttributes",), fewer, "a verification requirement dropped"),
    RiskRule(("IssuerConfiguration", "Type"), changed,
             "the token issuer URL changes: every relying party must trust the new one",
             default="ORIGINAL"),
    RiskRule(("UserAttributeUpdateSettings", "AttributesRequireVerificationBeforeUpdate"),
             fewer, "a verification requirement dropped"),
    # App clients (``UpdateUserPoolClient``'s members).
    RiskRule(("CallbackURLs",), insecure_url_added, "a callback URL that is not https",
             kind="UserPoolClient"),
    RiskRule(("LogoutURLs",), insecure_url_added, "a sign-out URL that is not https",
             kind="UserPoolClient"),
    RiskRule(("AllowedOAuthFlows",), added("implicit"),
             "the implicit grant puts tokens in URLs", kind="UserPoolClient"),
    RiskRule(("ExplicitAuthFlows",), added("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"),
             "passwords sent to the API in the clear of SRP", kind="UserPoolClient"),
    RiskRule(("EnableTokenRevocation",), turned_off, "token revocation off", default=True,
             kind="UserPoolClient"),
    RiskRule(("PreventUserExistenceErrors",), ranked("LEGACY", "ENABLED"),
             "sign-in errors tell which users exist", default="LEGACY", kind="UserPoolClient"),
    RiskRule(("RefreshTokenValidity",), more_than_doubled,
             "refresh tokens live more than twice as long", default=30, kind="UserPoolClient"),
    RiskRule(("TokenValidityUnits", "RefreshToken"), ranked("days", "hours", "minutes", "seconds"),
             "refresh tokens counted in a longer unit", default="days", kind="UserPoolClient"),
    RiskRule(("SupportedIdentityProviders",), grew, "an identity provider added",
             kind="UserPoolClient"),
)  # fmt: skip


def _applies(rule: RiskRule, path: Path, kind: str) -> bool:
    if rule.kind != kind:
        return False
    if rule.prefix:
        return path[: len(rule.path)] == rule.path and path[-1] not in rule.ignore
    return path == rule.path


def rule_for(path: Path, kind: str = "UserPool") -> RiskRule | None:
    """The rule that judges changes of ``path`` in a resource of ``kind``, if any."""
    return next((rule for rule in RULES if _applies(rule, path, kind)), None)


def risk_of(path: Path, before: Any, after: Any, kind: str = "UserPool") -> Risk:
    """``HIGH`` when changing ``path`` from ``before`` to ``after`` weakens the resource."""
    rule = rule_for(path, kind)
    if rule is None:
        return Risk.LOW
    old = rule.default if before is None else before
    new = rule.default if after is None else after
    return Risk.HIGH if rule.weakens(old, new) else Risk.LOW
