"""The runtime: assembles the long-lived parts from settings (stores, clients, the
service), answers whether they are ready, drains and closes them in order.

It sits above the service and the stores, so the service layer imports no Redis or
database driver: what it needs comes in through constructors. One replica:
in-process cache, locks and quota. With ``GATEWAY_REDIS_URL``: Redis-backed cache
(with an in-process L1 kept honest by pub/sub), the distributed write lock, the
shared quota bucket and rate limits, and the history's journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import redis.asyncio as redis
from redis.exceptions import RedisError

from gateway.cognito.clients import Cognito, CognitoClients
from gateway.core.backoff import Backoff
from gateway.core.clock import MONOTONIC, Clock
from gateway.core.kinds import USER_POOL_CLIENT, kind_of_key
from gateway.core.record import PoolRecord
from gateway.observability.metrics import Metrics
from gateway.service.access import secret_members
from gateway.service.audit import Auditor, open_sink, redacted_members
from gateway.service.clients import ClientService
from gateway.service.frontend import FrontendConfigReader
from gateway.service.history import HistoryRecorder
from gateway.service.pools import PoolService
from gateway.service.public import PublicSettingsReader
from gateway.service.reads import PoolReader
from gateway.service.replicas import ReplicaRoles
from gateway.service.versions import VersionService
from gateway.service.writes import PoolWriter
from gateway.settings import Settings
from gateway.store import redis as shared
from gateway.store.cache import MemoryStore, PoolStore, SharedStore, SingleFlightCache
from gateway.store.history import HistoryStore, HistoryUnavailable, shown_url
from gateway.store.journal import FileJournal, Journal, RedisJournal
from gateway.store.locks import DistributedLocks, LocalLocks, PoolLocks
from gateway.store.quota import QuotaGuard
from gateway.store.rates import SharedRates

log = logging.getLogger(__name__)
READINESS_TIMEOUT_SECONDS = 3.0


@dataclass
class Runtime:
    """What the surfaces use; the rest is owned and closed by ``open_runtime``."""

    clients: Cognito
    service: PoolService
    versions: VersionService
    app_clients: ClientService
    client_versions: VersionService
    redis: redis.Redis | None = None
    rates: SharedRates | None = None  # per-client rate limits every replica shares
    draining: bool = False

    def owner_of(self, key: str) -> PoolService | ClientService:
        """The service of the kind of resource ``key`` names."""
        return self.app_clients if kind_of_key(key) is USER_POOL_CLIENT else self.service

    async def current_tag(self, key: str) -> str | None:
        """A resource's document tag as the cache knows it, whatever its kind (for
        caches of rendered answers, which note the keys an answer read)."""
        return await self.owner_of(key).current_tag(key)

    async def ready(self) -> dict[str, str]:
        """What ``/readyz`` reports: Redis reachable or not, the history ready or
        degraded (neither stops this replica from serving: 200 either way)."""
        report: dict[str, str] = {}
        if self.redis is not None:
            try:
                await asyncio.wait_for(self.redis.ping(), READINESS_TIMEOUT_SECONDS)
                report["redis"] = "reachable"
            except (RedisError, OSError, TimeoutError):
                report["redis"] = "unreachable"
        history = self.service.history
        if history is not None:  # a history outage never fails a read or a write
            report["history"] = "degraded" if history.degraded else "ready"
        return report

    async def drain(self) -> None:
        """Stop taking work and finish what is queued (writes waiting to be coalesced)."""
        self.draining = True
        await self.service.writer.coalescer.drain()


@dataclass
class SharedState:
    """The cache store, write locks and quota: in-process, or on Redis for a fleet."""

    store: PoolStore
    locks: PoolLocks
    quota: QuotaGuard
    client: redis.Redis | None = None
    bus: shared.InvalidationBus | None = None
    rates: SharedRates | None = None

    async def close(self) -> None:
        if self.bus is not None:
            await self.bus.stop()
        if self.client is not None:
            await self.client.aclose()


def local_state(settings: Settings, clock: Clock = MONOTONIC) -> SharedState:
    return SharedState(
        store=MemoryStore(settings.cache.cache_ttl_seconds, clock),
        locks=LocalLocks(),
        quota=QuotaGuard.local(
            settings.cognito.quota_reads_per_second, settings.cognito.quota_updates_per_second
        ),
    )


def redis_state(
    settings: Settings, url: str, metrics: Metrics, clock: Clock = MONOTONIC
) -> SharedState:
    """Redis-backed cache (L1 kept honest by pub/sub), distributed locks, shared quota."""
    client = shared.connect(url)
    health = shared.RedisHealth(metrics)
    l1 = MemoryStore(settings.cache.cache_ttl_seconds, clock) if settings.cache.l1_cache else None
    bus = shared.InvalidationBus(
        client,
        health,
        on_change=l1.delete if l1 is not None else None,
        on_reset=l1.clear if l1 is not None else None,
        metrics=metrics,
    )
    store = SharedStore(
        shared.url_parts(url),
        settings.cache.cache_ttl_seconds,
        health,
        l1,
        publish=bus.publish,
        l1_trusted=lambda: bus.connected,
    )
    locks = DistributedLocks(
        client,
        health,
        lease_seconds=settings.redis.lock_timeout_seconds,
        wait_seconds=settings.redis.lock_wait_seconds,
        redis_wait_seconds=settings.redis.redis_wait_seconds,
        allow_local=settings.redis.allow_local_lock,
        metrics=metrics,
    )
    quota = QuotaGuard.shared(
        client,
        health,
        settings.cognito.aws_account_id or "default",
        settings.cognito.quota_reads_per_second,
        settings.cognito.quota_updates_per_second,
    )
    rates = SharedRates(client, health)
    return SharedState(store=store, locks=locks, quota=quota, client=client, bus=bus, rates=rates)


def build_service(
    settings: Settings,
    clients: Cognito,
    state: SharedState,
    cache: SingleFlightCache,
    metrics: Metrics,
    history: HistoryStore,
    journal: Journal | None = None,
    history_ready: bool = True,
    clock: Clock = MONOTONIC,
) -> tuple[PoolService, VersionService, ClientService]:
    secret = redacted_members(settings.history.audit_redact) | secret_members()
    recorder = HistoryRecorder(
        history,
        state.locks,
        secret,
        metrics,
        sole_writer=state.client is None,
        journal=journal,
        ready=history_ready,
    )
    reader = PoolReader(
        clients, cache, history=recorder, missing_ttl=settings.cache.cache_ttl_seconds, clock=clock
    )
    backoff = Backoff(
        base_seconds=settings.cognito.update_backoff_base_seconds,
        cap_seconds=settings.cognito.update_backoff_max_seconds,
        max_attempts=settings.cognito.update_max_attempts,
    )

    def writer_for(reader: PoolReader, replicas: ReplicaRoles | None = None) -> PoolWriter:
        """One writer per kind, with the same locks, backoff, history and risk gate."""
        return PoolWriter(
            clients,
            reader,
            locks=state.locks,
            backoff=backoff,
            call_budget_seconds=settings.cognito.call_budget_seconds,
            redact=redacted_members(settings.history.audit_redact),
            metrics=metrics,
            history=recorder,
            require_risk_confirmation=settings.auth.require_risk_confirmation,
            replicas=replicas,
        )

    writer = writer_for(reader, ReplicaRoles(clients, settings.cache.cache_ttl_seconds, clock))
    client_reader = PoolReader(
        clients,
        cache,
        history=recorder,
        missing_ttl=settings.cache.cache_ttl_seconds,
        clock=clock,
        kind=USER_POOL_CLIENT,
    )
    auditor = Auditor(open_sink(settings.history.audit_sink), settings.history.audit_redact)
    recorder.on_applied_later = auditor.applied_later
    service = PoolService(
        clients,
        reader,
        writer,
        default_region=settings.cognito.region,
        auditor=auditor,
        admin_only=frozenset(settings.auth.sensitive_members),
        public=PublicSettingsReader(reader, settings.auth.public_pools),
        history=recorder,
    )
    app_clients = ClientService(
        clients,
        client_reader,
        writer_for(client_reader),
        reader,
        auditor=auditor,
        frontend=FrontendConfigReader(service.public, client_reader),
        history=recorder,
    )
    return service, VersionService(service, history), app_clients


SWEEP_SECONDS = 1.0


async def _open_history(settings: Settings) -> tuple[HistoryStore, bool]:
    """The history store, migrated; not ready (False) if its database does not answer
    yet: the gateway serves, journals, and migrates once it does."""
    history = HistoryStore.open(settings.history.history_url)
    try:
        await history.migrate()
    except HistoryUnavailable as error:
        if not error.unreachable:
            await history.close()
            raise
        log.warning(
            "history database unreachable; serving, with writes journaled until it is back",
            extra={"error": str(error)},
        )
        return history, False
    return history, True


def _journal(settings: Settings, state: SharedState) -> Journal:
    local = FileJournal(settings.history.history_journal_folder)
    return RedisJournal(state.client, local) if state.client is not None else local


async def _sweep(runtime: Runtime, settings: Settings) -> None:
    """Replays the journal and resolves intents whose writer is gone, every second."""
    recorder = runtime.service.history
    if recorder is None:
        return

    async def describe_fresh(key: str) -> PoolRecord:
        return await runtime.owner_of(key).describe_fresh(key)

    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            recorder.journal.adopt()
            await recorder.replay.sweep(describe_fresh, settings.redis.lock_timeout_seconds)
        except Exception as error:  # never let the sweeper die
            log.warning("history sweep failed", extra={"error": type(error).__name__})


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings,
    metrics: Metrics,
    cognito: Cognito | None = None,
    clock: Clock = MONOTONIC,
) -> AsyncIterator[Runtime]:
    """Everything long-lived, opened in order and closed in reverse. ``cognito``: another
    Cognito than the real clients (the tests' in-memory one); ``clock``: the time the
    caches expire by (a test's, to move it on)."""
    if settings.redis.redis_url:
        state = redis_state(settings, settings.redis.redis_url, metrics, clock)
    else:
        state = local_state(settings, clock)
    if state.bus is not None:
        state.bus.start()
    cache = SingleFlightCache(state.store, metrics)
    # Another Cognito is the caller's to open; the real clients are opened here.
    opened: contextlib.AbstractAsyncContextManager[Cognito] = (
        contextlib.nullcontext(cognito)
        if cognito is not None
        else CognitoClients(settings, quota=state.quota, metrics=metrics)
    )
    history, ready = await _open_history(settings)
    journal = _journal(settings, state)
    where = "redis" if state.client is not None else str(settings.history.history_journal_folder)
    log.info(
        "history",
        extra={"url": shown_url(settings.history.history_url), "ready": ready, "journal": where},
    )
    sweeper: asyncio.Task[None] | None = None
    try:
        async with opened as clients:
            service, versions, app_clients = build_service(
                settings, clients, state, cache, metrics, history, journal, ready, clock
            )
            runtime = Runtime(
                clients,
                service,
                versions,
                app_clients,
                VersionService(app_clients, history),
                redis=state.client,
                rates=state.rates,
            )
            sweeper = asyncio.create_task(_sweep(runtime, settings), name="history-sweeper")
            yield runtime
            await runtime.drain()
    finally:
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
        await cache.close()
        await state.close()
        await journal.close()
        await history.close()
