"""Credentials from headers (or gRPC metadata): an API key or a bearer token, checked
by the configured authenticator. Both surfaces use it through ``api/admission.py``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Protocol

from gateway.api.auth.apikeys import ApiKeyAuthenticator
from gateway.api.auth.tokens import JwtAuthenticator, TokenRejected
from gateway.service.access import ANONYMOUS, Principal
from gateway.settings import AuthSettings

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


def make_authenticator(auth: AuthSettings) -> Authenticator:
    if auth.auth_mode == "api-key":
        keys = ApiKeyAuthenticator(auth.api_keys)

        async def by_api_key(headers: dict[str, str]) -> Principal | None:
            presented = headers.get("x-api-key") or bearer(headers)
            return keys.authenticate(presented) if presented else None

        return by_api_key
    if auth.auth_mode == "jwt":
        assert auth.jwt_jwks_url and auth.jwt_issuer and auth.jwt_audience
        tokens = JwtAuthenticator(
            jwks_url=auth.jwt_jwks_url,
            issuer=auth.jwt_issuer,
            audience=auth.jwt_audience,
            scopes_claim=auth.jwt_scopes_claim,
            groups_claim=auth.jwt_groups_claim,
            pools_claim=auth.jwt_pools_claim,
            leeway=auth.jwt_leeway_seconds,
            jwks_ttl=auth.jwks_cache_seconds,
            scope_prefix=auth.jwt_scope_prefix,
            token_use=auth.jwt_token_use,
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
