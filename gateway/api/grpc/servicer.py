"""``cognito_gateway.v1.UserPoolService``: gRPC requests translated to PoolService calls.

Authorization, audit, listing fan-out and the planner are the service's; a
method here authenticates the metadata, converts the request, calls the same
service method GraphQL calls, and converts the answer (or the error).
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from gateway import model
from gateway.api.admission import Admission
from gateway.api.deadlines import Deadlines
from gateway.api.grpc import masks
from gateway.api.grpc.calls import MaskLimits, MaskRefused, Methods
from gateway.api.grpc.convert import to_document, to_message
from gateway.api.grpc.namers import copy_namer, create_namer, namer, update_namer
from gateway.core.lru import LRU
from gateway.core.paging import DEFAULT_PAGE_SIZE
from gateway.core.record import PoolRecord
from gateway.errors import (
    Argument,
    ErrorCode,
    Field,
    GatewayError,
)
from gateway.observability.metrics import Metrics
from gateway.service.access import ADMIN, Principal, visible_pool
from gateway.service.listing import MAX_PAGE_SIZE
from gateway.service.outcomes import UpdateResult
from gateway.service.pools import PoolService
from gateway.service.requests import WriteRequest
from gateway.service.versions import MAX_VERSIONS_PAGE, VersionService

log = logging.getLogger(__name__)
CONVERTED_POOLS = 256
Result = TypeVar("Result")


class UserPoolServicer(Methods):
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
        super().__init__(admission, messages, metrics, deadlines, mask_limits)
        self._service = service
        self._versions = versions
        self._converted: LRU[tuple[str, bool], Message] = LRU(CONVERTED_POOLS)
        self._serialized: LRU[tuple[str, bool], bytes] = LRU(CONVERTED_POOLS)

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

        return await self._call("GetUserPool", context, work, namer("id"))

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

        return await self._call("ListUserPools", context, work, namer("id"))

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

        return await self._call("UpdateUserPool", context, work, update_namer(paths))

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

        return await self._call("ListUserPoolVersions", context, work, namer("id"))

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

        return await self._call("RestoreUserPool", context, work, namer("id"))

    async def CompareUserPools(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async def work(principal: Principal) -> Any:
            changes = await self._versions.compare(principal, request.left, request.right)
            return self._pb.CompareUserPoolsResponse(changes=self._changes(changes))

        return await self._call("CompareUserPools", context, work, namer("left"))

    async def CompareUserPoolVersions(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async def work(principal: Principal) -> Any:
            changes = await self._versions.compare_versions(
                principal, request.id, request.left, request.right
            )
            return self._pb.CompareUserPoolsResponse(changes=self._changes(changes))

        return await self._call("CompareUserPoolVersions", context, work, namer("id"))

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

        return await self._call("CopyUserPoolSettings", context, work, copy_namer)

    async def ExportUserPool(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async def work(principal: Principal) -> Any:
            configuration = await self._versions.export(principal, request.id)
            shape = model.create_shape()
            return to_message(shape, configuration, self._pb.ExportUserPoolResponse())

        return await self._call("ExportUserPool", context, work, namer("id"))

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

        return await self._call("CreateUserPool", context, work, create_namer)

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


def _state_key(record: PoolRecord, principal: Principal) -> tuple[str, bool] | None:
    """What a pool's message depends on: its state and whether secrets are shown; None
    for a record without a tag (a listing's summary), which is never kept."""
    return (record.document_tag, principal.may(ADMIN)) if record.document_tag else None
