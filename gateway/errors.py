"""The error vocabulary every layer speaks, and the one place that classifies errors.

A :class:`GatewayError` carries a documented code, a client-safe message and,
for bad input, *where* the problem is: an argument of the call, or a path of
botocore member names (and map keys) inside a request document. It carries no
surface's naming: GraphQL renders ``Field(Argument.UPDATE, ("Policies",
"PasswordPolicy", "MinimumLength"))`` as ``patch.policies.passwordPolicy.minimumLength``,
gRPC as ``policies.password_policy.minimum_length``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

Path = tuple[str, ...]


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    PRECONDITION_FAILED = "PRECONDITION_FAILED"
    # A resource outside Cognito the pool points at (SES identity, SMS role) is broken.
    DEPENDENCY_FAILED = "DEPENDENCY_FAILED"
    CONFLICT = "CONFLICT"
    THROTTLED = "THROTTLED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    UPSTREAM_ERROR = "UPSTREAM_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class Argument(StrEnum):
    """What a bad value was given as: a call argument, or a request document.

    The document values are the botocore operations whose input shape the
    error's path walks, so a surface can render the path with the model.
    """

    POOL_ID = "pool_id"
    CLIENT_ID = "client_id"
    PARENT = "parent"  # the pool an app client belongs to
    IF_VERSION = "if_version"
    PAGE_SIZE = "page_size"
    PAGE_TOKEN = "page_token"
    VERSION = "version"
    LEFT = "left"  # of a comparison: where the changes start from
    RIGHT = "right"  # and where they lead to
    PATHS = "paths"  # a path's index in the list is the Field's path: ("2",)
    CONFIRM_HIGH_RISK = "confirm_high_risk"
    UPDATE = "UpdateUserPool"
    CREATE = "CreateUserPool"
    UPDATE_CLIENT = "UpdateUserPoolClient"
    CREATE_CLIENT = "CreateUserPoolClient"


@dataclass(frozen=True)
class Field:
    """Where a bad value is: ``argument``, and inside a document, ``path``."""

    argument: Argument
    path: Path = ()


class GatewayError(Exception):
    """An error whose message may be shown to a client as it is.

    ``message`` says what is wrong; a surface puts the field's name, in its own
    spelling, in front of it (see each surface's ``render``).
    """

    def __init__(
        self,
        message: str,
        code: ErrorCode,
        *,
        field: Field | None = None,
        rule: str | None = None,
        upstream: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.rule = rule
        self.upstream = upstream
        self.retry_after = retry_after  # seconds, when retrying sooner is pointless


INTERNAL_MESSAGE = "Internal error."
EXPECTED_CODES = frozenset(ErrorCode) - {ErrorCode.INTERNAL_ERROR}


def classify(error: BaseException) -> GatewayError:
    """What a client may learn about ``error``: itself if it is ours, else a fixed
    ``INTERNAL_ERROR`` (the traceback stays in the server log)."""
    if isinstance(error, GatewayError):
        return error
    return GatewayError(INTERNAL_MESSAGE, ErrorCode.INTERNAL_ERROR)


def is_expected(error: BaseException) -> bool:
    """Routine failures (bad input, not found, upstream refusals) log one line;
    anything else is a bug and logs its traceback."""
    return isinstance(error, GatewayError) and error.code in EXPECTED_CODES


def invalid(message: str, field: Field, rule: str) -> GatewayError:
    """A ``BAD_USER_INPUT`` naming the field and the rule it broke."""
    return GatewayError(message, ErrorCode.BAD_USER_INPUT, field=field, rule=rule)


def forbidden(message: str, field: Field | None = None) -> GatewayError:
    return GatewayError(message, ErrorCode.FORBIDDEN, field=field)
