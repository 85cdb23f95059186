"""Redis as the replicas' shared state: connection, health, invalidation bus.

Redis is optional for one replica. When it is configured, this module owns the
one ``redis.asyncio`` client, tracks whether Redis answers (for readiness and
the fail-closed write path), and runs the pub/sub subscriber that tells this
replica which pools another replica has just changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import unquote, urlparse

import redis.asyncio as redis
from redis.exceptions import RedisError

from gateway.observability.metrics import NO_METRICS, Metrics

log = logging.getLogger(__name__)

CHANNEL = "gateway:pool-changed"
SOCKET_TIMEOUT_SECONDS = 1.0


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        health_check_interval=5,
    )


def url_parts(url: str) -> dict[str, object]:
    """aiocache's RedisCache arguments for a ``redis://`` or ``rediss://`` URL.

    The user name of a Redis ACL user (``redis://gateway:secret@host``) goes
    through the connection pool's arguments: aiocache has no parameter for it,
    and without it Redis would check the password against the ``default`` user.
    """
    parsed = urlparse(url)
    db = parsed.path.lstrip("/")
    return {
        "endpoint": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 6379,
        "db": int(db) if db else 0,
        "password": unquote(parsed.password) if parsed.password else None,
        "connection_pool_kwargs": {"username": unquote(parsed.username)}
        if parsed.username
        else None,
        "ssl": parsed.scheme == "rediss",
        "create_connection_timeout": SOCKET_TIMEOUT_SECONDS,
        "timeout": SOCKET_TIMEOUT_SECONDS,
    }


class RedisHealth:
    """Remembers Redis failures; logs the transition once, not every failed call."""

    def __init__(self, metrics: Metrics = NO_METRICS) -> None:
        self.healthy = True
        self.last_error = ""
        self._since = 0.0
        self._up = metrics.redis_up
        self._up.set(1)

    def failed(self, error: BaseException, during: str) -> None:
        if self.healthy:
            log.warning(
                "redis unreachable; degraded",
                extra={"during": during, "error": type(error).__name__},
            )
            self._since = time.monotonic()
        self.healthy = False
        self.last_error = type(error).__name__
        self._up.set(0)

    def recovered(self) -> None:
        if not self.healthy:
            log.info(
                "redis reachable again",
                extra={"after_seconds": round(time.monotonic() - self._since, 1)},
            )
        self.healthy = True
        self.last_error = ""
        self._up.set(1)


class InvalidationBus:
    """Pub/sub of changed pool ids between replicas.

    ``connected`` is true only while the subscription is live: while it is
    not, this replica may have missed a message, so its in-process cache must
    not be trusted (the cache checks ``connected``), and on every
    (re)subscription the ``on_reset`` callback drops the whole L1.
    """

    def __init__(
        self,
        client: redis.Redis,
        health: RedisHealth,
        on_change: Callable[[str], Awaitable[None]] | None,
        on_reset: Callable[[], Awaitable[None]] | None,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._connected_gauge = metrics.pubsub_connected
        self._client = client
        self._health = health
        self._on_change = on_change
        self._on_reset = on_reset
        self.connected = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="invalidation-bus")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            # Cancelled while Redis is gone, the subscription's own cleanup can fail on
            # its closed transport (RuntimeError from the loop): nothing is left to close.
            with contextlib.suppress(asyncio.CancelledError, RedisError, OSError, RuntimeError):
                await self._task

    async def publish(self, pool_id: str) -> None:
        try:
            await self._client.publish(CHANNEL, pool_id)
        except (RedisError, OSError) as error:
            self._health.failed(error, "publish")

    async def _run(self) -> None:
        delay = 0.1
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    if self._on_reset is not None:
                        await self._on_reset()
                    self.connected = True
                    self._connected_gauge.set(1)
                    self._health.recovered()
                    delay = 0.1
                    while True:
                        message = await pubsub.get_message(
                            ignore_subscribe_messages=True, timeout=1.0
                        )
                        if message is None or message.get("type") != "message":
                            continue
                        data = message["data"]
                        if self._on_change is not None:
                            await self._on_change(
                                data.decode() if isinstance(data, bytes) else data
                            )
            except asyncio.CancelledError:
                self.connected = False
                self._connected_gauge.set(0)
                raise
            except (RedisError, OSError) as error:
                self.connected = False
                self._connected_gauge.set(0)
                self._health.failed(error, "subscribe")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
