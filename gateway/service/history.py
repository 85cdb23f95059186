"""Recording pool versions: every write through the gateway, and every version first
seen on a read (a change made outside the gateway).

Where each is recorded, and why that is enough for a fleet sharing one database:

- A write records its version (source ``GATEWAY``) while it still holds the
  pool's write lock, right after Cognito accepted it. Its fresh read before
  planning is also an observation: a version nobody recorded yet was made
  outside the gateway (``EXTERNAL``).
- A cache load (a describe for a read) notes the newest recorded row *before*
  describing, and records the version it read as ``EXTERNAL`` only if it is
  new, no writer holds the pool's lock (a gateway write in flight would
  otherwise be taken for an outside one), and nobody appended a row since it
  looked (the store's per-pool sequence refuses a second row in that place).

Recording never fails a read or a write: the pool is the truth, the history
its log. A failure is logged and counted (``gateway_history_errors_total``);
the version is then recorded on a later observation, as ``EXTERNAL``.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gateway.core.configuration import redact, redacted_change
from gateway.core.diff import FieldChange, diff
from gateway.core.record import PoolRecord
from gateway.observability.metrics import NO_METRICS, Metrics
from gateway.store.history import HistoryStore, VersionRow
from gateway.store.locks import PoolLocks

log = logging.getLogger(__name__)
APPEND_ATTEMPTS = 3
MEMO_POOLS = 1024


class VersionSource(StrEnum):
    GATEWAY = "GATEWAY"
    EXTERNAL = "EXTERNAL"


@dataclass(frozen=True)
class Author:
    """Who asked for a write: the principal (``kind:name``) and the request id."""

    principal: str | None = None
    request_id: str | None = None


def stored_change(change: FieldChange, secret: frozenset[str]) -> dict[str, Any]:
    """A change as history keeps it: the botocore path as a list, secrets redacted."""
    shown = redacted_change(change, secret)
    return {"path": list(shown.path), "before": shown.before, "after": shown.after}


@dataclass(frozen=True)
class Newest:
    """The newest recorded row of a pool as last seen (``row`` None: no rows yet)."""

    row: VersionRow | None


class HistoryRecorder:
    def __init__(
        self,
        store: HistoryStore,
        locks: PoolLocks,
        secret: frozenset[str],
        metrics: Metrics = NO_METRICS,
        sole_writer: bool = False,
    ) -> None:
        """``sole_writer``: no other process records into this store (one replica, no
        Redis), so the newest row of each pool can be remembered instead of read."""
        self.store = store
        self._locks = locks
        self._secret = secret
        self._metrics = metrics
        self._memo: OrderedDict[str, Newest] | None = OrderedDict() if sole_writer else None

    async def loaded(self, pool_id: str, load: Callable[[], Awaitable[PoolRecord]]) -> PoolRecord:
        """``load()`` (a describe for the cache), observing the version it reads."""
        newest = await self._newest(pool_id)
        if newest is None:  # the history is down: the read goes on without it
            return await load()
        record = await load()
        before = newest.row
        if before is not None and before.version == record.version:
            return record
        try:
            if not await self._locks.is_held(pool_id):
                await self._append(record, VersionSource.EXTERNAL, before, None, Author())
        except Exception as error:
            self._failed("recording", pool_id, error)
        return record

    async def seen_locked(
        self, pool_id: str, describe: Callable[[], Awaitable[PoolRecord]]
    ) -> tuple[PoolRecord, Newest | None]:
        """``describe()``, a fresh read under the pool's write lock: no gateway write is in
        flight, so a version that is not the newest recorded one was made outside the
        gateway. The newest row is read while the pool is described (a write waits for
        both at once, not one after the other). Returns the pool and the newest row
        afterwards (None if unknown), for :meth:`written`."""
        newest = asyncio.ensure_future(self._newest(pool_id))
        try:
            record = await describe()
        except BaseException:
            newest.cancel()
            raise
        seen = await newest
        if seen is None:
            return record, None
        return record, await self._record(record, VersionSource.EXTERNAL, None, Author(), seen)

    async def _newest(self, pool_id: str) -> Newest | None:
        """The newest row of the pool (remembered, or read); None if it cannot be read."""
        if self._memo is not None and pool_id in self._memo:
            self._memo.move_to_end(pool_id)
            return self._memo[pool_id]
        try:
            newest = Newest(await self.store.latest(pool_id))
        except Exception as error:
            self._failed("reading", pool_id, error)
            return None
        self._remember(pool_id, newest)
        return newest

    def _remember(self, pool_id: str, newest: Newest | None) -> None:
        """Note the newest row (None: forget it, it is not known any more)."""
        if self._memo is None:
            return
        if newest is None:
            self._memo.pop(pool_id, None)
            return
        self._memo[pool_id] = newest
        self._memo.move_to_end(pool_id)
        while len(self._memo) > MEMO_POOLS:
            self._memo.popitem(last=False)

    async def written(
        self,
        record: PoolRecord,
        changes: Sequence[FieldChange],
        authors: Sequence[Author],
        newest: Newest | None = None,
    ) -> None:
        """A write Cognito accepted (still under the lock): ``record`` is the pool after it.
        ``newest``: what :meth:`seen_locked` returned under the same lock (saves a query;
        if another row took its place meanwhile, the append is refused and retried)."""
        principals = sorted({a.principal for a in authors if a.principal})
        request_ids = [a.request_id for a in authors if a.request_id]
        author = Author(", ".join(principals) or None, ", ".join(request_ids) or None)
        await self._record(record, VersionSource.GATEWAY, changes, author, newest)

    async def _record(
        self,
        record: PoolRecord,
        source: VersionSource,
        changes: Sequence[FieldChange] | None,
        author: Author,
        newest: Newest | None = None,
    ) -> Newest | None:
        pool_id = str(record.pool.get("Id"))
        try:
            for _ in range(APPEND_ATTEMPTS):
                newest = newest or await self._newest(pool_id)
                if newest is None:
                    return None
                before, newest = newest.row, None
                if before is not None and before.version == record.version:
                    return Newest(before)
                appended = await self._append(record, source, before, changes, author)
                if appended is not None:
                    return Newest(appended)
        except Exception as error:
            self._remember(pool_id, None)
            self._failed("recording", pool_id, error)
        return None

    async def _append(
        self,
        record: PoolRecord,
        source: VersionSource,
        before: VersionRow | None,
        changes: Sequence[FieldChange] | None,
        author: Author,
    ) -> VersionRow | None:
        """Append after ``before`` (the newest row seen); None if that place is taken."""
        configuration = redact(record.request, self._secret)
        if changes is None:  # an observation: the difference from the last known version
            changes = diff(before.configuration, configuration) if before is not None else []
        row = VersionRow(
            pool_id=str(record.pool.get("Id")),
            seq=before.seq + 1 if before is not None else 1,
            version=record.version,
            recorded_at=datetime.datetime.now(datetime.UTC),
            source=source.value,
            principal=author.principal,
            request_id=author.request_id,
            changes=[stored_change(c, self._secret) for c in changes],
            configuration=configuration,
        )
        appended = await self.store.append(row)
        self._remember(row.pool_id, Newest(row) if appended else None)
        if appended:
            self._metrics.history_records.labels(source.value).inc()
            log.info(
                "pool version recorded",
                extra={"pool": row.pool_id, "version": row.version, "source": source.value},
            )
            return row
        return None

    def _failed(self, doing: str, pool_id: str, error: Exception) -> None:
        self._metrics.history_errors.inc()
        log.warning(
            f"history: {doing} failed; the pool itself is unaffected",
            # The driver's error class names the cause; its message may quote values.
            extra={"pool": pool_id, "error": type(getattr(error, "orig", None) or error).__name__},
        )
