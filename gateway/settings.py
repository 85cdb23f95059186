"""Configuration from ``GATEWAY_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
            if not re.match(r"^[A-Za-z0-9_*?\[\]!-]{1,128}$", pattern):
                raise ValueError(f"not a pool id pattern (one pattern per list item): {pattern!r}")
        return pools


# List settings: a JSON list or a comma-separated string (decoded by ``_lists`` below).
StrList = Annotated[list[str], NoDecode]
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


class Settings(BaseSettings):
    """Every setting the gateway reads. Names map to ``GATEWAY_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    grpc: bool = Field(default=True, description="Serve gRPC beside HTTP.")
    grpc_port: int = Field(
        default=50051, ge=0, le=65535, description="gRPC port (on GATEWAY_HOST)."
    )
    grpc_max_mask_paths: int = Field(
        default=500, ge=1, description="Most paths one update_mask or copy_mask may name."
    )
    grpc_max_mask_path_chars: int = Field(
        default=512, ge=16, description="Longest path an update_mask or copy_mask may hold."
    )
    grpc_max_message_bytes: int = Field(
        default=1024 * 1024,
        ge=64 * 1024,
        description="Largest gRPC request message (a full pool with a maximal mask fits).",
    )
    region: str = Field(default="us-east-1", description="Default Region for listing pools.")
    cognito_endpoint_url: str | None = Field(
        default=None, description="Cognito endpoint; unset means real AWS."
    )
    cache_ttl_seconds: float = Field(default=5.0, ge=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    upstream_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Connect and read timeout of each Cognito call attempt."
    )
    upstream_max_attempts: int = Field(
        default=3, ge=1, le=10, description="botocore standard retry mode attempts."
    )
    graphiql: bool = False
    update_max_attempts: int = Field(
        default=5, ge=1, le=20, description="Read-modify-write attempts on conflicts/throttling."
    )
    update_backoff_base_seconds: float = Field(default=0.1, ge=0)
    update_backoff_max_seconds: float = Field(default=2.0, ge=0)

    redis_url: str | None = Field(
        default=None, description="Shared cache, write lock and quota for several replicas."
    )
    allow_local_lock: bool = Field(
        default=False,
        description="With Redis configured but unreachable, write under the in-process lock "
        "anyway (single replica only); otherwise writes fail closed.",
    )
    l1_cache: bool = Field(default=True, description="In-process cache in front of Redis.")
    lock_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Lease of the distributed write lock; extended while held."
    )
    lock_wait_seconds: float = Field(
        default=60.0, gt=0, description="How long a write waits for the pool's lock."
    )
    redis_wait_seconds: float = Field(
        default=45.0,
        ge=0,
        description="How long a write waits for an unreachable Redis (and a restarted one's "
        "quarantine of one lease) before SERVICE_UNAVAILABLE.",
    )
    quota_reads_per_second: float = Field(default=10.0, gt=0)
    quota_updates_per_second: float = Field(default=10.0, gt=0)
    aws_account_id: str | None = Field(
        default=None, description="Names the shared quota bucket (per account and Region)."
    )

    auth_mode: Literal["none", "api-key", "jwt"] = "none"
    api_keys: Annotated[list[ApiKey], NoDecode] = Field(default_factory=list)
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_scopes_claim: str = "scope"
    jwt_groups_claim: str | None = Field(
        default="cognito:groups", description="Group names that are also accepted as scopes."
    )
    jwt_pools_claim: str | None = Field(
        default=None,
        description="Claim with the pool id patterns a token may touch (all if unset).",
    )
    jwt_scope_prefix: str = Field(
        default="",
        description="Resource-server prefix of scopes, e.g. https://gateway.example.com/ "
        "(then only <prefix>pools:read and the like count).",
    )
    jwt_token_use: Literal["access", "id", "any"] = Field(
        default="access", description="Which Cognito token_use is accepted."
    )
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    jwks_cache_seconds: int = Field(default=300, ge=10)
    sensitive_members: StrList = Field(
        default_factory=lambda: list(SENSITIVE_MEMBERS),
        description="Patch members that need the pools:admin scope.",
    )

    introspection: bool = False
    max_query_depth: int = Field(default=10, ge=2)
    max_aliases: int = Field(default=30, ge=0)
    max_tokens: int = Field(default=3000, ge=100)
    max_request_bytes: int = Field(default=64 * 1024, ge=1024)
    header_timeout_seconds: float = Field(
        default=10.0, gt=0, description="A request's headers must arrive within this."
    )
    body_timeout_seconds: float = Field(
        default=30.0, gt=0, description="A request's body must arrive within this."
    )
    allowed_operations_file: str | None = Field(
        default=None,
        description="JSON list of the only GraphQL documents /graphql runs (allow-list mode).",
    )
    client_requests_per_second: float = Field(
        default=50.0, ge=0, description="Requests per second per client (0: no limit)."
    )
    client_burst: float = Field(default=100.0, ge=1, description="Burst per client.")
    upstream_calls_per_client: int = Field(
        default=4,
        ge=0,
        description="Cognito calls one client may have queued or in flight at once, so one "
        "client's burst cannot starve the others of the account's quota (0: no limit).",
    )
    client_table_size: int = Field(
        default=10_000,
        ge=10,
        description="Clients the rate limiter remembers per table (principals; anonymous "
        "addresses), the least recently seen evicted first.",
    )
    request_timeout_seconds: float = Field(
        default=55.0, gt=0, description="Whole-request deadline; keep it below the load balancer's."
    )
    max_concurrency: int = Field(
        default=256,
        ge=1,
        description="Cognito calls in flight per process (what is expensive: uncached reads, "
        "writes, listings); more wait up to GATEWAY_CONCURRENCY_WAIT_SECONDS, then 503. "
        "Answers from the caches are never counted.",
    )
    concurrency_wait_seconds: float = Field(
        default=10.0, ge=0, description="How long expensive work waits for a place."
    )
    max_connections: int = Field(
        default=4096,
        ge=1,
        description="Open connections (HTTP) and calls in flight (gRPC) per process; more "
        "get 503 / RESOURCE_EXHAUSTED at once.",
    )
    cors_origins: StrList = Field(default_factory=list)
    public_pools: StrList = Field(
        default_factory=list,
        description="Pool ids or patterns whose public settings anyone may read.",
    )
    cors_origin_regex: str | None = Field(
        default=None, description="Browser origins allowed by pattern (the demo: loopback)."
    )
    allowed_hosts: StrList = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "::1", "[::1]"],
        description="Host header values accepted when GATEWAY_AUTH_MODE=none (DNS rebinding).",
    )
    audit_sink: str = Field(default="stdout", description="stdout, stderr or file:<path>.")
    audit_redact: StrList = Field(default_factory=lambda: ["ExternalId"])

    response_cache: bool = Field(
        default=True, description="Serve repeated userPool reads without executing them."
    )
    response_cache_max_bytes: int = Field(
        default=16 * 1024 * 1024, ge=0, description="Memory the response cache may hold."
    )
    response_cache_max_entry_bytes: int = Field(
        default=256 * 1024, ge=0, description="Larger answers are not cached."
    )
    history_url: str = Field(
        default_factory=lambda: f"sqlite+aiosqlite:///{data_directory() / 'history.db'}",
        description="Configuration history store: sqlite+aiosqlite:///<file> for one replica, "
        "postgresql+asyncpg://user:password@host/db for a fleet. Default: history.db in the "
        "per-user data directory ($XDG_DATA_HOME/cognito-gateway, else "
        "~/.local/share/cognito-gateway), never the current directory.",
    )
    history_journal_dir: str | None = Field(
        default=None,
        description="Where the history's journal file lives when Redis does not hold it "
        "(writes waiting for the history database, intents of writes in flight). Default: "
        "beside the SQLite file, or the per-user data directory for PostgreSQL. On a pod, "
        "an ephemeral disk loses it with the pod: configure Redis for a fleet.",
    )
    require_risk_confirmation: bool = Field(
        default=False,
        description="Updates that weaken a pool (HIGH risk) need confirmHighRisk: true.",
    )
    tracing: bool = Field(default=False, description="OpenTelemetry; exporter from OTEL_*.")
    shutdown_timeout_seconds: float = Field(
        default=30.0, gt=0, description="On SIGTERM, how long in-flight requests may finish."
    )

    @field_validator(*LIST_FIELDS, mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
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

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("auth_mode", "jwt_token_use", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

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

    @field_validator("history_url")
    @classmethod
    def _history_url(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise ValueError(
                "expected sqlite+aiosqlite:///<file> or postgresql+asyncpg://user:password@host/db"
            )
        return value

    @field_validator("sensitive_members")
    @classmethod
    def _known_members(cls, members: list[str]) -> list[str]:
        unknown = sorted(set(members) - model.writable_members())
        if unknown:
            raise ValueError(f"not UpdateUserPool members: {', '.join(unknown)}")
        return members

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

    @property
    def call_budget_seconds(self) -> float:
        """How long one Cognito call may take, botocore's retries included."""
        return self.upstream_timeout_seconds * self.upstream_max_attempts

    def check_locks(self) -> None:
        """The lease must outlast a Cognito call with room for renewal; raises ValueError.

        A writer checks right before each Cognito write that its lease has the
        call budget left; renewed every third of the lease, a lease of at
        least 1.5 x the budget always has.
        """
        if self.redis_url and self.lock_timeout_seconds < 1.5 * self.call_budget_seconds:
            raise ValueError(
                f"GATEWAY_LOCK_TIMEOUT_SECONDS={self.lock_timeout_seconds:g} must be at least "
                "1.5 x GATEWAY_UPSTREAM_TIMEOUT_SECONDS x GATEWAY_UPSTREAM_MAX_ATTEMPTS "
                f"({1.5 * self.call_budget_seconds:g}): a write must never outlive its lock"
            )

    def check_auth(self) -> None:
        """Refuse settings that would expose the gateway; raises ValueError."""
        if self.auth_mode == "none" and not is_loopback(self.host):
            raise ValueError(
                "GATEWAY_AUTH_MODE=none is only allowed on a loopback address "
                f"(GATEWAY_HOST={self.host}); use api-key or jwt"
            )
        if self.auth_mode == "api-key" and not self.api_keys:
            raise ValueError("GATEWAY_AUTH_MODE=api-key needs GATEWAY_API_KEYS")
        if self.auth_mode == "jwt":
            missing = [
                name
                for name, value in (
                    ("GATEWAY_JWT_JWKS_URL", self.jwt_jwks_url),
                    ("GATEWAY_JWT_ISSUER", self.jwt_issuer),
                    ("GATEWAY_JWT_AUDIENCE", self.jwt_audience),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"GATEWAY_AUTH_MODE=jwt needs {', '.join(missing)}")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
