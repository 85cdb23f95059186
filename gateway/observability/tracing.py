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


@contextlib.contextmanager
def span(name: str, **attributes: str) -> Iterator[None]:
    """A span around an upstream call when tracing is on; nothing otherwise."""
    if not _enabled:
        yield
        return
    from opentelemetry import trace

    with trace.get_tracer("gateway").start_as_current_span(name, attributes=attributes):
        yield
