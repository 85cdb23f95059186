"""A strawberry extension that counts and times every GraphQL operation."""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from gateway.metrics import Metrics


class MetricsExtension(SchemaExtension):
    def __init__(self, *, metrics: Metrics) -> None:
        self._metrics = metrics

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        name = context.operation_name or "anonymous"
        try:
            kind = context.operation_type.value
        except RuntimeError:  # the document did not parse
            kind = "unknown"
        errors = getattr(context.result, "errors", None) or context.pre_execution_errors or []
        outcome = "ok"
        if errors:
            outcome = str((errors[0].extensions or {}).get("code", "BAD_USER_INPUT"))
        self._metrics.graphql_requests.labels(name, kind, outcome).inc()
        self._metrics.graphql_seconds.labels(name, kind).observe(time.perf_counter() - started)
