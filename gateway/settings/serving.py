"""Settings of the surfaces: serving HTTP, gRPC, CORS, and telemetry."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from gateway.settings.values import Group, Lowered, StrList, upper


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
