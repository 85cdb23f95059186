"""Which changes weaken a pool: one table of rules, read by :func:`risk_of`.

A change is ``HIGH`` risk when it makes the pool less safe: deletion
protection off, a Lambda trigger removed or replaced, MFA relaxed, a password
rule weakened, threat protection relaxed, self sign-up opened, a verification
requirement dropped. Everything else is ``LOW``. The rules are data
(:data:`RULES`); a test checks that every path in it is a member of
``UpdateUserPoolRequest``, so a botocore rename cannot silently disarm one.

A missing value counts as the service's default (an absent ``MfaConfiguration``
is ``OFF``, an absent ``MinimumLength`` is 8), so clearing a setting is judged
like setting its default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

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
)  # fmt: skip


def _applies(rule: RiskRule, path: Path) -> bool:
    if rule.prefix:
        return path[: len(rule.path)] == rule.path and path[-1] not in rule.ignore
    return path == rule.path


def rule_for(path: Path) -> RiskRule | None:
    """The rule that judges changes of ``path``, if any."""
    return next((rule for rule in RULES if _applies(rule, path)), None)


def risk_of(path: Path, before: Any, after: Any) -> Risk:
    """``HIGH`` when changing ``path`` from ``before`` to ``after`` weakens the pool."""
    rule = rule_for(path)
    if rule is None:
        return Risk.LOW
    old = rule.default if before is None else before
    new = rule.default if after is None else after
    return Risk.HIGH if rule.weakens(old, new) else Risk.LOW
