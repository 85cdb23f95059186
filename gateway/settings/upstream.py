"""Settings of what the gateway calls and keeps: Cognito, the caches, Redis, the history."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlparse

from pydantic import Field, field_validator

from gateway.settings.values import Group, StrList, data_directory


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
