"""The server's own deadline for a request or a call, shared by both surfaces.

``asyncio.timeout`` arms a loop timer per request and disarms it after; on the hot read
that bookkeeping cost about 6% of a gRPC call (``bench/``). Here every request in flight
is one entry in a dict, and one sweeper, ticking a tenth of the deadline (at most
every 100 ms), cancels those past it: a deadline of seconds is kept to within a tick.
A write that started goes on when its request is cancelled (writes are shielded from
their callers), so the refusal says the change may still land.
"""

from __future__ import annotations

import asyncio
import time
from types import TracebackType

from gateway.errors import ErrorCode, GatewayError

MAX_TICK_SECONDS = 0.1
IDLE_TICKS = 50  # the sweeper ends after this many ticks with nothing in flight


def deadline_exceeded(seconds: float) -> GatewayError:
    return GatewayError(
        f"the request took longer than {seconds:g}s; a change it made may still land: "
        "read the pool before you retry",
        ErrorCode.SERVICE_UNAVAILABLE,
    )


class Deadlines:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._tick = min(MAX_TICK_SECONDS, seconds / 10)
        self._running: dict[asyncio.Task[object], Within] = {}
        self._sweeper: asyncio.Task[None] | None = None

    def within(self) -> Within:
        """``async with deadlines.within():`` raises ``TimeoutError`` once the current
        task has run longer than ``seconds``."""
        return Within(self)

    def _enter(self, task: asyncio.Task[object], within: Within) -> None:
        self._running[task] = within
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.ensure_future(self._sweep())

    def _leave(self, task: asyncio.Task[object]) -> None:
        self._running.pop(task, None)

    async def _sweep(self) -> None:
        idle = 0
        while idle < IDLE_TICKS:  # a pause between requests does not end it: a restart
            await asyncio.sleep(self._tick)  # costs a task, which is what this avoids
            idle = 0 if self._running else idle + 1
            now = time.monotonic()
            for task, within in list(self._running.items()):
                if now >= within.ends and not within.expired:
                    within.expired = True
                    task.cancel()


class Within:
    """One request's deadline (an async context manager)."""

    __slots__ = ("_deadlines", "_task", "ends", "expired")

    def __init__(self, deadlines: Deadlines) -> None:
        self._deadlines = deadlines
        self.ends = time.monotonic() + deadlines.seconds
        self.expired = False
        self._task: asyncio.Task[object] | None = None

    async def __aenter__(self) -> Within:
        task = asyncio.current_task()
        if task is not None:
            self._task = task
            self._deadlines._enter(task, self)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._task is None:
            return
        self._deadlines._leave(self._task)
        if self.expired:  # as asyncio.timeout: the cancel was ours, take it back
            self._task.uncancel()
            if kind is asyncio.CancelledError:
                raise TimeoutError from error
