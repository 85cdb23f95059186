"""``cognito_gateway.v1.UserPoolService``: gRPC requests translated to PoolService calls.

Authorization, audit, listing fan-out and the planner are the service's; a
method here authenticates the metadata, converts the request, calls the same
service method GraphQL calls, and converts the answer (or the error).
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
from gateway.api.grpc.convert import proto_json, to_document, to_message
from gateway.api.grpc.errors import STATUS, FieldNamer, status, to_grpc, violation
from gateway.core.diff import FieldChange
from gateway.core.lru import LRU
from gateway.core.paging import DEFAULT_PAGE_SIZE
from gateway.core.record import PoolRecord
from gateway.errors import (
    Argument,
    ErrorCode,
    Field,
    GatewayError,
    Path,
    classify,
    is_expected,
)
from gateway.observability.context import caller, client_request_id, request_id
from gateway.observability.metrics import Metrics
from gateway.service.access import ADMIN, Principal, visible_pool
from gateway.service.limits import peer_address
from gateway.service.listing import MAX_PAGE_SIZE
from gateway.service.outcomes import UpdateResult
from gateway.service.pools import PoolService
from gateway.service.requests import WriteRequest
from gateway.service.versions import MAX_VERSIONS_PAGE, VersionService

log = logging.getLogger(__name__)
CONVERTED_POOLS = 256
Result = TypeVar("Result")
ARGUMENTS = {
    Argument.IF_VERSION: "etag",
    Argument.PAGE_SIZE: "page_size",
    Argument.PAGE_TOKEN: "page_token",
}


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


class UserPoolServicer:
    def __init__(
        self,
        service: PoolService,
        versions: VersionService,
        admission: Admission,
        messages: Any,
        metrics: Metrics,
        deadlines: Deadlines,
        mask_limits: MaskLimits | None = None,
    ) -> None:
        self._mask_limits = mask_limits or MaskLimits()
        self._deadlines = deadlines
        self._service = service
        self._versions = versions
        self._admission = admission
        self._pb = messages
        self._metrics = metrics
        self._converted: LRU[tuple[str, bool], Message] = LRU(CONVERTED_POOLS)
        self._serialized: LRU[tuple[str, bool], bytes] = LRU(CONVERTED_POOLS)
        # Request ids: a random process prefix and a counter (no syscall per call).
        prefix = uuid.uuid4().hex[:12]
        self._request_ids = (f"{prefix}{n:08x}" for n in itertools.count())
        self._series = functools.cache(metrics.grpc_requests.labels)
        self._latency = functools.cache(metrics.grpc_seconds.labels)

    async def GetUserPool(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async def work(principal: Principal) -> Any:
            record = await self._service.get(principal, request.id)
            key = _state_key(record, principal)
            serialized = self._serialized.get(key) if key else None
            if serialized is None:
                serialized = self._pool(record, principal).SerializeToString()
                if key:
                    self._serialized.set(key, serialized)
            return serialized  # the same pool state answers the same bytes (server.py)

        return await self._call("GetUserPool", context, work, _namer("id"))

    async def ListUserPools(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async def work(principal: Principal) -> Any:
            if request.page_size < 0:
                raise GatewayError(
                    "must not be negative",
                    ErrorCode.BAD_USER_INPUT,
                    field=Field(Argument.PAGE_SIZE),
                )
            page = await self._service.list(
                principal,
                page_size=min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
                page_token=request.page_token or None,
                describe=request.view == self._pb.USER_POOL_VIEW_FULL,
            )
            return self._pb.ListUserPoolsResponse(
                user_pools=[
                    self._pool(listed.record or PoolRecord(listed.summary, "", ""), principal)
                    for listed in page.pools
                ],
                next_page_token=page.end_cursor if page.has_next_page else "",
            )

        return await self._call("ListUserPools", context, work, _namer("id"))

    async def UpdateUserPool(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        paths = list(request.update_mask.paths)

        async def work(principal: Principal) -> Any:
            # Only an admitted caller's mask is parsed (and only one of a bounded size).
            self._mask_limits.check("update_mask", paths)
            try:
                masked = masks.mask_to_patch(request.user_pool, paths)
            except masks.MaskError as error:
                raise MaskRefused("update_mask", error) from None
            write = WriteRequest.of(
                principal,
                if_version=request.etag,
                dry_run=request.validate_only,
                confirm_high_risk=request.confirm_high_risk,
            )
            result = await self._service.update(
                write, request.user_pool.id, masked.patch, replace=masked.replaced
            )
            return self._update_response(result, principal, context)

        return await self._call("UpdateUserPool", context, work, _update_namer(paths))

    async def ListUserPoolVersions(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async def work(principal: Principal) -> Any:
            page = await self._versions.history(
                principal,
                request.id,
                first=min(request.page_size or DEFAULT_PAGE_SIZE, MAX_VERSIONS_PAGE),
                after=request.page_token or None,
            )
            versions = []
            for version in page.versions:
                message = self._pb.UserPoolVersion(
                    version=version.version,
                    source=self._pb.VersionSource.Value(f"VERSION_SOURCE_{version.source}"),
                    principal=version.principal or "",
                    request_id=version.request_id or "",
                    changes=self._changes(version.changes),
                    configuration=to_message(
                        model.create_shape(),
                        version.configuration,
                        self._pb.ExportUserPoolResponse(),
                    ),
                )
                message.record_time.FromDatetime(version.recorded_at)
                versions.append(message)
            return self._pb.ListUserPoolVersionsResponse(
                versions=versions, next_page_token=page.end_cursor if page.has_next_page else ""
            )

        return await self._call("ListUserPoolVersions", context, work, _namer("id"))

    async def RestoreUserPool(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async def work(principal: Principal) -> Any:
            write = WriteRequest.of(
                principal,
                if_version=request.etag,
                dry_run=request.validate_only,
                confirm_high_risk=request.confirm_high_risk,
            )
            result = await self._versions.restore(write, request.id, request.version)
            return self._update_response(result, principal, context)

        return await self._call("RestoreUserPool", context, work, _namer("id"))

    async def CompareUserPools(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async def work(principal: Principal) -> Any:
            changes = await self._versions.compare(principal, request.left, request.right)
            return self._pb.CompareUserPoolsResponse(changes=self._changes(changes))

        return await self._call("CompareUserPools", context, work, _namer("left"))

    async def CompareUserPoolVersions(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async def work(principal: Principal) -> Any:
            changes = await self._versions.compare_versions(
                principal, request.id, request.left, request.right
            )
            return self._pb.CompareUserPoolsResponse(changes=self._changes(changes))

        return await self._call("CompareUserPoolVersions", context, work, _namer("id"))

    async def CopyUserPoolSettings(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        paths = list(request.copy_mask.paths)

        async def work(principal: Principal) -> Any:
            self._mask_limits.check("copy_mask", paths)
            try:
                parsed = masks.parse(paths) if paths else None
            except masks.MaskError as error:
                raise MaskRefused("copy_mask", error) from None
            write = WriteRequest.of(
                principal,
                dry_run=request.validate_only,
                confirm_high_risk=request.confirm_high_risk,
            )
            result = await self._versions.copy(write, request.source_id, request.target_id, parsed)
            return self._update_response(result, principal, context)

        return await self._call("CopyUserPoolSettings", context, work, _copy_namer)

    async def ExportUserPool(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async def work(principal: Principal) -> Any:
            configuration = await self._versions.export(principal, request.id)
            shape = model.create_shape()
            return to_message(shape, configuration, self._pb.ExportUserPoolResponse())

        return await self._call("ExportUserPool", context, work, _namer("id"))

    def _changes(self, changes: list[FieldChange]) -> list[Message]:
        return [
            self._pb.FieldChange(
                path=masks.render(c.path),
                before=_value(_spelled(c.path, c.before)),
                after=_value(_spelled(c.path, c.after)),
                risk=self._pb.ChangeRisk.Value(f"CHANGE_RISK_{c.risk.value}"),
            )
            for c in changes
        ]

    def _update_response(
        self, result: UpdateResult, principal: Principal, context: grpc.aio.ServicerContext
    ) -> Any:
        if not result.confirmed:
            context.set_trailing_metadata((("x-pool-source", "plan"),))
        return self._pb.UpdateUserPoolResponse(
            user_pool=self._pool(result.record, principal),
            changes=self._changes(result.changes),
            warnings=[
                self._pb.SettingWarning(path=masks.render(c.path), message=c.message)
                for c in result.cautions
            ],
        )

    async def CreateUserPool(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async def work(principal: Principal) -> Any:
            document = to_document(model.create_shape(), request)
            return self._pool(await self._service.create(principal, document), principal)

        return await self._call("CreateUserPool", context, work, _create_namer)

    def _pool(self, record: PoolRecord, principal: Principal) -> Message:
        """The UserPool message of a record as ``principal`` may read it (secrets only for
        admins); one conversion per pool state, since converting costs far more than
        serving."""
        key = _state_key(record, principal)
        cached = self._converted.get(key) if key else None
        if cached is not None:
            return cached
        pool = visible_pool(principal, record.pool)
        message = to_message(model.user_pool_shape(), pool, self._pb.UserPool())
        if record.version:
            message.etag = record.version
        if key:
            self._converted.set(key, message)
        return message

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


def _spelled(path: Path, value: Any) -> Any:
    """A change's value spelled as protobuf JSON spells the ``user_pool`` field at ``path``."""
    try:
        shape = model.shape_at(model.configuration_shape(), path)
    except KeyError:
        return value
    return proto_json(shape, value)


