"""Bounds on upstream calls: a share per caller, and the process's capacity.

Every Cognito call waits for a token of the account's quota (``store/quota.py``),
first come, first served. Without a share, one caller's burst of uncached reads
(150 unknown pool ids, say) queues ahead of everyone else's. With it, a caller
has at most ``per_caller`` calls waiting for or holding a token; its other calls
wait behind its own, and another caller's read waits for at most that many of
each busy caller's tokens. The caller is the rate limiter's key of the request
(``observability.context.caller``); work done for nobody in particular
(background refreshes, the demo) is not limited here.

The capacity caps Cognito calls in flight per process: what is expensive
(uncached reads, writes, listings) queues for a bounded while, then is refused.
Answers served from the caches make no call, so a burst of them is never refused.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from gateway.errors import ErrorCode, GatewayError


class CallerShares:
    def __init__(self, per_caller: int) -> None:
        self._per_caller = per_caller
        self._slots: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def slot(self, caller: str) -> AsyncIterator[None]:
        """Hold one of ``caller``'s places while the block runs (it waits for one)."""
        if not caller or self._per_caller <= 0:
            yield
            return
        semaphore, users = self._slots.setdefault(
            caller, (asyncio.Semaphore(self._per_caller), [0])
        )
        users[0] += 1
        try:
            async with semaphore:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:  # nobody holds or waits: forget the caller (bounded memory)
                self._slots.pop(caller, None)


class Capacity:
    """The process's cap on Cognito calls in flight: a call waits up to ``wait`` seconds
    for a place, then the request is refused (SERVICE_UNAVAILABLE, with a retry hint)."""

    def __init__(self, places: int, wait: float) -> None:
        self._places = asyncio.Semaphore(places)
        self._limit = places
        self._wait = wait

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        try:
            await asyncio.wait_for(self._places.acquire(), self._wait)
        except TimeoutError:
            raise GatewayError(
                f"the gateway is at capacity ({self._limit} Cognito calls in flight); "
                "retry in a few seconds",
                ErrorCode.SERVICE_UNAVAILABLE,
                retry_after=max(1.0, self._wait / 2),
            ) from None
        try:
            yield
        finally:
            self._places.release()
