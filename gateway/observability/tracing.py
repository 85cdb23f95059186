"""OpenTelemetry tracing, off by default.

With ``GATEWAY_TRACING=true`` (and the ``tracing`` extra installed) the
gateway sets up a tracer provider whose exporter follows the standard
variables: ``OTEL_TRACES_EXPORTER`` (``otlp`` by default, or ``console``),
``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_SERVICE_NAME``, ... GraphQL operations
get spans from strawberry's extension (added by the GraphQL surface), Cognito
calls from :func:`span`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

_enabled = False


def enabled() -> bool:
    return _enabled


def configure(exporter: Any | None = None) -> None:
    """Install a tracer provider (once per process). ``exporter`` overrides OTEL_* (tests)."""
    global _enabled
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SimpleSpanProcessor,
    )

    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": os.environ.get("OTEL_SERVICE_NAME", "cognito-pool-gateway")}
        )
    )
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif os.environ.get("OTEL_TRACES_EXPORTER", "otlp") == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif os.environ.get("OTEL_TRACES_EXPORTER", "otlp") != "none":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _enabled = True


class SpanNotes:
    """Attributes learnt while a span runs (a request id from the answer); no-op when off."""

    def __init__(self, span: Any = None) -> None:
        self._span = span

    def set(self, key: str, value: str) -> None:
        if self._span is not None:
            self._span.set_attribute(key, value)


@contextlib.contextmanager
def client_span(operation: str, region: str) -> Iterator[SpanNotes]:
    """A CLIENT span around one Cognito call (OpenTelemetry's AWS SDK conventions).

    Only the operation, service and Region are recorded: never parameters.
    """
    if not _enabled:
        yield SpanNotes()
        return
    from opentelemetry import trace

    attributes = {
        "rpc.system": "aws-api",
        "rpc.service": "CognitoIdentityProvider",
        "rpc.method": operation,
        "cloud.region": region,
    }
    tracer = trace.get_tracer("gateway")
    with tracer.start_as_current_span(
        f"CognitoIdentityProvider/{operation}", kind=trace.SpanKind.CLIENT, attributes=attributes
    ) as current:
        yield SpanNotes(current)


def current_ids() -> dict[str, str]:
    """``trace_id``/``span_id`` of the current span, for log lines (empty when off)."""
    if not _enabled:
        return {}
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}
