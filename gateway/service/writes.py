"""The write path: one read-modify-write per batch of patches, under the resource's lock.

One writer per resource kind (its reader's ``kind``): a pool, an app client. The
kind's round trip (``core/resources``) plans; everything else here is the same
for every kind, keyed by the resource's key (``core/kinds``).

Here: the lease loop (acquire, fence, start over on a lost lease), one attempt (read,
plan, send) and the retry policy around it (backoff on conflicts and throttling, the
undo of a first call whose second failed for good). What follows an accepted write
(the answer, the cache, the history, external-write detection) is ``after_write.py``;
what a write is asked for and answers is ``outcomes.py``.

Every attempt reads the pool fresh (never the cache) and plans again, so a
retry never resends a stale payload. Conflicts and throttling are retried
with backoff; when the attempts run out the error says so and nothing is left
half-written (an MFA change made before a failed update is undone).

On bad days:
- Right before each Cognito write the lock's lease is checked (fencing, see
  ``store/locks.py``); a lost lease abandons the attempt unwritten and the
  write starts over from acquiring the lock.
- Once Cognito has accepted a write, the answer is success, even if reading
  the pool back fails: the pool then comes from the plan (``confirmed`` is
  false), the cache entry is dropped on every replica, and the audit says so.
  A write whose answer was lost (timeout, 5xx) is checked by a read: if the
  pool holds the planned configuration, the write landed.
- After each write the pool read back is compared with the plan: a setting
  the plan did not touch that changed anyway was written by someone outside
  the gateway, which no lock can stop; it is logged (redacted) and counted.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.cognito.clients import Cognito
from gateway.core.backoff import Backoff
from gateway.core.constraints import replica_refusal
from gateway.core.diff import FieldChange
from gateway.core.ids import region_of
from gateway.core.kinds import USER_POOL, pool_of
from gateway.core.mfa import mfa_setup_of
from gateway.core.planner import BatchPlan, UpdatePlan
from gateway.core.record import PoolRecord
from gateway.core.resources import round_trip
from gateway.core.risk import Risk
from gateway.core.version import version_of
from gateway.errors import Argument, ErrorCode, Field, GatewayError, invalid
from gateway.observability.context import request_id
from gateway.observability.metrics import NO_METRICS, Metrics
from gateway.service.after_write import AfterWrite
from gateway.service.audit import audit_path
from gateway.service.coalesce import Coalescer
from gateway.service.history import HistoryRecorder, Newest
from gateway.service.outcomes import (
    Outcomes,
    Submission,
    Submissions,
    UpdateResult,
    results,
)
from gateway.service.reads import PoolReader
from gateway.service.replicas import SECONDARY, ReplicaRoles
from gateway.store.journal import Entry
from gateway.store.locks import Lease, LeaseLost, LocalLocks, PoolLocks

log = logging.getLogger(__name__)

RETRYABLE = frozenset({ErrorCode.CONFLICT, ErrorCode.THROTTLED})


@dataclass
class _Attempts:
    """What one batch's attempts share: the versions ``ifVersion`` accepts (ours
    count too once the first of two calls has landed) and the call that undoes it."""

    accepted: set[str] | None
    undo: tuple[str, dict[str, Any]] | None = None
    count: int = field(default=0)
    leases_lost: int = field(default=0)


class PoolWriter:
    def __init__(
        self,
        clients: Cognito,
        reader: PoolReader,
        *,
        locks: PoolLocks | None = None,
        backoff: Backoff | None = None,
        coalesce: bool = True,
        call_budget_seconds: float = 30.0,
        redact: frozenset[str] = frozenset(),
        metrics: Metrics = NO_METRICS,
        history: HistoryRecorder | None = None,
        require_risk_confirmation: bool = False,
        replicas: ReplicaRoles | None = None,
    ) -> None:
        self._clients = clients
        self._reader = reader
        self._locks: PoolLocks = locks or LocalLocks()
        self._backoff = backoff or Backoff()
        self._coalesce = coalesce
        self._call_budget = call_budget_seconds
        self._metrics = metrics
        self._history = history
        # The effects once Cognito accepted: the answer, the cache, the history.
        self._after = AfterWrite(reader, history, redact, metrics)
        self._gate = require_risk_confirmation
        self._replicas = replicas
        self.kind = reader.kind
        self._round_trip = round_trip(reader.kind)
        self.coalescer: Coalescer[Submission, UpdateResult] = Coalescer(self.write)

    async def update(
        self, pool_id: str, submission: Submission, if_version: str | None, dry_run: bool
    ) -> UpdateResult:
        """Apply ``submission``; concurrent plain patches to one pool share one write.

        A conditional (``if_version``), dry-run, computed (restore, copy) or
        unconfirmed patch (when HIGH risk needs confirming) always goes alone:
        its answer must describe exactly its own effect.
        """
        region_of(pool_of(pool_id))
        if submission.patch is not None:
            await self._refuse_on_replica(pool_id, frozenset(submission.patch))
        gated = self._gate and not submission.confirmed
        alone = if_version is not None or dry_run or submission.towards is not None or gated
        if alone or not self._coalesce:
            outcome = (await self.write(pool_id, [submission], if_version, dry_run))[0]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        return await self.coalescer.submit(pool_id, submission)

    async def write(
        self,
        pool_id: str,
        patches: Submissions,
        if_version: str | None = None,
        dry_run: bool = False,
    ) -> Outcomes:
        """One read-modify-write for ``patches`` under the pool's lock.

        A lost lease sends the write back to acquiring the lock; that happens
        at most ``max_attempts`` times (each one waits for Redis, bounded).
        """
        attempts = _Attempts(accepted={if_version} if if_version is not None else None)
        ids = [s.author.request_id for s in patches if s.author.request_id]
        if ids:  # a coalesced batch runs in its first caller's context: log all of them
            request_id.set(", ".join(ids))
        while True:
            try:
                return await self._write_holding_lock(pool_id, patches, attempts, dry_run)
            except LeaseLost as lost:
                attempts.leases_lost += 1
                self._metrics.lock_lost.inc()
                log.warning(
                    "write lock lost before writing; starting over",
                    extra={"pool": pool_id, "reason": str(lost), "times": attempts.leases_lost},
                )
                if attempts.leases_lost >= self._backoff.max_attempts:
                    raise GatewayError(
                        "the shared write lock kept being lost (Redis unstable); nothing was "
                        "written. Retry later.",
                        ErrorCode.SERVICE_UNAVAILABLE,
                    ) from lost

    async def _write_holding_lock(
        self, pool_id: str, patches: Submissions, attempts: _Attempts, dry_run: bool
    ) -> Outcomes:
        waiting = time.perf_counter()
        async with self._locks.hold(pool_id) as lease:
            self._metrics.lock_wait_seconds.observe(time.perf_counter() - waiting)
            while True:
                outcomes = await self._attempt(pool_id, patches, attempts, dry_run, lease)
                if outcomes is not None:
                    return outcomes

    async def _attempt(
        self,
        pool_id: str,
        submissions: Submissions,
        attempts: _Attempts,
        dry_run: bool,
        lease: Lease,
    ) -> Outcomes | None:
        """Read, plan and (unless a dry run or a no-op) write; None means "try again"."""
        attempts.count += 1
        region = region_of(pool_of(pool_id))
        describe = functools.partial(self._reader.describe, pool_id)
        if self._history is None:
            current, newest = await describe(), None
        else:
            current, newest = await self._history.seen_locked(pool_id, describe)
        _check_version(current, attempts.accepted)
        patches = [submission.patch_for(current.request) for submission in submissions]
        batch = self._round_trip.plan(current.pool, patches, current.request)
        if any(s.towards is not None for s in submissions):  # computed under the lock
            await self._refuse_on_replica(pool_id, frozenset(c.path[0] for c in batch.plan.changes))
        if dry_run:
            return results(PoolRecord.of(batch.plan.preview, self.kind), batch, dry_run=True)
        if batch.plan.is_noop:
            return results(current, batch, dry_run=False)
        if self._gate and not all(s.confirmed for s in submissions):
            _check_risk(self.kind.update, batch.plan.changes)
        self._metrics.writes.inc()
        self._metrics.coalesced_writes.inc(len(patches) - 1)
        intent = await self._after.intend(current, batch, submissions)
        try:
            await self._send(region, batch.plan, attempts, lease)
        except LeaseLost:
            await self._after.closed(intent)
            raise
        except GatewayError as error:
            return await self._unsent(pool_id, error, batch, attempts, newest, intent)
        # The MFA setup read under the lock still holds unless this write changed it.
        pool_kept = self.kind is USER_POOL and not batch.plan.mfa_request
        known = mfa_setup_of(current.pool) if pool_kept else None
        fresh = await self._read_back(pool_id, known)
        return await self._after.written(pool_id, batch, fresh, newest, intent)

    async def _unsent(
        self,
        pool_id: str,
        error: GatewayError,
        batch: BatchPlan,
        attempts: _Attempts,
        newest: Newest | None,
        intent: Entry | None,
    ) -> Outcomes | None:
        """A write Cognito answered with an error: landed anyway (a lost answer), to be
        retried (None), or failed for good (raised, the first of two calls undone)."""
        landed = await self._landed_despite(error, pool_id, batch.plan)
        if landed is not None:
            return await self._after.written(pool_id, batch, landed, newest, intent)
        if error.code != ErrorCode.UPSTREAM_ERROR:  # refused: it did not apply
            await self._after.closed(intent)
        await self._reader.cache.delete(pool_id)
        if error.code in RETRYABLE and attempts.count < self._backoff.max_attempts:
            await self._back_off(pool_id, error, attempts.count)
            return None
        if attempts.undo is not None:
            await self._undo(region_of(pool_of(pool_id)), pool_id, *attempts.undo)
        raise _exhausted(error, attempts.count) from error

    async def _refuse_on_replica(self, pool_id: str, touched: frozenset[str]) -> None:
        """A secondary-Region replica takes only some settings: refuse the rest first."""
        if self._replicas is None or self.kind is not USER_POOL:
            return  # replicas are a pool's (an app client has none of its own)
        refusal = replica_refusal(touched, Argument.UPDATE)
        if refusal is not None and await self._replicas.role(pool_id) == SECONDARY:
            raise refusal

    async def _send(self, region: str, plan: UpdatePlan, attempts: _Attempts, lease: Lease) -> None:
        """The plan's calls in order (SetUserPoolMfaConfig and/or UpdateUserPool), each
        only while the lock holds. Once the first of two has landed, its undo is kept
        for the case that the second fails for good, and its version counts as ours."""
        for position, (operation, request) in enumerate(plan.calls):
            await lease.check(self._call_budget)
            await self._clients.call(region, operation, **request)
            if position == 0 and len(plan.calls) > 1:
                attempts.undo = attempts.undo or (operation, plan.undo[operation])
                if attempts.accepted is not None and plan.intermediate is not None:
                    attempts.accepted.add(version_of(plan.intermediate))

    async def _landed_despite(
        self, error: GatewayError, pool_id: str, plan: UpdatePlan
    ) -> PoolRecord | None:
        """After an answer that does not say whether Cognito applied the write (a timeout,
        a 5xx), read the pool: if it holds exactly the planned configuration, it did."""
        if error.code != ErrorCode.UPSTREAM_ERROR:
            return None
        try:
            now = await self._reader.describe(pool_id)
        except GatewayError:
            return None
        return now if now.version == version_of(plan.configuration) else None

    async def _read_back(
        self, pool_id: str, mfa: dict[str, Any] | None = None
    ) -> PoolRecord | None:
        """The pool after a write Cognito accepted; None if it cannot be read now."""
        try:
            return await self._reader.describe(pool_id, mfa=mfa)
        except GatewayError as error:
            log.warning(
                "pool updated, but reading it back failed; answering from the plan",
                extra={"pool": pool_id, "code": error.code.value, "upstream": error.upstream},
            )
            return None

    async def _back_off(self, pool_id: str, error: GatewayError, attempt: int) -> None:
        self._metrics.update_retries.labels(error.upstream or error.code.value).inc()
        delay = self._backoff.delay(attempt)
        log.info(
            "update retried",
            extra={
                "pool": pool_id,
                "attempt": attempt,
                "reason": error.code.value,
                "delay": round(delay, 3),
            },
        )
        await asyncio.sleep(delay)

    async def _undo(
        self, region: str, pool_id: str, operation: str, request: dict[str, Any]
    ) -> None:
        """Take back the first of two calls when the second failed for good."""
        try:
            await self._clients.call(region, operation, **request)
        except GatewayError:
            log.error(
                "could not undo the first call of a failed update",
                extra={"pool": pool_id, "operation": operation},
            )


def _check_version(current: PoolRecord, accepted: set[str] | None) -> None:
    if accepted is not None and current.version not in accepted:
        raise GatewayError(
            f"the pool is at version {current.version}, not the one given; "
            "read it again and re-apply your change",
            ErrorCode.PRECONDITION_FAILED,
            field=Field(Argument.IF_VERSION),
        )


def _check_risk(operation: str, changes: Sequence[FieldChange]) -> None:
    """With GATEWAY_REQUIRE_RISK_CONFIRMATION, a change that weakens the resource needs
    the caller's explicit ``confirmHighRisk``; nothing is written without it."""
    risky = [audit_path(operation, c.path) for c in changes if c.risk == Risk.HIGH]
    if risky:
        what = "pool" if operation == USER_POOL.update else "app client"
        raise invalid(
            f"{len(risky)} change(s) weaken the {what} ({', '.join(risky)}); review them with "
            "a dry run and repeat the request with confirmHighRisk set to apply them",
            Field(Argument.CONFIRM_HIGH_RISK),
            "confirm-high-risk",
        )


def _exhausted(error: GatewayError, attempts: int) -> GatewayError:
    if error.code not in RETRYABLE:
        return error
    what = (
        "another update of this pool kept it locked"
        if error.code == ErrorCode.CONFLICT
        else "Cognito kept throttling the update"
    )
    return GatewayError(
        f"{what}; gave up after {attempts} attempts and changed nothing. Retry later.",
        error.code,
        upstream=error.upstream,
    )
