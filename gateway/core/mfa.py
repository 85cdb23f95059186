"""The MFA and passkey setup as part of a pool's configuration. Pure functions.

DescribeUserPool shows only ``MfaConfiguration``; the factors (SMS, software
token, email) and the passkey settings (``WebAuthnConfiguration``) come from
GetUserPoolMfaConfig and are written by SetUserPoolMfaConfig, which *replaces
the whole setup*: a member it is not sent is wiped. So the gateway reads both
operations into one configuration (:func:`with_mfa`) and always sends the
complete, merged setup (:func:`mfa_request_from`); turning MFA off keeps the
passkey settings. Which members belong to the setup comes from the model
(``model.mfa_members``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway import model

MFA_MEMBER = "MfaConfiguration"
# The passkey settings: not an MFA factor (WebAuthn alone goes with MFA OFF).
PASSKEYS = "WebAuthnConfiguration"


def setup_members() -> frozenset[str]:
    """What SetUserPoolMfaConfig writes: the mode and the MFA-only members."""
    return model.mfa_members() | {MFA_MEMBER}


def factor_members() -> frozenset[str]:
    """The factor blocks: every MFA-only member but the passkey settings."""
    return model.mfa_members() - {PASSKEYS}


def with_mfa(pool: Mapping[str, Any], answer: Mapping[str, Any] | None) -> dict[str, Any]:
    """A DescribeUserPool document with the setup of a GetUserPoolMfaConfig ``answer``."""
    result = dict(pool)
    for member in model.mfa_members():
        result.pop(member, None)
        value = (answer or {}).get(member)
        if value:
            result[member] = value
    if answer and answer.get(MFA_MEMBER):  # the MFA operation's word on the mode wins
        result[MFA_MEMBER] = answer[MFA_MEMBER]
    return result


def mfa_setup_of(pool: Mapping[str, Any]) -> dict[str, Any]:
    """The GetUserPoolMfaConfig answer a joined pool holds (the inverse of ``with_mfa``)."""
    setup = setup_members()
    return {k: v for k, v in pool.items() if k in setup}


def factor_enabled(value: Any) -> bool:
    """A factor block counts as on when it is set and not ``Enabled: false``."""
    return isinstance(value, Mapping) and bool(value) and value.get("Enabled") is not False


def enabled_factors(configuration: Mapping[str, Any]) -> list[str]:
    return sorted(m for m in factor_members() if factor_enabled(configuration.get(m)))


def touches_mfa(members: set[str] | frozenset[str]) -> bool:
    """Whether a change of these top-level members needs SetUserPoolMfaConfig."""
    return bool(members & setup_members())


def mfa_request_from(configuration: Mapping[str, Any], pool_id: str) -> dict[str, Any]:
    """The SetUserPoolMfaConfig request that leaves the setup as ``configuration`` says:
    all of it, since the call replaces what it is not sent. Also what undoes a change."""
    request: dict[str, Any] = {
        "UserPoolId": pool_id,
        MFA_MEMBER: configuration.get(MFA_MEMBER) or "OFF",
    }
    for member in sorted(model.mfa_members()):
        if configuration.get(member):
            request[member] = configuration[member]
    return request


def switched_off(before: Mapping[str, Any], after: Mapping[str, Any], named: set[str]) -> bool:
    """Whether MFA goes from on to ``OFF`` with no factor block named by the patch."""
    was = before.get(MFA_MEMBER) or "OFF"
    return was != "OFF" and (after.get(MFA_MEMBER) or "OFF") == "OFF" and not named
