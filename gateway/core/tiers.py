"""Feature plans (``UserPoolTier``): which settings need which tier. Pure.

- Threat protection (``AUDIT``/``ENFORCED``) needs PLUS, except on a LITE pool
  that had it before the tiers existed: those keep it and may change its mode
  (aws-cdk#36023). ESSENTIALS refuses it.
- Access-token customization (pre-token generation ``V2_0``/``V3_0``), email MFA
  and passwordless first factors need ESSENTIALS or PLUS (the model's
  documentation of ``EmailMfaConfiguration`` says so for email MFA).
- Lowering the tier needs the higher tier's features turned off first; the
  refusal names each one that blocks.

A pool that reports no tier (pools described by older API versions, the
emulator) is judged only by the PLUS rule, as before the tiers: an unknown
tier never refuses an ESSENTIALS feature the service may accept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gateway.core.constraints import (
    FIRST_FACTORS,
    PRE_TOKEN_VERSION,
    SECURITY_MODE,
    THREAT_PROTECTION_ON,
    Config,
    Write,
    first_factors,
)
from gateway.core.merge import get_path
from gateway.core.mfa import factor_enabled
from gateway.errors import Path, invalid

TIER = "UserPoolTier"
ESSENTIALS_OR_PLUS = frozenset({"ESSENTIALS", "PLUS"})
PASSWORDLESS = frozenset({"EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"})


@dataclass(frozen=True)
class Feature:
    name: str
    path: Path
    used: Callable[[Config], bool]
    tiers: frozenset[str]


def _threat_protection(configuration: Config) -> bool:
    return get_path(configuration, SECURITY_MODE) in THREAT_PROTECTION_ON


FEATURES = (
    Feature("threat protection", SECURITY_MODE, _threat_protection, frozenset({"PLUS"})),
    Feature(
        "access-token customization (pre-token generation V2_0/V3_0)",
        PRE_TOKEN_VERSION,
        lambda c: get_path(c, PRE_TOKEN_VERSION) in ("V2_0", "V3_0"),
        ESSENTIALS_OR_PLUS,
    ),
    Feature(
        "email MFA",
        ("EmailMfaConfiguration",),
        lambda c: factor_enabled(c.get("EmailMfaConfiguration")),
        ESSENTIALS_OR_PLUS,
    ),
    Feature(
        "passwordless sign-in (EMAIL_OTP, SMS_OTP, WEB_AUTHN first factors)",
        FIRST_FACTORS,
        lambda c: bool(PASSWORDLESS & set(first_factors(c) or [])),
        ESSENTIALS_OR_PLUS,
    ),
)


def _allowed(feature: Feature, write: Write) -> bool:
    tier = write.after.get(TIER)
    if tier in feature.tiers:
        return True
    if feature.path == SECURITY_MODE:
        # Grandfathered: a LITE (or untiered) pool that had threat protection keeps it.
        unchanged = tier == write.before.get(TIER) and tier in (None, "LITE")
        return unchanged and _threat_protection(write.before)
    return tier is None  # unknown tier: leave ESSENTIALS features to the service


def check_tier(write: Write) -> None:
    """Refuse a feature the pool's tier does not allow, or a tier below a feature in use."""
    blocked = [f for f in FEATURES if f.used(write.after) and not _allowed(f, write)]
    if not blocked:
        return
    tier = write.after.get(TIER)
    if TIER in write.touched and tier != write.before.get(TIER):
        raise invalid(
            f"{tier} does not allow {', '.join(f.name for f in blocked)}: turn "
            f"{'it' if len(blocked) == 1 else 'them'} off first",
            write.field(TIER),
            "tier-feature-in-use",
        )
    for feature in blocked:
        if feature.path[0] in write.touched:
            needs = "PLUS" if feature.tiers == {"PLUS"} else "ESSENTIALS or PLUS"
            mode = get_path(write.after, feature.path)
            shown = f"{feature.name} ({mode})" if isinstance(mode, str) else feature.name
            raise invalid(
                f"{shown} requires userPoolTier {needs}",
                write.field(*feature.path),
                "requires-plus-tier" if needs == "PLUS" else "requires-essentials-tier",
            )
