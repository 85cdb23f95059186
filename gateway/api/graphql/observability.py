"""strawberry extensions of ours: operation metrics, and a parser cache that reports errors."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension

from gateway.observability.metrics import Metrics


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


class ReportingParserCache(ParserCache):
    """strawberry's ParserCache, except that a document that fails to parse is
    left to strawberry's own parse step, which reports the syntax error as a
    normal GraphQL error (masked and coded like every other) instead of raising."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        yield
