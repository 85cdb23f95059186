"""Bounds on upstream calls: the capacity queues for a while, then refuses."""

from __future__ import annotations

import asyncio

import pytest

from gateway.cognito.shares import CallerShares, Capacity
from gateway.errors import ErrorCode, GatewayError


async def test_expensive_work_waits_for_a_place_then_is_refused_with_a_retry_hint() -> None:
    capacity = Capacity(places=1, wait=0.1)
    async with capacity.slot():
        with pytest.raises(GatewayError) as refused:
            async with capacity.slot():
                pass
    assert refused.value.code == ErrorCode.SERVICE_UNAVAILABLE
    assert refused.value.retry_after is not None and refused.value.retry_after >= 1

    async def release_soon() -> None:
        async with capacity.slot():
            await asyncio.sleep(0.02)

    holder = asyncio.ensure_future(release_soon())
    await asyncio.sleep(0)
    async with capacity.slot():  # waits for the place instead of failing
        pass
    await holder


async def test_one_caller_s_calls_beyond_its_share_wait_their_turn() -> None:
    shares = CallerShares(per_caller=1)
    order: list[str] = []

    async def call(name: str) -> None:
        async with shares.slot("caller"):
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")

    await asyncio.gather(call("a"), call("b"))
    assert order == ["a in", "a out", "b in", "b out"]  # one at a time for one caller
