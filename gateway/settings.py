"""Configuration from ``GATEWAY_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting the gateway reads. Names map to ``GATEWAY_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    region: str = Field(default="us-east-1", description="Default Region for listing pools.")
    cognito_endpoint_url: str | None = Field(
        default=None, description="Cognito endpoint; unset means real AWS."
    )
    cache_ttl_seconds: float = Field(default=5.0, ge=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
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
    quota_reads_per_second: float = Field(default=10.0, gt=0)
    quota_updates_per_second: float = Field(default=10.0, gt=0)
    aws_account_id: str | None = Field(
        default=None, description="Names the shared quota bucket (per account and Region)."
    )
