"""The planner against the strict stand-in: what a plan's calls really do to a pool.

The stand-in (``tests/support/strict_cognito.py``) behaves as the live service:
it resets and keeps omitted members per Cognito's rules, replaces the whole MFA
setup, and refuses what the service refuses. Here the plan's calls are applied
to it directly (no sockets: the plan and the stand-in are both plain Python),
so a property test can try many patches on every 2024-2026 and real pool.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gateway import model
from gateway.core.diff import diff
from gateway.core.mfa import with_mfa
from gateway.core.planner import UpdatePlan, plan_update
from gateway.core.record import PoolRecord
from gateway.errors import GatewayError
from tests.support.pools_2026 import Pair, all_pool_files, load_pair, named
from tests.support.strategies import pool_patches
from tests.support.strict_cognito import StrictCognito

# Patches aimed at the members whose omission Cognito treats differently, and at the
# MFA and passkey setup; the model-derived strategy covers the rest.
AIMED: list[dict[str, Any]] = [
    {"UserAttributeUpdateSettings": None},
    {"Policies": {"SignInPolicy": None}},
    {"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": None}}},  # emptied, not cleared
    {"UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": None}},
    {"Policies": {"PasswordPolicy": {"MinimumLength": 12}}},
    {"MfaConfiguration": None},
    {"MfaConfiguration": "OFF"},
    {"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": True}},
    {"WebAuthnConfiguration": {"RelyingPartyId": "id.example.com"}},
    {"WebAuthnConfiguration": None},
    {"SoftwareTokenMfaConfiguration": {"Enabled": False}},
    {"DeletionProtection": None},
    {"AutoVerifiedAttributes": None},
    {"UserPoolTags": {"CostCenter": "cc-1", "Name": None}},
    {"UserPoolTier": "PLUS"},
    {"UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}},
    {"AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True}},
]


def read(strict: StrictCognito, pool_id: str) -> PoolRecord:
    """What the gateway's reader builds: DescribeUserPool joined with the MFA setup."""
    return PoolRecord.of(with_mfa(strict.pool(pool_id), strict.mfa(pool_id)))


def apply(strict: StrictCognito, plan: UpdatePlan) -> None:
    for operation, request in plan.calls:
        status, answer = strict.handle(operation, copy.deepcopy(request)) or (0, {})
        assert status == 200, f"{operation} refused: {answer}"


def held(pair: Pair) -> tuple[StrictCognito, str]:
    strict = StrictCognito()
    return strict, strict.add(*pair)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    path=st.sampled_from(all_pool_files()),
    patch=st.one_of(st.sampled_from(AIMED), pool_patches()),
)
def test_the_changes_a_plan_answers_are_what_the_service_does(
    path: Path, patch: dict[str, Any]
) -> None:
    strict, pool_id = held(load_pair(path))
    before = read(strict, pool_id)
    try:
        plan = plan_update(before.pool, patch)
    except GatewayError:
        assume(False)  # refused before any call: nothing to compare
        raise
    apply(strict, plan)  # every planned call is one the service accepts
    after = read(strict, pool_id)
    assert diff(before.request, after.request) == plan.changes
    assert after.version == PoolRecord.of(plan.preview).version


def test_clearing_kept_members_really_clears_them() -> None:
    strict, pool_id = held(named("essentials-passwordless-2025"))
    before = read(strict, pool_id)
    plan = plan_update(
        before.pool, {"UserAttributeUpdateSettings": None, "Policies": {"SignInPolicy": None}}
    )
    apply(strict, plan)
    pool = strict.pool(pool_id)
    assert pool["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": []}
    assert pool["Policies"]["SignInPolicy"] == {"AllowedFirstAuthFactors": ["PASSWORD"]}
    assert [(c.path, c.after) for c in plan.changes] == [
        (("Policies", "SignInPolicy", "AllowedFirstAuthFactors"), ["PASSWORD"]),
        (("UserAttributeUpdateSettings", "AttributesRequireVerificationBeforeUpdate"), []),
    ]


def test_a_naive_clear_would_have_been_a_false_success() -> None:
    """Without the omission table the request leaves the member out: the stand-in keeps it."""
    strict, pool_id = held(named("essentials-passwordless-2025"))
    configuration = read(strict, pool_id).request
    naive = set(model.update_members()) - {"UserAttributeUpdateSettings"}
    request = {"UserPoolId": pool_id, **{k: v for k, v in configuration.items() if k in naive}}
    assert strict.handle("UpdateUserPool", request) == (200, {})
    kept = strict.pool(pool_id)["UserAttributeUpdateSettings"]
    assert kept == {"AttributesRequireVerificationBeforeUpdate": ["email"]}


def test_mfa_off_keeps_the_passkey_settings() -> None:
    strict, pool_id = held(named("api-reference-update-sample"))
    passkeys = strict.mfa(pool_id)["WebAuthnConfiguration"]
    plan = plan_update(read(strict, pool_id).pool, {"MfaConfiguration": "OFF"})
    apply(strict, plan)
    assert strict.mfa(pool_id) == {"MfaConfiguration": "OFF", "WebAuthnConfiguration": passkeys}
    assert {c.path for c in plan.changes} == {
        ("MfaConfiguration",),
        ("SoftwareTokenMfaConfiguration", "Enabled"),
    }


@pytest.mark.parametrize(
    ("fixture", "patch", "field", "rule"),
    [
        (
            "essentials-passwordless-2025",
            {"AutoVerifiedAttributes": []},
            ("AutoVerifiedAttributes",),
            "verification-requires-auto-verified",
        ),
        (
            "essentials-passwordless-2025",
            {"MfaConfiguration": "ON"},
            ("MfaConfiguration",),  # the member the caller changed; the text names the factor
            "first-factors-with-mfa-on",
        ),
        (
            "lite-threat-protection-2023",
            {"EmailMfaConfiguration": {"Message": "Code {####}"}, "MfaConfiguration": "OPTIONAL"},
            ("EmailMfaConfiguration",),
            "email-mfa-requires-developer",
        ),
    ],
)
def test_requests_the_service_refuses_are_refused_first(
    fixture: str, patch: dict[str, Any], field: tuple[str, ...], rule: str
) -> None:
    strict, pool_id = held(named(fixture))
    with pytest.raises(GatewayError) as error:
        plan_update(read(strict, pool_id).pool, patch)
    assert (error.value.field.path if error.value.field else None, error.value.rule) == (
        field,
        rule,
    )


def test_a_lite_pool_that_had_threat_protection_may_enforce_it() -> None:
    strict, pool_id = held(named("lite-threat-protection-2023"))
    patch = {"UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}}
    plan = plan_update(read(strict, pool_id).pool, patch)
    apply(strict, plan)
    assert strict.pool(pool_id)["UserPoolAddOns"]["AdvancedSecurityMode"] == "ENFORCED"
