"""Cognito's errors in the gateway's vocabulary: the one place botocore failures are classified.

Each becomes a :class:`~gateway.errors.GatewayError` with a documented code and
a message that is safe to show a client (no request ids, endpoints or
credentials); the upstream error code travels along for metrics and retries.
"""

from __future__ import annotations

import logging

from botocore.exceptions import ClientError, NoCredentialsError

from gateway.errors import Argument, ErrorCode, Field, GatewayError, Path

log = logging.getLogger(__name__)

NOT_FOUND_ERRORS = frozenset({"ResourceNotFoundException"})
THROTTLING_ERRORS = frozenset(
    {"TooManyRequestsException", "ThrottlingException", "LimitExceededException"}
)
# A user import holds the pool like a concurrent update does: retried the same way.
CONFLICT_ERRORS = frozenset({"ConcurrentModificationException", "UserImportInProgressException"})
INPUT_ERRORS = frozenset(
    {
        "InvalidParameterException",
        "UserPoolTaggingException",
        "FeatureUnavailableInTierException",
        "TierChangeNotAllowedException",
    }
)


EMAIL_SENDER = ("EmailConfiguration", "SourceArn")
SMS_SENDER = ("SmsConfiguration",)
# Errors about a resource outside Cognito that the pool points at (an SES identity, an
# IAM role for SMS): every update fails until that resource is fixed, so the caller is
# told which member points at it. By error code, then by the service's message text.
DEPENDENCY_CODES: dict[str, Path] = {
    "InvalidSmsRoleAccessPolicyException": SMS_SENDER,
    "InvalidSmsRoleTrustRelationshipException": SMS_SENDER,
    "InvalidEmailRoleAccessPolicyException": EMAIL_SENDER,
}
DEPENDENCY_TEXTS: tuple[tuple[str, Path], ...] = (
    ("email address is not verified", EMAIL_SENDER),
    ("email arn does not belong to your account", EMAIL_SENDER),
    ("does not have a trust relationship allowing cognito", SMS_SENDER),
    ("does not have permission to publish with sns", SMS_SENDER),
)


def dependency_of(code: str, message: str, operation: str) -> Field | None:
    """The member pointing at a broken outside resource, if the error is about one."""
    text = message.lower()
    path = DEPENDENCY_CODES.get(code) or next((p for t, p in DEPENDENCY_TEXTS if t in text), None)
    if path is None:
        return None
    if operation == "SetUserPoolMfaConfig" and path == SMS_SENDER:
        path = ("SmsMfaConfiguration", *path)
    argument = Argument.CREATE if operation == "CreateUserPool" else Argument.UPDATE
    return Field(argument, path)


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
        broken = dependency_of(code, message, operation)
        if broken is not None:
            return GatewayError(
                f"a resource outside Cognito that the pool uses is not usable: {message}. Fix "
                "it (or point the pool elsewhere); every update fails until then",
                ErrorCode.DEPENDENCY_FAILED,
                field=broken,
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
