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
# The same for app clients.
CLIENT_CASES: list[tuple[tuple[str, ...], Any, Any, Risk]] = [
    (("CallbackURLs",), ["https://a.example"], ["https://a.example", "http://b.example"],
     Risk.HIGH),
    (("CallbackURLs",), [], ["http://localhost:3000/cb", "https://b.example"], Risk.LOW),
    (("CallbackURLs",), ["http://a.example"], ["http://a.example"], Risk.LOW),
    (("LogoutURLs",), None, ["myapp://signout"], Risk.HIGH),
    (("LogoutURLs",), None, ["http://127.0.0.1:8080/out"], Risk.LOW),
    (("AllowedOAuthFlows",), ["code"], ["code", "implicit"], Risk.HIGH),
    (("AllowedOAuthFlows",), ["implicit"], ["code"], Risk.LOW),
    (("ExplicitAuthFlows",), ["ALLOW_USER_SRP_AUTH"], ["ALLOW_USER_PASSWORD_AUTH"], Risk.HIGH),
    (("ExplicitAuthFlows",), ["ALLOW_USER_PASSWORD_AUTH"], ["ALLOW_USER_SRP_AUTH"], Risk.LOW),
    (("EnableTokenRevocation",), True, False, Risk.HIGH),
    (("EnableTokenRevocation",), None, False, Risk.HIGH),
    (("EnableTokenRevocation",), False, True, Risk.LOW),
    (("PreventUserExistenceErrors",), "ENABLED", "LEGACY", Risk.HIGH),
    (("PreventUserExistenceErrors",), "ENABLED", None, Risk.HIGH),
    (("PreventUserExistenceErrors",), "LEGACY", "ENABLED", Risk.LOW),
    (("RefreshTokenValidity",), 30, 365, Risk.HIGH),
    (("RefreshTokenValidity",), 30, 60, Risk.LOW),
    (("TokenValidityUnits", "RefreshToken"), "hours", "days", Risk.HIGH),
    (("TokenValidityUnits", "RefreshToken"), "days", "hours", Risk.LOW),
    (("SupportedIdentityProviders",), ["COGNITO"], ["COGNITO", "Google"], Risk.HIGH),
    (("SupportedIdentityProviders",), ["COGNITO", "Google"], ["COGNITO"], Risk.LOW),
    (("ClientName",), "web", "portal", Risk.LOW),
]  # fmt: skip
UPDATE_OPERATION = {"UserPool": "UpdateUserPool", "UserPoolClient": "UpdateUserPoolClient"}


@pytest.mark.parametrize(("path", "before", "after", "expected"), CASES)
def test_risk_of_each_rule(path: tuple[str, ...], before: Any, after: Any, expected: Risk) -> None:
    assert risk_of(path, before, after) == expected


@pytest.mark.parametrize(("path", "before", "after", "expected"), CLIENT_CASES)
def test_risk_of_each_client_rule(
    path: tuple[str, ...], before: Any, after: Any, expected: Risk
) -> None:
    assert risk_of(path, before, after, "UserPoolClient") == expected


def test_a_rule_judges_only_its_own_kind() -> None:
    assert risk_of(("EnableTokenRevocation",), True, False, "UserPool") == Risk.LOW
    assert risk_of(("DeletionProtection",), "ACTIVE", None, "UserPoolClient") == Risk.LOW


def test_every_rule_has_a_high_case() -> None:
    cases = [("UserPool", *case) for case in CASES]
    cases += [("UserPoolClient", *case) for case in CLIENT_CASES]
    tripped = {(rule.kind, rule.path) for rule in RULES for kind, path, *_, risk in cases
               if risk == Risk.HIGH and kind == rule.kind
               and path[: len(rule.path)] == rule.path}  # fmt: skip
    assert tripped == {(rule.kind, rule.path) for rule in RULES}


def test_every_rule_names_a_member_of_the_update_request() -> None:
    """A botocore rename must fail here, not silently disarm a rule."""
    shape: Any
    for rule in RULES:
        shape = model.input_shape(UPDATE_OPERATION[rule.kind])
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
