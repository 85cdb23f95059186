"""Recording pool versions: every write through the gateway, and every version first
seen on a read (a change made outside the gateway).

Where each is recorded, and why that is enough for a fleet sharing one database:

- Before a write calls Cognito, its intent (author, request ids, planned version, the
  version it starts from) goes into the journal (``store/journal.py``), which does not
  depend on the history database. Once Cognito accepted the write, the row is appended
  while the pool's lock still holds; if the database cannot take it, the journal keeps
  it and it is replayed, in order, under the pool's lock when the database is back.
- A row's ``changes`` are always the difference from the row before it: when that row
  is not the version the writer started from, what happened in between is recorded
  first (as the intent that produced it, or as EXTERNAL).
- A version seen on a read or under the lock that nobody recorded is matched against
  the journal's intents first: a dead or timed-out writer's landed write is recorded as
  GATEWAY with its author, never as EXTERNAL. The sweeper (:meth:`sweep`, every second)
  resolves intents whose writer is gone and replays the backlog.
- A cache load notes the newest row before describing and records a new version only
  if no writer holds the pool's lock and nobody appended a row since it looked (the
  store's per-pool sequence refuses a second row in that place).

Recording never fails a read or a write: the pool is the truth, the history its log.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from gateway.core.configuration import redact
from gateway.core.diff import FieldChange, diff
from gateway.core.kinds import kind_of_key
from gateway.core.lru import LRU
from gateway.core.record import PoolRecord
from gateway.core.version import version_of
from gateway.observability.metrics import NO_METRICS, Metrics
from gateway.service.history_journal import JournalReplay
from gateway.service.history_rows import Author, Newest, VersionSource, joined, stored_change
from gateway.store.history import HistoryStore, HistoryUnavailable, VersionRow
from gateway.store.journal import INTENT, Entry, FileJournal, Journal
from gateway.store.locks import PoolLocks

log = logging.getLogger(__name__)
MEMO_POOLS = 1024
DEGRADED_AFTER_FAILURE_SECONDS = 10.0


class HistoryRecorder:
    def __init__(
        self,
        store: HistoryStore,
        locks: PoolLocks,
        secret: frozenset[str],
        metrics: Metrics = NO_METRICS,
        sole_writer: bool = False,
        journal: Journal | None = None,
        ready: bool = True,
    ) -> None:
        """``sole_writer``: no other process records into this store (one replica, no
        Redis), so the newest row of each pool can be remembered instead of read.
        ``ready``: the store is migrated (False: it was unreachable at start)."""
        self.store = store
        self.locks = locks
        self._secret = secret
        self.metrics = metrics
        self._memo: LRU[str, Newest] | None = LRU(MEMO_POOLS) if sole_writer else None
        self.journal: Journal = journal or FileJournal.in_memory()
        self.ready = ready
        self.replay = JournalReplay(self)
        self.waiting = 0  # journal entries left after the last sweep
        # Told (pool, author, request id) when an intent whose outcome its writer never
        # learned is found applied: the audit says so too.
        self.on_applied_later: Callable[[str, str | None, str | None], None] | None = None
        self._last_failure = -1e9

    @property
    def degraded(self) -> bool:
        """For ``/readyz``: not migrated, a backlog waits, or the store failed lately."""
        recent = time.monotonic() - self._last_failure < DEGRADED_AFTER_FAILURE_SECONDS
        return not self.ready or self.waiting > 0 or recent

    # -- writes --------------------------------------------------------------------------

    async def intend(
        self,
        current: PoolRecord,
        planned: Mapping[str, Any],
        changes: Sequence[FieldChange],
        authors: Sequence[Author],
    ) -> Entry:
        """Before calling Cognito (under the lock): what this write will record, kept in
        the journal. Never fails the write: a journal that cannot keep it logs why."""
        author = joined(authors)
        entry = self._entry(current.key, version_of(planned), changes, author, planned, current)
        try:
            await self.journal.put(entry)
        except Exception as error:
            self.failed("journaling", entry.pool_id, error)
        return entry

    async def abandoned(self, entry: Entry) -> None:
        """The write never reached Cognito, or Cognito refused it: nothing to record."""
        try:
            await self.journal.remove(entry.pool_id, entry.id)
        except Exception as error:
            self.failed("journaling", entry.pool_id, error)

    async def written(self, record: PoolRecord, entry: Entry, newest: Newest | None) -> None:
        """A write Cognito accepted (still under the lock): ``record`` is the pool after
        it. The journal's backlog for the pool goes first, then this row; if the store
        cannot take them, the entry stays in the journal as written, for the replay."""
        done = entry.as_written(record.version, self.redacted(record))
        pool_id = entry.pool_id
        try:
            newest = newest or await self.newest(pool_id)
            if newest is not None:
                newest = await self.replay.backlog(pool_id, newest)
                await self.replay.append_entry(done, newest)
                await self.journal.remove(pool_id, entry.id)
                return
        except Exception as error:
            self._remember(pool_id, None)
            self.failed("recording", pool_id, error)
        await self._keep(done)

    async def _keep(self, entry: Entry) -> None:
        try:
            await self.journal.put(entry)
            log.warning(
                "history: write journaled until the history database takes it",
                extra={"pool": entry.pool_id, "version": entry.version},
            )
        except Exception as error:
            self.failed("journaling", entry.pool_id, error)

    async def created(
        self, record: PoolRecord, changes: Sequence[FieldChange], author: Author
    ) -> None:
        """A pool created through the gateway: its first row, every setting as added."""
        entry = self._entry(record.key, record.version, changes, author, record.request)
        await self.written(record, entry, None)

    def _entry(
        self,
        key: str,
        version: str,
        changes: Sequence[FieldChange],
        author: Author,
        configuration: Mapping[str, Any],
        started: PoolRecord | None = None,
    ) -> Entry:
        """A write's journal entry: leading to ``version`` (the ``configuration``) from
        ``started`` (None for a new pool), redacted."""
        return Entry(
            id=uuid.uuid4().hex,
            pool_id=key,
            order=time.time_ns(),
            state=INTENT,
            version=version,
            changes_to=version,
            principal=author.principal,
            request_id=author.request_id,
            changes=[stored_change(c, self._secret) for c in changes],
            configuration=redact(dict(configuration), self._secret),
            started_from=started.version if started is not None else None,
            started_configuration=self.redacted(started) if started is not None else None,
        )

    # -- observations --------------------------------------------------------------------

    async def loaded(self, pool_id: str, load: Callable[[], Awaitable[PoolRecord]]) -> PoolRecord:
        """``load()`` (a describe for the cache), observing the version it reads."""
        newest = await self.newest(pool_id)
        if newest is None:  # the history is down: the read goes on without it
            return await load()
        record = await load()
        before = newest.row
        if before is not None and before.version == record.version:
            return record
        try:
            if not await self.locks.is_held(pool_id):
                await self.replay.observed(record, newest, locked=False)
        except Exception as error:
            self.failed("recording", pool_id, error)
        return record

    async def seen_locked(
        self, pool_id: str, describe: Callable[[], Awaitable[PoolRecord]]
    ) -> tuple[PoolRecord, Newest | None]:
        """``describe()``, a fresh read under the pool's write lock: no gateway write is in
        flight, so the journal's backlog is replayed and a version nobody recorded is a
        journaled intent's or was made outside the gateway. The newest row is read while
        the pool is described. Returns the pool and the newest row afterwards (None if
        unknown), for :meth:`written`."""
        newest = asyncio.ensure_future(self.newest(pool_id))
        try:
            record = await describe()
        except BaseException:
            newest.cancel()
            raise
        seen = await newest
        if seen is None:
            return record, None
        try:
            seen = await self.replay.backlog(pool_id, seen)
            return record, await self.replay.observed(record, seen, locked=True)
        except Exception as error:
            self._remember(pool_id, None)
            self.failed("recording", pool_id, error)
            return record, None

    # -- the store -----------------------------------------------------------------------

    async def newest(self, pool_id: str) -> Newest | None:
        """The newest row of the pool (remembered, or read); None if it cannot be read."""
        if not self.ready:
            return None
        remembered = self._memo.get(pool_id) if self._memo is not None else None
        if remembered is not None:
            return remembered
        try:
            newest = Newest(await self.store.latest(pool_id))
        except Exception as error:
            self.failed("reading", pool_id, error)
            return None
        self._remember(pool_id, newest)
        return newest

    def _remember(self, pool_id: str, newest: Newest | None) -> None:
        """Note the newest row (None: forget it, it is not known any more)."""
        if self._memo is None:
            return
        if newest is None:
            self._memo.pop(pool_id)
            return
        self._memo.set(pool_id, newest)

    async def append(
        self,
        pool_id: str,
        version: str,
        configuration: dict[str, Any],
        source: VersionSource,
        before: VersionRow | None,
        changes: list[dict[str, Any]] | None,
        author: Author,
    ) -> VersionRow | None:
        """Append after ``before`` (the newest row seen); None if that place is taken.
        ``changes`` None: the difference from ``before``."""
        if changes is None:
            changes = (
                [
                    stored_change(c, self._secret)
                    for c in diff(before.configuration, configuration, kind_of_key(pool_id))
                ]
                if before is not None
                else []
            )
        row = VersionRow(
            pool_id=pool_id,
            seq=before.seq + 1 if before is not None else 1,
            version=version,
            recorded_at=datetime.datetime.now(datetime.UTC),
            source=source.value,
            principal=author.principal,
            request_id=author.request_id,
            changes=changes,
            configuration=configuration,
        )
        appended = await self.store.append(row)
        self._remember(row.pool_id, Newest(row) if appended else None)
        if not appended:
            return None
        self.metrics.history_records.labels(source.value).inc()
        log.info(
            "pool version recorded",
            extra={"pool": row.pool_id, "version": row.version, "source": source.value},
        )
        return row

    def forget(self, pool_id: str) -> None:
        self._remember(pool_id, None)

    def redacted(self, record: PoolRecord) -> dict[str, Any]:
        return dict(redact(record.request, self._secret))

    # -- a database that was down at start -----------------------------------------------

    async def try_migrate(self) -> bool:
        """Migrate a store that was unreachable at start; True once it is ready."""
        if self.ready:
            return True
        try:
            await self.store.migrate()
        except HistoryUnavailable:
            return False
        self.ready = True
        log.info("history database reachable and migrated; replaying the journal")
        return True

    def failed(self, doing: str, pool_id: str, error: Exception) -> None:
        self._last_failure = time.monotonic()
        self.metrics.history_errors.inc()
        log.warning(
            f"history: {doing} failed; the pool itself is unaffected",
            # The driver's error class names the cause; its message may quote values.
            extra={"pool": pool_id, "error": type(getattr(error, "orig", None) or error).__name__},
        )


__all__ = ["Author", "HistoryRecorder", "Newest", "VersionSource", "joined", "stored_change"]
