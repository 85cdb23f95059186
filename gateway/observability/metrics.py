"""Prometheus metrics, one registry per app (so several apps can share a process).

What a dashboard for the gateway wants: GraphQL requests by operation and
outcome with latency, Cognito calls by operation and outcome with latency,
cache hits and misses, single-flight joins, write retries by reason,
coalesced writes, and how long writes wait for a pool's lock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


def build_version() -> str:
    try:
        return version("cognito-pool-gateway")
    except PackageNotFoundError:
        return "unknown"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        # process_* (CPU, memory, open files), python_gc_* and python_info, which a
        # registry of our own would otherwise drop.
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            r.register(collector)
        self.build_info = Gauge(
            "gateway_build_info", "The running build (always 1).", ["version"], registry=r
        )
        self.build_info.labels(build_version()).set(1)
        self.http_responses = Counter(
            "gateway_http_responses",
            "HTTP responses by route family and status (401 and 413 included).",
            ["path", "status"],
            registry=r,
        )
        self.http_in_flight = Gauge(
            "gateway_http_requests_in_flight", "HTTP requests being served now.", registry=r
        )
        self.pubsub_connected = Gauge(
            "gateway_redis_pubsub_connected",
            "1 while the cache invalidation subscription is live.",
            registry=r,
        )
        self.quota_wait_seconds = Histogram(
            "gateway_quota_wait_seconds",
            "Time a Cognito call waited for the account's quota bucket.",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.graphql_requests = Counter(
            "gateway_graphql_requests",
            "GraphQL operations by name, type and outcome.",
            ["operation", "type", "outcome"],
            registry=r,
        )
        self.graphql_seconds = Histogram(
            "gateway_graphql_request_seconds",
            "GraphQL operation latency.",
            ["operation", "type"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.grpc_requests = Counter(
            "gateway_grpc_requests",
            "gRPC calls by method and status code.",
            ["method", "code"],
            registry=r,
        )
        self.grpc_seconds = Histogram(
            "gateway_grpc_request_seconds",
            "gRPC call latency.",
            ["method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.upstream_calls = Counter(
            "gateway_cognito_calls",
            "Cognito API calls by operation and outcome.",
            ["operation", "outcome"],
            registry=r,
        )
        self.upstream_seconds = Histogram(
            "gateway_cognito_call_seconds",
            "Cognito API call latency (with transport retries).",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.cache_lookups = Counter(
            "gateway_cache_lookups",
            "DescribeUserPool cache lookups by result.",
            ["result"],
            registry=r,
        )
        self.single_flight_joins = Counter(
            "gateway_single_flight_joins",
            "Reads that joined a DescribeUserPool already in flight.",
            registry=r,
        )
        self.update_retries = Counter(
            "gateway_update_retries",
            "Read-modify-write attempts retried, by reason.",
            ["reason"],
            registry=r,
        )
        self.coalesced_writes = Counter(
            "gateway_coalesced_writes",
            "Patches that shared a write with an earlier patch.",
            registry=r,
        )
        self.writes = Counter(
            "gateway_writes", "Read-modify-write batches sent to Cognito.", registry=r
        )
        self.response_cache = Counter(
            "gateway_response_cache_lookups",
            "Repeated reads answered without execution (hit).",
            ["result"],
            registry=r,
        )
        self.response_cache_bytes = Gauge(
            "gateway_response_cache_bytes",
            "Bytes held by the response cache (bounded by GATEWAY_RESPONSE_CACHE_MAX_BYTES).",
            registry=r,
        )
        self.lock_wait_seconds = Histogram(
            "gateway_lock_wait_seconds",
            "Time a write waited for its pool's lock.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )

        self.redis_up = Gauge(
            "gateway_redis_up",
            "1 while Redis (shared cache, write lock, quota) answers, 0 during an outage.",
            registry=r,
        )
        self.redis_wait_seconds = Histogram(
            "gateway_redis_wait_seconds",
            "Time a write waited for Redis (outage ride-through, restart quarantine).",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.lock_lost = Counter(
            "gateway_lock_lost",
            "Write attempts abandoned before writing because the lock's lease was lost.",
            registry=r,
        )
        self.unconfirmed_writes = Counter(
            "gateway_unconfirmed_writes",
            "Writes Cognito accepted whose read-back failed (answered from the plan).",
            registry=r,
        )
        self.external_concurrent_writes = Counter(
            "gateway_external_concurrent_writes",
            "Writes after which a setting they did not touch had changed (a writer outside "
            "the gateway).",
            registry=r,
        )
        self.history_records = Counter(
            "gateway_history_records",
            "Pool versions recorded in the history, by source (GATEWAY or EXTERNAL).",
            ["source"],
            registry=r,
        )
        self.history_errors = Counter(
            "gateway_history_errors",
            "History reads or writes that failed (the pool read or write itself went on).",
            registry=r,
        )
        self.history_spooled = Gauge(
            "gateway_history_spooled",
            "Journal entries waiting to become history rows: writes the history database "
            "could not take yet, and intents whose outcome is not known yet.",
            registry=r,
        )
        self.history_replayed = Counter(
            "gateway_history_replayed",
            "Journaled writes recorded in the history once its database took them.",
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)

    @contextmanager
    def upstream(self, operation: str) -> Iterator[dict[str, str]]:
        """Times one Cognito call; the caller sets ``outcome`` in the yielded dict."""
        result = {"outcome": "ok"}
        started = time.perf_counter()
        try:
            yield result
        finally:
            self.upstream_seconds.labels(operation).observe(time.perf_counter() - started)
            self.upstream_calls.labels(operation, result["outcome"]).inc()


NO_METRICS = Metrics()
"""A sink for parts built without an app (tests of single parts, the demo's seeding)."""
