"""GraphQL for app clients: read one, patch it, create one.

Translation only: ``service/clients.py`` decides (access, the secret, the round
trip); these functions convert arguments and results, as ``resolvers`` does for
pools.

No ``from __future__ import annotations`` here: strawberry reads the
annotations as objects.
"""

from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.api.graphql.context import GatewayContext
from gateway.api.graphql.types import (
    CLIENT,
    CLIENT_CREATE_SHAPE,
    CREATES,
    PATCHES,
    CreateUserPoolClientInput,
    FieldChange,
    PoolSource,
    UserPoolClient,
    UserPoolClientPatch,
    field_changes,
    user_pool_client,
)
from gateway.core.record import PoolRecord
from gateway.service.outcomes import UpdateResult
from gateway.service.requests import WriteRequest

Context = Info[GatewayContext, None]


@strawberry.type
class UpdateUserPoolClientPayload:
    changes: list[FieldChange]
    dry_run: bool
    client_source: PoolSource = strawberry.field(
        description="COGNITO: read back after the write; PLAN: the planned client (a dry "
        "run, or a write whose read-back failed)."
    )
    record: strawberry.Private[PoolRecord]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="The app client after the update (or as it would be, on a dry run)."
    )
    def client(self) -> UserPoolClient:  # type: ignore[valid-type]
        return user_pool_client(self.record)


def client_payload(result: UpdateResult) -> UpdateUserPoolClientPayload:
    written = result.confirmed and not result.dry_run
    return UpdateUserPoolClientPayload(
        changes=field_changes(result.changes),
        dry_run=result.dry_run,
        client_source=PoolSource.COGNITO if written else PoolSource.PLAN,
        record=result.record,
    )


async def resolve_user_pool_client(
    info: Context, pool_id: strawberry.ID, client_id: strawberry.ID
) -> UserPoolClient:  # type: ignore[valid-type]
    record = await info.context.app_clients.get(
        info.context.principal, str(pool_id), str(client_id)
    )
    return user_pool_client(record)


async def resolve_update_client(
    info: Context,
    pool_id: strawberry.ID,
    client_id: strawberry.ID,
    patch: UserPoolClientPatch,  # type: ignore[valid-type]
    if_version: str | None = None,
    dry_run: bool | None = False,
    confirm_high_risk: bool | None = False,
) -> UpdateUserPoolClientPayload:
    document = PATCHES.to_botocore(CLIENT.update_shape, patch)
    request = WriteRequest.of(
        info.context.principal,
        if_version=if_version,
        dry_run=dry_run,
        confirm_high_risk=confirm_high_risk,
    )
    result = await info.context.app_clients.update(request, str(pool_id), str(client_id), document)
    return client_payload(result)


async def resolve_create_client(
    info: Context,
    pool_id: strawberry.ID,
    input: CreateUserPoolClientInput,  # type: ignore[valid-type]
) -> UserPoolClient:  # type: ignore[valid-type]
    request = CREATES.to_botocore(CLIENT_CREATE_SHAPE, input)
    record = await info.context.app_clients.create(info.context.principal, str(pool_id), request)
    return user_pool_client(record)


async def resolve_frontend_config(
    info: Context, pool_id: strawberry.ID, client_id: strawberry.ID
) -> JSON:
    frontend = info.context.app_clients.frontend
    view = await frontend.get(info.context.principal, str(pool_id), str(client_id))
    return cast(JSON, view.projection)
