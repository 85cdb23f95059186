"""The Cognito edge: one long-lived aiobotocore client per Region, and error translation.

Nothing above this module sees botocore exceptions: they become
:class:`~gateway.errors.GatewayError` with a documented code and a message
that is safe to show a client (no request ids, endpoints or credentials).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any

from aiobotocore.session import get_session
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from gateway import model
from gateway.errors import ErrorCode, GatewayError
from gateway.observability.metrics import NO_METRICS, Metrics
from gateway.observability.tracing import span
from gateway.settings import Settings
from gateway.store.quota import QuotaGuard

log = logging.getLogger(__name__)

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")

NOT_FOUND_ERRORS = frozenset({"ResourceNotFoundException"})
THROTTLING_ERRORS = frozenset(
    {"TooManyRequestsException", "ThrottlingException", "LimitExceededException"}
)
CONFLICT_ERRORS = frozenset({"ConcurrentModificationException"})
INPUT_ERRORS = frozenset(
    {
        "InvalidParameterException",
        "InvalidSmsRoleAccessPolicyException",
        "InvalidSmsRoleTrustRelationshipException",
        "InvalidEmailRoleAccessPolicyException",
        "UserPoolTaggingException",
        "FeatureUnavailableInTierException",
        "TierChangeNotAllowedException",
    }
)


def region_of(pool_id: str) -> str:
    """The Region a pool id starts with (``eu-west-1_AbC`` -> ``eu-west-1``).

    Raises ``BAD_USER_INPUT`` for an id that the model's pattern rejects.
    """
    rules = model.limits(model.input_shape("DescribeUserPool").members["UserPoolId"])
    too_long = rules.maximum is not None and len(pool_id) > rules.maximum
    pattern_ok = rules.pattern is None or re.fullmatch(rules.pattern, pool_id) is not None
    region, _, _ = pool_id.partition("_")
    if too_long or not pattern_ok or not _REGION.match(region):
        raise GatewayError(
            f"id: '{pool_id[:64]}' is not a user pool id (expected '<region>_<id>', "
            "for example 'eu-west-1_AbC123')",
            ErrorCode.BAD_USER_INPUT,
            field="id",
        )
    return region


def error_code_of(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def translate(error: Exception, operation: str) -> GatewayError:
    """Map a botocore failure to a client-safe gateway error."""
    if isinstance(error, ClientError):
        code = error_code_of(error)
        message = str(error.response.get("Error", {}).get("Message", ""))[:300]
        if code in NOT_FOUND_ERRORS:
            return GatewayError(message or "user pool not found", ErrorCode.NOT_FOUND)
        if code in THROTTLING_ERRORS:
            return GatewayError(
                "Cognito is throttling requests; retry later", ErrorCode.THROTTLED, upstream=code
            )
        if code in CONFLICT_ERRORS:
            return GatewayError(
                "another update of this pool was in progress; retry",
                ErrorCode.CONFLICT,
                upstream=code,
            )
        if code in INPUT_ERRORS:
            return GatewayError(
                f"Cognito rejected the request: {message}", ErrorCode.BAD_USER_INPUT, upstream=code
            )
        log.warning("upstream error", extra={"operation": operation, "upstream_code": code})
        return GatewayError(
            f"Cognito {operation} failed ({code or 'unknown error'})",
            ErrorCode.UPSTREAM_ERROR,
            upstream=code,
        )
    log.warning(
        "upstream unreachable", extra={"operation": operation, "error": type(error).__name__}
    )
    return GatewayError(f"Cognito {operation} could not be reached", ErrorCode.UPSTREAM_ERROR)


class CognitoClients:
    """One aiobotocore client per Region, opened on first use and closed together."""

    def __init__(
        self, settings: Settings, quota: QuotaGuard | None = None, metrics: Metrics = NO_METRICS
    ) -> None:
        self._settings = settings
        self._quota = quota
        self._metrics = metrics
        self._session = get_session()
        self._config = Config(
            retries={"mode": "standard", "total_max_attempts": settings.upstream_max_attempts},
            connect_timeout=settings.upstream_timeout_seconds,
            read_timeout=settings.upstream_timeout_seconds,
            max_pool_connections=50,
        )
        self._stack = contextlib.AsyncExitStack()
        self._clients: dict[str, Any] = {}
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> CognitoClients:
        await self.client(self._settings.region)
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
                    endpoint_url=self._settings.cognito_endpoint_url,
                    config=self._config,
                )
                self._clients[region] = await self._stack.enter_async_context(creator)
            return self._clients[region]

    async def call(self, region: str, operation: str, **params: Any) -> dict[str, Any]:
        """Call ``operation`` (PascalCase) in ``region``; failures become GatewayError."""
        client = await self.client(region)
        method = getattr(client, xform_name(operation))
        if self._quota is not None:
            await self._quota.admit(operation, region)
        with (
            self._metrics.upstream(operation) as result,
            span(f"cognito {operation}", region=region),
        ):
            try:
                response: dict[str, Any] = await method(**params)
            except (ClientError, BotoCoreError) as error:
                result["outcome"] = (
                    error_code_of(error) if isinstance(error, ClientError) else ("unreachable")
                )
                raise translate(error, operation) from error
        response.pop("ResponseMetadata", None)
        return response
