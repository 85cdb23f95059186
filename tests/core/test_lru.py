"""The bounded map: a use keeps an entry, the least recently used leaves first."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.core.lru import LRU


def test_the_least_recently_used_leaves_first() -> None:
    table: LRU[str, int] = LRU(2)
    table.set("a", 1)
    table.set("b", 2)
    assert table.get("a") == 1  # a is now more recent than b
    table.set("c", 3)
    assert "b" not in table and table.get("a") == 1 and table.get("c") == 3
    assert table.pop("a") == 1 and len(table) == 1


@given(st.lists(st.tuples(st.integers(0, 20), st.booleans()), max_size=200), st.integers(1, 8))
def test_it_never_holds_more_than_its_size(steps: list[tuple[int, bool]], size: int) -> None:
    table: LRU[int, int] = LRU(size)
    for key, write in steps:
        if write:
            table.set(key, key)
            assert table.get(key) == key
        else:
            table.get(key)
        assert len(table) <= size


def test_an_empty_lru_is_refused() -> None:
    with pytest.raises(ValueError):
        LRU(0)


@given(
    st.lists(st.tuples(st.integers(0, 20), st.integers(1, 40)), max_size=200),
    st.integers(1, 60),
)
def test_costs_never_sum_past_the_size(steps: list[tuple[int, int]], size: int) -> None:
    """The response cache's budget in bytes: ``used`` is the summed cost of what is held."""
    table: LRU[int, int] = LRU(size)
    costs: dict[int, int] = {}
    for key, cost in steps:
        table.set(key, key, cost)
        if cost <= size:
            costs[key] = cost
            assert table.get(key) == key  # what fits is held at once
        held = {k: c for k, c in costs.items() if k in table}
        assert table.used == sum(held.values()) <= size
