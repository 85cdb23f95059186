"""A clock a test moves on, for the caches and limits that take one
(``gateway/core/clock.py``): waiting out a cache period is ``advance``, not a sleep."""

from __future__ import annotations

import time


class ManualClock:
    """Starts at the real monotonic time and moves only when told (thread-safe enough:
    the gateway's thread reads a float that the test's thread replaces)."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
