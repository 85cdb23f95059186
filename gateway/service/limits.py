"""Per-client request rate limits, so one caller cannot spend the account's Cognito quota.

A token bucket per principal (an API key's name, a token's subject), in this
process: ``rate`` requests a second with bursts of ``burst``. Each surface asks
before doing any work and answers in its own vocabulary (HTTP 429 with
``Retry-After``, gRPC ``RESOURCE_EXHAUSTED``).
"""

from __future__ import annotations

import time

MAX_CLIENTS = 10_000


class ClientLimiter:
    def __init__(self, rate: float, burst: float) -> None:
        self._rate = rate
        self._burst = max(1.0, burst)
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)

    @property
    def enabled(self) -> bool:
        return self._rate > 0

    def wait_for(self, client: str) -> float:
        """0 when ``client`` may go now (a token is taken); else seconds until it may."""
        if not self.enabled:
            return 0.0
        now = time.monotonic()
        tokens, at = self._buckets.get(client, (self._burst, now))
        tokens = min(self._burst, tokens + (now - at) * self._rate)
        if tokens >= 1:
            if len(self._buckets) >= MAX_CLIENTS and client not in self._buckets:
                self._buckets.clear()  # a flood of made-up clients: start over
            self._buckets[client] = (tokens - 1, now)
            return 0.0
        self._buckets[client] = (tokens, now)
        return (1 - tokens) / self._rate
