from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings

from gateway import model
from gateway.core.merge import get_path, patched_paths
from gateway.core.omission import clear_of
from gateway.core.planner import plan_create, plan_update
from gateway.core.rules import patch_to_successors, update_request_from
from gateway.demo.seed import FULL_POOL
from gateway.errors import Argument, Field, GatewayError
from tests.support.documents import load_real_pool, real_pool_files
from tests.support.strategies import ARN_PREFIX, current_pools, pool_patches

SHAPE = model.input_shape("UpdateUserPool")


def full_pool() -> dict[str, Any]:
    """The demo's fully configured pool, as DescribeUserPool would return it."""
    pool = {k: copy.deepcopy(v) for k, v in FULL_POOL.items() if k != "PoolName"}
    return {
        "Id": "eu-west-1_Full1",
        "Name": FULL_POOL["PoolName"],
        "Arn": "arn:x",
        "MfaConfiguration": "OFF",
        "CreationDate": 1.7e9,
        **pool,
    }


def leaves(document: dict[str, Any]) -> dict[tuple[str, ...], Any]:
    return dict(patched_paths(document, SHAPE))


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(current=current_pools(), patch=pool_patches())
def test_plan_sends_every_unpatched_field_unchanged_and_every_patched_field_new(
    current: dict[str, Any], patch: dict[str, Any]
) -> None:
    untouched_current, untouched_patch = copy.deepcopy(current), copy.deepcopy(patch)
    try:
        plan = plan_update(current, patch)
    except GatewayError as error:  # a clear the service cannot make: tests/core/test_omission.py
        assume(error.rule != "cannot-clear")
        raise
    assert (current, patch) == (untouched_current, untouched_patch)  # copy-on-write only
    request = plan.request
    assert request["UserPoolId"] == current["Id"]
    patched = leaves(patch)
    for path, value in patched.items():
        if value is None and get_path(current, path) is not None:
            value = clear_of(path).value  # what the service keeps or reads back when cleared
        assert get_path(request, path) == value, path
    # Compared with the generated document itself, not with our own round trip of it.
    writable = {k: v for k, v in current.items() if k not in ("Id", "Name")}
    for path, value in leaves(writable).items():
        if any(path[: len(p)] == p for p in patched):
            continue
        assert get_path(request, path) == value, path
    assert request["PoolName"] == current["Name"]
    changed = {c.path for c in plan.changes}
    assert plan.is_noop == (not changed)


def test_empty_and_noop_patches_change_nothing() -> None:
    pool = full_pool()
    assert plan_update(pool, {}).is_noop
    assert plan_update(pool, {"DeletionProtection": "ACTIVE"}).is_noop
    same = {"Policies": {"PasswordPolicy": {"MinimumLength": 12}}}
    assert plan_update(pool, same).changes == []


def test_one_field_patch_reports_exactly_that_change() -> None:
    plan = plan_update(full_pool(), {"Policies": {"PasswordPolicy": {"MinimumLength": 16}}})
    assert [(c.path, c.before, c.after) for c in plan.changes] == [
        (("Policies", "PasswordPolicy", "MinimumLength"), 12, 16)
    ]
    assert plan.request["LambdaConfig"] == full_pool()["LambdaConfig"]
    assert plan.request["DeletionProtection"] == "ACTIVE"
    assert plan.request["PoolName"] == "acme-customers"


def test_patching_the_legacy_validity_sets_the_new_field() -> None:
    patch = {"AdminCreateUserConfig": {"UnusedAccountValidityDays": 30}}
    assert patch_to_successors(patch) == {
        "AdminCreateUserConfig": {},
        "Policies": {"PasswordPolicy": {"TemporaryPasswordValidityDays": 30}},
    }
    plan = plan_update(full_pool(), patch)
    assert plan.request["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"] == 30
    assert "UnusedAccountValidityDays" not in plan.request["AdminCreateUserConfig"]


