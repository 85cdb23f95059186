"""The server's deadline: one sweeper for every request in flight cancels those past it
(a TimeoutError where the request waits), and leaves the others alone."""

from __future__ import annotations

import asyncio

import pytest

from gateway.api.deadlines import Deadlines


async def test_a_request_past_its_deadline_gets_a_timeout_where_it_waits() -> None:
    deadlines = Deadlines(0.05)
    within = deadlines.within()
    with pytest.raises(TimeoutError):
        async with within:
            await asyncio.sleep(5)
    assert within.expired
    await asyncio.sleep(0)  # no cancellation is left pending on the task
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_requests_within_their_deadline_are_left_alone() -> None:
    deadlines = Deadlines(0.2)

    async def quick(n: int) -> int:
        async with deadlines.within():
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)  # past the deadline, outside it: nothing cancels this
        return n

    assert await asyncio.gather(*(quick(n) for n in range(20))) == list(range(20))


async def test_a_cancellation_from_elsewhere_stays_a_cancellation() -> None:
    deadlines = Deadlines(5)

    async def waiting() -> None:
        async with deadlines.within():
            await asyncio.sleep(5)

    task = asyncio.ensure_future(waiting())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
