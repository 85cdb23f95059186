"""strawberry extensions of ours: operation metrics, and a parser cache that reports errors."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from gateway.api.documents import Documents
from gateway.observability.metrics import Metrics

MAX_NAME_LENGTH = 64
MAX_OPERATION_NAMES = 100


class OperationNames:
    """Bounded ``operation`` label values: a client's ``operationName`` counts only when
    the document parsed and defines it, cut to 64 characters, and only the first 100
    distinct names get series of their own; the rest fold into ``other``."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def label(self, context: Any) -> str:
        document = context.graphql_document
        if document is None:
            return "invalid"
        defined = {
            d.name.value
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode) and d.name is not None
        }
        name: str | None = context.operation_name
        if name is None:
            return "anonymous"
        if name not in defined:
            return "invalid"
        name = name[:MAX_NAME_LENGTH]
        if name not in self._seen:
            if len(self._seen) >= MAX_OPERATION_NAMES:
                return "other"
            self._seen.add(name)
        return name

    def for_cached(self, name: str | None) -> str:
        """The label of an answer served from the response cache: it executed before under
        the same operation name, so that name has its label already (or folded)."""
        if name is None:
            return "anonymous"
        return name[:MAX_NAME_LENGTH] if name[:MAX_NAME_LENGTH] in self._seen else "other"


class MetricsExtension(SchemaExtension):
    def __init__(self, *, metrics: Metrics, names: OperationNames) -> None:
        self._metrics = metrics
        self._names = names

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        name = self._names.label(context)
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


class SharedParse(SchemaExtension):
    """strawberry's parse step takes the document the edge already parsed
    (``api/documents.py``: one parse, one cache, one token limit per document). A
    document that fails to parse is left to strawberry's own parse step, which reports
    the syntax error as a normal GraphQL error (masked and coded like every other)."""

    def __init__(self, *, documents: Documents) -> None:
        self._documents = documents

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            with contextlib.suppress(GraphQLError):
                context.graphql_document = self._documents.parse(context.query)
        yield


class TracingExtension(SchemaExtension):
    """One SERVER span per GraphQL operation, named ``{type} {name}`` with
    ``graphql.operation.name`` and ``graphql.operation.type`` (OpenTelemetry's GraphQL
    conventions). Never the document or argument values: a patch can carry secrets
    (``externalId``) that the audit redacts, and spans leave the process."""

    def on_operation(self) -> Iterator[None]:
        from opentelemetry import trace

        tracer = trace.get_tracer("gateway.graphql")
        with tracer.start_as_current_span("GraphQL", kind=trace.SpanKind.SERVER) as span:
            yield
            context = self.execution_context
            try:
                kind = context.operation_type.value
            except RuntimeError:  # the document did not parse
                kind = "unknown"
            name = context.operation_name
            span.set_attribute("graphql.operation.type", kind)
            if name:
                span.set_attribute("graphql.operation.name", name[:MAX_NAME_LENGTH])
            span.update_name(f"{kind} {name[:MAX_NAME_LENGTH]}" if name else kind)
