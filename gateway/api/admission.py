"""Admission, one for every surface: who calls (credentials), whether it may call now
(its rate), and whose share of upstream calls it takes.

A refusal is a :class:`GatewayError` (``UNAUTHENTICATED``, ``THROTTLED``) with the same
words everywhere; a surface only maps it to its status: HTTP 401 or 429 with
``WWW-Authenticate`` or ``Retry-After``, gRPC ``UNAUTHENTICATED`` or
``RESOURCE_EXHAUSTED`` with ``RetryInfo``. It reads headers (or metadata) only, so no
body is parsed for a caller it refuses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from gateway.api.auth.credentials import Authenticator, credentials_presented
from gateway.errors import ErrorCode, GatewayError
from gateway.service.access import PUBLIC_CALLER, Principal
from gateway.service.limits import ClientLimiter, client_key


@dataclass(frozen=True)
class Admitted:
    """An admitted caller: who, and the key its rate and its upstream share count on."""

    principal: Principal
    key: str

    @property
    def public(self) -> bool:
        """Admitted without credentials: it may read what is public, nothing else."""
        return self.principal is PUBLIC_CALLER


def unauthenticated() -> GatewayError:
    return GatewayError("missing or invalid credentials", ErrorCode.UNAUTHENTICATED)


def throttled(wait: float) -> GatewayError:
    """Over its rate: when to come back, in whole seconds (at least 1)."""
    seconds = max(1, math.ceil(wait))
    return GatewayError(
        f"too many requests from this client; retry in {seconds}s",
        ErrorCode.THROTTLED,
        retry_after=seconds,
    )


class Admission:
    def __init__(self, authenticate: Authenticator, limiter: ClientLimiter) -> None:
        self._authenticate = authenticate
        self._limiter = limiter

    async def admit(
        self, headers: Mapping[str, str], peer: str | None, *, public: bool = False
    ) -> Admitted:
        """``headers`` lower-cased; ``peer`` the client's address. ``public``: a caller
        that presents no credentials at all is admitted as :data:`PUBLIC_CALLER` (rated by
        its address); credentials that fail are refused wherever they are presented."""
        principal = await self._authenticate(dict(headers))
        if principal is None and public and not credentials_presented(headers):
            principal = PUBLIC_CALLER
        if principal is None:
            raise unauthenticated()
        key = client_key(principal.kind, principal.name, peer)
        wait = await self._limiter.wait_for(key)
        if wait > 0:
            raise throttled(wait)
        return Admitted(principal, key)
