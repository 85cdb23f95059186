"""Write coalescing: patches to one pool that arrive while its update is in
flight wait together and go out as one read-modify-write.

Cognito allows a few updates per second per account, and each update is a
Describe + Update + Describe under the pool's lock. Without coalescing, 50
concurrent patches to one pool make 50 round trips in a row; with it, the
first goes alone and the other 49, queued meanwhile, go in the next one.
Patches keep their arrival order, so a later patch of the same field wins;
each caller gets its own outcome. Coalescing is per process; across replicas
the distributed lock serializes the batches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

MAX_BATCH = 100


class Coalescer(Generic[Item, Outcome]):
    def __init__(
        self, run_batch: Callable[[str, list[Item]], Awaitable[list[Outcome | BaseException]]]
    ) -> None:
        self._run_batch = run_batch
        self._pending: dict[str, list[tuple[Item, asyncio.Future[Outcome]]]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}

    async def submit(self, key: str, item: Item) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(key, []).append((item, future))
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(self._drain(key), name=f"coalesce:{key}")
        # Shielded: a caller that disconnects does not cancel a write others share.
        return await asyncio.shield(future)

    async def _drain(self, key: str) -> None:
        try:
            while self._pending.get(key):
                queued = self._pending.pop(key)
                batch, rest = queued[:MAX_BATCH], queued[MAX_BATCH:]
                if rest:
                    self._pending[key] = rest
                try:
                    outcomes = await self._run_batch(key, [item for item, _ in batch])
                except BaseException as error:  # every waiter learns what happened
                    outcomes = [error] * len(batch)
                    if isinstance(error, asyncio.CancelledError):
                        self._settle(batch, outcomes)
                        raise
                self._settle(batch, outcomes)
        finally:
            self._workers.pop(key, None)

    @staticmethod
    def _settle(
        batch: list[tuple[Item, asyncio.Future[Outcome]]], outcomes: list[Outcome | BaseException]
    ) -> None:
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    async def drain(self) -> None:
        """Wait for every queued write (graceful shutdown)."""
        while self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)
