"""Configuration from ``GATEWAY_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, cast
from urllib.parse import urlparse

from pydantic import BaseModel, BeforeValidator, Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from gateway import model

SENSITIVE_MEMBERS = (
    "LambdaConfig",
    "SmsConfiguration",
    "EmailConfiguration",
    "DeletionProtection",
    "UserPoolTier",
    "KeyConfiguration",
    "IssuerConfiguration",
    "MfaConfiguration",
)


# A pool id pattern of an API key or a token's pools claim (``eu-west-1_*``): fnmatch's
# characters only, so a pattern cannot smuggle anything into logs or error messages.
POOL_PATTERN = re.compile(r"^[A-Za-z0-9_*?\[\]!-]{1,128}$")


class ApiKey(BaseModel):
    """One API key: only the SHA-256 of the key is configured, never the key."""

    name: str
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")
    scopes: list[str] = Field(default_factory=list)
    pools: list[str] = Field(default_factory=lambda: ["*"])

    @field_validator("pools")
    @classmethod
    def _patterns(cls, pools: list[str]) -> list[str]:
        for pattern in pools:
            if not POOL_PATTERN.match(pattern):
                raise ValueError(f"not a pool id pattern (one pattern per list item): {pattern!r}")
        return pools


def split_list(value: Any) -> Any:
    """A JSON list (``["a", "b"]``) or a comma-separated string (``a,b``)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"not a JSON list ({error.msg})") from None
    return [item.strip() for item in text.split(",") if item.strip()]


def upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


# List settings: a JSON list or a comma-separated string.
StrList = Annotated[list[str], NoDecode, BeforeValidator(split_list)]
Lowered = BeforeValidator(lower)
LIST_FIELDS = (
    "sensitive_members",
    "cors_origins",
    "allowed_hosts",
    "audit_redact",
    "api_keys",
    "public_pools",
)


def data_directory() -> Path:
    """The per-user data directory (XDG): where the history lives unless configured."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cognito-gateway"


class Group(BaseSettings):
    """A group of settings, each read from ``GATEWAY_<FIELD NAME>`` like every setting:
    the groups only sort them, no variable is named after its group."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")


class ServingSettings(Group):
    """Where and how the gateway listens, and how long a request may take."""

    host: str = Field(
        default="127.0.0.1", description="Bind address of `serve` (`--host` overrides)."
    )
    port: int = Field(
        default=8000, ge=0, le=65535, description="Port of `serve` (`--port` overrides)."
    )
    graphiql: bool = Field(
        default=False, description="Serve GraphiQL at `/graphql` (on in the demo)."
    )
    introspection: bool = Field(
        default=False, description="Schema introspection and field suggestions (on in the demo)."
    )
    max_request_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Larger bodies get HTTP 413."
    )
    header_timeout_seconds: float = Field(
        default=10.0, gt=0, description="A request's headers must arrive within this (`serve`)."
    )
    body_timeout_seconds: float = Field(
        default=30.0, gt=0, description="A request's body must arrive within this (`serve`)."
    )
    request_timeout_seconds: float = Field(
        default=55.0,
        gt=0,
        description=(
            "Whole-request deadline (504 `SERVICE_UNAVAILABLE` past it); keep it below the "
            "load balancer's."
        ),
    )
    max_connections: int = Field(
        default=4096,
        ge=1,
        description=(
            "Open HTTP connections and gRPC calls in flight per process; more get 503 / "
            "`RESOURCE_EXHAUSTED` at once (`serve`)."
        ),
    )
    max_concurrency: int = Field(
        default=256,
        ge=1,
        description=(
            "Cognito calls in flight per process: what is expensive (uncached reads, writes, "
            "listings) queues for a place up to `GATEWAY_CONCURRENCY_WAIT_SECONDS` (`10`), "
            "then `SERVICE_UNAVAILABLE` (HTTP 503 on the plain endpoints, gRPC `UNAVAILABLE`)"
            " with a retry hint. Answers from the caches (public settings, hot reads) are "
            "never counted, so a burst of sign-up pages is never refused."
        ),
    )
    concurrency_wait_seconds: float = Field(
        default=10.0,
        ge=0,
        description=(
            "How long expensive work waits for a place under `GATEWAY_MAX_CONCURRENCY` before 503."
        ),
    )
    shutdown_timeout_seconds: float = Field(
        default=30.0, gt=0, description="On SIGTERM, how long in-flight requests may finish."
    )


class TelemetrySettings(Group):
    """Logs and traces."""

    log_level: Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], BeforeValidator(upper)] = (
        Field(
            default="INFO",
            description="`DEBUG`, `INFO`, `WARNING`, `ERROR`; logs are JSON lines on stderr.",
        )
    )
    log_format: Annotated[Literal["auto", "console", "json"], Lowered] = Field(
        default="auto",
        description=(
            "`json` (one object per line), `console` (one readable line per event) or "
            "`auto`: console when stderr is a terminal, else JSON."
        ),
    )
    tracing: bool = Field(
        default=False,
        description="OpenTelemetry spans; exporter from the standard `OTEL_*` variables.",
    )


