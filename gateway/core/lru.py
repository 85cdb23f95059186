"""The one bounded map of the gateway: least recently used entries leave first.

Every in-process table that remembers per pool or per client (converted messages,
missing pools, rate buckets, newest history rows, public views, replica roles,
checked documents, response-cache entries) is bounded, so no stream of distinct keys
grows the process. ``size`` bounds the summed cost of the entries: one each, unless a
``cost`` (the response cache gives its entries' bytes) says otherwise.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("an LRU holds at least one entry")
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._costs: dict[K, int] = {}  # only entries that cost other than 1
        self.used = 0  # the summed cost of the entries

    def get(self, key: K) -> V | None:
        """The value (now the most recently used), or None."""
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def set(self, key: K, value: V, cost: int = 1) -> None:
        """Store ``value`` as the most recently used; the least recently used leave until
        the costs fit ``size``. A value that alone costs more is not stored."""
        if cost > self._size:
            return
        self.pop(key)
        self._items[key] = value
        if cost != 1:
            self._costs[key] = cost
        self.used += cost
        while self.used > self._size:
            dropped, _ = self._items.popitem(last=False)
            self.used -= self._costs.pop(dropped, 1)

    def pop(self, key: K) -> V | None:
        if key not in self._items:
            return None
        self.used -= self._costs.pop(key, 1)
        return self._items.pop(key)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)
