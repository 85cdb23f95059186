"""What follows a write Cognito accepted, while the pool's lock still holds: the answer
(the pool read back, or the plan when the read-back failed), the cache on every
replica, the history (the intent journaled before the calls, the row after them), and
the check for a writer outside the gateway that changed what the plan did not touch.
"""

from __future__ import annotations

import asyncio
import logging

from gateway.core.diff import diff
from gateway.core.planner import BatchPlan, UpdatePlan
from gateway.core.record import PoolRecord
from gateway.errors import GatewayError
from gateway.observability.metrics import NO_METRICS, Metrics
from gateway.service.audit import redact_change
from gateway.service.history import HistoryRecorder, Newest
from gateway.service.outcomes import Outcomes, Submissions, results
from gateway.service.reads import PoolReader
from gateway.store.journal import Entry

log = logging.getLogger(__name__)


class AfterWrite:
    def __init__(
        self,
        reader: PoolReader,
        history: HistoryRecorder | None,
        redact: frozenset[str],
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._reader = reader
        self.history = history
        self._redact = redact
        self._metrics = metrics

    async def intend(
        self, current: PoolRecord, batch: BatchPlan, submissions: Submissions
    ) -> Entry | None:
        """The history's intent for this write, journaled before Cognito is called."""
        if self.history is None:
            return None
        outcomes = zip(submissions, batch.outcomes, strict=True)
        authors = [s.author for s, outcome in outcomes if not isinstance(outcome, GatewayError)]
        plan = batch.plan
        return await self.history.intend(current, plan.configuration, plan.changes, authors)

    async def closed(self, intent: Entry | None) -> None:
        if self.history is not None and intent is not None:
            await self.history.abandoned(intent)

    async def written(
        self,
        pool_id: str,
        batch: BatchPlan,
        fresh: PoolRecord | None,
        newest: Newest | None,
        intent: Entry | None,
    ) -> Outcomes:
        """Success for a write Cognito accepted, with the pool read back or, failing
        that, the planned one (and the cache entry dropped on every replica); recorded
        in the history while the lock still holds."""
        plan = batch.plan
        log.info(
            "pool updated",
            extra={
                "pool": pool_id,
                "patches": len(batch.outcomes),
                "changed": [".".join(c.path) for c in plan.changes],
            },
        )
        if fresh is None:
            self._metrics.unconfirmed_writes.inc()
            await self._reader.cache.delete(pool_id)
            planned = PoolRecord.of(plan.preview, self._reader.kind)
            await self._record(planned, newest, intent)
            return results(planned, batch, dry_run=False, confirmed=False)
        await asyncio.gather(
            self._reader.cache.set(pool_id, fresh),
            self._record(fresh, newest, intent),
        )
        self._detect_external_writes(pool_id, plan, fresh)
        return results(fresh, batch, dry_run=False)

    async def _record(
        self, record: PoolRecord, newest: Newest | None, intent: Entry | None
    ) -> None:
        """The version a write produced, in the history, by the authors of the patches
        that went into it (still under the lock)."""
        if self.history is not None and intent is not None:
            await self.history.written(record, intent, newest)

    def _detect_external_writes(self, pool_id: str, plan: UpdatePlan, fresh: PoolRecord) -> None:
        touched = {change.path[0] for change in plan.changes}
        changes = diff(plan.configuration, fresh.request, self._reader.kind)
        untouched = [c for c in changes if c.path[0] not in touched]
        if not untouched:
            return
        self._metrics.external_concurrent_writes.inc()
        log.warning(
            "a setting this write did not touch changed meanwhile: a writer outside the gateway",
            extra={
                "pool": pool_id,
                "differences": [redact_change(c, self._redact) for c in untouched],
            },
        )
