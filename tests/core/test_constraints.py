"""Every rule between settings, each with a write that breaks it and one that keeps it.

A meta-test checks that every rule of ``core/constraints.py`` and every feature of
``core/tiers.py`` has a breaking case here, so a new rule cannot land untested.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gateway.core.constraints import RULES, Write, check_constraints
from gateway.core.tiers import FEATURES, check_tier
from gateway.errors import Argument, GatewayError

BASE: dict[str, Any] = {
    "PoolName": "p",
    "Policies": {
        "PasswordPolicy": {"MinimumLength": 8},
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]},
    },
    "AutoVerifiedAttributes": ["email"],
    "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
    "EmailConfiguration": {"EmailSendingAccount": "DEVELOPER", "SourceArn": "arn:ses"},
    "MfaConfiguration": "OPTIONAL",
    "SoftwareTokenMfaConfiguration": {"Enabled": True},
    "AccountRecoverySetting": {"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
    "UserPoolTier": "ESSENTIALS",
}


def with_changes(**members: Any) -> dict[str, Any]:
    after = copy.deepcopy(BASE)
    for name, value in members.items():
        if value is None:
            after.pop(name, None)
        else:
            after[name] = value
    return after


def check(after: dict[str, Any], before: dict[str, Any] | None = None, **kw: Any) -> None:
    before = BASE if before is None else before
    touched = frozenset(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    write = Write(before, after, touched, Argument.UPDATE, kw.get("region", "eu-west-1"))
    check_constraints(write)
    check_tier(write)


SMS = {"SnsCallerArn": "arn:role"}
WITH_EMAIL_CODE = {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}
EUMS = {"EumsSms": {"CallerArn": "arn:eums", "Region": "eu-west-1"}}
FACTORS = ("Policies", "SignInPolicy", "AllowedFirstAuthFactors")

# (rule, breaking configuration, field, rule id, a configuration that keeps the rule)
CASES: list[tuple[str, dict[str, Any], tuple[str, ...], str, dict[str, Any]]] = [
    ("phone_needs_sms", with_changes(AutoVerifiedAttributes=["email", "phone_number"]),
     ("AutoVerifiedAttributes",), "requires-sms-configuration",
     with_changes(AutoVerifiedAttributes=["email", "phone_number"], SmsConfiguration=SMS)),
    ("verification_before_update", with_changes(AutoVerifiedAttributes=[]),
     ("AutoVerifiedAttributes",), "verification-requires-auto-verified",
     with_changes(AutoVerifiedAttributes=[], UserAttributeUpdateSettings={
         "AttributesRequireVerificationBeforeUpdate": []})),
    ("custom_sender_key", with_changes(LambdaConfig={"CustomSMSSender": {
        "LambdaVersion": "V1_0", "LambdaArn": "arn:f"}}),
     ("LambdaConfig", "KMSKeyID"), "requires-kms-key",
     with_changes(LambdaConfig={"CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": "arn:f"},
                                "KMSKeyID": "arn:kms"})),
    ("email_sending", with_changes(EmailConfiguration={"From": "a@example.com"}),
     ("EmailConfiguration", "From"), "from-requires-developer",
     with_changes(EmailConfiguration={"EmailSendingAccount": "COGNITO_DEFAULT"})),
    ("email_sending", with_changes(EmailConfiguration={"EmailSendingAccount": "DEVELOPER"}),
     ("EmailConfiguration", "SourceArn"), "developer-requires-source-arn",
     with_changes(EmailConfiguration={"EmailSendingAccount": "DEVELOPER", "SourceArn": "arn:s"})),
    ("mfa_setup", with_changes(MfaConfiguration="OFF"),
     ("SoftwareTokenMfaConfiguration",), "mfa-off-with-factor",
     with_changes(MfaConfiguration="OFF", SoftwareTokenMfaConfiguration=None)),
    ("mfa_setup", with_changes(SoftwareTokenMfaConfiguration={"Enabled": False}),
     ("MfaConfiguration",), "requires-mfa-factor",
     with_changes(SoftwareTokenMfaConfiguration={"Enabled": False}, MfaConfiguration="OFF",
                  WebAuthnConfiguration={"RelyingPartyId": "example.com"})),
    ("mfa_setup", with_changes(EmailMfaConfiguration={"Message": "{####}"},
                               EmailConfiguration={"EmailSendingAccount": "COGNITO_DEFAULT"}),
     ("EmailMfaConfiguration",), "email-mfa-requires-developer",
     with_changes(EmailMfaConfiguration={"Message": "{####}"})),
    ("sign_in_factors", with_changes(Policies={"SignInPolicy": {
        "AllowedFirstAuthFactors": ["EMAIL_OTP"]}}),
     FACTORS, "password-factor-required",
     with_changes(Policies=WITH_EMAIL_CODE)),
    ("sign_in_factors", with_changes(Policies={"SignInPolicy": {
        "AllowedFirstAuthFactors": ["PASSWORD", "SMS_OTP"]}}),
     FACTORS, "requires-sms-configuration",
     with_changes(SmsConfiguration=SMS, Policies={"SignInPolicy": {
         "AllowedFirstAuthFactors": ["PASSWORD", "SMS_OTP"]}})),
    ("sign_in_factors", with_changes(MfaConfiguration="ON", Policies={"SignInPolicy": {
        "AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}),
     FACTORS, "first-factors-with-mfa-on",
     with_changes(MfaConfiguration="OPTIONAL", Policies={"SignInPolicy": {
         "AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}})),
    ("sign_in_factors", with_changes(MfaConfiguration="ON", Policies={"SignInPolicy": {
        "AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}),
     ("WebAuthnConfiguration", "FactorConfiguration"), "passkeys-with-mfa-on",
     with_changes(MfaConfiguration="ON", Policies={"SignInPolicy": {
         "AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}, WebAuthnConfiguration={
         "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"})),
    ("recovery_by_phone", with_changes(SmsMfaConfiguration={"SmsConfiguration": SMS},
                                       AccountRecoverySetting={"RecoveryMechanisms": [
                                           {"Priority": 1, "Name": "verified_phone_number"}]}),
     ("AccountRecoverySetting",), "recovery-phone-with-sms-mfa",
     with_changes(SmsMfaConfiguration={"SmsConfiguration": SMS})),
    ("message_templates", with_changes(AdminCreateUserConfig={"InviteMessageTemplate": {
        "EmailMessage": "Your code is {####}"}}),
     ("AdminCreateUserConfig", "InviteMessageTemplate", "EmailMessage"), "placeholder",
     with_changes(AdminCreateUserConfig={"InviteMessageTemplate": {
         "EmailMessage": "{username}: {####}"}})),
    ("message_templates", with_changes(VerificationMessageTemplate={"SmsMessage": "Hello"}),
     ("VerificationMessageTemplate", "SmsMessage"), "placeholder",
     with_changes(VerificationMessageTemplate={"SmsMessage": "Code {####}"})),
    ("message_templates", with_changes(VerificationMessageTemplate={
        "EmailMessageByLink": "Click here"}),
     ("VerificationMessageTemplate", "EmailMessageByLink"), "placeholder",
     with_changes(VerificationMessageTemplate={"EmailMessageByLink": "Click {##here##}"})),
    ("sms_sender", with_changes(SmsConfiguration={**SMS, **EUMS}),
     ("SmsConfiguration", "EumsSms", "CallerArn"), "one-sms-sender",
     with_changes(SmsConfiguration=EUMS)),
    ("sms_sender",
     with_changes(SmsConfiguration={"EumsSms": {"CallerArn": "a", "Region": "us-east-1"}}),
     ("SmsConfiguration", "EumsSms", "Region"), "sms-region",
     with_changes(SmsConfiguration={"EumsSms": {"CallerArn": "a"}})),
    ("threat protection", with_changes(UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"}),
     ("UserPoolAddOns", "AdvancedSecurityMode"), "requires-plus-tier",
     with_changes(UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"}, UserPoolTier="PLUS")),
    ("access-token customization (pre-token generation V2_0/V3_0)",
     with_changes(UserPoolTier="LITE", LambdaConfig={"PreTokenGenerationConfig": {
         "LambdaVersion": "V2_0", "LambdaArn": "arn:f"}}),
     ("UserPoolTier",), "tier-feature-in-use",
     with_changes(UserPoolTier="LITE", LambdaConfig={"PreTokenGenerationConfig": {
         "LambdaVersion": "V1_0", "LambdaArn": "arn:f"}})),
    ("email MFA", with_changes(UserPoolTier="LITE", EmailMfaConfiguration={"Message": "{####}"}),
     ("UserPoolTier",), "tier-feature-in-use",
     with_changes(UserPoolTier="LITE")),
    ("passwordless sign-in (EMAIL_OTP, SMS_OTP, WEB_AUTHN first factors)",
     with_changes(Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
                  UserPoolTier=None),
     FACTORS, "requires-essentials-tier",
     with_changes(Policies=WITH_EMAIL_CODE)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "broken", "field", "rule", "kept"), CASES)
def test_each_rule_refuses_what_breaks_it_and_allows_what_keeps_it(
    name: str, broken: dict[str, Any], field: tuple[str, ...], rule: str, kept: dict[str, Any]
) -> None:
    before = BASE
    if name.startswith("passwordless"):
        before = {**BASE, "UserPoolTier": "LITE"}  # a LITE pool: tier known, no passwordless
        broken = {**broken, "UserPoolTier": "LITE"}
    with pytest.raises(GatewayError) as error:
        check(broken, before)
    assert error.value.field is not None
    assert (error.value.field.path, error.value.rule) == (field, rule)
    check(kept)


def test_every_rule_and_feature_has_a_breaking_case() -> None:
    named = {case[0] for case in CASES}
    assert {rule.check.__name__ for rule in RULES} <= named
    assert {feature.name for feature in FEATURES} <= named


def test_a_pool_that_already_breaks_a_rule_may_change_something_else() -> None:
    broken = with_changes(VerificationMessageTemplate={"SmsMessage": "Hello"})
    check({**broken, "UserPoolTags": {"k": "v"}}, before=broken)


def test_a_lite_pool_keeps_threat_protection_it_had_before_the_tiers() -> None:
    lite = with_changes(UserPoolTier="LITE", UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})
    check(with_changes(UserPoolTier="LITE", UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"}),
          before=lite)  # fmt: skip
    with pytest.raises(GatewayError) as error:  # ESSENTIALS refuses it, even for that pool
        check({**lite, "UserPoolTier": "ESSENTIALS"}, before=lite)
    assert error.value.rule == "tier-feature-in-use"


def test_lowering_the_tier_names_every_feature_in_use() -> None:
    plus = with_changes(
        UserPoolTier="PLUS",
        UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"},
        EmailMfaConfiguration={"Message": "{####}"},
    )
    with pytest.raises(GatewayError) as error:
        check({**plus, "UserPoolTier": "LITE"}, before=plus)
    assert "threat protection" in error.value.message and "email MFA" in error.value.message
