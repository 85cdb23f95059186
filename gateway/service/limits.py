"""Per-client request rate limits, so one caller cannot spend the account's Cognito quota.

A token bucket per client: ``rate`` requests a second with bursts of ``burst``,
shared by every replica through Redis when one is configured (``store/rates.py``),
else (and while Redis is unreachable) in this process. In process, principals (an
API key's name, a token's subject) and anonymous callers (by address; IPv6 by its
/64, which one host usually holds whole) live in separate tables, each bounded
with least-recently-used eviction: a flood of made-up addresses evicts only the
quietest anonymous buckets, never a principal's, and never empties a table
(which would reset a throttled client); in Redis each bucket expires once it
would be full again. Each surface asks before doing any work and answers in its
own vocabulary (HTTP 429 with ``Retry-After``, gRPC ``RESOURCE_EXHAUSTED``).
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Protocol

from gateway.core.clock import MONOTONIC, Clock
from gateway.core.lru import LRU

MAX_CLIENTS = 10_000
MAX_ANONYMOUS = 10_000
ANONYMOUS = "anonymous"


@functools.lru_cache(maxsize=4096)  # parsing an address costs more than the rest of admission
def address_key(address: str | None) -> str:
    """The bucket of an anonymous caller: its IPv4 address, or its IPv6 /64."""
    if not address:
        return f"{ANONYMOUS}:?"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return f"{ANONYMOUS}:{address[:64]}"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return f"{ANONYMOUS}:{parsed.ipv4_mapped}"
        return f"{ANONYMOUS}:{ipaddress.ip_network(f'{parsed}/64', strict=False)}"
    return f"{ANONYMOUS}:{parsed}"


def client_key(kind: str, name: str, address: str | None) -> str:
    """Who a rate limit counts: a principal by ``kind:name``; an anonymous caller (kind
    ``anonymous``) by its address. Both surfaces use this one rule."""
    return address_key(address) if kind == ANONYMOUS else f"{kind}:{name}"


def peer_address(peer: str) -> str | None:
    """The address in a gRPC peer string (``ipv4:1.2.3.4:5``, ``ipv6:[::1]:5``)."""
    scheme, _, rest = peer.partition(":")
    if scheme == "ipv4":
        return rest.rpartition(":")[0] or None
    if scheme == "ipv6":
        return rest.rpartition("]")[0].lstrip("[") or None
    return None


class _Buckets:
    """Token buckets by client, the least recently used evicted past ``size``."""

    def __init__(self, rate: float, burst: float, size: int, clock: Clock) -> None:
        self._clock = clock
        self._rate = rate
        self._burst = burst
        self._table: LRU[str, tuple[float, float]] = LRU(size)  # (tokens, at)

    def wait_for(self, client: str) -> float:
        now = self._clock()
        tokens, at = self._table.get(client) or (self._burst, now)
        tokens = min(self._burst, tokens + (now - at) * self._rate)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / self._rate
        self._table.set(client, (tokens - 1 if wait == 0 else tokens, now))
        return wait


class SharedBuckets(Protocol):
    """Buckets every replica shares; ``wait_for`` answers None when they are unreachable."""

    async def wait_for(self, client: str, rate: float, burst: float) -> float | None: ...


class ClientLimiter:
    def __init__(
        self,
        rate: float,
        burst: float,
        clients: int = MAX_CLIENTS,
        anonymous: int = MAX_ANONYMOUS,
        clock: Clock = MONOTONIC,
    ) -> None:
        self._rate = rate
        self._burst = max(1.0, burst)
        self._principals = _Buckets(rate, self._burst, clients, clock)
        self._anonymous = _Buckets(rate, self._burst, anonymous, clock)
        self._shared: SharedBuckets | None = None

    @property
    def enabled(self) -> bool:
        return self._rate > 0

    def share(self, buckets: SharedBuckets | None) -> None:
        """Count against buckets every replica shares (Redis), from now on."""
        self._shared = buckets

    async def wait_for(self, client: str) -> float:
        """0 when ``client`` may go now (a token is taken); else seconds until it may.
        ``client``: ``kind:name`` of a principal, or :func:`address_key` of an address."""
        if not self.enabled:
            return 0.0
        if self._shared is not None:
            wait = await self._shared.wait_for(client, self._rate, self._burst)
            if wait is not None:
                return wait
        table = self._anonymous if client.startswith(f"{ANONYMOUS}:") else self._principals
        return table.wait_for(client)
