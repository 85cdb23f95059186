"""Every GraphQL type, generated from the model once, at import.

Output types come from ``UserPoolType``, ``UserPoolPatch`` from
``UpdateUserPoolRequest`` and ``CreateUserPoolInput`` from
``CreateUserPoolRequest`` (see ``outputs`` and ``inputs``); the few types the
gateway adds (payloads, connections, changes) are declared here. Being module
globals, they can annotate plain, importable resolver functions.

No ``from __future__ import annotations`` here: strawberry must see the
generated classes as objects.
"""

import asyncio
from enum import Enum
from typing import Any, Protocol

import strawberry
from strawberry.scalars import JSON

from gateway import model
from gateway.api.graphql.inputs import CREATE, PATCH, InputTypes
from gateway.api.graphql.naming import change_path
from gateway.api.graphql.outputs import (
    NON_NULL_CLIENT_MEMBERS,
    NON_NULL_POOL_MEMBERS,
    OutputTypes,
)
from gateway.api.graphql.selection import needs_more
from gateway.api.graphql.shapes import EnumRegistry
from gateway.core.diff import FieldChange as CoreFieldChange
from gateway.core.kinds import KINDS, USER_POOL_CLIENT
from gateway.core.paging import DEFAULT_PAGE_SIZE
from gateway.core.record import PoolRecord

ENUMS = EnumRegistry()
OUTPUTS = OutputTypes(ENUMS)
PATCHES = InputTypes(ENUMS, PATCH)
CREATES = InputTypes(ENUMS, CREATE)
CLIENT = USER_POOL_CLIENT

UserPoolClient = OUTPUTS.root(CLIENT.document_shape, NON_NULL_CLIENT_MEMBERS)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class UserPoolClientEdge:
    cursor: str
    node: UserPoolClient  # type: ignore[valid-type]


@strawberry.type(description="A page of a pool's app clients.")
class UserPoolClientConnection:
    edges: list[UserPoolClientEdge]
    nodes: list[UserPoolClient]  # type: ignore[valid-type]
    page_info: PageInfo


def user_pool_client(record: PoolRecord) -> UserPoolClient:  # type: ignore[valid-type]
    converted: UserPoolClient = OUTPUTS.document(  # type: ignore[valid-type]
        CLIENT.document_shape, record.pool, record.version
    )
    return converted


async def resolve_pool_clients(
    self: Any,
    info: strawberry.Info,
    first: int | None = DEFAULT_PAGE_SIZE,
    after: str | None = None,
) -> UserPoolClientConnection:
    """The pool's app clients, a page at a time: ListUserPoolClients' summaries, each
    client described (through the cache) only when fields beyond the summary are asked."""
    service = info.context.app_clients
    principal = info.context.principal
    size = DEFAULT_PAGE_SIZE if first is None else first
    page = await service.list(principal, str(self.Id), size, after)
    summaries = [listed.summary for listed in page.clients]
    if needs_more(info, CLIENT_SUMMARY):
        records = await asyncio.gather(
            *(service.get(principal, str(self.Id), str(s["ClientId"])) for s in summaries)
        )
    else:
        records = [
            PoolRecord(pool=s, version="", document_tag="", kind=CLIENT.name) for s in summaries
        ]
    nodes = [user_pool_client(record) for record in records]
    return UserPoolClientConnection(
        edges=[
            UserPoolClientEdge(cursor=listed.cursor, node=node)
            for listed, node in zip(page.clients, nodes, strict=True)
        ],
        nodes=nodes,
        page_info=page_info(page),
    )


class Paged(Protocol):
    """A page of the service's listings (pools, clients)."""

    @property
    def has_next_page(self) -> bool: ...

    @property
    def has_previous_page(self) -> bool: ...

    @property
    def start_cursor(self) -> str | None: ...

    @property
    def end_cursor(self) -> str | None: ...


def page_info(page: Paged) -> PageInfo:
    """The relay page info of a service page (pools, clients: the same four fields)."""
    return PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=page.start_cursor,
        end_cursor=page.end_cursor,
    )


CLIENT_SUMMARY = frozenset(
    {model.graphql_name(m) for m in model.shape("UserPoolClientDescription").members}
    | {"__typename"}
)
UserPool = OUTPUTS.root(
    model.user_pool_shape(),
    NON_NULL_POOL_MEMBERS,
    extra={
        "clients": (
            UserPoolClientConnection,
            strawberry.field(
                resolver=resolve_pool_clients,
                description="The pool's app clients (ListUserPoolClients), a page at a time.",
            ),
        )
    },
)

