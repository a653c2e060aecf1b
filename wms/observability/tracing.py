"""OpenTelemetry traces, exported over OTLP/HTTP only when an endpoint is configured.

KAERU_OTLP_ENDPOINT (a collector's base URL, e.g. http://otel-collector:4318) or the standard
OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT turns tracing on; the standard
OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER(_ARG) and OTEL_RESOURCE_ATTRIBUTES apply. Without one, nothing
is instrumented and a request pays nothing for it.

Traced: each HTTP request (FastAPI), each SQL statement (SQLAlchemy's engine events, and Kaeru's
`wms.db.Direct` statements, which bypass those events and are wrapped here), each httpx request
(webhooks), and each delivery of outbox messages by the relay, as a consumer span linked to the spans of
the requests that wrote the messages (`wms.observability.propagation`). The Direct statements and the
relay are wrapped the way OpenTelemetry's own instrumentations wrap libraries, so the scan path and the
notify area carry no tracing code; a change of those function names fails
tests/integration/observability/test_tracing.py.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from fastapi import FastAPI
from opentelemetry import metrics as otel_metrics
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from sqlalchemy.engine import Engine

from kaeru_config.settings import Settings
from wms.observability.propagation import span_context_of, without_trace

EXCLUDED_URLS = "/metrics,/healthz,/readyz"
_tracer: trace.Tracer | None = None  # the tracer of the wrapped functions below (one per process)
_wrapped: dict[str, Any] = {}  # what was wrapped, with the original


def otlp_endpoint(settings: Settings) -> str | None:
    return (
        settings.otlp_endpoint
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or None
    )


def tracer_provider(settings: Settings, exporter: SpanExporter | None = None) -> TracerProvider | None:
    """A provider exporting to the configured OTLP endpoint (or to `exporter`, for tests); None: untraced."""
    if exporter is not None:
        processor: Any = SimpleSpanProcessor(exporter)
    elif otlp_endpoint(settings):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        if settings.otlp_endpoint:  # a base URL, as the standard variable takes it
            otlp = OTLPSpanExporter(endpoint=settings.otlp_endpoint.rstrip("/") + "/v1/traces")
        else:
            otlp = OTLPSpanExporter()  # reads the standard variables
        processor = BatchSpanProcessor(otlp)
    else:
        return None
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "kaeru")})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(processor)
    return provider


def instrument_app(app: FastAPI, engine: Engine, provider: TracerProvider) -> None:
    """Trace this server's requests and its database's statements, the relay and httpx."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, excluded_urls=EXCLUDED_URLS, exclude_spans=["receive", "send"]
    )
    instrument_engine(engine, provider)
    instrument_process(provider)


def instrument_engine(engine: Engine, provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    usage = otel_metrics.get_meter(__name__).create_up_down_counter("db.client.connections.usage")
    EngineTracer(provider.get_tracer("opentelemetry.instrumentation.sqlalchemy"), engine, usage)


def instrument_process(provider: TracerProvider) -> None:
    """What is instrumented once per process: Direct statements, the relay's deliveries, httpx."""
    global _tracer
    _tracer = provider.get_tracer("kaeru")
    import wms.db
    from wms.notify.relay import Relay

    if "direct" not in _wrapped:
        _wrapped["direct"] = wms.db._execute
        wms.db._execute = _traced_execute(wms.db._execute)
    if "relay" not in _wrapped:
        _wrapped["relay"] = Relay.deliver
        Relay.deliver = _traced_deliver(Relay.deliver)  # type: ignore[method-assign]
    if "httpx" not in _wrapped:
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor().instrument(tracer_provider=provider)
        _wrapped["httpx"] = None


def uninstrument_process() -> None:
    """Put back what `instrument_process` wrapped (a test that traced leaves the next one untraced)."""
    global _tracer
    import wms.db
    from wms.notify.relay import Relay

    if "direct" in _wrapped:
        wms.db._execute = _wrapped.pop("direct")
    if "relay" in _wrapped:
        Relay.deliver = _wrapped.pop("relay")  # type: ignore[method-assign]
    if _wrapped.pop("httpx", False) is None:
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor().uninstrument()
    _tracer = None


def configure_process(settings: Settings) -> TracerProvider | None:
    """For a process without the HTTP app (the standalone relay): trace every engine it will create."""
    provider = tracer_provider(settings)
    if provider is None:
        return None
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    trace.set_tracer_provider(provider)
    SQLAlchemyInstrumentor().instrument(tracer_provider=provider)
    instrument_process(provider)
    return provider


def _traced_execute(execute: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
    @functools.wraps(execute)
    def traced(connection: Any, sql: str, parameters: Any, returns_rows: bool) -> list[Any]:
        # Only inside a traced operation: the relays poll the outbox all day long.
        if _tracer is None or not trace.get_current_span().is_recording():
            return execute(connection, sql, parameters, returns_rows)
        operation = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "SQL"
        with _tracer.start_as_current_span(
            operation,
            kind=trace.SpanKind.CLIENT,
            attributes={"db.system": connection.dialect.name, "db.statement": sql, "kaeru.direct": True},
        ):
            return execute(connection, sql, parameters, returns_rows)

    return traced


def _traced_deliver(deliver: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(deliver)
    async def traced(self: Any, claimed: Sequence[Any]) -> Any:
        if _tracer is None or not claimed:
            return await deliver(self, claimed)
        links = [trace.Link(c) for c in (span_context_of(m.payload) for m in claimed) if c is not None]
        plain = [replace(m, payload=without_trace(m.payload)) for m in claimed]
        channels = sorted({m.channel for m in claimed})
        with _tracer.start_as_current_span(
            f"outbox deliver {'+'.join(channels)}",
            kind=trace.SpanKind.CONSUMER,
            links=links,
            attributes={
                "messaging.system": "kaeru.outbox",
                "messaging.operation": "process",
                "messaging.batch.message_count": len(plain),
                "messaging.destination.name": ",".join(channels),
            },
        ):
            return await deliver(self, plain)

    return traced
