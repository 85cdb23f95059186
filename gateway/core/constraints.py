"""Rules between settings that Cognito enforces: each checked before any call.

Each rule is a small function over the configuration a write would produce
(``after``), the one it starts from (``before``) and the top-level members the
write touches. A rule runs only when the write touches one of its members, so
an unrelated patch on a pool that already breaks a rule is not blocked (the
service judges what a request changes the same way). A broken rule is a
``BAD_USER_INPUT`` naming the member to fix and the rule, before anything is
sent; docs/graphql.md's table "what the gateway knows about Cognito" lists them with
their sources.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.core.merge import get_path
from gateway.core.mfa import MFA_MEMBER, PASSKEYS, enabled_factors, factor_enabled
from gateway.core.rules import CUSTOM_SENDER_TRIGGERS
from gateway.errors import Argument, Field, GatewayError, Path, invalid

Config = Mapping[str, Any]
FIRST_FACTORS = ("Policies", "SignInPolicy", "AllowedFirstAuthFactors")
SECURITY_MODE = ("UserPoolAddOns", "AdvancedSecurityMode")
PRE_TOKEN_VERSION = ("LambdaConfig", "PreTokenGenerationConfig", "LambdaVersion")
THREAT_PROTECTION_ON = ("AUDIT", "ENFORCED")
CODE = "{####}"
LINK = re.compile(r"\{##.*##\}", re.DOTALL)


@dataclass(frozen=True)
class Write:
    """What a rule sees: the configuration before and after, what the write touches,
    which document a bad field is in, and the pool's Region."""

    before: Config
    after: Config
    touched: frozenset[str]
    document: Argument
    region: str | None = None

    def field(self, *path: str) -> Field:
        return Field(self.document, tuple(path))

    def first_touched(self, *paths: Path) -> Path:
        """The first of ``paths`` whose member the write touches (else the first)."""
        return next((p for p in paths if p[0] in self.touched), paths[0])


def mfa_mode(configuration: Config) -> str:
    return str(configuration.get(MFA_MEMBER) or "OFF")


def first_factors(configuration: Config) -> list[str] | None:
    value = get_path(configuration, FIRST_FACTORS)
    return list(value) if isinstance(value, list) else None


# -- the rules ----------------------------------------------------------------------------


def phone_needs_sms(write: Write) -> None:
    if "phone_number" in (write.after.get("AutoVerifiedAttributes") or []) and not (
        write.after.get("SmsConfiguration")
    ):
        raise invalid(
            "phone_number can only be auto-verified when smsConfiguration is set",
            write.field("AutoVerifiedAttributes"),
            "requires-sms-configuration",
        )


def verification_before_update(write: Write) -> None:
    """``AttributesRequireVerificationBeforeUpdate`` must be a subset of the auto-verified."""
    required = get_path(
        write.after, ("UserAttributeUpdateSettings", "AttributesRequireVerificationBeforeUpdate")
    )
    verified = set(write.after.get("AutoVerifiedAttributes") or [])
    missing = sorted(set(required or []) - verified)
    if missing:
        path = write.first_touched(
            ("AutoVerifiedAttributes",),
            ("UserAttributeUpdateSettings", "AttributesRequireVerificationBeforeUpdate"),
        )
        raise invalid(
            f"{', '.join(missing)} must stay auto-verified while attribute updates require "
            "verifying it (userAttributeUpdateSettings.attributesRequireVerificationBeforeUpdate)",
            write.field(*path),
            "verification-requires-auto-verified",
        )