def test_patching_a_legacy_message_field_updates_the_template() -> None:
    plan = plan_update(full_pool(), {"EmailVerificationSubject": "New subject"})
    assert plan.request["VerificationMessageTemplate"]["EmailSubject"] == "New subject"
    assert "EmailVerificationSubject" not in plan.request


@pytest.mark.parametrize("patch_legacy", [True, False])
def test_a_patch_of_either_pre_token_trigger_updates_both(patch_legacy: bool) -> None:
    new = ARN_PREFIX + "new-pre-token"
    patch = (
        {"LambdaConfig": {"PreTokenGeneration": new}}
        if patch_legacy
        else {"LambdaConfig": {"PreTokenGenerationConfig": {"LambdaArn": new}}}
    )
    lambdas = plan_update(full_pool(), patch).request["LambdaConfig"]
    assert lambdas["PreTokenGeneration"] == new
    assert lambdas["PreTokenGenerationConfig"] == {"LambdaVersion": "V2_0", "LambdaArn": new}


def test_clearing_one_pre_token_trigger_clears_both() -> None:
    lambdas = plan_update(full_pool(), {"LambdaConfig": {"PreTokenGeneration": None}}).request[
        "LambdaConfig"
    ]
    assert "PreTokenGeneration" not in lambdas and "PreTokenGenerationConfig" not in lambdas
    assert lambdas["PreSignUp"] == full_pool()["LambdaConfig"]["PreSignUp"]


def test_removing_the_custom_sender_drops_its_kms_key() -> None:
    plan = plan_update(full_pool(), {"LambdaConfig": {"CustomEmailSender": None}})
    assert "KMSKeyID" not in plan.request["LambdaConfig"]
    with pytest.raises(GatewayError) as error:
        plan_update(full_pool(), {"LambdaConfig": {"KMSKeyID": None}})
    assert error.value.field == Field(Argument.UPDATE, ("LambdaConfig", "KMSKeyID"))


def test_clearing_device_configuration_does_not_invent_an_empty_one() -> None:
    plan = plan_update(full_pool(), {"DeviceConfiguration": None})
    assert "DeviceConfiguration" not in plan.request
    minimal = {"Id": "eu-west-1_Min1", "Name": "m"}
    assert set(plan_update(minimal, {"DeletionProtection": "ACTIVE"}).request) == {
        "UserPoolId",
        "PoolName",
        "DeletionProtection",
    }


def test_reserved_tags_are_refused_in_a_patch_and_never_sent() -> None:
    pool = full_pool()
    pool["UserPoolTags"]["aws:cloudformation:stack-name"] = "stack"
    assert "aws:cloudformation:stack-name" not in plan_update(pool, {}).request["UserPoolTags"]
    with pytest.raises(GatewayError) as error:
        plan_update(pool, {"UserPoolTags": {"aws:owner": "me"}})
    assert error.value.rule == "reserved"


@pytest.mark.parametrize(
    ("patch", "field", "rule"),
    [
        (
            {"Policies": {"PasswordPolicy": {"MinimumLength": 5}}},
            ("Policies", "PasswordPolicy", "MinimumLength"),
            "min",
        ),
        (
            {"Policies": {"PasswordPolicy": {"PasswordHistorySize": 25}}},
            ("Policies", "PasswordPolicy", "PasswordHistorySize"),
            "max",
        ),
        ({"LambdaConfig": {"PreSignUp": "not-an-arn"}}, ("LambdaConfig", "PreSignUp"), "min"),
        (
            {"LambdaConfig": {"PreSignUp": "arn:aws:lambda:eu-west-1:acct:function:x"}},
            ("LambdaConfig", "PreSignUp"),
            "pattern",
        ),
        ({"UserPoolTags": {"team": "x" * 300}}, ("UserPoolTags", "team"), "max"),
        (
            {"AccountRecoverySetting": {"RecoveryMechanisms": []}},
            ("AccountRecoverySetting", "RecoveryMechanisms"),
            "min",
        ),
        (
            {"UserPoolAddOns": {"AdvancedSecurityMode": None}},
            ("UserPoolAddOns", "AdvancedSecurityMode"),
            "required",
        ),
        (
            {"LambdaConfig": {"InboundFederation": {"LambdaVersion": "V1_0"}}},
            ("LambdaConfig", "InboundFederation", "LambdaArn"),
            "required",
        ),
        ({"UserPoolTier": "ESSENTIALS"}, ("UserPoolTier",), "tier-feature-in-use"),
        ({"SmsConfiguration": None}, ("SmsConfiguration",), "cannot-clear"),
    ],
)
def test_invalid_patches_name_the_field_and_the_rule(
    patch: dict[str, Any], field: tuple[str, ...], rule: str
) -> None:
    with pytest.raises(GatewayError) as error:
        plan_update(full_pool(), patch)
    assert (error.value.field, error.value.rule) == (Field(Argument.UPDATE, field), rule)
    assert error.value.code == "BAD_USER_INPUT"


