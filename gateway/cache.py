"""The DescribeUserPool cache (aiocache) with single flight.

Concurrent misses for one key share one load: the first caller starts the
load as its own task, later callers await the same task. The load runs
shielded, so a caller that gives up (client disconnect, timeout) does not
cancel it for the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from aiocache import SimpleMemoryCache
from aiocache.base import BaseCache

log = logging.getLogger(__name__)

T = TypeVar("T")


class SingleFlightCache(Generic[T]):
    def __init__(self, backend: BaseCache | None = None, ttl: float = 5.0) -> None:
        self._backend: BaseCache = backend if backend is not None else SimpleMemoryCache()
        self._ttl = ttl
        self._inflight: dict[str, asyncio.Task[T]] = {}
        self.loads = 0
        self.joins = 0

    async def get(self, key: str) -> T | None:
        if self._ttl <= 0:
            return None
        value: T | None = await self._backend.get(key)
        return value

    async def set(self, key: str, value: T) -> None:
        if self._ttl > 0:
            await self._backend.set(key, value, ttl=self._ttl)

    async def delete(self, key: str) -> None:
        await self._backend.delete(key)

    async def get_or_load(self, key: str, load: Callable[[], Awaitable[T]]) -> T:
        cached = await self.get(key)
        if cached is not None:
            return cached
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(key, load))
            self._inflight[key] = task
        else:
            self.joins += 1
        return await asyncio.shield(task)

    async def _load(self, key: str, load: Callable[[], Awaitable[T]]) -> T:
        self.loads += 1
        try:
            value = await load()
            await self.set(key, value)
            return value
        finally:
            self._inflight.pop(key, None)

    async def close(self) -> None:
        for task in list(self._inflight.values()):
            task.cancel()
        await self._backend.close()


def describe_cache(ttl: float) -> SingleFlightCache[Any]:
    return SingleFlightCache(SimpleMemoryCache(namespace="pool:"), ttl=ttl)