# The inputs after the outputs: an enum shared by both keeps the output member's description.
UPDATE_SHAPE = model.configuration_shape()
CREATE_SHAPE = model.create_shape()
UserPoolPatch = PATCHES.root(UPDATE_SHAPE, "UserPoolPatch", frozenset({"UserPoolId"}))
CreateUserPoolInput = CREATES.root(CREATE_SHAPE, "CreateUserPoolInput", frozenset())
CLIENT_CREATE_SHAPE = model.input_shape(CLIENT.create)
UserPoolClientPatch = PATCHES.root(
    CLIENT.update_shape, "UserPoolClientPatch", frozenset(CLIENT.identifiers)
)
CreateUserPoolClientInput = CREATES.root(
    CLIENT_CREATE_SHAPE, "CreateUserPoolClientInput", frozenset({"UserPoolId"})
)


@strawberry.enum(description="Whether a change weakens the pool.")
class ChangeRisk(Enum):
    LOW = strawberry.enum_value("LOW", description="Does not weaken the pool.")
    HIGH = strawberry.enum_value(
        "HIGH",
        description="Weakens the pool: deletion protection off, a Lambda trigger removed or "
        "replaced, MFA relaxed, a password rule weakened, threat protection relaxed, self "
        "sign-up opened, a verification requirement dropped.",
    )


@strawberry.type(description="A setting that Cognito accepts but that will not work as it stands.")
class SettingWarning:
    path: str = strawberry.field(description="GraphQL path of the setting to complete.")
    message: str = strawberry.field(description="What fails, and what to set.")


@strawberry.type(description="One setting an update changes (or would change, on a dry run).")
class FieldChange:
    path: str = strawberry.field(
        description="GraphQL path of the setting, e.g. "
        "`policies.passwordPolicy.minimumLength`; map keys in brackets."
    )
    before: JSON | None
    after: JSON | None
    risk: ChangeRisk = strawberry.field(
        default=ChangeRisk.LOW,
        description="HIGH when the change weakens the pool; with "
        "GATEWAY_REQUIRE_RISK_CONFIRMATION such an update needs confirmHighRisk: true.",
    )


@strawberry.type
class UserPoolEdge:
    cursor: str
    node: UserPool  # type: ignore[valid-type]


@strawberry.type
class UserPoolConnection:
    edges: list[UserPoolEdge]
    nodes: list[UserPool]  # type: ignore[valid-type]
    page_info: PageInfo


@strawberry.enum(description="Where an update's `pool` comes from.")
class PoolSource(Enum):
    COGNITO = strawberry.enum_value(
        "COGNITO", description="Read back from Cognito after the write."
    )
    PLAN = strawberry.enum_value(
        "PLAN",
        description="The planned result: on a dry run, or when Cognito accepted the write "
        "but reading the pool back failed (read it again later to confirm).",
    )


@strawberry.type
class UpdateUserPoolPayload:
    changes: list[FieldChange]
    dry_run: bool
    pool_source: PoolSource
    warnings: list[SettingWarning] = strawberry.field(
        default_factory=list,
        description="Settings Cognito accepts (and the update applied, unless a dry run) "
        "that will make sign-in fail until something else is set, e.g. WEB_AUTHN without a "
        "relying party id or a domain.",
    )
    record: strawberry.Private[PoolRecord]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="The pool after the update (or as it would be, on a "
        "dry run). Converted only when selected."
    )
    def pool(self) -> UserPool:  # type: ignore[valid-type]
        return user_pool(self.record)


def user_pool(record: PoolRecord) -> UserPool:  # type: ignore[valid-type]
    converted: UserPool = OUTPUTS.pool(record.pool, record.version)  # type: ignore[valid-type]
    return converted


def field_changes(changes: "list[CoreFieldChange]") -> list[FieldChange]:
    """The core's changes in GraphQL's naming."""
    return [
        FieldChange(
            path=change_path(c.path, KINDS[c.kind].update),
            before=c.before,
            after=c.after,
            risk=ChangeRisk(c.risk.value),
        )
        for c in changes
    ]