class GrpcSettings(Group):
    """The gRPC server beside HTTP."""

    grpc: bool = Field(default=True, description="Serve gRPC beside HTTP.")
    grpc_port: int = Field(
        default=50051, ge=0, le=65535, description="gRPC port (`--grpc-port` overrides)."
    )
    grpc_max_mask_paths: int = Field(
        default=500,
        ge=1,
        description=(
            "Most paths one `update_mask` or `copy_mask` may name (checked after admission, "
            "before parsing)."
        ),
    )
    grpc_max_mask_path_chars: int = Field(
        default=512, ge=16, description="Longest path such a mask may hold."
    )
    grpc_max_message_bytes: int = Field(
        default=1024 * 1024,
        ge=64 * 1024,
        description="Larger gRPC request messages get `RESOURCE_EXHAUSTED` before any parsing.",
    )


class CognitoSettings(Group):
    """Calling Cognito: where, how long, how often, how many."""

    region: str = Field(
        default="us-east-1",
        description="Region whose pools `userPools` lists (a pool id names its own Region).",
    )
    cognito_endpoint_url: str | None = Field(
        default=None,
        description="Cognito endpoint, e.g. an emulator.",
        json_schema_extra={"shown_default": "unset (real AWS)"},
    )
    upstream_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Connect and read timeout of each Cognito call attempt."
    )
    upstream_max_attempts: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Total attempts per Cognito call (botocore `standard` retry mode).",
    )
    update_max_attempts: int = Field(
        default=5,
        ge=1,
        le=20,
        description="Read-modify-write attempts of one update on conflicts or throttling.",
    )
    update_backoff_base_seconds: float = Field(
        default=0.1, ge=0, description="First backoff ceiling; doubles per attempt (full jitter)."
    )
    update_backoff_max_seconds: float = Field(
        default=2.0, ge=0, description="Largest backoff ceiling."
    )
    quota_reads_per_second: float = Field(
        default=10.0,
        gt=0,
        description="Cognito read calls per second, per account and Region (shared via Redis).",
    )
    quota_updates_per_second: float = Field(
        default=10.0, gt=0, description="Cognito write calls per second, per account and Region."
    )
    aws_account_id: str | None = Field(
        default=None,
        description=(
            "Names the shared quota bucket (set it when one Redis serves several accounts)."
        ),
        json_schema_extra={"shown_default": "unset (`default`)"},
    )
    upstream_calls_per_client: int = Field(
        default=4,
        ge=0,
        description=(
            "Cognito calls one client may have queued or in flight: another client's uncached"
            " read waits for at most this many calls of each busy client in the account's "
            "quota queue, never for a whole burst (0: off)."
        ),
    )

    @property
    def call_budget_seconds(self) -> float:
        """How long one Cognito call may take, botocore's retries included."""
        return self.upstream_timeout_seconds * self.upstream_max_attempts


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


class CacheSettings(Group):
    """The describe cache and the response cache."""

    cache_ttl_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a DescribeUserPool result is served from cache (0 disables).",
    )
    l1_cache: bool = Field(
        default=True,
        description="In-process cache in front of Redis, invalidated across replicas by pub/sub.",
    )
    response_cache: bool = Field(
        default=True,
        description=(
            "Serve repeated `userPool` reads without executing them, for as long as every "
            "pool read has its version."
        ),
    )
    response_cache_max_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=0,
        description="Memory the read fast path (the response cache) may hold.",
    )
    response_cache_max_entry_bytes: int = Field(
        default=256 * 1024, ge=0, description="Larger answers are not cached."
    )


