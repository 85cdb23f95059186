"""The GraphQL schema: the root types over the resolvers, and the served schema's limits.

No ``from __future__ import annotations`` here: strawberry must see the
generated classes as objects.
"""

from functools import partial
from typing import Any

import strawberry
from graphql import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ValidationCache,
)
from strawberry.scalars import JSON

from gateway.api.documents import Documents
from gateway.api.graphql.client_history import (
    resolve_client_history,
    resolve_compare_client_versions,
    resolve_compare_clients,
    resolve_copy_client,
    resolve_restore_client,
)
from gateway.api.graphql.clients import (
    UpdateUserPoolClientPayload,
    resolve_create_client,
    resolve_frontend_config,
    resolve_update_client,
    resolve_user_pool_client,
)
from gateway.api.graphql.errors import GatewayMaskErrors, QuietSchema
from gateway.api.graphql.history import (
    UserPoolVersionConnection,
    resolve_compare,
    resolve_compare_versions,
    resolve_copy,
    resolve_export,
    resolve_history,
    resolve_restore,
)
from gateway.api.graphql.limits import document_limits
from gateway.api.graphql.observability import (
    MetricsExtension,
    OperationNames,
    SharedParse,
    TracingExtension,
)
from gateway.api.graphql.public import PublicUserPoolSettings
from gateway.api.graphql.resolvers import (
    resolve_create,
    resolve_public_settings,
    resolve_update,
    resolve_user_pool,
    resolve_user_pools,
)
from gateway.api.graphql.types import (
    FieldChange,
    UpdateUserPoolPayload,
    UserPool,
    UserPoolClient,
    UserPoolConnection,
)
from gateway.observability import tracing
from gateway.observability.metrics import Metrics
from gateway.settings import Settings


@strawberry.type
class Query:
    user_pool: UserPool = strawberry.field(  # type: ignore[valid-type]
        resolver=resolve_user_pool,
        description="One user pool, as DescribeUserPool returns it. NOT_FOUND if absent.",
    )
    user_pool_public_settings: PublicUserPoolSettings = strawberry.field(  # type: ignore[valid-type]
        resolver=resolve_public_settings,
        description="What a sign-up or sign-in screen needs, without admin rights: scope "
        "pools:public (implied by pools:read), or anyone for GATEWAY_PUBLIC_POOLS. "
        "NOT_FOUND for unknown and non-public pools alike.",
    )
    user_pools: UserPoolConnection = strawberry.field(
        resolver=resolve_user_pools,
        description="Pages through ListUserPools in the gateway's default Region. Nodes are "
        "described only when fields beyond the summary are selected.",
    )
    user_pool_history: UserPoolVersionConnection = strawberry.field(
        resolver=resolve_history,
        description="The pool's recorded configurations, newest first: every write through "
        "the gateway (GATEWAY) and every version first seen on a read (EXTERNAL).",
    )
    compare_user_pools: list[FieldChange] = strawberry.field(
        resolver=resolve_compare,
        description="Every writable setting that differs from `left` to `right`, normalized "
        "(legacy duplicates and empty objects are not differences). Risk: of moving left to "
        "right.",
    )
    compare_user_pool_versions: list[FieldChange] = strawberry.field(
        resolver=resolve_compare_versions,
        description="Every writable setting that differs from recorded version `left` of a "
        "pool to version `right` (either may be the older; both from userPoolHistory). "
        "NOT_FOUND names the argument of a version the history does not hold.",
    )
    user_pool_client: UserPoolClient = strawberry.field(  # type: ignore[valid-type]
        resolver=resolve_user_pool_client,
        description="One app client, as DescribeUserPoolClient returns it (clientSecret "
        "for pools:admin only). NOT_FOUND if absent.",
    )
    user_pool_client_frontend_config: JSON = strawberry.field(
        resolver=resolve_frontend_config,
        description="What a browser app needs to sign in with this app client, as "
        "amplify_outputs.json (version 1, auth section) for Amplify.configure, with the "
        "pool's public settings under custom; no secret. The same access rules as "
        "userPoolPublicSettings (also GET /pools/{poolId}/clients/{clientId}/frontend-config).",
    )
    user_pool_client_history: UserPoolVersionConnection = strawberry.field(
        resolver=resolve_client_history,
        description="The app client's recorded configurations, newest first (GATEWAY "
        "writes and EXTERNAL versions first seen on a read), as userPoolHistory for pools.",
    )
    compare_user_pool_clients: list[FieldChange] = strawberry.field(
        resolver=resolve_compare_clients,
        description="Every writable setting that differs from app client `left` to `right` "
        "(in one pool or in two), normalized. Risk: of moving left to right.",
    )
    compare_user_pool_client_versions: list[FieldChange] = strawberry.field(
        resolver=resolve_compare_client_versions,
        description="Every writable setting that differs from one recorded version of an app "
        "client to another (both from userPoolClientHistory).",
    )
    export_user_pool: JSON = strawberry.field(
        resolver=resolve_export,
        description="The pool's writable configuration as a UserPoolPatch-shaped document "
        "(also a valid CreateUserPoolInput), for GitOps. Secret values only for pools:admin.",
    )


