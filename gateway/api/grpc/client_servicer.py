"""``cognito_gateway.v1.UserPoolClientService``: gRPC requests translated to ClientService
calls, with AIP-122 names (``userPools/{pool id}/clients/{client id}``).

The same shape as ``servicer.py`` for pools: authenticate, convert, call the service
method GraphQL calls, convert the answer or the error.
"""

from __future__ import annotations

import re
from typing import Any

import grpc
from google.protobuf.message import Message

from gateway.api.admission import Admission
from gateway.api.deadlines import Deadlines
from gateway.api.grpc import masks
from gateway.api.grpc.calls import MaskLimits, MaskRefused, Methods
from gateway.api.grpc.convert import to_document, to_message
from gateway.api.grpc.errors import FieldNamer
from gateway.api.grpc.namers import create_namer, namer, update_namer
from gateway.core.kinds import USER_POOL_CLIENT
from gateway.core.paging import DEFAULT_PAGE_SIZE
from gateway.core.record import PoolRecord
from gateway.errors import Argument, Field, GatewayError, invalid
from gateway.model import input_shape
from gateway.observability.metrics import Metrics
from gateway.service.access import Principal
from gateway.service.clients import ClientService
from gateway.service.listing import MAX_PAGE_SIZE
from gateway.service.requests import WriteRequest

KIND = USER_POOL_CLIENT
_NAME = re.compile(r"^userPools/([^/]+)/clients/([^/]+)$")
_PARENT = re.compile(r"^userPools/([^/]+)$")


def resource_name(pool_id: str, client_id: str) -> str:
    return f"userPools/{pool_id}/clients/{client_id}"


def parse_name(name: str) -> tuple[str, str]:
    """``userPools/{pool}/clients/{client}`` -> (pool, client); INVALID_ARGUMENT else."""
    found = _NAME.match(name)
    if found is None:
        raise _bad_name(name, "userPools/{pool id}/clients/{client id}")
    return found.group(1), found.group(2)


def parse_parent(parent: str) -> str:
    found = _PARENT.match(parent)
    if found is None:
        raise _bad_name(parent, "userPools/{pool id}")
    return found.group(1)


def _bad_name(value: str, expected: str) -> GatewayError:
    """Named by each method's namer as the request field that holds the name."""
    return invalid(
        f"'{value[:200]}' is not a resource name (expected {expected})",
        Field(Argument.PARENT),
        "name",
    )


def _addressed_as(field_name: str) -> FieldNamer:
    """The pool's and the client's ids are both parts of one resource name field."""
    plain = namer(field_name)

    def name(field: Field) -> tuple[str, str]:
        if field.argument in (Argument.PARENT, Argument.CLIENT_ID, Argument.POOL_ID):
            return field_name, ""
        return plain(field)

    return name


class UserPoolClientServicer(Methods):
    def __init__(
        self,
        service: ClientService,
        admission: Admission,
        messages: Any,
        metrics: Metrics,
        deadlines: Deadlines,
        mask_limits: MaskLimits | None = None,
    ) -> None:
        super().__init__(admission, messages, metrics, deadlines, mask_limits)
        self._service = service

    async def GetUserPoolClient(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async def work(principal: Principal) -> Any:
            pool_id, client_id = parse_name(request.name)
            return self._client(await self._service.get(principal, pool_id, client_id))

        return await self._call("GetUserPoolClient", context, work, _addressed_as("name"))

    async def ListUserPoolClients(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async def work(principal: Principal) -> Any:
            pool_id = parse_parent(request.parent)
            if request.page_size < 0:
                raise invalid("must not be negative", Field(Argument.PAGE_SIZE), "range")
            page = await self._service.list(
                principal,
                pool_id,
                page_size=min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
                page_token=request.page_token or None,
            )
            clients = [
                self._client(PoolRecord(listed.summary, "", "", kind=KIND.name))
                for listed in page.clients
            ]
            return self._pb.ListUserPoolClientsResponse(
                user_pool_clients=clients,
                next_page_token=page.end_cursor if page.has_next_page else "",
            )

        return await self._call("ListUserPoolClients", context, work, _addressed_as("parent"))

    async def UpdateUserPoolClient(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        paths = list(request.update_mask.paths)

        async def work(principal: Principal) -> Any:
            pool_id, client_id = parse_name(request.user_pool_client.name)
            self._mask_limits.check("update_mask", paths)
            try:
                masked = masks.mask_to_patch(request.user_pool_client, paths, masks.CLIENT_MASKS)
            except masks.MaskError as error:
                raise MaskRefused("update_mask", error) from None
            write = WriteRequest.of(
                principal,
                if_version=request.etag,
                dry_run=request.validate_only,
                confirm_high_risk=request.confirm_high_risk,
            )
            result = await self._service.update(write, pool_id, client_id, masked.patch)
            if not result.confirmed:
                context.set_trailing_metadata((("x-client-source", "plan"),))
            return self._pb.UpdateUserPoolClientResponse(
                user_pool_client=self._client(result.record),
                changes=self._changes(result.changes),
            )

        addressed = _addressed_as("user_pool_client.name")
        namer_ = update_namer(paths, Argument.UPDATE_CLIENT, "user_pool_client", addressed)
        return await self._call("UpdateUserPoolClient", context, work, namer_)

    async def CreateUserPoolClient(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async def work(principal: Principal) -> Any:
            document = to_document(input_shape(KIND.create), request)
            pool_id = str(document.pop("UserPoolId", ""))
            return self._client(await self._service.create(principal, pool_id, document))

        def name(field: Field) -> tuple[str, str]:
            if field.argument in (Argument.PARENT, Argument.POOL_ID):
                return "user_pool_id", ""
            return create_namer(field, Argument.CREATE_CLIENT)

        return await self._call("CreateUserPoolClient", context, work, name)

    def _client(self, record: PoolRecord) -> Message:
        """The UserPoolClient message of a record the service already made visible to the
        caller (no secret below admin), with its resource name and etag."""
        message = to_message(KIND.document_shape, record.pool, self._pb.UserPoolClient())
        pool_id, client_id = KIND.ids_of(record.pool)
        message.name = resource_name(pool_id, client_id)
        if record.version:
            message.etag = record.version
        return message
