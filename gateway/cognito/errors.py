"""Cognito's errors in the gateway's vocabulary: the one place botocore failures are classified.

Each becomes a :class:`~gateway.errors.GatewayError` with a documented code and
a message that is safe to show a client (no request ids, endpoints or
credentials); the upstream error code travels along for metrics and retries.
"""

from __future__ import annotations

import logging

from botocore.exceptions import ClientError, NoCredentialsError

from gateway.errors import ErrorCode, GatewayError

log = logging.getLogger(__name__)

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
    if isinstance(error, NoCredentialsError):
        log.warning("no AWS credentials", extra={"operation": operation})
        return GatewayError(
            f"Cognito {operation} was not called: no AWS credentials were found. Configure "
            "the default credential chain (AWS_* variables, ~/.aws files, IRSA or EKS Pod "
            "Identity, an instance role)",
            ErrorCode.UPSTREAM_ERROR,
            upstream="NoCredentials",
        )
    log.warning(
        "upstream unreachable", extra={"operation": operation, "error": type(error).__name__}
    )
    return GatewayError(f"Cognito {operation} could not be reached", ErrorCode.UPSTREAM_ERROR)