class RedisSettings(Group):
    """Redis for a fleet: the shared cache, write locks and rates."""

    redis_url: str | None = Field(
        default=None,
        description=(
            "`redis://host:6379/0`: shared cache, distributed write lock, shared quota "
            "(several replicas)."
        ),
    )
    allow_local_lock: bool = Field(
        default=False,
        description=(
            "With Redis configured but down, write under the in-process lock anyway (one "
            "replica only)."
        ),
    )
    lock_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Lease of the distributed write lock; renewed every third of it while held.",
    )
    lock_wait_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a write waits for the pool's lock before `CONFLICT`.",
    )
    redis_wait_seconds: float = Field(
        default=45.0,
        ge=0,
        description=(
            "How long a write rides through a Redis outage (and a restarted Redis's "
            "quarantine of one lease) before `SERVICE_UNAVAILABLE`."
        ),
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parsed = urlparse(value)
        if parsed.scheme not in ("redis", "rediss", "unix") or (
            parsed.scheme != "unix" and not parsed.hostname
        ):
            raise ValueError("expected redis://[user:password@]host[:port][/db] or rediss://...")
        return value


class HistorySettings(Group):
    """The history of versions and the audit trail."""

    history_url: str = Field(
        default_factory=lambda: f"sqlite+aiosqlite:///{data_directory() / 'history.db'}",
        description=(
            "Configuration history: a SQLite file (one replica) or "
            "`postgresql+asyncpg://user:password@host/db` shared by a fleet; `gateway demo` "
            "uses a temporary file."
        ),
        json_schema_extra={
            "shown_default": "`history.db` in `$XDG_DATA_HOME/cognito-gateway` "
            "(else `~/.local/share/cognito-gateway`)"
        },
    )
    history_journal_dir: str | None = Field(
        default=None,
        description=(
            "Where the history's journal file lives when Redis does not hold it (writes "
            'waiting for the database, intents of writes in flight); see "What the history '
            'guarantees".'
        ),
        json_schema_extra={
            "shown_default": "beside the SQLite file; the data directory for PostgreSQL"
        },
    )
    audit_sink: str = Field(
        default="stdout",
        description="`stdout`, `stderr`, `file:<path>`, or `log`: through the logs, in their "
        "format and on their stream (the demo uses it).",
    )
    audit_redact: StrList = Field(
        default_factory=lambda: ["ExternalId"],
        description="Members whose values never appear in audit events.",
    )

    @field_validator("history_url")
    @classmethod
    def _history_url(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise ValueError(
                "expected sqlite+aiosqlite:///<file> or postgresql+asyncpg://user:password@host/db"
            )
        return value

    @property
    def history_journal_folder(self) -> Path | None:
        """The journal's folder: beside the SQLite file, or in ``history_journal_dir`` or
        the per-user data directory, named for the database so two never share one; None
        for an in-memory SQLite history (nothing outlives it)."""
        if self.history_url.startswith("sqlite"):
            database = self.history_url.split(":///", 1)[-1] if ":///" in self.history_url else ""
            if not database or database == ":memory:":
                return None
            if not self.history_journal_dir:
                return Path(f"{database}.journal")
        folder = Path(self.history_journal_dir) if self.history_journal_dir else data_directory()
        database_id = hashlib.sha256(self.history_url.encode()).hexdigest()[:12]
        return folder / f"history-journal-{database_id}"


class CorsSettings(Group):
    """Browsers on other origins."""

    cors_origins: StrList = Field(
        default_factory=list,
        description=(
            "Allowed browser origins; off by default (a preflight then gets 405); `gateway "
            "demo` allows loopback origins unless this is set."
        ),
    )
    cors_origin_regex: str | None = Field(
        default=None,
        description=(
            "Browser origins allowed by pattern (`gateway demo` allows loopback origins "
            "unless `GATEWAY_CORS_ORIGINS` is set)."
        ),
    )


class GroupedEnvironment(PydanticBaseSettingsSource):
    """Reads each group's variables from the environment, as pydantic-settings reads a
    flat class's (the same names, decoding, and errors)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self._groups = {
            name: EnvSettingsSource(cast(type[BaseSettings], info.annotation))
            for name, info in settings_cls.model_fields.items()
        }

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # whole groups are read in __call__

    def __call__(self) -> dict[str, Any]:
        return {name: source() for name, source in self._groups.items()}


class Settings(BaseSettings):
    """Every setting the gateway reads, in groups; each maps to ``GATEWAY_<NAME>``.

    A module gets the groups it needs (``settings.auth``, ``settings.redis``). Built
    with keyword arguments, the names are the settings' own, ungrouped
    (``Settings(region="eu-west-1", redis_url=...)``), as in the environment. The
    checks that span groups (auth against the bind address, the lock lease against a
    Cognito call) run here, on every construction.
    """

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    serving: ServingSettings = Field(default_factory=ServingSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    grpc_server: GrpcSettings = Field(default_factory=GrpcSettings)
    cognito: CognitoSettings = Field(default_factory=CognitoSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    history: HistorySettings = Field(default_factory=HistorySettings)
    cors: CorsSettings = Field(default_factory=CorsSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, GroupedEnvironment(settings_cls)

    @model_validator(mode="before")
    @classmethod
    def _grouped(cls, data: Any) -> Any:
        """Keyword arguments by their own names go to their group, over the environment."""
        if not isinstance(data, dict):
            return data
        grouped = {k: dict(v) for k, v in data.items() if k in GROUPS and isinstance(v, dict)}
        for key, value in data.items():
            group = GROUP_OF.get(key)
            if group is not None:
                grouped.setdefault(group, {})[key] = value
        return grouped

    @model_validator(mode="after")
    def _safe(self) -> Settings:
        """Refuse settings that would expose the gateway, or let a write outlive its lock.

        A writer checks right before each Cognito write that its lease has the call
        budget left; renewed every third of the lease, a lease of at least 1.5 x the
        budget always has.
        """
        auth, budget = self.auth, self.cognito.call_budget_seconds
        if auth.auth_mode == "none" and not is_loopback(self.serving.host):
            raise ValueError(
                "GATEWAY_AUTH_MODE=none is only allowed on a loopback address "
                f"(GATEWAY_HOST={self.serving.host}); use api-key or jwt"
            )
        if auth.auth_mode == "api-key" and not auth.api_keys:
            raise ValueError("GATEWAY_AUTH_MODE=api-key needs GATEWAY_API_KEYS")
        if auth.auth_mode == "jwt":
            missing = [
                name
                for name, value in (
                    ("GATEWAY_JWT_JWKS_URL", auth.jwt_jwks_url),
                    ("GATEWAY_JWT_ISSUER", auth.jwt_issuer),
                    ("GATEWAY_JWT_AUDIENCE", auth.jwt_audience),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"GATEWAY_AUTH_MODE=jwt needs {', '.join(missing)}")
        if self.redis.redis_url and self.redis.lock_timeout_seconds < 1.5 * budget:
            raise ValueError(
                f"GATEWAY_LOCK_TIMEOUT_SECONDS={self.redis.lock_timeout_seconds:g} must be at "
                "least 1.5 x GATEWAY_UPSTREAM_TIMEOUT_SECONDS x GATEWAY_UPSTREAM_MAX_ATTEMPTS "
                f"({1.5 * budget:g}): a write must never outlive its lock"
            )
        return self

    @classmethod
    def of(cls, **values: Any) -> Settings:
        """Settings from keyword arguments by the settings' own names, over the
        environment (what ``Settings(region=...)`` does, typed for mypy)."""
        return cls(**values)

    def replaced(self, **values: Any) -> Settings:
        """A copy with some settings changed, by their own names (checked again)."""
        current = {group: getattr(self, group).model_dump() for group in GROUPS}
        for key, value in values.items():
            current[GROUP_OF[key]][key] = value
        return Settings.model_validate(current)


GROUPS: dict[str, tuple[str, ...]] = {
    "serving": (
        "host",
        "port",
        "graphiql",
        "introspection",
        "max_request_bytes",
        "header_timeout_seconds",
        "body_timeout_seconds",
        "request_timeout_seconds",
        "max_connections",
        "max_concurrency",
        "concurrency_wait_seconds",
        "shutdown_timeout_seconds",
    ),
    "telemetry": ("log_level", "log_format", "tracing"),
    "grpc_server": (
        "grpc",
        "grpc_port",
        "grpc_max_mask_paths",
        "grpc_max_mask_path_chars",
        "grpc_max_message_bytes",
    ),
    "cognito": (
        "region",
        "cognito_endpoint_url",
        "upstream_timeout_seconds",
        "upstream_max_attempts",
        "update_max_attempts",
        "update_backoff_base_seconds",
        "update_backoff_max_seconds",
        "quota_reads_per_second",
        "quota_updates_per_second",
        "aws_account_id",
        "upstream_calls_per_client",
    ),
    "auth": (
        "auth_mode",
        "api_keys",
        "jwt_jwks_url",
        "jwt_issuer",
        "jwt_audience",
        "jwt_scopes_claim",
        "jwt_groups_claim",
        "jwt_scope_prefix",
        "jwt_token_use",
        "jwt_pools_claim",
        "jwt_leeway_seconds",
        "jwks_cache_seconds",
        "sensitive_members",
        "require_risk_confirmation",
        "public_pools",
        "allowed_hosts",
    ),
    "limits": (
        "client_requests_per_second",
        "client_burst",
        "client_table_size",
        "max_query_depth",
        "max_aliases",
        "max_tokens",
        "allowed_operations_file",
    ),
    "cache": (
        "cache_ttl_seconds",
        "l1_cache",
        "response_cache",
        "response_cache_max_bytes",
        "response_cache_max_entry_bytes",
    ),
    "redis": (
        "redis_url",
        "allow_local_lock",
        "lock_timeout_seconds",
        "lock_wait_seconds",
        "redis_wait_seconds",
    ),
    "history": ("history_url", "history_journal_dir", "audit_sink", "audit_redact"),
    "cors": ("cors_origins", "cors_origin_regex"),
}
GROUP_OF = {name: group for group, names in GROUPS.items() for name in names}
FIELDS: dict[str, Any] = {
    name: info
    for group in GROUPS
    for name, info in Settings.model_fields[group].annotation.model_fields.items()  # type: ignore[union-attr]
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
