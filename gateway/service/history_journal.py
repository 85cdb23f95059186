"""Turning the journal's entries into history rows, in the order the writes happened.

Every method here runs under the pool's write lock, except :meth:`observed` with
``locked=False`` (a cache load), which then records nothing while a backlog waits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from gateway.core.record import PoolRecord
from gateway.service.history_rows import Author, Newest, VersionSource
from gateway.store.journal import INTENT, WRITTEN, Entry

if TYPE_CHECKING:
    from gateway.service.history import HistoryRecorder

log = logging.getLogger(__name__)
APPEND_ATTEMPTS = 3


class HistoryDown(Exception):
    """The newest row cannot be read: the entry stays in the journal."""


class JournalReplay:
    def __init__(self, recorder: HistoryRecorder) -> None:
        self._recorder = recorder

    async def backlog(self, pool_id: str, newest: Newest) -> Newest:
        """Append the pool's written entries, oldest first (under the pool's lock)."""
        journal = self._recorder.journal
        entries = await journal.entries(pool_id)
        for entry in entries:
            if entry.state != WRITTEN:
                continue
            newest = await self.append_entry(entry, newest, entries)
            await journal.remove(pool_id, entry.id)
            self._recorder.metrics.history_replayed.inc()
            log.info(
                "history: journaled write recorded",
                extra={"pool": pool_id, "version": entry.version},
            )
        return newest

    async def append_entry(
        self, entry: Entry, newest: Newest, entries: list[Entry] | None = None
    ) -> Newest:
        """Record ``entry`` as GATEWAY after ``newest``; first whatever happened between
        the newest row and the version the write started from (the journaled intent
        that produced it, or an EXTERNAL row), so every row's changes are complete."""
        before = newest.row
        if before is not None and before.version == entry.version:
            return newest  # already recorded (a replay that was interrupted)
        start = entry.started_from
        between = before is None or before.version != start
        if start is not None and start != entry.version and between:
            if entries is None:
                entries = await self._recorder.journal.entries(entry.pool_id)
            # The latest earlier write that led to the start (earlier: a pool set back
            # and forth has one version twice, and order never loops).
            earlier = [e for e in entries if e.order < entry.order and e.version == start]
            cause = earlier[-1] if earlier else None
            if cause is not None:
                newest = await self.append_entry(cause, newest, entries)
                await self._recorder.journal.remove(cause.pool_id, cause.id)
            elif entry.started_configuration is not None:
                newest = await self._append(
                    entry.pool_id,
                    start,
                    entry.started_configuration,
                    VersionSource.EXTERNAL,
                    newest,
                    None,
                    Author(),
                )
            before = newest.row
        started_here = (before.version if before is not None else None) == start
        changes = entry.changes if started_here and entry.version == entry.changes_to else None
        author = Author(entry.principal, entry.request_id)
        return await self._append(
            entry.pool_id,
            entry.version,
            entry.configuration,
            VersionSource.GATEWAY,
            newest,
            changes,
            author,
        )

    async def observed(self, record: PoolRecord, newest: Newest, locked: bool) -> Newest | None:
        """A version seen on a read: a journaled write's (GATEWAY, with its author) or one
        made outside the gateway (EXTERNAL). None if another replica took the place."""
        if newest.row is not None and newest.row.version == record.version:
            return newest
        pool_id = record.key
        entries = await self._recorder.journal.entries(pool_id)
        if not locked and any(e.state == WRITTEN for e in entries):
            return None  # the replay records those first, under the lock
        configuration = self._recorder.redacted(record)
        matching = [e for e in entries if e.version == record.version]
        match = matching[-1] if matching else None  # the latest, if one was set twice
        if match is not None:
            newest = await self.append_entry(
                match.as_written(record.version, configuration), newest, entries
            )
            await self._recorder.journal.remove(pool_id, match.id)
            if match.state == INTENT and self._recorder.on_applied_later is not None:
                self._recorder.on_applied_later(pool_id, match.principal, match.request_id)
            log.info(
                "history: a journaled write was found applied",
                extra={"pool": pool_id, "version": record.version, "state": match.state},
            )
            return newest
        if not locked:  # appended after the row seen before describing, or not at all
            row = await self._recorder.append(
                pool_id,
                record.version,
                configuration,
                VersionSource.EXTERNAL,
                newest.row,
                None,
                Author(),
            )
            return Newest(row) if row is not None else None
        try:
            return await self._append(
                pool_id,
                record.version,
                configuration,
                VersionSource.EXTERNAL,
                newest,
                None,
                Author(),
            )
        except HistoryDown:
            return None

    async def _append(
        self,
        pool_id: str,
        version: str,
        configuration: dict[str, Any],
        source: VersionSource,
        newest: Newest,
        changes: list[dict[str, Any]] | None,
        author: Author,
    ) -> Newest:
        """Append, re-reading the newest row when another replica took the place."""
        recorder = self._recorder
        for _ in range(APPEND_ATTEMPTS):
            row = await recorder.append(
                pool_id, version, configuration, source, newest.row, changes, author
            )
            if row is not None:
                return Newest(row)
            recorder.forget(pool_id)
            fresh = await recorder.newest(pool_id)
            if fresh is None:
                raise HistoryDown(pool_id)
            if fresh.row is not None and fresh.row.version == version:
                return fresh
            newest, changes = fresh, None
        raise HistoryDown(pool_id)

    async def sweep(
        self,
        describe: Callable[[str], Awaitable[PoolRecord]],
        stale_after: float,
    ) -> int:
        """Once a second: migrate a store that was down at start, replay each pool's
        backlog, and resolve intents whose writer is gone (no lock held, older than a
        lease): the pool is described, a planned version found there is recorded as the
        intent's author's, the rest are closed as not applied. Returns what still waits."""
        recorder = self._recorder
        journal = recorder.journal
        waiting = 0
        ready = await recorder.try_migrate()
        for pool_id in sorted(await journal.pools()):
            entries = await journal.entries(pool_id)
            waiting += len(entries)
            now = time.time()
            stale = [e for e in entries if e.state == INTENT and now - e.created > stale_after]
            backlog = any(e.state == WRITTEN for e in entries)
            if not ready or not (stale or backlog) or await recorder.locks.is_held(pool_id):
                continue
            try:
                async with recorder.locks.hold(pool_id):
                    await self._resolve(pool_id, stale, describe)
            except Exception as error:
                recorder.failed("replaying", pool_id, error)
        recorder.metrics.history_spooled.set(waiting)
        recorder.waiting = waiting
        return waiting

    async def _resolve(
        self, pool_id: str, stale: list[Entry], describe: Callable[[str], Awaitable[PoolRecord]]
    ) -> None:
        recorder = self._recorder
        if not stale:
            newest = await recorder.newest(pool_id)
            if newest is not None:
                await self.backlog(pool_id, newest)
            return
        record, newest = await recorder.seen_locked(pool_id, lambda: describe(pool_id))
        if newest is None:
            return
        left = {e.id for e in await recorder.journal.entries(pool_id)}
        for entry in stale:
            if entry.id in left and entry.version != record.version:
                await recorder.journal.remove(pool_id, entry.id)
                log.warning(
                    "history: a write whose outcome was unknown did not apply; closed",
                    extra={"pool": pool_id, "version": entry.version},
                )
