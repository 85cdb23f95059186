"""The demo's pools: realistic, fully configured user pools to seed an emulator with.

The seeded pools are also the tests' reference data: one fully configured
pool (every setting a platform team cares about), one minimal pool, and one
legacy-style pool with the fields old pools still return.
"""

from __future__ import annotations

from typing import Any

from gateway.cognito.clients import Cognito

ACCOUNT = "123456789012"
DEMO_REGION = "eu-west-1"


def _arn(service: str, resource: str, region: str = DEMO_REGION) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


def _function(name: str) -> str:
    return _arn("lambda", f"function:{name}")


FULL_POOL: dict[str, Any] = {
    "PoolName": "acme-customers",
    "Policies": {
        "PasswordPolicy": {
            "MinimumLength": 12,
            "RequireUppercase": True,
            "RequireLowercase": True,
            "RequireNumbers": True,
            "RequireSymbols": False,
            "PasswordHistorySize": 5,
            "TemporaryPasswordValidityDays": 3,
        },
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]},
    },
    "DeletionProtection": "ACTIVE",
    "LambdaConfig": {
        "PreSignUp": _function("acme-pre-sign-up"),
        "PostConfirmation": _function("acme-post-confirmation"),
        "PreAuthentication": _function("acme-pre-auth"),
        "CustomMessage": _function("acme-custom-message"),
        "PreTokenGeneration": _function("acme-pre-token"),
        "PreTokenGenerationConfig": {
            "LambdaVersion": "V2_0",
            "LambdaArn": _function("acme-pre-token"),
        },
        "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": _function("acme-email-sender")},
        "KMSKeyID": _arn("kms", "key/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"),
    },
    "AutoVerifiedAttributes": ["email", "phone_number"],
    "AliasAttributes": ["email", "preferred_username"],
    "VerificationMessageTemplate": {
        "SmsMessage": "Your Acme code is {####}",
        "EmailMessage": "Welcome to Acme. Your verification code is {####}.",
        "EmailSubject": "Verify your Acme account",
        "EmailMessageByLink": "Click {##here##} to verify your Acme account.",
        "EmailSubjectByLink": "Verify your Acme account",
        "DefaultEmailOption": "CONFIRM_WITH_LINK",
    },
    "SmsAuthenticationMessage": "Your Acme sign-in code is {####}",
    "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
    "DeviceConfiguration": {
        "ChallengeRequiredOnNewDevice": True,
        "DeviceOnlyRememberedOnUserPrompt": True,
    },
    "EmailConfiguration": {
        "SourceArn": _arn("ses", "identity/no-reply@acme.example.com"),
        "ReplyToEmailAddress": "support@acme.example.com",
        "EmailSendingAccount": "DEVELOPER",
        "From": "Acme <no-reply@acme.example.com>",
        "ConfigurationSet": "acme-transactional",
    },
    "SmsConfiguration": {
        "SnsCallerArn": _arn("iam", "role/acme-cognito-sms", region=""),
        "ExternalId": "acme-sms-external-id",
        "SnsRegion": DEMO_REGION,
    },
    "UserPoolTags": {"team": "identity", "env": "demo", "cost-center": "cc-1042"},
    "AdminCreateUserConfig": {
        "AllowAdminCreateUserOnly": True,
        "InviteMessageTemplate": {
            "SMSMessage": "Your Acme username is {username} and password {####}",
            "EmailMessage": "Your Acme username is {username} and temporary password is {####}.",
            "EmailSubject": "Your Acme account",
        },
    },
    "UserPoolAddOns": {
        "AdvancedSecurityMode": "AUDIT",
        "AdvancedSecurityAdditionalFlows": {"CustomAuthMode": "AUDIT"},
    },
    "UsernameConfiguration": {"CaseSensitive": False},
    "AccountRecoverySetting": {
        "RecoveryMechanisms": [
            {"Priority": 1, "Name": "verified_email"},
            {"Priority": 2, "Name": "verified_phone_number"},
        ]
    },
    "UserPoolTier": "PLUS",
    "AcrConfiguration": {"Level1": {"AcrValue": "urn:acme:loa:1"}},
}

