"""The resolvers: translate GraphQL arguments to service calls, render the results.

Authorization, audit, listing fan-out and errors are the service's; nothing
here decides anything a gRPC method would have to decide again.

No ``from __future__ import annotations`` here: strawberry reads the
annotations as objects.
"""

from typing import Any

import strawberry
from strawberry.types import Info

from gateway import model
from gateway.api.graphql.context import GatewayContext
from gateway.api.graphql.naming import change_path
from gateway.api.graphql.public import PublicUserPoolSettings, public_settings_object
from gateway.api.graphql.selection import needs_more
from gateway.api.graphql.types import (
    CREATE_SHAPE,
    CREATES,
    PATCHES,
    UPDATE_SHAPE,
    CreateUserPoolInput,
    PoolSource,
    SettingWarning,
    UpdateUserPoolPayload,
    UserPool,
    UserPoolConnection,
    UserPoolEdge,
    UserPoolPatch,
    field_changes,
    page_info,
    user_pool,
)
from gateway.core.paging import DEFAULT_PAGE_SIZE
from gateway.core.record import PoolRecord
from gateway.service.outcomes import UpdateResult
from gateway.service.pools import PoolPage
from gateway.service.requests import WriteRequest

Context = Info[GatewayContext, None]


async def resolve_user_pool(info: Context, id: strawberry.ID) -> UserPool:  # type: ignore[valid-type]
    record = await info.context.service.get(info.context.principal, str(id))
    return user_pool(record)


async def resolve_public_settings(info: Context, id: strawberry.ID) -> PublicUserPoolSettings:  # type: ignore[valid-type]
    view = await info.context.service.public.get(info.context.principal, str(id))
    settings: PublicUserPoolSettings = public_settings_object(view.projection, view.tag)  # type: ignore[valid-type]
    return settings


async def resolve_user_pools(
    info: Context, first: int | None = DEFAULT_PAGE_SIZE, after: str | None = None
) -> UserPoolConnection:
    page = await info.context.service.list(
        info.context.principal,
        page_size=20 if first is None else first,
        page_token=after,
        describe=needs_describe(info),
    )
    return connection(page)


def connection(page: PoolPage) -> UserPoolConnection:
    nodes = [
        user_pool(listed.record) if listed.record is not None else summary_node(listed.summary)
        for listed in page.pools
    ]
    return UserPoolConnection(
        edges=[
            UserPoolEdge(cursor=listed.cursor, node=node)
            for listed, node in zip(page.pools, nodes, strict=True)
        ],
        nodes=nodes,
        page_info=page_info(page),
    )


def summary_node(summary: dict[str, Any]) -> UserPool:  # type: ignore[valid-type]
    return user_pool(PoolRecord(pool=summary, version="", document_tag=""))


async def resolve_update(
    info: Context,
    id: strawberry.ID,
    patch: UserPoolPatch,  # type: ignore[valid-type]
    if_version: str | None = None,
    dry_run: bool | None = False,
    confirm_high_risk: bool | None = False,
) -> UpdateUserPoolPayload:
    document = PATCHES.to_botocore(UPDATE_SHAPE, patch)
    request = WriteRequest.of(
        info.context.principal,
        if_version=if_version,
        dry_run=dry_run,
        confirm_high_risk=confirm_high_risk,
    )
    result = await info.context.service.update(request, str(id), document)
    return update_payload(result)


def update_payload(result: UpdateResult) -> UpdateUserPoolPayload:
    return UpdateUserPoolPayload(
        changes=field_changes(result.changes),
        dry_run=result.dry_run,
        pool_source=PoolSource.COGNITO
        if result.confirmed and not result.dry_run
        else PoolSource.PLAN,
        record=result.record,
        warnings=[
            SettingWarning(path=change_path(c.path), message=c.message) for c in result.cautions
        ],
    )


async def resolve_create(
    info: Context,
    input: CreateUserPoolInput,  # type: ignore[valid-type]
) -> UserPool:  # type: ignore[valid-type]
    request = CREATES.to_botocore(CREATE_SHAPE, input)
    return user_pool(await info.context.service.create(info.context.principal, request))


POOL_SUMMARY = frozenset({model.graphql_name(m) for m in model.summary_members()} | {"__typename"})


def needs_describe(info: Info[Any, Any]) -> bool:
    """True when a client selects pool fields that ListUserPools does not return."""
    return needs_more(info, POOL_SUMMARY)
