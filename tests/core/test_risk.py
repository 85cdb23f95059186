"""The risk table, rule by rule: each HIGH rule with a change that trips it and one
that does not, and a tag change that is LOW."""

from __future__ import annotations

from typing import Any

import pytest

from gateway import model
from gateway.core.configuration import compare
from gateway.core.diff import diff
from gateway.core.risk import RULES, Risk, risk_of

PASSWORD = ("Policies", "PasswordPolicy")
TRIGGER = "arn:aws:lambda:eu-west-1:123456789012:function:"

# (path, before, after, expected): every rule once as HIGH and once as LOW.
CASES: list[tuple[tuple[str, ...], Any, Any, Risk]] = [
    (("DeletionProtection",), "ACTIVE", "INACTIVE", Risk.HIGH),
    (("DeletionProtection",), "ACTIVE", None, Risk.HIGH),
    (("DeletionProtection",), "INACTIVE", "ACTIVE", Risk.LOW),
    (("LambdaConfig", "PreSignUp"), TRIGGER + "a", None, Risk.HIGH),
    (("LambdaConfig", "PreSignUp"), TRIGGER + "a", TRIGGER + "b", Risk.HIGH),
    (("LambdaConfig", "PreSignUp"), None, TRIGGER + "a", Risk.LOW),
    (("LambdaConfig", "CustomEmailSender", "LambdaArn"), TRIGGER + "a", None, Risk.HIGH),
    (("LambdaConfig", "PreTokenGenerationConfig", "LambdaVersion"), "V1_0", "V2_0", Risk.LOW),
    (("MfaConfiguration",), "ON", "OPTIONAL", Risk.HIGH),
    (("MfaConfiguration",), "OPTIONAL", None, Risk.HIGH),
    (("MfaConfiguration",), "OFF", "ON", Risk.LOW),
    ((*PASSWORD, "MinimumLength"), 12, 8, Risk.HIGH),
    ((*PASSWORD, "MinimumLength"), 12, None, Risk.HIGH),
    ((*PASSWORD, "MinimumLength"), 8, 12, Risk.LOW),
    ((*PASSWORD, "RequireUppercase"), True, False, Risk.HIGH),
    ((*PASSWORD, "RequireLowercase"), True, None, Risk.HIGH),
    ((*PASSWORD, "RequireNumbers"), True, False, Risk.HIGH),
    ((*PASSWORD, "RequireSymbols"), True, False, Risk.HIGH),
    ((*PASSWORD, "RequireSymbols"), False, True, Risk.LOW),
    ((*PASSWORD, "PasswordHistorySize"), 5, 0, Risk.HIGH),
    ((*PASSWORD, "PasswordHistorySize"), 0, 5, Risk.LOW),
    ((*PASSWORD, "TemporaryPasswordValidityDays"), 3, 30, Risk.HIGH),
    ((*PASSWORD, "TemporaryPasswordValidityDays"), 7, 1, Risk.LOW),
    (("UserPoolAddOns", "AdvancedSecurityMode"), "ENFORCED", "AUDIT", Risk.HIGH),
    (("UserPoolAddOns", "AdvancedSecurityMode"), "AUDIT", None, Risk.HIGH),
    (("UserPoolAddOns", "AdvancedSecurityMode"), "AUDIT", "ENFORCED", Risk.LOW),
    (("UserPoolAddOns", "AdvancedSecurityAdditionalFlows", "CustomAuthMode"), "ENFORCED",
     "AUDIT", Risk.HIGH),
    (("AdminCreateUserConfig", "AllowAdminCreateUserOnly"), True, False, Risk.HIGH),
    (("AdminCreateUserConfig", "AllowAdminCreateUserOnly"), True, None, Risk.HIGH),
    (("AdminCreateUserConfig", "AllowAdminCreateUserOnly"), False, True, Risk.LOW),
    (("AutoVerifiedAttributes",), ["email", "phone_number"], ["email"], Risk.HIGH),
    (("AutoVerifiedAttributes",), ["email"], ["email", "phone_number"], Risk.LOW),
    (("UserAttributeUpdateSettings", "AttributesRequireVerificationBeforeUpdate"), ["email"],
     [], Risk.HIGH),
    (("IssuerConfiguration", "Type"), "ORIGINAL", "UPDATED", Risk.HIGH),
    (("IssuerConfiguration", "Type"), None, "UPDATED", Risk.HIGH),
    (("IssuerConfiguration", "Type"), None, "ORIGINAL", Risk.LOW),
    (("UserPoolTags", "env"), "prod", "dev", Risk.LOW),
    (("UserPoolTags", "env"), "prod", None, Risk.LOW),
    (("SmsAuthenticationMessage",), "a {####}", "b {####}", Risk.LOW),
]  # fmt: skip


@pytest.mark.parametrize(("path", "before", "after", "expected"), CASES)
def test_risk_of_each_rule(path: tuple[str, ...], before: Any, after: Any, expected: Risk) -> None:
    assert risk_of(path, before, after) == expected


def test_every_rule_has_a_high_case() -> None:
    tripped = {rule.path for rule in RULES for path, *_, risk in CASES
               if risk == Risk.HIGH and path[: len(rule.path)] == rule.path}  # fmt: skip
    assert tripped == {rule.path for rule in RULES}


def test_every_rule_names_a_member_of_the_update_request() -> None:
    """A botocore rename must fail here, not silently disarm a rule."""
    shape: Any
    for rule in RULES:
        shape = model.input_shape("UpdateUserPool")
        for part in rule.path:
            assert part in shape.members, rule.path
            shape = shape.members[part]


def test_whole_objects_removed_are_judged_leaf_by_leaf() -> None:
    before = {"Policies": {"PasswordPolicy": {"MinimumLength": 12}}, "UserPoolTags": {"a": "b"}}
    changes = {c.path: c.risk for c in diff(before, {})}
    assert changes == {(*PASSWORD, "MinimumLength"): Risk.HIGH, ("UserPoolTags", "a"): Risk.LOW}


def test_compare_carries_risk_from_left_to_right() -> None:
    strict = {"DeletionProtection": "ACTIVE"}
    assert [c.risk for c in compare(strict, {})] == [Risk.HIGH]
    assert [c.risk for c in compare({}, strict)] == [Risk.LOW]