def test_mfa_goes_through_set_user_pool_mfa_config_keeping_the_factors() -> None:
    current_mfa = {
        "MfaConfiguration": "OPTIONAL",
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
        "SmsMfaConfiguration": None,
    }
    pool = {**full_pool(), "MfaConfiguration": "OPTIONAL"}
    pool["Policies"]["SignInPolicy"] = {"AllowedFirstAuthFactors": ["PASSWORD"]}  # MFA ON: no OTP
    plan = plan_update(pool, {"MfaConfiguration": "ON"}, current_mfa)
    assert plan.mfa_request == {
        "UserPoolId": "eu-west-1_Full1",
        "MfaConfiguration": "ON",
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
    }
    off = plan_update(pool, {"MfaConfiguration": "OFF"}, current_mfa)
    assert off.mfa_request == {"UserPoolId": "eu-west-1_Full1", "MfaConfiguration": "OFF"}


def test_plan_create_names_the_field_in_the_create_request() -> None:
    with pytest.raises(GatewayError) as error:
        plan_create({"PoolName": "p", "UserPoolTags": {"AWS:x": "y"}})
    assert (error.value.field, error.value.rule) == (
        Field(Argument.CREATE, ("UserPoolTags", "AWS:x")),
        "reserved",
    )
    with pytest.raises(GatewayError) as missing:
        plan_create({"Policies": {"PasswordPolicy": {"MinimumLength": 8}}})
    assert missing.value.field == Field(Argument.CREATE, ("PoolName",))
    assert plan_create({"PoolName": "p"}) == {"PoolName": "p"}


def test_mfa_on_without_a_factor_is_bad_user_input() -> None:
    with pytest.raises(GatewayError) as error:
        plan_update(full_pool(), {"MfaConfiguration": "ON"}, {"MfaConfiguration": "OFF"})
    assert error.value.rule == "requires-mfa-factor"


@pytest.mark.parametrize("path", real_pool_files(), ids=lambda p: p.name[:2])
@pytest.mark.parametrize(
    "patch",
    [
        {"DeletionProtection": "INACTIVE"},
        {"Policies": {"PasswordPolicy": {"MinimumLength": 10}}},
        {"UserPoolTags": {"owner": "platform"}},
    ],
    ids=["deletion", "password", "tag"],
)
def test_real_pools_patched_once_keep_everything_else(path: Any, patch: dict[str, Any]) -> None:
    pool = load_real_pool(path)
    plan = plan_update(pool, patch)
    before = update_request_from(pool)
    patched = leaves(patch)
    for leaf_path, value in leaves(before).items():
        if leaf_path not in patched:
            assert get_path(plan.request, leaf_path) == value
    assert {c.path for c in plan.changes} <= {
        ("DeletionProtection",),
        ("Policies", "PasswordPolicy", "MinimumLength"),
        ("UserPoolTags", "owner"),
    }
