"""What every gRPC servicer of the gateway shares (``UserPoolService`` and
``UserPoolClientService``): authenticate the metadata, bound the call by the server's
deadline, count it, and answer a failure with a status and its details; the mask
limits; the changes of a write in the proto's spelling.
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from google.protobuf import json_format, struct_pb2
from google.protobuf.message import Message

from gateway import model
from gateway.api.admission import Admission
from gateway.api.deadlines import Deadlines, deadline_exceeded
from gateway.api.grpc import masks
from gateway.api.grpc.convert import proto_json
from gateway.api.grpc.errors import STATUS, FieldNamer, status, to_grpc, violation
from gateway.core.diff import FieldChange
from gateway.core.kinds import KINDS
from gateway.errors import ErrorCode, GatewayError, classify, is_expected
from gateway.observability.context import caller, client_request_id, request_id
from gateway.observability.metrics import Metrics
from gateway.service.access import Principal
from gateway.service.limits import peer_address

log = logging.getLogger(__name__)
Result = TypeVar("Result")


class MaskRefused(GatewayError):
    """A bad ``update_mask``/``copy_mask``: INVALID_ARGUMENT naming the request field."""

    def __init__(self, mask: str, error: masks.MaskError) -> None:
        super().__init__(error.description, ErrorCode.BAD_USER_INPUT)
        self.request_field = mask if error.index is None else f"{mask}.paths[{error.index}]"


@dataclass(frozen=True)
class MaskLimits:
    """How large a mask an admitted caller may send: no legitimate request names more
    paths than a pool has settings and tags, and parsing is done on the event loop."""

    paths: int = 500
    path_chars: int = 512

    def check(self, mask: str, paths: list[str]) -> None:
        if len(paths) > self.paths:
            raise MaskRefused(mask, masks.MaskError(None, f"at most {self.paths} paths"))
        for index, path in enumerate(paths):
            if len(path) > self.path_chars:
                raise MaskRefused(
                    mask, masks.MaskError(index, f"at most {self.path_chars} characters")
                )


class Methods:
    """The base of a servicer: ``_call`` runs one method's work for an admitted caller."""

    def __init__(
        self,
        admission: Admission,
        messages: Any,
        metrics: Metrics,
        deadlines: Deadlines,
        mask_limits: MaskLimits | None = None,
    ) -> None:
        self._mask_limits = mask_limits or MaskLimits()
        self._deadlines = deadlines
        self._admission = admission
        self._pb = messages
        self._metrics = metrics
        # Request ids: a random process prefix and a counter (no syscall per call).
        prefix = uuid.uuid4().hex[:12]
        self._request_ids = (f"{prefix}{n:08x}" for n in itertools.count())
        self._series = functools.cache(metrics.grpc_requests.labels)
        self._latency = functools.cache(metrics.grpc_seconds.labels)

    def _changes(self, changes: list[FieldChange]) -> list[Message]:
        """The core's changes in the proto's spelling (each of its own kind's shape)."""
        return [
            self._pb.FieldChange(
                path=masks.render(c.path, KINDS[c.kind].update),
                before=_value(_spelled(c, c.before)),
                after=_value(_spelled(c, c.after)),
                risk=self._pb.ChangeRisk.Value(f"CHANGE_RISK_{c.risk.value}"),
            )
            for c in changes
        ]

    async def _call(
        self,
        method: str,
        context: grpc.aio.ServicerContext,
        work: Callable[[Principal], Awaitable[Result]],
        namer: FieldNamer,
    ) -> Result:
        """Authenticate, run, count; a failure becomes a status with details."""
        metadata = {
            k.lower(): v for k, v in context.invocation_metadata() or () if isinstance(v, str)
        }
        given = client_request_id(metadata.get("x-request-id"))
        token = request_id.set(given or next(self._request_ids))
        started, code = time.perf_counter(), grpc.StatusCode.OK
        failure: GatewayError | None = None
        counted: contextvars.Token[str] | None = None
        try:
            admitted = await self._admission.admit(metadata, peer_address(context.peer() or ""))
            counted = caller.set(admitted.key)  # its upstream calls take this caller's share
            async with self._deadlines.within():
                return await work(admitted.principal)
        except TimeoutError:  # the server's own deadline, as on HTTP (writes are shielded)
            failure = deadline_exceeded(self._deadlines.seconds)
        except Exception as error:  # every failure is answered with a status
            failure = classify(error)
            if not is_expected(error):
                log.error("unexpected error", extra={"method": method}, exc_info=error)
        finally:
            if failure is not None:
                code = STATUS[failure.code]
            self._series(method, code.name).inc()
            self._latency(method).observe(time.perf_counter() - started)
            if counted is not None:
                caller.reset(counted)
            request_id.reset(token)
        assert failure is not None
        if isinstance(failure, MaskRefused):  # names the path: ``update_mask.paths[1]``
            answer = violation(failure.request_field, failure.message)
        else:
            answer = status(failure, namer)
        await context.abort_with_status(to_grpc(answer))
        raise AssertionError("abort_with_status returned")


def _spelled(change: FieldChange, value: Any) -> Any:
    """A change's value spelled as protobuf JSON spells the resource's field at its path."""
    try:
        shape = model.shape_at(KINDS[change.kind].configuration_shape, change.path)
    except KeyError:
        return value
    return proto_json(shape, value)


def _value(value: Any) -> struct_pb2.Value:
    return json_format.ParseDict(json.loads(json.dumps(value, default=str)), struct_pb2.Value())
