"""Credentials from headers (or gRPC metadata): an API key or a bearer token, checked
by the configured authenticator. Both surfaces use it through ``api/admission.py``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Protocol

from gateway.api.auth.apikeys import ApiKeyAuthenticator
from gateway.api.auth.tokens import JwtAuthenticator, TokenRejected
from gateway.service.access import ANONYMOUS, Principal
from gateway.settings import Settings

log = logging.getLogger(__name__)


class Authenticator(Protocol):
    async def __call__(self, headers: dict[str, str]) -> Principal | None: ...


def credentials_presented(headers: Mapping[str, str]) -> bool:
    """Whether the caller tried to authenticate at all (absent is not the same as invalid)."""
    return "authorization" in headers or "x-api-key" in headers


def bearer(headers: dict[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, credentials = value.partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


def make_authenticator(settings: Settings) -> Authenticator:
    if settings.auth_mode == "api-key":
        keys = ApiKeyAuthenticator(settings.api_keys)

        async def by_api_key(headers: dict[str, str]) -> Principal | None:
            presented = headers.get("x-api-key") or bearer(headers)
            return keys.authenticate(presented) if presented else None

        return by_api_key
    if settings.auth_mode == "jwt":
        assert settings.jwt_jwks_url and settings.jwt_issuer and settings.jwt_audience
        tokens = JwtAuthenticator(
            jwks_url=settings.jwt_jwks_url,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            scopes_claim=settings.jwt_scopes_claim,
            groups_claim=settings.jwt_groups_claim,
            pools_claim=settings.jwt_pools_claim,
            leeway=settings.jwt_leeway_seconds,
            jwks_ttl=settings.jwks_cache_seconds,
            scope_prefix=settings.jwt_scope_prefix,
            token_use=settings.jwt_token_use,
        )

        async def by_token(headers: dict[str, str]) -> Principal | None:
            token = bearer(headers)
            if token is None:
                return None
            try:
                return await tokens.authenticate(token)
            except TokenRejected as rejected:
                log.info("token rejected", extra={"reason": str(rejected)})
                return None
            except Exception as error:  # a token must never turn into a 500
                log.warning("token rejected", extra={"reason": type(error).__name__})
                return None

        return by_token

    async def anyone(headers: dict[str, str]) -> Principal | None:
        return ANONYMOUS

    return anyone
