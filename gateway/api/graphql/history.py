"""GraphQL for the history: versions, restore, compare (pools or versions), copy, export.

Translation only: the service (``service/versions.py``) decides, these
functions convert arguments and results.

No ``from __future__ import annotations`` here: strawberry reads the
annotations as objects.
"""

import datetime
from collections.abc import Mapping
from enum import Enum
from typing import Annotated, Any

import strawberry
from botocore.model import MapShape, Shape, StructureShape
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway import model
from gateway.api.graphql.context import GatewayContext
from gateway.api.graphql.naming import parse_path
from gateway.api.graphql.resolvers import update_payload
from gateway.api.graphql.types import (
    FieldChange,
    PageInfo,
    UpdateUserPoolPayload,
    field_changes,
)
from gateway.core.kinds import USER_POOL, ResourceKind
from gateway.core.paging import DEFAULT_PAGE_SIZE
from gateway.errors import Argument, Field, Path, invalid
from gateway.service.requests import WriteRequest
from gateway.service.versions import PoolVersion, VersionPage

Context = Info[GatewayContext, None]


@strawberry.enum(description="Who made a recorded version.")
class VersionSource(Enum):
    GATEWAY = strawberry.enum_value("GATEWAY", description="A write through the gateway.")
    EXTERNAL = strawberry.enum_value(
        "EXTERNAL",
        description="First seen on a read: made outside the gateway (console, Terraform, "
        "scripts), or the pool's state when the gateway first saw it.",
    )


@strawberry.type(description="One recorded configuration of a pool or of an app client.")
class UserPoolVersion:
    version: str = strawberry.field(description="The pool's `version` at that point.")
    recorded_at: datetime.datetime
    source: VersionSource
    principal: str | None = strawberry.field(description="Who wrote it (GATEWAY versions).")
    request_id: str | None
    changes: list[FieldChange] = strawberry.field(
        description="What differs from the version before (secret values redacted)."
    )
    configuration: JSON = strawberry.field(
        description="The whole writable configuration at this version, in exportUserPool's "
        "shape (a valid UserPoolPatch; for an app client, a valid UserPoolClientPatch); "
        "secret values are never kept in the history."
    )


@strawberry.type
class UserPoolVersionEdge:
    cursor: str
    node: UserPoolVersion


@strawberry.type
class UserPoolVersionConnection:
    edges: list[UserPoolVersionEdge]
    nodes: list[UserPoolVersion]
    page_info: PageInfo


def _node(version: PoolVersion, kind: ResourceKind = USER_POOL) -> UserPoolVersion:
    return UserPoolVersion(
        version=version.version,
        recorded_at=version.recorded_at,
        source=VersionSource(version.source),
        principal=version.principal,
        request_id=version.request_id,
        changes=field_changes(version.changes),
        configuration=graphql_document(kind.configuration_shape, version.configuration),
    )


async def resolve_history(
    info: Context,
    id: strawberry.ID,
    first: int | None = DEFAULT_PAGE_SIZE,
    after: str | None = None,
) -> UserPoolVersionConnection:
    page = await info.context.versions.history(
        info.context.principal, str(id), 20 if first is None else first, after
    )
    return version_connection(page, after, USER_POOL)


def version_connection(
    page: VersionPage, after: str | None, kind: ResourceKind
) -> UserPoolVersionConnection:
    nodes = [_node(v, kind) for v in page.versions]
    return UserPoolVersionConnection(
        edges=[
            UserPoolVersionEdge(cursor=v.cursor, node=n)
            for v, n in zip(page.versions, nodes, strict=True)
        ],
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=after is not None,
            start_cursor=page.versions[0].cursor if page.versions else None,
            end_cursor=page.end_cursor,
        ),
    )


async def resolve_compare(
    info: Context, left: strawberry.ID, right: strawberry.ID
) -> list[FieldChange]:
    changes = await info.context.versions.compare(info.context.principal, str(left), str(right))
    return field_changes(changes)


async def resolve_compare_versions(
    info: Context, id: strawberry.ID, left: str, right: str
) -> list[FieldChange]:
    changes = await info.context.versions.compare_versions(
        info.context.principal, str(id), left, right
    )
    return field_changes(changes)


async def resolve_export(info: Context, id: strawberry.ID) -> JSON:
    configuration = await info.context.versions.export(info.context.principal, str(id))
    document: JSON = graphql_document(model.configuration_shape(), configuration)
    return document


def graphql_document(shape: Shape, value: Any) -> Any:
    """A botocore value in GraphQL's input spelling: lowerCamel members, maps as lists of
    ``{key, value}`` entries; usable as ``UserPoolPatch`` or ``CreateUserPoolInput``."""
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        return {
            model.graphql_name(k): graphql_document(shape.members[k], v) for k, v in value.items()
        }
    if isinstance(shape, MapShape) and isinstance(value, Mapping):
        return [{"key": k, "value": graphql_document(shape.value, v)} for k, v in value.items()]
    if shape.type_name == "list" and isinstance(value, list):
        return [graphql_document(getattr(shape, "member", shape), item) for item in value]
    return value


async def resolve_restore(
    info: Context,
    id: strawberry.ID,
    version: str,
    if_version: str | None = None,
    dry_run: bool | None = False,
    confirm_high_risk: bool | None = False,
) -> UpdateUserPoolPayload:
    request = WriteRequest.of(
        info.context.principal,
        if_version=if_version,
        dry_run=dry_run,
        confirm_high_risk=confirm_high_risk,
    )
    result = await info.context.versions.restore(request, str(id), version)
    return update_payload(result)


def parsed_paths(paths: list[str], kind: ResourceKind = USER_POOL) -> list[Path]:
    parsed: list[Path] = []
    for index, text in enumerate(paths):
        path = parse_path(text, kind.update)
        if path is None:
            raise invalid(
                f"{text!r} names no setting of {kind.name}Patch (use GraphQL names, e.g. "
                f"{'policies.passwordPolicy' if kind is USER_POOL else 'callbackURLs'})",
                Field(Argument.PATHS, (str(index),)),
                "known-path",
            )
        parsed.append(path)
    return parsed


async def resolve_copy(
    info: Context,
    from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
    to: strawberry.ID,
    paths: list[str] | None = None,
    dry_run: bool | None = False,
    confirm_high_risk: bool | None = False,
) -> UpdateUserPoolPayload:
    request = WriteRequest.of(
        info.context.principal, dry_run=dry_run, confirm_high_risk=confirm_high_risk
    )
    chosen = None if paths is None else parsed_paths(paths)
    result = await info.context.versions.copy(request, str(from_), str(to), chosen)
    return update_payload(result)
