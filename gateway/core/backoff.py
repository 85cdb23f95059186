"""Backoff for retried writes: exponential with full jitter.

``ConcurrentModificationException`` is a lock-out, not a version check, and
botocore never retries it; neither does it retry a write we must re-plan. So
the service retries the whole read-modify-write, sleeping a random time in
``[0, min(cap, base * 2**(attempt-1))]`` between attempts (AWS's "full
jitter"), which spreads competing writers apart instead of synchronizing them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base_seconds: float = 0.1
    cap_seconds: float = 2.0
    max_attempts: int = 5
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))
        return self.rng.uniform(0, ceiling)
