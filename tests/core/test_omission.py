"""The omission table: what a clear sends, or why it is refused, member by member."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.core.cautions import cautions_for
from gateway.core.omission import CLEARED_BY, KEPT, PERMANENT, RESET_TO, clear_of
from gateway.core.planner import plan_update
from gateway.errors import GatewayError
from tests.support.pools_2026 import named
from tests.support.strict_cognito import KEPT_WHEN_OMITTED


def pool() -> dict[str, Any]:
    document, mfa = named("api-reference-update-sample")
    return {**document, **{k: v for k, v in mfa.items() if k != "MfaConfiguration"}}


@pytest.mark.parametrize("path", sorted({*KEPT, *PERMANENT}))
def test_clears_the_service_cannot_make_are_refused_naming_the_member(path: Any) -> None:
    patch: dict[str, Any] = {}
    holder = patch
    for key in path[:-1]:
        holder = holder.setdefault(key, {})
    holder[path[-1]] = None
    with pytest.raises(GatewayError) as error:
        plan_update(pool(), patch)
    assert error.value.rule == "cannot-clear"
    assert error.value.field is not None and error.value.field.path == path


def test_a_clear_of_a_kept_member_sends_what_clears_it() -> None:
    plan = plan_update(pool(), {"UserAttributeUpdateSettings": None, "DeletionProtection": None})
    assert (
        plan.request["UserAttributeUpdateSettings"] == CLEARED_BY[("UserAttributeUpdateSettings",)]
    )
    assert plan.request["DeletionProtection"] == RESET_TO[("DeletionProtection",)]


def test_a_clear_of_what_the_pool_does_not_have_changes_nothing() -> None:
    document, _ = named("essentials-passwordless-2025")  # no SMS configuration
    bare = {k: v for k, v in document.items() if k != "UserPoolTier"}
    assert plan_update(bare, {"SmsConfiguration": None, "UserPoolTier": None}).is_noop


def test_the_table_agrees_with_the_stand_in_on_what_is_kept() -> None:
    """Two sources written apart (core table, strict stand-in) name the same members."""
    kept_top = {p[0] for p in (*CLEARED_BY, *KEPT) if len(p) == 1}
    assert set(KEPT_WHEN_OMITTED) <= kept_top
    assert clear_of(("AutoVerifiedAttributes",)).value is None  # reset when omitted


def test_cautions_need_the_member_touched_and_the_missing_piece_absent() -> None:
    passkeys = {
        "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}
    }
    assert [c.path for c in cautions_for(passkeys, frozenset({"Policies"}))] == [
        ("WebAuthnConfiguration", "RelyingPartyId")
    ]
    assert cautions_for({**passkeys, "Domain": "auth"}, frozenset({"Policies"})) == []
    assert cautions_for(passkeys, frozenset({"UserPoolTags"})) == []
    by_link = {"VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_LINK"}}
    assert len(cautions_for(by_link, frozenset({"VerificationMessageTemplate"}))) == 1


def test_a_kept_member_emptied_member_by_member_is_cleared_as_well() -> None:
    """Emptying it leaves it out of the request as surely as a ``null`` does."""
    plan = plan_update(
        pool(), {"UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": None}}
    )
    assert (
        plan.request["UserAttributeUpdateSettings"] == CLEARED_BY[("UserAttributeUpdateSettings",)]
    )
    with pytest.raises(GatewayError) as error:
        plan_update(pool(), {"Policies": {"PasswordPolicy": dict.fromkeys(
            pool()["Policies"]["PasswordPolicy"])}})  # fmt: skip
    assert error.value.rule == "cannot-clear"