def sign_in_factors(write: Write) -> None:
    """Choice-based sign-in against MFA, passkeys and SMS."""
    factors = first_factors(write.after)
    if factors is None:
        return
    field = write.field(*FIRST_FACTORS)
    if "PASSWORD" not in factors:
        raise invalid("must include PASSWORD", field, "password-factor-required")
    if "SMS_OTP" in factors and not write.after.get("SmsConfiguration"):
        raise invalid("SMS_OTP needs smsConfiguration", field, "requires-sms-configuration")
    if mfa_mode(write.after) != "ON":
        return
    extra = sorted(set(factors) - {"PASSWORD", "WEB_AUTHN"})
    if extra:
        path = write.first_touched(FIRST_FACTORS, (MFA_MEMBER,))
        raise invalid(
            f"with MFA ON only PASSWORD and WEB_AUTHN may be first factors (remove "
            f"{', '.join(extra)} from policies.signInPolicy.allowedFirstAuthFactors first)",
            write.field(*path),
            "first-factors-with-mfa-on",
        )
    wanted = "MULTI_FACTOR_WITH_USER_VERIFICATION"
    if "WEB_AUTHN" in factors and get_path(write.after, (PASSKEYS, "FactorConfiguration")) != (
        wanted
    ):
        raise invalid(
            f"WEB_AUTHN sign-in with MFA ON needs factorConfiguration {wanted}",
            write.field(PASSKEYS, "FactorConfiguration"),
            "passkeys-with-mfa-on",
        )


def mfa_setup(write: Write) -> None:
    """SetUserPoolMfaConfig's own rules, on the setup the write leaves."""
    mode, factors = mfa_mode(write.after), enabled_factors(write.after)
    if mode == "OFF" and factors:
        raise invalid(
            "cannot be enabled while mfaConfiguration is OFF",
            write.field(factors[0]),
            "mfa-off-with-factor",
        )
    if mode != "OFF" and not factors:
        raise invalid(
            f"{mode} needs an MFA factor (SMS, software token or email) enabled; passkeys "
            "alone go with OFF",
            write.field(MFA_MEMBER),
            "requires-mfa-factor",
        )
    sending = get_path(write.after, ("EmailConfiguration", "EmailSendingAccount"))
    if factor_enabled(write.after.get("EmailMfaConfiguration")) and sending != "DEVELOPER":
        path = write.first_touched(
            ("EmailMfaConfiguration",), ("EmailConfiguration", "EmailSendingAccount")
        )
        raise invalid(
            "email MFA needs emailConfiguration.emailSendingAccount DEVELOPER (Amazon SES)",
            write.field(*path),
            "email-mfa-requires-developer",
        )


def email_sending(write: Write) -> None:
    email = write.after.get("EmailConfiguration") or {}
    account = email.get("EmailSendingAccount") or "COGNITO_DEFAULT"
    if email.get("From") and account != "DEVELOPER":
        raise invalid(
            "can only be set with emailSendingAccount DEVELOPER",
            write.field("EmailConfiguration", "From"),
            "from-requires-developer",
        )
    if account == "DEVELOPER" and not email.get("SourceArn"):
        raise invalid(
            "is required with emailSendingAccount DEVELOPER",
            write.field("EmailConfiguration", "SourceArn"),
            "developer-requires-source-arn",
        )


def recovery_by_phone(write: Write) -> None:
    mechanisms = get_path(write.after, ("AccountRecoverySetting", "RecoveryMechanisms")) or []
    by_phone = any(m.get("Name") == "verified_phone_number" for m in mechanisms)
    sms_mfa = factor_enabled(write.after.get("SmsMfaConfiguration"))
    if by_phone and sms_mfa and mfa_mode(write.after) != "OFF":
        path = write.first_touched(("AccountRecoverySetting",), ("SmsMfaConfiguration",))
        raise invalid(
            "account recovery cannot use verified_phone_number while SMS MFA is configured",
            write.field(*path),
            "recovery-phone-with-sms-mfa",
        )


TEMPLATES: tuple[tuple[Path, tuple[str, ...]], ...] = (
    (("AdminCreateUserConfig", "InviteMessageTemplate", "SMSMessage"), ("{username}", CODE)),
    (("AdminCreateUserConfig", "InviteMessageTemplate", "EmailMessage"), ("{username}", CODE)),
    (("VerificationMessageTemplate", "SmsMessage"), (CODE,)),
    (("VerificationMessageTemplate", "EmailMessage"), (CODE,)),
    (("SmsAuthenticationMessage",), (CODE,)),
    (("EmailMfaConfiguration", "Message"), (CODE,)),
)