@strawberry.type
class Mutation:
    update_user_pool: UpdateUserPoolPayload = strawberry.field(
        resolver=resolve_update,
        description="Patch a pool: absent fields keep their value, null clears, objects "
        "merge, lists replace, map entries merge by key (value null deletes). With "
        "ifVersion the update only happens if the pool is still at that version.",
    )
    create_user_pool: UserPool = strawberry.field(  # type: ignore[valid-type]
        resolver=resolve_create,
        description="Create a pool in the gateway's default Region (an exportUserPool "
        "document is a valid input).",
    )
    update_user_pool_client: UpdateUserPoolClientPayload = strawberry.field(
        resolver=resolve_update_client,
        description="Patch an app client as updateUserPool patches a pool: absent fields "
        "keep their value (UpdateUserPoolClient itself would reset them), null clears, "
        "objects merge, lists replace. Token validities keep their units.",
    )
    create_user_pool_client: UserPoolClient = strawberry.field(  # type: ignore[valid-type]
        resolver=resolve_create_client,
        description="Create an app client in a pool; a validity without its unit gets the "
        "service's default unit, written out.",
    )
    restore_user_pool_client: UpdateUserPoolClientPayload = strawberry.field(
        resolver=resolve_restore_client,
        description="Bring an app client back to a recorded version, through the same planner "
        "as updateUserPoolClient.",
    )
    copy_user_pool_client_settings: UpdateUserPoolClientPayload = strawberry.field(
        resolver=resolve_copy_client,
        description="Make the given settings (GraphQL paths such as callbackURLs) of app "
        "client `to` equal to those of `from` (in one pool or in two); without paths, every "
        "writable setting except clientName.",
    )
    restore_user_pool: UpdateUserPoolPayload = strawberry.field(
        resolver=resolve_restore,
        description="Bring the pool back to a recorded version, through the same planner as "
        "updateUserPool. Secret values the history redacted keep their current value.",
    )
    copy_user_pool_settings: UpdateUserPoolPayload = strawberry.field(
        resolver=resolve_copy,
        description="Make the given settings (GraphQL paths such as policies.passwordPolicy) "
        "of `to` equal to those of `from`; without paths, every writable setting except "
        "poolName, userPoolTags and deletionProtection.",
    )


def build_schema() -> strawberry.Schema:
    """The schema without request limits (what ``gateway export-schema`` prints)."""
    return QuietSchema(query=Query, mutation=Mutation, extensions=[GatewayMaskErrors])


def make_schema(
    settings: Settings,
    metrics: Metrics,
    names: OperationNames | None = None,
    documents: Documents | None = None,
) -> strawberry.Schema:
    """The served schema: the same types with the request limits of ``settings``;
    ``documents``: the edge's parsed documents, shared with its parse step."""
    documents = documents or Documents(settings.limits.max_tokens)
    # The limiters' rule classes are made once, here: the ValidationCache keys on
    # the rule objects, and limiters built per request would never hit it.
    limit_rules: list[type[ASTValidationRule]] = [
        document_limits(settings.limits.max_query_depth, settings.limits.max_aliases)
    ]
    extensions: list[Any] = [
        partial(SharedParse, documents=documents),
        partial(ValidationCache, maxsize=256),
        partial(MetricsExtension, metrics=metrics, names=names or OperationNames()),
        partial(GatewayMaskErrors, suggestions=settings.serving.introspection),
        partial(AddValidationRules, limit_rules),
        partial(MaxTokensLimiter, max_token_count=settings.limits.max_tokens),
    ]
    if not settings.serving.introspection:
        extensions.append(DisableIntrospection)
    if tracing.enabled():
        extensions.append(TracingExtension)
    return QuietSchema(query=Query, mutation=Mutation, extensions=extensions)
