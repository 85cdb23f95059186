"""The Cognito edge: one long-lived aiobotocore client per Region.

Nothing above this package sees botocore exceptions: ``call`` turns them into
:class:`~gateway.errors.GatewayError` (see ``gateway.cognito.errors``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from typing import Any, Protocol

from aiobotocore.session import get_session
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from gateway import model
from gateway.cognito.errors import error_code_of, translate
from gateway.cognito.shares import CallerShares, Capacity
from gateway.observability.context import caller
from gateway.observability.metrics import NO_METRICS, Metrics
from gateway.observability.tracing import client_span
from gateway.settings import Settings

log = logging.getLogger(__name__)


class Admission(Protocol):
    """Waits until a call may go out (the quota guard: one budget per account)."""

    async def admit(self, operation: str, region: str) -> None: ...


class Cognito(Protocol):
    """What the service calls: one Cognito operation in one Region. ``CognitoClients``
    is the real one; the tests also run the service over an in-memory one."""

    async def call(self, region: str, operation: str, **params: Any) -> dict[str, Any]: ...


class CognitoClients:
    """One aiobotocore client per Region, opened on first use and closed together."""

    def __init__(
        self, settings: Settings, quota: Admission | None = None, metrics: Metrics = NO_METRICS
    ) -> None:
        self._settings = settings
        self._quota = quota
        self._shares = CallerShares(settings.cognito.upstream_calls_per_client)
        self._capacity = Capacity(
            settings.serving.max_concurrency, settings.serving.concurrency_wait_seconds
        )
        self._metrics = metrics
        self._quota_wait = functools.cache(metrics.quota_wait_seconds.labels)
        self._session = get_session()
        self._config = Config(
            retries={
                "mode": "standard",
                "total_max_attempts": settings.cognito.upstream_max_attempts,
            },
            connect_timeout=settings.cognito.upstream_timeout_seconds,
            read_timeout=settings.cognito.upstream_timeout_seconds,
            max_pool_connections=50,
        )
        self._stack = contextlib.AsyncExitStack()
        self._clients: dict[str, Any] = {}
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> CognitoClients:
        await self.client(self._settings.cognito.region)
        if await self._session.get_credentials() is None:
            log.warning(
                "no AWS credentials found: every Cognito call will fail. Configure the default "
                "credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and "
                "~/.aws files, IRSA or EKS Pod Identity, an instance role)"
            )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        self._clients.clear()
        await self._stack.aclose()

    async def client(self, region: str) -> Any:
        existing = self._clients.get(region)
        if existing is not None:
            return existing
        async with self._lock:
            if region not in self._clients:
                creator = self._session.create_client(
                    "cognito-idp",
                    region_name=region,
                    endpoint_url=self._settings.cognito.cognito_endpoint_url,
                    config=self._config,
                )
                self._clients[region] = await self._stack.enter_async_context(creator)
            return self._clients[region]

    async def call(self, region: str, operation: str, **params: Any) -> dict[str, Any]:
        """Call ``operation`` (PascalCase) in ``region``; failures become GatewayError.
        A place of the current caller's share (``shares.py``) and one of the process's
        capacity are held throughout: answers from the caches never take either, so a
        burst of cheap reads is never refused, and expensive work queues for a while."""
        async with self._shares.slot(caller.get()), self._capacity.slot():
            return await self._call(region, operation, params)

    async def _call(self, region: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        client = await self.client(region)
        method = getattr(client, xform_name(operation))
        if self._quota is not None:
            waiting = time.perf_counter()
            await self._quota.admit(operation, region)
            self._quota_wait(model.call_kind(operation)).observe(time.perf_counter() - waiting)
        with (
            self._metrics.upstream(operation) as result,
            client_span(operation, region) as notes,
        ):
            try:
                response: dict[str, Any] = await method(**params)
            except (ClientError, BotoCoreError) as error:
                result["outcome"] = (
                    error_code_of(error) if isinstance(error, ClientError) else ("unreachable")
                )
                raise translate(error, operation) from error
            notes.set(
                "aws.request_id", str(response.get("ResponseMetadata", {}).get("RequestId", ""))
            )
        response.pop("ResponseMetadata", None)
        return response