def message_templates(write: Write) -> None:
    """Codes and user names the service fills in must be in the templates that carry them."""
    for path, placeholders in TEMPLATES:
        text = get_path(write.after, path)
        if path[0] not in write.touched or not isinstance(text, str):
            continue
        for placeholder in placeholders:
            if placeholder not in text:
                raise invalid(f"must contain {placeholder}", write.field(*path), "placeholder")
    link_path = ("VerificationMessageTemplate", "EmailMessageByLink")
    link = get_path(write.after, link_path)
    if link_path[0] in write.touched and isinstance(link, str) and not LINK.search(link):
        raise invalid("must contain {##link text##}", write.field(*link_path), "placeholder")


def sms_sender(write: Write) -> None:
    """SNS or End User Messaging, never both; End User Messaging in the pool's Region."""
    for holder in (("SmsConfiguration",), ("SmsMfaConfiguration", "SmsConfiguration")):
        sms = get_path(write.after, holder)
        if not isinstance(sms, Mapping) or holder[0] not in write.touched:
            continue
        eums = sms.get("EumsSms") or {}
        if sms.get("SnsCallerArn") and eums.get("CallerArn"):
            raise invalid(
                "set snsCallerArn or eumsSms.callerArn, not both",
                write.field(*holder, "EumsSms", "CallerArn"),
                "one-sms-sender",
            )
        region = eums.get("Region")
        if region and write.region and region != write.region:
            raise invalid(
                f"must be the pool's Region ({write.region}) or left out",
                write.field(*holder, "EumsSms", "Region"),
                "sms-region",
            )


def custom_sender_key(write: Write) -> None:
    lambdas = write.after.get("LambdaConfig") or {}
    if any(lambdas.get(t) for t in CUSTOM_SENDER_TRIGGERS) and not lambdas.get("KMSKeyID"):
        raise invalid(
            "custom sender triggers need a KMS key to encrypt codes",
            write.field("LambdaConfig", "KMSKeyID"),
            "requires-kms-key",
        )


@dataclass(frozen=True)
class Rule:
    members: frozenset[str]
    check: Callable[[Write], None]


def _rule(check: Callable[[Write], None], *members: str) -> Rule:
    return Rule(frozenset(members), check)


RULES: tuple[Rule, ...] = (
    _rule(phone_needs_sms, "AutoVerifiedAttributes", "SmsConfiguration"),
    _rule(verification_before_update, "AutoVerifiedAttributes", "UserAttributeUpdateSettings"),
    _rule(custom_sender_key, "LambdaConfig"),
    _rule(email_sending, "EmailConfiguration"),
    _rule(mfa_setup, MFA_MEMBER, "SmsMfaConfiguration", "SoftwareTokenMfaConfiguration",
          "EmailMfaConfiguration", "EmailConfiguration"),
    _rule(sign_in_factors, "Policies", MFA_MEMBER, PASSKEYS, "SmsConfiguration"),
    _rule(recovery_by_phone, "AccountRecoverySetting", "SmsMfaConfiguration", MFA_MEMBER),
    _rule(message_templates, "AdminCreateUserConfig", "VerificationMessageTemplate",
          "SmsAuthenticationMessage", "EmailMfaConfiguration"),
    _rule(sms_sender, "SmsConfiguration", "SmsMfaConfiguration"),
)  # fmt: skip


# What a pool's replica in a secondary Region may change (multi-Region user pools).
REPLICA_WRITABLE = frozenset(
    {"EmailConfiguration", "SmsConfiguration", "LambdaConfig", "UserPoolTags"}
)


def replica_refusal(touched: frozenset[str], document: Argument) -> GatewayError | None:
    """The refusal for a write to a secondary-Region replica that touches more than it may
    (``KeyConfiguration`` and ``IssuerConfiguration`` among them), or None."""
    outside = sorted(touched - REPLICA_WRITABLE)
    if not outside:
        return None
    return invalid(
        "this pool is a replica in a secondary Region: only email, SMS, Lambda and tag "
        "settings can change here; change the rest in the primary Region",
        Field(document, (outside[0],)),
        "secondary-replica",
    )


def check_constraints(write: Write) -> None:
    """Every rule whose members the write touches (the feature plan's are in ``tiers``)."""
    for rule in RULES:
        if rule.members & write.touched:
            rule.check(write)
