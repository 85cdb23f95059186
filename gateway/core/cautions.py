"""Warnings, not refusals: settings the API accepts that make sign-in fail later. Pure.

Cognito takes these without complaint, and users find out at sign-in. The
gateway writes them (they are valid requests) and says so in the answer's
``warnings``, on dry runs too, so the caller can fix the missing piece.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.core.constraints import FIRST_FACTORS, first_factors
from gateway.core.merge import get_path
from gateway.core.mfa import PASSKEYS
from gateway.errors import Path

LINK_OPTION = ("VerificationMessageTemplate", "DefaultEmailOption")


@dataclass(frozen=True)
class Caution:
    """A setting at ``path`` that will not work as it stands, and why."""

    path: Path
    message: str


def _has_domain(pool: Mapping[str, Any]) -> bool:
    return bool(pool.get("Domain") or pool.get("CustomDomain"))


def cautions_for(pool: Mapping[str, Any], touched: frozenset[str]) -> list[Caution]:
    """What the pool a write leaves (a DescribeUserPool document with its MFA setup) will
    fail at, for the members the write touches."""
    found: list[Caution] = []
    passkey_members = {FIRST_FACTORS[0], PASSKEYS}
    passkeys = touched & passkey_members and "WEB_AUTHN" in (first_factors(pool) or [])
    if passkeys and not get_path(pool, (PASSKEYS, "RelyingPartyId")) and not _has_domain(pool):
        found.append(
            Caution(
                (PASSKEYS, "RelyingPartyId"),
                "WEB_AUTHN sign-in needs a relying party id or a domain for the pool; "
                "until one is set, passkey registration and sign-in fail",
            )
        )
    by_link = get_path(pool, LINK_OPTION) == "CONFIRM_WITH_LINK"
    if LINK_OPTION[0] in touched and by_link and not _has_domain(pool):
        found.append(
            Caution(
                LINK_OPTION,
                "CONFIRM_WITH_LINK sends links to the pool's domain, and the pool has none: "
                "verification links will not work until a domain is created",
            )
        )
    return found
