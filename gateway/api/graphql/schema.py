"""The GraphQL schema: thin resolvers over PoolService.

No ``from __future__ import annotations`` here: resolver annotations refer to
classes generated at run time, which strawberry must see as objects.
"""

import asyncio
import logging
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.scalars import JSON
from strawberry.types import ExecutionContext, Info

from gateway import model
from gateway.api.graphql.context import GatewayContext, needs_describe
from gateway.api.graphql.errors import GatewayMaskErrors
from gateway.api.graphql.inputs import CREATE, PATCH, InputTypes
from gateway.api.graphql.observability import MetricsExtension, ReportingParserCache
from gateway.api.graphql.outputs import OutputTypes
from gateway.api.graphql.shapes import EnumRegistry
from gateway.api.response_cache import record_read
from gateway.core.merge import patched_paths
from gateway.core.record import PoolRecord
from gateway.core.validation import field_path
from gateway.errors import GatewayError
from gateway.observability import tracing
from gateway.observability.metrics import Metrics
from gateway.service.access import READ, WRITE, require, require_create, require_patch
from gateway.settings import Settings

log = logging.getLogger(__name__)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


class QuietSchema(strawberry.Schema):
    """Logs unexpected errors with their traceback; expected ones (bad input,
    not found, upstream refusals) are routine and logged in one line."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            original = error.original_error
            if isinstance(original, GatewayError):
                log.info(
                    "request failed", extra={"code": original.code.value, "error": original.message}
                )
            elif original is None or isinstance(original, GraphQLError):
                log.info("request rejected", extra={"error": error.message})
            else:
                log.error("unexpected error", exc_info=original)


@strawberry.type(description="One setting an update changes (or would change, on a dry run).")
class FieldChange:
    path: str = strawberry.field(
        description="GraphQL path of the setting, e.g. "
        "`policies.passwordPolicy.minimumLength`; map keys in brackets."
    )
    before: JSON | None
    after: JSON | None


@dataclass(frozen=True)
class GatewaySchema:
    """The strawberry schema and the output types that convert pools for it."""

    schema: strawberry.Schema
    outputs: OutputTypes
    patches: InputTypes
    creates: InputTypes
    query: type
    mutation: type


@cache
def build_schema() -> GatewaySchema:
    enums = EnumRegistry()
    outputs = OutputTypes(enums)
    UserPool = outputs.user_pool

    @strawberry.type
    class UserPoolEdge:
        cursor: str
        node: UserPool  # type: ignore[valid-type]

    @strawberry.type
    class UserPoolConnection:
        edges: list[UserPoolEdge]
        nodes: list[UserPool]  # type: ignore[valid-type]
        page_info: PageInfo

    async def resolve_user_pool(info: Info[GatewayContext, None], id: strawberry.ID) -> UserPool:  # type: ignore[valid-type]
        require(info.context.principal, READ, str(id))
        record = await info.context.service.get(str(id))
        record_read(record.pool.get("Id", str(id)), record.etag)
        pool: UserPool = info.context.outputs.pool(record.pool, record.version)  # type: ignore[valid-type]
        return pool

    async def resolve_user_pools(
        info: Info[GatewayContext, None], first: int | None = 20, after: str | None = None
    ) -> UserPoolConnection:
        service, convert = info.context.service, info.context.outputs
        principal = info.context.principal
        require(principal, READ)
        page = await service.list(first=20 if first is None else first, after=after)
        visible = [
            (s, c)
            for s, c in zip(page.summaries, page.cursors, strict=True)
            if principal.may_access(s["Id"])
        ]
        if needs_describe(info):
            records = await asyncio.gather(*(service.get(s["Id"]) for s, _ in visible))
            nodes = [convert.pool(r.pool, r.version) for r in records]
        else:
            nodes = [convert.pool(s, "") for s, _ in visible]
        return UserPoolConnection(
            edges=[
                UserPoolEdge(cursor=c, node=n) for (_, c), n in zip(visible, nodes, strict=True)
            ],
            nodes=nodes,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.start_cursor,
                end_cursor=page.end_cursor,
            ),
        )

    @strawberry.type
    class Query:
        user_pool: UserPool = strawberry.field(  # type: ignore[valid-type]
            resolver=resolve_user_pool,
            description="One user pool, as DescribeUserPool returns it. NOT_FOUND if absent.",
        )
        user_pools: UserPoolConnection = strawberry.field(
            resolver=resolve_user_pools,
            description="Pages through ListUserPools in the gateway's default Region. Nodes are "
            "described only when fields beyond the summary are selected.",
        )

    patches = InputTypes(enums, PATCH)
    creates = InputTypes(enums, CREATE)
    UserPoolPatch = patches.root("UpdateUserPool", "UserPoolPatch", frozenset({"UserPoolId"}))
    CreateUserPoolInput = creates.root("CreateUserPool", "CreateUserPoolInput", frozenset())
    update_shape = model.input_shape("UpdateUserPool")
    create_shape = model.input_shape("CreateUserPool")

    @strawberry.type
    class UpdateUserPoolPayload:
        changes: list[FieldChange]
        dry_run: bool
        record: strawberry.Private[PoolRecord]
        outputs: strawberry.Private[OutputTypes]

        @strawberry.field(  # type: ignore[untyped-decorator]
            description="The pool after the update (or as it would be, on a "
            "dry run). Converted only when selected."
        )
        def pool(self) -> UserPool:  # type: ignore[valid-type]
            converted: UserPool = self.outputs.pool(self.record.pool, self.record.version)  # type: ignore[valid-type]
            return converted

    async def resolve_update(
        info: Info[GatewayContext, None],
        id: strawberry.ID,
        patch: UserPoolPatch,  # type: ignore[valid-type]
        if_version: str | None = None,
        dry_run: bool | None = False,
    ) -> UpdateUserPoolPayload:
        context, principal = info.context, info.context.principal
        document = context.patches.to_botocore(update_shape, patch)
        requested = [
            field_path("patch", p, update_shape) for p, _ in patched_paths(document, update_shape)
        ]
        with context.auditor.attempt(
            "updateUserPool", principal, str(id), bool(dry_run), requested
        ) as event:
            require(principal, WRITE, str(id))
            require_patch(principal, document, context.sensitive)
            result = await context.service.update(
                str(id), document, if_version=if_version, dry_run=bool(dry_run)
            )
            event.changes = [vars(c) for c in result.changes]
        return UpdateUserPoolPayload(
            changes=[
                FieldChange(path=c.path, before=c.before, after=c.after) for c in result.changes
            ],
            dry_run=result.dry_run,
            record=result.record,
            outputs=context.outputs,
        )

    async def resolve_create(
        info: Info[GatewayContext, None],
        input: CreateUserPoolInput,  # type: ignore[valid-type]
    ) -> UserPool:  # type: ignore[valid-type]
        context, principal = info.context, info.context.principal
        request = context.creates.to_botocore(create_shape, input)
        requested = [
            field_path("input", p, create_shape) for p, _ in patched_paths(request, create_shape)
        ]
        with context.auditor.attempt("createUserPool", principal, None, False, requested) as event:
            require_create(principal, context.region)
            require_patch(principal, request, context.sensitive, root="input")
            record = await context.service.create(request)
            event.pool = str(record.pool.get("Id"))
        pool: UserPool = context.outputs.pool(record.pool, record.version)  # type: ignore[valid-type]
        return pool

    @strawberry.type
    class Mutation:
        update_user_pool: UpdateUserPoolPayload = strawberry.field(
            resolver=resolve_update,
            description="Patch a pool: absent fields keep their value, null clears, objects "
            "merge, lists replace, map entries merge by key (value null deletes). With "
            "ifVersion the update only happens if the pool is still at that version.",
        )
        create_user_pool: UserPool = strawberry.field(  # type: ignore[valid-type]
            resolver=resolve_create, description="Create a pool in the gateway's default Region."
        )

    schema = QuietSchema(query=Query, mutation=Mutation, extensions=[GatewayMaskErrors])
    return GatewaySchema(
        schema=schema,
        outputs=outputs,
        patches=patches,
        creates=creates,
        query=Query,
        mutation=Mutation,
    )


def make_schema(built: GatewaySchema, settings: Settings, metrics: Metrics) -> strawberry.Schema:
    """The served schema: the same types with the request limits of ``settings``."""
    # The limiters' rule classes are made once, here: the ValidationCache keys on
    # the rule objects, and limiters built per request would never hit it.
    limit_rules = [
        rule
        for limiter in (
            QueryDepthLimiter(max_depth=settings.max_query_depth),
            MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        )
        for rule in limiter.validation_rules
    ]
    extensions: list[Any] = [
        partial(ReportingParserCache, maxsize=256),
        partial(ValidationCache, maxsize=256),
        partial(MetricsExtension, metrics=metrics),
        partial(GatewayMaskErrors, suggestions=settings.introspection),
        partial(AddValidationRules, limit_rules),
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    if tracing.enabled():
        extensions.append(tracing.graphql_extension())
    return QuietSchema(query=built.query, mutation=built.mutation, extensions=extensions)
