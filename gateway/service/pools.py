"""PoolService: the one service layer GraphQL (and later gRPC) call.

Reads go through the single-flight cache; writes (see ``update``) are added by
the patch work. Resolvers stay thin: they translate arguments and call this.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway import model
from gateway.cognito.clients import CognitoClients, region_of
from gateway.core.backoff import Backoff
from gateway.core.paging import decode_cursor, encode_cursor
from gateway.core.planner import MFA_MEMBER, BatchPlan, FieldChange, UpdatePlan, plan_batch
from gateway.core.record import PoolRecord
from gateway.core.validation import (
    check_cross_fields,
    check_required,
    check_reserved_tags,
    check_values,
)
from gateway.core.version import pool_version
from gateway.errors import ErrorCode, GatewayError
from gateway.observability.metrics import NO_METRICS, Metrics
from gateway.service.coalesce import Coalescer
from gateway.store.cache import SingleFlightCache
from gateway.store.locks import LocalLocks, PoolLocks

log = logging.getLogger(__name__)

LIST_PAGE_SIZE = 60  # ListUserPools' maximum; a fixed size keeps cursors stable
MAX_FIRST = 60


@dataclass(frozen=True)
class UpdateResult:
    """The pool after the update (or as it would be, on a dry run) and what changed."""

    record: PoolRecord
    changes: list[FieldChange]
    dry_run: bool


RETRYABLE = frozenset({ErrorCode.CONFLICT, ErrorCode.THROTTLED})
Patches = Sequence[dict[str, Any]]
Outcomes = list[UpdateResult | BaseException]  # one per patch of a batch, in order


@dataclass(frozen=True)
class PoolPage:
    """One page of ListUserPools summaries with relay cursors."""

    summaries: list[dict[str, Any]]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool = False
    start_cursor: str | None = field(default=None)
    end_cursor: str | None = field(default=None)


class PoolService:
    def __init__(
        self,
        clients: CognitoClients,
        cache: SingleFlightCache,
        default_region: str,
        describe_concurrency: int = 4,
        backoff: Backoff | None = None,
        locks: PoolLocks | None = None,
        coalesce: bool = True,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._metrics = metrics
        self._clients = clients
        self._cache = cache
        self._default_region = default_region
        self._describe_slots = asyncio.Semaphore(describe_concurrency)
        self._backoff = backoff or Backoff()
        self._locks: PoolLocks = locks or LocalLocks()
        self._coalesce = coalesce
        self.coalescer: Coalescer[dict[str, Any], UpdateResult] = Coalescer(self._write)

    async def describe(self, pool_id: str) -> PoolRecord:
        """A fresh DescribeUserPool, bypassing the cache (writes use this)."""
        region = region_of(pool_id)
        async with self._describe_slots:
            response = await self._clients.call(region, "DescribeUserPool", UserPoolId=pool_id)
        return PoolRecord.of(response["UserPool"])

    async def get(self, pool_id: str) -> PoolRecord:
        """The pool through the cache; concurrent misses make one upstream call."""
        region_of(pool_id)
        return await self._cache.get_or_load(pool_id, lambda: self.describe(pool_id))

    async def list(self, first: int = 20, after: str | None = None) -> PoolPage:
        if not 1 <= first <= MAX_FIRST:
            raise GatewayError(
                f"first: must be between 1 and {MAX_FIRST}, got {first}",
                ErrorCode.BAD_USER_INPUT,
                field="first",
                rule="range",
            )
        token, offset = decode_cursor(after) if after else (None, 0)
        summaries: list[dict[str, Any]] = []
        cursors: list[str] = []
        has_next = False
        while True:
            params: dict[str, Any] = {"MaxResults": LIST_PAGE_SIZE}
            if token:
                params["NextToken"] = token
            response = await self._clients.call(self._default_region, "ListUserPools", **params)
            page = response.get("UserPools", [])
            next_token = response.get("NextToken")
            for index in range(offset, len(page)):
                summaries.append(page[index])
                cursors.append(encode_cursor(token, index + 1))
                if len(summaries) == first:
                    has_next = index + 1 < len(page) or bool(next_token)
                    break
            if len(summaries) == first or not next_token:
                break
            token, offset = next_token, 0
        return PoolPage(
            summaries=summaries,
            cursors=cursors,
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )

    async def update(
        self,
        pool_id: str,
        patch: dict[str, Any],
        if_version: str | None = None,
        dry_run: bool = False,
    ) -> UpdateResult:
        """Apply ``patch``; concurrent plain patches to one pool share one write.

        A conditional (``if_version``) or dry-run patch always goes alone: its
        answer must describe exactly its own effect.
        """
        region_of(pool_id)
        if if_version is not None or dry_run or not self._coalesce:
            outcome = (await self._write(pool_id, [patch], if_version, dry_run))[0]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        return await self.coalescer.submit(pool_id, patch)

    async def _write(
        self,
        pool_id: str,
        patches: Patches,
        if_version: str | None = None,
        dry_run: bool = False,
    ) -> Outcomes:
        """One read-modify-write for ``patches`` under the pool's lock.

        Every attempt reads the pool fresh (never the cache) and plans again, so
        a retry never resends a stale payload. Conflicts and throttling are
        retried with backoff; when the attempts run out the error says so and
        nothing is left half-written.
        """
        region = region_of(pool_id)
        waiting = time.perf_counter()
        async with self._locks.hold(pool_id):
            self._metrics.lock_wait_seconds.observe(time.perf_counter() - waiting)
            accepted = {if_version} if if_version is not None else None
            mfa_before: dict[str, Any] | None = None
            attempt = 0
            while True:
                attempt += 1
                current = await self.describe(pool_id)
                if accepted is not None and current.version not in accepted:
                    raise GatewayError(
                        f"ifVersion: the pool is at version {current.version}, not {if_version}; "
                        "read it again and re-apply your change",
                        ErrorCode.PRECONDITION_FAILED,
                        field="ifVersion",
                    )
                wants_mfa = any(MFA_MEMBER in patch for patch in patches)
                mfa = await self._mfa_config(region, pool_id) if wants_mfa else None
                batch = plan_batch(current.pool, patches, mfa, before=current.request)
                plan = batch.plan
                if dry_run:
                    return self._results(PoolRecord.of(plan.preview), batch, dry_run=True)
                if plan.is_noop:
                    return self._results(current, batch, dry_run=False)
                self._metrics.writes.inc()
                self._metrics.coalesced_writes.inc(len(patches) - 1)
                try:
                    if plan.mfa_request is not None:
                        await self._clients.call(region, "SetUserPoolMfaConfig", **plan.mfa_request)
                        mfa_before = mfa_before or dict(mfa or {})
                        if accepted is not None:
                            wanted = plan.mfa_request[MFA_MEMBER]
                            accepted.add(pool_version({**current.pool, MFA_MEMBER: wanted}))
                    await self._clients.call(region, "UpdateUserPool", **plan.request)
                except GatewayError as error:
                    await self._cache.delete(pool_id)
                    if error.code in RETRYABLE and attempt < self._backoff.max_attempts:
                        self._metrics.update_retries.labels(
                            error.upstream or error.code.value
                        ).inc()
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
                        continue
                    if mfa_before is not None:
                        await self._restore_mfa(region, pool_id, mfa_before)
                    raise self._exhausted(error, attempt) from error
                fresh = await self._finish(pool_id, plan, len(patches))
                return self._results(fresh, batch, dry_run=False)

    @staticmethod
    def _results(record: PoolRecord, batch: BatchPlan, dry_run: bool) -> Outcomes:
        return [
            outcome
            if isinstance(outcome, GatewayError)
            else UpdateResult(record, outcome, dry_run=dry_run)
            for outcome in batch.outcomes
        ]

    async def _finish(self, pool_id: str, plan: UpdatePlan, patches: int) -> PoolRecord:
        fresh = await self.describe(pool_id)
        await self._cache.set(pool_id, fresh)
        log.info(
            "pool updated",
            extra={"pool": pool_id, "patches": patches, "changed": [c.path for c in plan.changes]},
        )
        return fresh

    @staticmethod
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

    async def _mfa_config(self, region: str, pool_id: str) -> dict[str, Any]:
        return await self._clients.call(region, "GetUserPoolMfaConfig", UserPoolId=pool_id)

    async def _restore_mfa(self, region: str, pool_id: str, previous: dict[str, Any]) -> None:
        """Undo our SetUserPoolMfaConfig when the UpdateUserPool after it failed for good."""
        accepted = set(model.input_shape("SetUserPoolMfaConfig").members)
        request = {k: v for k, v in previous.items() if k in accepted and v}
        request["UserPoolId"] = pool_id
        request.setdefault(MFA_MEMBER, "OFF")
        if request[MFA_MEMBER] == "OFF":
            request = {"UserPoolId": pool_id, MFA_MEMBER: "OFF"}
        try:
            await self._clients.call(region, "SetUserPoolMfaConfig", **request)
        except GatewayError:
            log.error(
                "could not restore the MFA configuration after a failed update",
                extra={"pool": pool_id, "mfa": previous.get(MFA_MEMBER)},
            )

    async def create(self, request: dict[str, Any]) -> PoolRecord:
        """CreateUserPool in the default Region, validated against the model first."""
        shape = model.input_shape("CreateUserPool")
        check_values(request, shape, "input")
        check_required(request, shape, "input")
        check_reserved_tags(request.get("UserPoolTags"), "input.userPoolTags")
        check_cross_fields(request, set(request), "input")
        response = await self._clients.call(self._default_region, "CreateUserPool", **request)
        record = PoolRecord.of(response["UserPool"])
        await self._cache.set(record.pool["Id"], record)
        return record
