"""What a browser app needs to sign in with one app client, read at run time instead of
baked in at build time: the ``auth`` section of Amplify's ``amplify_outputs.json``
(version 1), so ``Amplify.configure`` takes the document as it is.

Built from a described pool (with its MFA setup), its public projection
(``core/public``) and a described client. Nothing secret goes in: no client secret,
no ARNs, roles or sender configuration; the pool's public settings ride along under
``custom`` for screens that want more than Amplify reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.core.merge import get_path
from gateway.core.public import as_json

OUTPUTS_VERSION = "1.4"
# Cognito's names of the social providers -> amplify_outputs' (Amplify knows these four).
SOCIAL_PROVIDERS = {
    "Google": "GOOGLE",
    "Facebook": "FACEBOOK",
    "LoginWithAmazon": "LOGIN_WITH_AMAZON",
    "SignInWithApple": "SIGN_IN_WITH_APPLE",
}
COGNITO_PROVIDER = "COGNITO"  # the pool's own users: not an external provider
MFA_MODES = {"OFF": "NONE", "ON": "REQUIRED", "OPTIONAL": "OPTIONAL"}
MFA_METHODS = {"SMS_MFA": "SMS", "SOFTWARE_TOKEN_MFA": "TOTP", "EMAIL_OTP": "EMAIL"}
REDIRECTING_FLOWS = ("code", "implicit")
# Attributes Cognito fills itself: required in every schema, never asked for at sign-up.
GENERATED_ATTRIBUTES = frozenset({"sub"})


def oauth_domain(pool: Mapping[str, Any], region: str) -> str | None:
    """The hosted sign-in domain: the custom one, else the prefix's Cognito domain."""
    if pool.get("CustomDomain"):
        return str(pool["CustomDomain"])
    if pool.get("Domain"):
        return f"{pool['Domain']}.auth.{region}.amazoncognito.com"
    return None


def _oauth(pool: Mapping[str, Any], client: Mapping[str, Any], region: str) -> dict[str, Any]:
    """The ``oauth`` block, when the client signs in through the hosted pages (an OAuth
    client with the code or implicit grant) and the pool has a domain; else empty."""
    flows = client.get("AllowedOAuthFlows") or []
    domain = oauth_domain(pool, region)
    if client.get("AllowedOAuthFlowsUserPoolClient") is not True or domain is None:
        return {}
    if not any(flow in flows for flow in REDIRECTING_FLOWS):
        return {}
    callbacks = list(client.get("CallbackURLs") or [])
    default = client.get("DefaultRedirectURI")
    if default in callbacks:  # the default first: what Amplify redirects to unless told
        callbacks.remove(default)
        callbacks.insert(0, default)
    providers = [
        SOCIAL_PROVIDERS.get(name, name)
        for name in client.get("SupportedIdentityProviders") or []
        if name != COGNITO_PROVIDER
    ]
    return {
        "oauth": {
            "identity_providers": providers,
            "domain": domain,
            "scopes": list(client.get("AllowedOAuthScopes") or []),
            "redirect_sign_in_uri": callbacks,
            "redirect_sign_out_uri": list(client.get("LogoutURLs") or []),
            "response_type": "code" if "code" in flows else "token",
        }
    }


def _password_policy(pool: Mapping[str, Any]) -> dict[str, Any]:
    policy = get_path(pool, ("Policies", "PasswordPolicy")) or {}
    return {
        "min_length": policy.get("MinimumLength", 8),
        "require_numbers": bool(policy.get("RequireNumbers")),
        "require_lowercase": bool(policy.get("RequireLowercase")),
        "require_uppercase": bool(policy.get("RequireUppercase")),
        "require_symbols": bool(policy.get("RequireSymbols")),
    }


def _passwordless(pool: Mapping[str, Any]) -> dict[str, Any]:
    factors = get_path(pool, ("Policies", "SignInPolicy", "AllowedFirstAuthFactors")) or []
    block: dict[str, Any] = {
        "email_otp_enabled": "EMAIL_OTP" in factors,
        "sms_otp_enabled": "SMS_OTP" in factors,
    }
    passkeys = pool.get("WebAuthnConfiguration") or {}
    if "WEB_AUTHN" in factors and passkeys.get("RelyingPartyId"):
        block["web_authn"] = {
            "relying_party_id": passkeys["RelyingPartyId"],
            "user_verification": str(passkeys.get("UserVerification", "preferred")).lower(),
        }
    return {"passwordless": block} if factors else {}


def frontend_config(
    pool: Mapping[str, Any],
    client: Mapping[str, Any],
    public: Mapping[str, Any],
    region: str,
) -> dict[str, Any]:
    """The amplify_outputs document for ``client`` of ``pool`` (``public``: the pool's
    public projection, which also gives its MFA factors)."""
    required = [
        str(attribute["Name"])
        for attribute in pool.get("SchemaAttributes") or []
        if attribute.get("Required")
        and not str(attribute.get("Name", "")).startswith("custom:")
        and attribute.get("Name") not in GENERATED_ATTRIBUTES
    ]
    mfa = public.get("Mfa") or {}
    auth: dict[str, Any] = {
        "aws_region": region,
        "user_pool_id": pool.get("Id"),
        "user_pool_client_id": client.get("ClientId"),
        "password_policy": _password_policy(pool),
        **_oauth(pool, client, region),
        "standard_required_attributes": required,
        "username_attributes": list(pool.get("UsernameAttributes") or []),
        "user_verification_types": list(pool.get("AutoVerifiedAttributes") or []),
        "mfa_configuration": MFA_MODES.get(str(mfa.get("Mode", "OFF")), "NONE"),
        "mfa_methods": [MFA_METHODS[f] for f in mfa.get("Factors") or [] if f in MFA_METHODS],
        **_passwordless(pool),
    }
    return {
        "version": OUTPUTS_VERSION,
        "auth": auth,
        "custom": {"user_pool_public_settings": as_json(public)},
    }
