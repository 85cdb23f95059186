"""A bounded share of upstream calls per caller, so no caller can starve the others.

Every Cognito call waits for a token of the account's quota (``store/quota.py``),
first come, first served. Without a share, one caller's burst of uncached reads
(150 unknown pool ids, say) queues ahead of everyone else's. With it, a caller
has at most ``per_caller`` calls waiting for or holding a token; its other calls
wait behind its own, and another caller's read waits for at most that many of
each busy caller's tokens. The caller is the rate limiter's key of the request
(``observability.context.caller``); work done for nobody in particular
(background refreshes, the demo) is not limited here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


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
