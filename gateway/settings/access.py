"""Settings of who may call and how much: authentication, admin-only members, limits."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator
from pydantic_settings import NoDecode

from gateway import model
from gateway.settings.values import SENSITIVE_MEMBERS, ApiKey, Group, Lowered, StrList, split_list


class AuthSettings(Group):
    """Who may call, and what only some may do."""

    auth_mode: Annotated[Literal["none", "api-key", "jwt"], Lowered] = Field(
        default="none", description="`none` (loopback only), `api-key` or `jwt`."
    )
    api_keys: Annotated[list[ApiKey], NoDecode, BeforeValidator(split_list)] = Field(
        default_factory=list, description='JSON list of `{"name", "sha256", "scopes", "pools"}`.'
    )
    jwt_jwks_url: str | None = Field(
        default=None,
        description=(
            "The issuer's JWKS URL, e.g. `https://cognito-"
            "idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json` (required for `jwt`)."
        ),
    )
    jwt_issuer: str | None = Field(
        default=None, description="The `iss` a token must carry (required for `jwt`)."
    )
    jwt_audience: str | None = Field(
        default=None,
        description=(
            "The audience a token must be for: `aud`, or `client_id` of a Cognito access "
            "token (required for `jwt`)."
        ),
    )
    jwt_scopes_claim: str = Field(
        default="scope", description="Space-separated string or list of scopes."
    )
    jwt_groups_claim: str | None = Field(
        default="cognito:groups",
        description="Group names also accepted as scopes (bare names only).",
    )
    jwt_scope_prefix: str = Field(
        default="",
        description="Resource-server prefix scopes must carry, e.g. `https://gateway.example.com/`.",
    )
    jwt_token_use: Annotated[Literal["access", "id", "any"], Lowered] = Field(
        default="access", description="Cognito `token_use` accepted: `access`, `id` or `any`."
    )
    jwt_pools_claim: str | None = Field(
        default=None,
        description="Claim with pool id patterns (all pools if unset).",
    )
    jwt_leeway_seconds: int = Field(
        default=30, ge=0, le=300, description="Clock skew tolerated on `exp`, `nbf` and `iat`."
    )
    jwks_cache_seconds: int = Field(
        default=300,
        ge=10,
        description="How long fetched signing keys are kept (an unknown `kid` refetches sooner).",
    )
    sensitive_members: StrList = Field(
        default_factory=lambda: list(SENSITIVE_MEMBERS),
        description="JSON list of UpdateUserPool members that need `pools:admin`.",
    )
    require_risk_confirmation: bool = Field(
        default=False,
        description=(
            "An update, restore or copy with a HIGH-risk change needs `confirmHighRisk: true`"
            " (gRPC `confirm_high_risk`)."
        ),
    )
    public_pools: StrList = Field(
        default_factory=list,
        description="Pool ids or patterns whose public settings anyone may read.",
    )
    allowed_hosts: StrList = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "::1", "[::1]"],
        description="Host headers served when `GATEWAY_AUTH_MODE=none`.",
        json_schema_extra={"shown_default": "loopback names"},
    )

    @field_validator("sensitive_members")
    @classmethod
    def _known_members(cls, members: list[str]) -> list[str]:
        unknown = sorted(set(members) - model.writable_members())
        if unknown:
            raise ValueError(f"not UpdateUserPool members: {', '.join(unknown)}")
        return members


class LimitsSettings(Group):
    """Per-client rates and the size of what a client may ask."""

    client_requests_per_second: float = Field(
        default=50.0,
        ge=0,
        description=(
            "Per-client request rate on every route (API key name or token subject; anonymous"
            " callers by address, IPv6 by /64; off without authentication): over it, HTTP 429"
            " with `Retry-After`, gRPC `RESOURCE_EXHAUSTED` with `RetryInfo`. With "
            "`GATEWAY_REDIS_URL` every replica counts against one bucket per client in Redis "
            "(a client gets the rate once, however many replicas); without it, or while Redis"
            " is unreachable, each process counts alone."
        ),
    )
    client_burst: float = Field(
        default=100.0,
        ge=1,
        description="Requests a client may make at once before its rate applies.",
    )
    client_table_size: int = Field(
        default=10_000,
        ge=10,
        description=(
            "Clients the limiter remembers, principals and anonymous addresses in separate "
            "tables, least recently seen evicted first: a flood of addresses never frees a "
            "throttled key."
        ),
    )
    max_query_depth: int = Field(
        default=10,
        ge=2,
        description=(
            "Deepest selection a GraphQL document may nest (introspection documents excepted "
            "when `GATEWAY_INTROSPECTION` allows them)."
        ),
    )
    max_aliases: int = Field(
        default=30, ge=0, description="Most aliases one GraphQL document may use."
    )
    max_tokens: int = Field(
        default=3000, ge=100, description="Most tokens one GraphQL document may hold."
    )
    allowed_operations_file: str | None = Field(
        default=None,
        description=(
            "Allow-list mode: a JSON list of the only operations `/graphql` runs: a document "
            'of one operation, or `{"document": ..., "operationName": ...}` for one operation'
            " of a document holding several; sent whole or by "
            "`extensions.persistedQuery.sha256Hash` (Apollo's persisted queries); any other "
            "operation (another `operationName` of a listed document included) gets 403 "
            "`FORBIDDEN`."
        ),
    )
