"""The write path: one read-modify-write per batch of patches, under the pool's lock.

Every attempt reads the pool fresh (never the cache) and plans again, so a
retry never resends a stale payload. Conflicts and throttling are retried
with backoff; when the attempts run out the error says so and nothing is left
half-written (an MFA change made before a failed update is undone).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.cognito.clients import CognitoClients
from gateway.core.backoff import Backoff
from gateway.core.diff import FieldChange
from gateway.core.ids import region_of
from gateway.core.planner import MFA_MEMBER, BatchPlan, UpdatePlan, mfa_request_from, plan_batch
from gateway.core.record import PoolRecord
from gateway.core.version import pool_version
from gateway.errors import Argument, ErrorCode, Field, GatewayError
from gateway.observability.metrics import NO_METRICS, Metrics
from gateway.service.coalesce import Coalescer
from gateway.service.reads import PoolReader
from gateway.store.locks import LocalLocks, PoolLocks

log = logging.getLogger(__name__)

RETRYABLE = frozenset({ErrorCode.CONFLICT, ErrorCode.THROTTLED})
Patches = Sequence[dict[str, Any]]


@dataclass(frozen=True)
class UpdateResult:
    """The pool after the update (or as it would be, on a dry run) and what changed."""

    record: PoolRecord
    changes: list[FieldChange]
    dry_run: bool


Outcomes = list[UpdateResult | BaseException]  # one per patch of a batch, in order


@dataclass
class _Attempts:
    """What one batch's attempts share: the versions ``ifVersion`` accepts (ours
    count too once our own MFA change has landed) and the MFA setup to restore."""

    accepted: set[str] | None
    mfa_before: dict[str, Any] | None = None
    count: int = field(default=0)


class PoolWriter:
    def __init__(
        self,
        clients: CognitoClients,
        reader: PoolReader,
        *,
        locks: PoolLocks | None = None,
        backoff: Backoff | None = None,
        coalesce: bool = True,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._clients = clients
        self._reader = reader
        self._locks: PoolLocks = locks or LocalLocks()
        self._backoff = backoff or Backoff()
        self._coalesce = coalesce
        self._metrics = metrics
        self.coalescer: Coalescer[dict[str, Any], UpdateResult] = Coalescer(self.write)

    async def update(
        self, pool_id: str, patch: dict[str, Any], if_version: str | None, dry_run: bool
    ) -> UpdateResult:
        """Apply ``patch``; concurrent plain patches to one pool share one write.

        A conditional (``if_version``) or dry-run patch always goes alone: its
        answer must describe exactly its own effect.
        """
        region_of(pool_id)
        if if_version is not None or dry_run or not self._coalesce:
            outcome = (await self.write(pool_id, [patch], if_version, dry_run))[0]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        return await self.coalescer.submit(pool_id, patch)

    async def write(
        self,
        pool_id: str,
        patches: Patches,
        if_version: str | None = None,
        dry_run: bool = False,
    ) -> Outcomes:
        """One read-modify-write for ``patches`` under the pool's lock."""
        waiting = time.perf_counter()
        async with self._locks.hold(pool_id):
            self._metrics.lock_wait_seconds.observe(time.perf_counter() - waiting)
            attempts = _Attempts(accepted={if_version} if if_version is not None else None)
            while True:
                outcomes = await self._attempt(pool_id, patches, attempts, dry_run)
                if outcomes is not None:
                    return outcomes

    async def _attempt(
        self, pool_id: str, patches: Patches, attempts: _Attempts, dry_run: bool
    ) -> Outcomes | None:
        """Read, plan and (unless a dry run or a no-op) write; None means "try again"."""
        attempts.count += 1
        region = region_of(pool_id)
        current = await self._reader.describe(pool_id)
        _check_version(current, attempts.accepted)
        wants_mfa = any(MFA_MEMBER in patch for patch in patches)
        mfa = await self._mfa_config(region, pool_id) if wants_mfa else None
        batch = plan_batch(current.pool, patches, mfa, before=current.request)
        if dry_run:
            return _results(PoolRecord.of(batch.plan.preview), batch, dry_run=True)
        if batch.plan.is_noop:
            return _results(current, batch, dry_run=False)
        self._metrics.writes.inc()
        self._metrics.coalesced_writes.inc(len(patches) - 1)
        try:
            await self._send(region, current, batch.plan, mfa, attempts)
        except GatewayError as error:
            await self._reader.cache.delete(pool_id)
            if error.code in RETRYABLE and attempts.count < self._backoff.max_attempts:
                await self._back_off(pool_id, error, attempts.count)
                return None
            if attempts.mfa_before is not None:
                await self._restore_mfa(region, pool_id, attempts.mfa_before)
            raise _exhausted(error, attempts.count) from error
        fresh = await self._reader.describe(pool_id)
        await self._reader.cache.set(pool_id, fresh)
        log.info(
            "pool updated",
            extra={
                "pool": pool_id,
                "patches": len(patches),
                "changed": [".".join(c.path) for c in batch.plan.changes],
            },
        )
        return _results(fresh, batch, dry_run=False)

    async def _send(
        self,
        region: str,
        current: PoolRecord,
        plan: UpdatePlan,
        mfa: dict[str, Any] | None,
        attempts: _Attempts,
    ) -> None:
        """SetUserPoolMfaConfig when MFA changes (UpdateUserPool cannot turn it on), then
        UpdateUserPool with the whole configuration."""
        if plan.mfa_request is not None:
            await self._clients.call(region, "SetUserPoolMfaConfig", **plan.mfa_request)
            attempts.mfa_before = attempts.mfa_before or dict(mfa or {})
            if attempts.accepted is not None:
                wanted = plan.mfa_request[MFA_MEMBER]
                attempts.accepted.add(pool_version({**current.pool, MFA_MEMBER: wanted}))
        await self._clients.call(region, "UpdateUserPool", **plan.request)

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

    async def _mfa_config(self, region: str, pool_id: str) -> dict[str, Any]:
        return await self._clients.call(region, "GetUserPoolMfaConfig", UserPoolId=pool_id)

    async def _restore_mfa(self, region: str, pool_id: str, previous: dict[str, Any]) -> None:
        """Undo our SetUserPoolMfaConfig when the UpdateUserPool after it failed for good."""
        request = mfa_request_from(previous, previous.get(MFA_MEMBER) or "OFF", pool_id)
        try:
            await self._clients.call(region, "SetUserPoolMfaConfig", **request)
        except GatewayError:
            log.error(
                "could not restore the MFA configuration after a failed update",
                extra={"pool": pool_id, "mfa": previous.get(MFA_MEMBER)},
            )


def _check_version(current: PoolRecord, accepted: set[str] | None) -> None:
    if accepted is not None and current.version not in accepted:
        raise GatewayError(
            f"the pool is at version {current.version}, not the one given; "
            "read it again and re-apply your change",
            ErrorCode.PRECONDITION_FAILED,
            field=Field(Argument.IF_VERSION),
        )


def _results(record: PoolRecord, batch: BatchPlan, dry_run: bool) -> Outcomes:
    return [
        outcome
        if isinstance(outcome, GatewayError)
        else UpdateResult(record, outcome, dry_run=dry_run)
        for outcome in batch.outcomes
    ]


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
