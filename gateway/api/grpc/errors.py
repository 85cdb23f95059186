"""The service's errors as gRPC statuses with ``google.rpc`` details.

Which errors are ours and what a client may learn of the rest is decided in
``gateway.errors.classify``; here they get a status code, a
``google.rpc.ErrorInfo`` (reason: the gateway's code, as GraphQL's
``extensions.code``) and, for bad input, a ``google.rpc.BadRequest`` whose
field violation names the request field (``update_mask.paths[1]``) and the
offending path.

The same details also travel once more, as JSON in a ``google.protobuf.Struct`` keyed
by type name: buf curl decodes an ``Any`` only with the types compiled into its own
binary (``google.rpc.Status``, not ``BadRequest``), whatever reflection offers, so
without the copy it prints the typed details as base64. Typed clients and grpcurl
(which resolves them through reflection) read the typed ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import grpc
from google.protobuf import any_pb2, duration_pb2, json_format, struct_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from gateway.errors import ErrorCode, Field, GatewayError

STATUS = {
    ErrorCode.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    ErrorCode.BAD_USER_INPUT: grpc.StatusCode.INVALID_ARGUMENT,
    ErrorCode.PRECONDITION_FAILED: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.DEPENDENCY_FAILED: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.CONFLICT: grpc.StatusCode.ABORTED,
    ErrorCode.THROTTLED: grpc.StatusCode.RESOURCE_EXHAUSTED,
    ErrorCode.UNAUTHENTICATED: grpc.StatusCode.UNAUTHENTICATED,
    ErrorCode.FORBIDDEN: grpc.StatusCode.PERMISSION_DENIED,
    ErrorCode.UPSTREAM_ERROR: grpc.StatusCode.UNAVAILABLE,
    ErrorCode.SERVICE_UNAVAILABLE: grpc.StatusCode.UNAVAILABLE,
    ErrorCode.INTERNAL_ERROR: grpc.StatusCode.INTERNAL,
}
DOMAIN = "cognito-gateway"

# Where a field of the error is in this call's request: (request field, offending path).
FieldNamer = Callable[[Field], tuple[str, str]]


def violation(field: str, description: str) -> status_pb2.Status:
    """An INVALID_ARGUMENT about a request field the service never saw (a bad mask)."""
    return status(GatewayError(description, ErrorCode.BAD_USER_INPUT), None, field)


def status(
    error: GatewayError, namer: FieldNamer | None, field_override: str | None = None
) -> status_pb2.Status:
    code = STATUS[error.code]
    message = error.message
    details = [
        error_details_pb2.ErrorInfo(
            reason=error.code.value,
            domain=DOMAIN,
            metadata={
                k: v for k, v in (("rule", error.rule), ("upstreamCode", error.upstream)) if v
            },
        )
    ]
    if error.retry_after is not None:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(math.ceil(error.retry_after) * 1e9))
        details.append(error_details_pb2.RetryInfo(retry_delay=delay))
    field, path = field_override, ""
    if field is None and error.field is not None and namer is not None:
        field, path = namer(error.field)
    if field is not None:
        description = f"{path}: {message}" if path else message
        message = f"{field}: {description}"
        details.append(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field=field, description=description
                    )
                ]
            )
        )
    readable = struct_pb2.Struct()
    readable.update({d.DESCRIPTOR.full_name: json_format.MessageToDict(d) for d in details})
    packed = []
    for detail in (*details, readable):
        holder = any_pb2.Any()
        holder.Pack(detail)
        packed.append(holder)
    return status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=packed)


def to_grpc(proto_status: status_pb2.Status) -> grpc.Status:
    return rpc_status.to_status(proto_status)