MINIMAL_POOL: dict[str, Any] = {"PoolName": "acme-internal-tools"}

LEGACY_POOL: dict[str, Any] = {
    "PoolName": "acme-legacy-2017",
    "Policies": {
        "PasswordPolicy": {
            "MinimumLength": 8,
            "RequireUppercase": True,
            "RequireLowercase": True,
            "RequireNumbers": True,
            "RequireSymbols": True,
        }
    },
    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False, "UnusedAccountValidityDays": 14},
    "EmailVerificationMessage": "Your verification code is {####}.",
    "EmailVerificationSubject": "Your verification code",
    "SmsVerificationMessage": "Your verification code is {####}.",
    "AutoVerifiedAttributes": ["email"],
    "UserPoolTags": {"legacy": "true"},
}

DEMO_POOLS = (FULL_POOL, MINIMAL_POOL, LEGACY_POOL)

# The full pool's two app clients: a browser app signing in with OAuth (code grant,
# callback URLs, tokens in minutes, attributes, analytics) and a plain native one.
WEB_CLIENT: dict[str, Any] = {
    "ClientName": "acme-web",
    "AccessTokenValidity": 60,
    "IdTokenValidity": 60,
    "RefreshTokenValidity": 30,
    "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
    "ReadAttributes": ["email", "email_verified", "name", "preferred_username"],
    "WriteAttributes": ["email", "name", "preferred_username"],
    "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    "SupportedIdentityProviders": ["COGNITO"],
    "CallbackURLs": ["https://app.acme.example.com/callback", "http://localhost:3000/callback"],
    "LogoutURLs": ["https://app.acme.example.com/", "http://localhost:3000/"],
    "DefaultRedirectURI": "https://app.acme.example.com/callback",
    "AllowedOAuthFlows": ["code"],
    "AllowedOAuthScopes": ["openid", "email", "profile"],
    "AllowedOAuthFlowsUserPoolClient": True,
    "AnalyticsConfiguration": {
        "ApplicationId": "0123456789abcdef0123456789abcdef",
        "RoleArn": _arn("iam", "role/acme-cognito-analytics", region=""),
        "UserDataShared": False,
    },
    "PreventUserExistenceErrors": "ENABLED",
    "EnableTokenRevocation": True,
}
NATIVE_CLIENT: dict[str, Any] = {
    "ClientName": "acme-mobile",
    "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    "PreventUserExistenceErrors": "ENABLED",
}
DEMO_CLIENTS = (WEB_CLIENT, NATIVE_CLIENT)
# The full pool's hosted sign-in domain prefix: what the web client's OAuth signs in on.
DEMO_DOMAIN = "acme-demo"


async def seed_pools(clients: Cognito, region: str = DEMO_REGION) -> list[str]:
    """Create the demo pools; returns their ids in ``DEMO_POOLS`` order."""
    ids = []
    for definition in DEMO_POOLS:
        response = await clients.call(region, "CreateUserPool", **definition)
        ids.append(response["UserPool"]["Id"])
    return ids


async def seed_clients(clients: Cognito, pool_id: str, region: str = DEMO_REGION) -> list[str]:
    """Create the demo app clients in ``pool_id`` and its domain; returns the clients' ids
    in order."""
    await clients.call(region, "CreateUserPoolDomain", UserPoolId=pool_id, Domain=DEMO_DOMAIN)
    ids = []
    for definition in DEMO_CLIENTS:
        response = await clients.call(region, "CreateUserPoolClient", UserPoolId=pool_id,
                                      **definition)  # fmt: skip
        ids.append(response["UserPoolClient"]["ClientId"])
    return ids
