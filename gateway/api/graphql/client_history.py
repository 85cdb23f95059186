"""GraphQL for an app client's history: its versions, restore, compare (two clients, in
one pool or two, or two versions of one), copy of settings between clients.

The same service as a pool's history (``VersionService`` over the client kind), and
the same payloads as the client's update; translation only.

No ``from __future__ import annotations`` here: strawberry reads the
annotations as objects.
"""

from typing import Annotated

import strawberry
from strawberry.types import Info

from gateway.api.graphql.clients import UpdateUserPoolClientPayload, client_payload
from gateway.api.graphql.context import GatewayContext
from gateway.api.graphql.history import (
    UserPoolVersionConnection,
    parsed_paths,
    version_connection,
)
from gateway.api.graphql.types import CLIENT, FieldChange, field_changes
from gateway.core.paging import DEFAULT_PAGE_SIZE
from gateway.service.clients import client_key
from gateway.service.requests import WriteRequest

Context = Info[GatewayContext, None]


@strawberry.input(description="An app client: its pool and its id.")
class UserPoolClientRef:
    pool_id: strawberry.ID
    client_id: strawberry.ID


def _key(ref: UserPoolClientRef) -> str:
    return client_key(str(ref.pool_id), str(ref.client_id))


async def resolve_client_history(
    info: Context,
    pool_id: strawberry.ID,
    client_id: strawberry.ID,
    first: int | None = DEFAULT_PAGE_SIZE,
    after: str | None = None,
) -> UserPoolVersionConnection:
    key = client_key(str(pool_id), str(client_id))
    size = DEFAULT_PAGE_SIZE if first is None else first
    page = await info.context.client_versions.history(info.context.principal, key, size, after)
    return version_connection(page, after, CLIENT)


async def resolve_restore_client(
    info: Context,
    pool_id: strawberry.ID,
    client_id: strawberry.ID,
    version: str,
    if_version: str | None = None,
    dry_run: bool | None = False,
    confirm_high_risk: bool | None = False,
) -> UpdateUserPoolClientPayload:
    request = WriteRequest.of(
        info.context.principal,
        if_version=if_version,
        dry_run=dry_run,
        confirm_high_risk=confirm_high_risk,
    )
    key = client_key(str(pool_id), str(client_id))
    return client_payload(await info.context.client_versions.restore(request, key, version))


async def resolve_compare_clients(
    info: Context, left: UserPoolClientRef, right: UserPoolClientRef
) -> list[FieldChange]:
    versions = info.context.client_versions
    return field_changes(await versions.compare(info.context.principal, _key(left), _key(right)))


async def resolve_compare_client_versions(
    info: Context, pool_id: strawberry.ID, client_id: strawberry.ID, left: str, right: str
) -> list[FieldChange]:
    key = client_key(str(pool_id), str(client_id))
    versions = info.context.client_versions
    return field_changes(await versions.compare_versions(info.context.principal, key, left, right))


async def resolve_copy_client(
    info: Context,
    from_: Annotated[UserPoolClientRef, strawberry.argument(name="from")],
    to: UserPoolClientRef,
    paths: list[str] | None = None,
    dry_run: bool | None = False,
    confirm_high_risk: bool | None = False,
) -> UpdateUserPoolClientPayload:
    request = WriteRequest.of(
        info.context.principal, dry_run=dry_run, confirm_high_risk=confirm_high_risk
    )
    chosen = None if paths is None else parsed_paths(paths, CLIENT)
    versions = info.context.client_versions
    return client_payload(await versions.copy(request, _key(from_), _key(to), chosen))
