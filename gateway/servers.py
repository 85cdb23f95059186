"""The process: one runtime, and the HTTP (uvicorn) and gRPC servers over it as peers.

Order, up: the runtime (stores, clients, the service), then gRPC, then HTTP; the
banner (``on_started``) once HTTP listens. Down, on SIGTERM or SIGINT: both servers
stop taking new work at once and let in-flight requests and calls finish (bounded by
``GATEWAY_SHUTDOWN_TIMEOUT_SECONDS``); then the runtime drains queued writes, releases
locks and closes its clients. ``gateway serve``, ``gateway demo``, the tests and the
benchmark all run this one composition.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
import uvloop
from starlette.types import ASGIApp

from gateway.api.app import HttpApp
from gateway.api.edge import Edge, edge_for
from gateway.api.grpc.server import Serving
from gateway.api.grpc.server import serving as grpc_serving
from gateway.api.http_protocol import timed_protocol
from gateway.core.clock import MONOTONIC, Clock
from gateway.observability import tracing
from gateway.runtime import Runtime, open_runtime
from gateway.settings import Settings

log = logging.getLogger(__name__)
STOP_POLL_SECONDS = 0.05
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Servers:
    """``serve()`` runs until ``stop()`` (or a signal, in the main thread).

    ``on_started`` runs once HTTP listens.
    ``clock``: the time the caches and limits read (the tests move one on).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        on_started: Callable[[], None] | None = None,
        clock: Clock = MONOTONIC,
    ) -> None:
        self.settings = settings
        self.edge: Edge = edge_for(settings, clock)
        self._on_started = on_started
        self._http: _AnnouncingServer | None = None
        self._stop_requested = False

    @property
    def started(self) -> bool:
        return self._http is not None and self._http.started

    def stop(self) -> None:
        """Ask both servers to stop (thread-safe: it only sets a flag they watch)."""
        self._stop_requested = True
        if self._http is not None:
            self._http.should_exit = True

    def app(self, runtime: Runtime) -> HttpApp:
        """The HTTP app over ``runtime`` (the benchmark adds a route of its own here)."""
        return HttpApp(self.settings, runtime, self.edge)

    async def serve(self) -> None:
        settings, edge = self.settings, self.edge
        if settings.telemetry.tracing and not tracing.enabled():
            tracing.configure()
        async with open_runtime(settings, edge.metrics, clock=edge.clock) as runtime:
            edge.limiter.share(runtime.rates)  # one budget per client across the fleet
            async with grpc_serving(
                settings, runtime.service, runtime.versions, runtime.app_clients, edge
            ) as grpc:
                self._http = _AnnouncingServer(self._config(self.app(runtime)), self._on_started)
                if self._stop_requested:
                    self._http.should_exit = True
                # The schema, the service model and the clients live as long as the
                # process: move them out of the collector's sight, so collections
                # during requests scan only what requests allocate.
                gc.collect()
                gc.freeze()
                log.info(
                    "gateway started",
                    extra={
                        "region": settings.cognito.region,
                        "endpoint": settings.cognito.cognito_endpoint_url or "aws",
                        "redis": "on" if settings.redis.redis_url else "off",
                        "grpc_port": grpc.port,
                    },
                )
                watcher = asyncio.ensure_future(self._stop_grpc_with_http(grpc))
                try:
                    await self._http.serve()
                finally:
                    self._http.should_exit = True
                    await watcher
        log.info("gateway stopped")

    async def _stop_grpc_with_http(self, grpc: Serving) -> None:
        """gRPC stops taking calls when HTTP stops taking requests, not after it."""
        assert self._http is not None
        # uvicorn's own flag, set by its signal handler or by stop() from another thread:
        # nothing to await, so it is polled, as uvicorn's main loop polls it.
        while not self._http.should_exit:  # noqa: ASYNC110
            await asyncio.sleep(STOP_POLL_SECONDS)
        await grpc.stop()

    def _config(self, app: ASGIApp) -> uvicorn.Config:
        settings = self.settings
        return uvicorn.Config(
            app,
            host=settings.serving.host,
            port=settings.serving.port,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=int(settings.serving.shutdown_timeout_seconds),
            http=timed_protocol(
                settings.serving.header_timeout_seconds, settings.serving.body_timeout_seconds
            ),
            limit_concurrency=settings.serving.max_connections,
        )


def run(settings: Settings, *, on_started: Callable[[], None] | None = None) -> None:
    """Serve until interrupted (``gateway serve`` and ``gateway demo``); a graceful stop
    on SIGTERM or SIGINT returns normally (exit 0), once everything is closed."""
    servers = Servers(settings, on_started=on_started)
    uvloop.run(servers.serve())
    if not servers.started:
        raise SystemExit(3)  # what uvicorn.run exits with when startup fails


class _AnnouncingServer(uvicorn.Server):
    """uvicorn's server, calling ``on_started`` once it listens."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._on_started is not None:
            self._on_started()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """uvicorn's, without raising the signal again once HTTP has stopped: gRPC and
        the runtime still have to close after it, and a graceful stop is not a kill."""
        if threading.current_thread() is not threading.main_thread():
            yield  # signals reach the main thread only (the tests serve from others)
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