def _value(value: Any) -> struct_pb2.Value:
    return json_format.ParseDict(json.loads(json.dumps(value, default=str)), struct_pb2.Value())


def _state_key(record: PoolRecord, principal: Principal) -> tuple[str, bool] | None:
    """What a pool's message depends on: its state and whether secrets are shown; None
    for a record without a tag (a listing's summary), which is never kept."""
    return (record.document_tag, principal.may(ADMIN)) if record.document_tag else None


@functools.cache  # one namer per field name, not one closure per call
def _namer(pool_id_field: str) -> FieldNamer:
    def name(field: Field) -> tuple[str, str]:
        if field.argument == Argument.POOL_ID:
            return pool_id_field, ""
        return ARGUMENTS.get(field.argument, field.argument.value), ""

    return name


def _update_namer(paths: list[str]) -> FieldNamer:
    """A path inside the patch is named by the mask path that covers it."""

    def name(field: Field) -> tuple[str, str]:
        if field.argument != Argument.UPDATE:
            return _namer("user_pool.id")(field)
        rendered = masks.render(field.path)
        for index, path in enumerate(paths):
            if rendered == path or rendered.startswith(path + "."):
                return f"update_mask.paths[{index}]", rendered
        return f"user_pool.{rendered}", rendered

    return name


def _copy_namer(field: Field) -> tuple[str, str]:
    if field.argument == Argument.PATHS:
        index = f"[{field.path[0]}]" if field.path else ""
        return f"copy_mask.paths{index}", ""
    return _namer("target_id")(field)


def _create_namer(field: Field) -> tuple[str, str]:
    if field.argument == Argument.CREATE:
        rendered = masks.render(field.path, "CreateUserPool")
        return rendered, rendered
    return _namer("id")(field)
