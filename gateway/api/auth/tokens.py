"""Bearer JWTs verified against an OIDC issuer's JWKS (a Cognito user pool works).

Only RS256 and ES256 are accepted, whatever the token's header says, so
``alg: none`` and HS256-signed-with-the-public-key tokens are refused before
any key is used. Keys are cached and fetched again when a token names an
unknown ``kid`` (key rotation), at most once per ``REFRESH_COOLDOWN``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import aiohttp
import jwt

from gateway.service.access import Principal, check_pool_patterns, normalize_scopes

log = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = ("RS256", "ES256")
REFRESH_COOLDOWN_SECONDS = 10.0


class TokenRejected(Exception):
    """Why a token is not accepted (logged; the client only learns it was rejected)."""


class JwksCache:
    def __init__(self, url: str, ttl: float) -> None:
        self._url = url
        self._ttl = ttl
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched = 0.0
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK:
        expired = time.monotonic() - self._fetched > self._ttl
        if kid not in self._keys or expired:
            await self._refresh(force=expired)
        found = self._keys.get(kid)
        if found is None:
            raise TokenRejected(f"unknown key id {kid!r}")
        return found

    async def _refresh(self, force: bool) -> None:
        async with self._lock:
            if not force and time.monotonic() - self._fetched < REFRESH_COOLDOWN_SECONDS:
                return
            timeout = aiohttp.ClientTimeout(total=5)
            try:
                async with (
                    aiohttp.ClientSession(timeout=timeout) as session,
                    session.get(self._url) as response,
                ):
                    response.raise_for_status()
                    document = json.loads(await response.read())
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                log.warning("JWKS fetch failed", extra={"error": type(error).__name__})
                self._fetched = time.monotonic()
                return
            keys = {}
            for entry in document.get("keys", []):
                try:
                    keys[entry["kid"]] = jwt.PyJWK(entry)
                except (KeyError, jwt.PyJWKError):
                    continue
            self._keys = keys
            self._fetched = time.monotonic()


class JwtAuthenticator:
    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        audience: str,
        scopes_claim: str,
        groups_claim: str | None,
        pools_claim: str | None,
        leeway: int,
        jwks_ttl: float,
        scope_prefix: str = "",
        token_use: str = "access",
    ) -> None:
        self._jwks = JwksCache(jwks_url, jwks_ttl)
        self._issuer = issuer
        self._audience = audience
        self._scopes_claim = scopes_claim
        self._groups_claim = groups_claim
        self._pools_claim = pools_claim
        self._leeway = leeway
        self._scope_prefix = scope_prefix
        self._token_use = token_use

    async def authenticate(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise TokenRejected("malformed token") from error
        algorithm = header.get("alg")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise TokenRejected(f"algorithm {algorithm!r} is not accepted")
        key = await self._jwks.key(str(header.get("kid")))
        if key.algorithm_name != algorithm:
            raise TokenRejected(f"key {header.get('kid')!r} is not a {algorithm} key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except (jwt.PyJWTError, TypeError, ValueError) as error:
            raise TokenRejected(type(error).__name__) from error
        self._check_audience(claims)
        self._check_token_use(claims)
        try:
            pools = check_pool_patterns(self._pools(claims))
        except ValueError as error:
            raise TokenRejected(f"pools claim: {error}") from error
        return Principal(
            name=str(claims.get("sub") or claims.get("client_id") or "unknown"),
            kind="jwt",
            scopes=normalize_scopes(self._scopes(claims), prefix=self._scope_prefix),
            pools=pools,
        )

    def _check_token_use(self, claims: dict[str, Any]) -> None:
        """Cognito marks its tokens ``access`` or ``id``; only the configured use passes
        (an OIDC token without the claim is judged by issuer and audience alone)."""
        use = claims.get("token_use")
        if use is not None and self._token_use != "any" and use != self._token_use:
            raise TokenRejected(f"token_use {str(use)[:20]!r} is not accepted")

    def _check_audience(self, claims: dict[str, Any]) -> None:
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self._audience not in audiences and claims.get("client_id") != self._audience:
            raise TokenRejected("audience does not match")

    def _scopes(self, claims: dict[str, Any]) -> list[str]:
        scopes = _strings(claims.get(self._scopes_claim), self._scopes_claim)
        if self._groups_claim:
            # Group names count only as bare scope names: ``team/pools:write`` grants nothing.
            groups = _strings(claims.get(self._groups_claim), self._groups_claim)
            scopes += [group for group in groups if "/" not in group]
        return scopes

    def _pools(self, claims: dict[str, Any]) -> list[str]:
        if not self._pools_claim:
            return ["*"]
        return _strings(claims.get(self._pools_claim), self._pools_claim, separators=",")


def _strings(raw: Any, claim: str, separators: str = "") -> list[str]:
    """A claim holding a space-separated string or a list of strings; anything else
    (a number, an object) makes the token malformed."""
    if raw is None:
        return []
    if isinstance(raw, str):
        text: str = raw
        for separator in separators:
            text = text.replace(separator, " ")
        return text.split()
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return [str(item) for item in raw]
    raise TokenRejected(f"claim {claim!r} is neither a string nor a list of strings")
