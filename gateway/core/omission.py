"""What Cognito does with a member a request leaves out, and so what a clear must send.

UpdateUserPool is not uniform (measured on the live service; the emulator is
more lenient and keeps or merges members Cognito resets):

- most members are *reset* when omitted: leaving them out clears them, and
  ``RESET_TO`` names the value DescribeUserPool reports afterwards where the
  service reports one (``DeletionProtection`` reads back as ``INACTIVE``);
- some are *kept* when omitted: leaving them out changes nothing, so a clear
  must send the explicit value that clears them (``CLEARED_BY``), or is
  refused with a message that says what to send instead (``KEPT``);
- some cannot be cleared at all once set (``PERMANENT``).

One table, botocore paths as keys. Whenever a write would leave out one of
these members that the pool has (cleared by ``null``, or emptied member by
member), the planner sends what the service needs to really do that, or
refuses; so an answer's ``changes`` never claim a clear the service would not
make.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.errors import Path

PASSWORD_ONLY = {"AllowedFirstAuthFactors": ["PASSWORD"]}

# Kept when omitted; a clear sends this value, which is what "no setting" means.
CLEARED_BY: dict[Path, Any] = {
    ("Policies", "SignInPolicy"): PASSWORD_ONLY,
    ("UserAttributeUpdateSettings",): {"AttributesRequireVerificationBeforeUpdate": []},
    ("MfaConfiguration",): "OFF",
}

# Kept when omitted and no value means "none": a clear is refused; the text says what to send.
KEPT: dict[Path, str] = {
    ("Policies",): "send policies.passwordPolicy (and signInPolicy) with the values you want",
    ("Policies", "PasswordPolicy"): "send each password rule with the value you want",
    ("UserPoolTier",): "send the tier you want (LITE, ESSENTIALS or PLUS)",
}

# Once set, never removed: UpdateUserPool keeps them however they are sent.
PERMANENT: dict[Path, str] = {
    ("SmsConfiguration",): "Cognito cannot remove the SMS configuration of an existing pool; "
    "change its members instead",
    ("PoolName",): "a pool always has a name; send the new name",
}

# Reset when omitted, and read back as this value rather than as absent.
RESET_TO: dict[Path, Any] = {
    ("DeletionProtection",): "INACTIVE",
}


@dataclass(frozen=True)
class Clear:
    """What clearing ``path`` does: send ``value`` (``None``: leave it out), or
    ``refusal`` (the clear cannot be made; the text says what to send)."""

    value: Any = None
    refusal: str | None = None


def clear_of(path: Path) -> Clear:
    """The effect of a ``None`` at ``path`` in a patch."""
    if path in CLEARED_BY:
        return Clear(value=CLEARED_BY[path])
    if path in RESET_TO:
        return Clear(value=RESET_TO[path])
    if path in KEPT:
        return Clear(
            refusal=f"cannot be cleared: Cognito keeps it when it is left out; {KEPT[path]}"
        )
    if path in PERMANENT:
        return Clear(refusal=f"cannot be cleared: {PERMANENT[path]}")
    return Clear()


def omission_paths() -> list[Path]:
    """Every path the table knows, deepest first: a member emptied inside a kept parent
    is settled before the parent is looked at."""
    return sorted({*CLEARED_BY, *KEPT, *PERMANENT, *RESET_TO}, key=len, reverse=True)
