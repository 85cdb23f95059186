"""Time as the gateway's caches and limits read it: a function answering monotonic
seconds. Everything that expires or refills takes one (``time.monotonic`` by default),
so a test moves time on instead of sleeping until it has passed."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]
MONOTONIC: Clock = time.monotonic
