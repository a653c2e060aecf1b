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

Sampling is decided at the edge, before any instrumentation runs: a request whose `traceparent` says
"sampled" is traced, one that says "not sampled" is not, and one without is traced with the probability
of OTEL_TRACES_SAMPLER(_ARG) (`parentbased_traceidratio` with `0.05`: one in twenty; unset: every one).
Requests left out pay nothing for tracing: OpenTelemetry's ASGI middleware and SQLAlchemy listeners
cost 0.1-0.3 ms per request and per statement even for spans they do not record (a scan is ~3 ms of
CPU), so they run only for sampled requests and only inside a recorded span. SQL spans are therefore
children of a traced operation, never roots (the relays poll the outbox all day).
"""

from __future__ import annotations

import functools
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from fastapi import FastAPI
from opentelemetry import metrics as otel_metrics
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased
from sqlalchemy.engine import Engine
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from kaeru_config.settings import Settings
from wms.observability.propagation import TRACE_KEY, span_context_of, without_trace

EXCLUDED_URLS = "/metrics,/healthz,/readyz"
_tracer: trace.Tracer | None = None  # the tracer of the wrapped functions below (one per process)
_ratio = 1.0  # the share of operations without a sampled parent that are traced
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
    # Every root span is started only for a sampled operation (`sample_ratio`, at the edge).
    provider = TracerProvider(resource=resource, sampler=ParentBased(ALWAYS_ON))
    provider.add_span_processor(processor)
    return provider


def sample_ratio() -> float:
    """The share of operations traced when no parent decided, from the standard OTEL_TRACES_SAMPLER."""
    sampler = os.environ.get("OTEL_TRACES_SAMPLER", "parentbased_always_on")
    if sampler.endswith("always_off"):
        return 0.0
    if sampler.endswith("traceidratio"):
        try:
            return min(1.0, max(0.0, float(os.environ.get("OTEL_TRACES_SAMPLER_ARG", "1.0"))))
        except ValueError:
            return 1.0
    return 1.0


def instrument_app(app: FastAPI, engine: Engine, provider: TracerProvider) -> None:
    """Trace this server's sampled requests and their statements, the relay and httpx."""
    app.add_middleware(SampledRequests, routes=app, provider=provider)
    instrument_engine(engine, provider)
    instrument_process(provider)


class SampledRequests:
    """ASGI middleware: a sampled request goes through OpenTelemetry's ASGI middleware (a server span
    named by its route template); any other goes straight on, untouched."""

    def __init__(self, app: ASGIApp, *, routes: FastAPI, provider: TracerProvider) -> None:
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        self.app = app
        self.routes = routes
        self.traced = OpenTelemetryMiddleware(
            app,
            excluded_urls=EXCLUDED_URLS,
            default_span_details=self._span_details,
            tracer_provider=provider,
            exclude_spans=["receive", "send"],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and _sampled(scope):
            await self.traced(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _span_details(self, scope: Scope) -> tuple[str, dict[str, Any]]:
        method = scope.get("method", "WEBSOCKET")
        for route in self.routes.router.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                path = getattr(route, "path", scope["path"])
                return f"{method} {path}", {"http.route": path}
        return method, {}


def _sampled(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"traceparent":
            flags = value.rsplit(b"-", 1)[-1]
            return flags[-1:] in (b"1", b"3", b"5", b"7", b"9", b"b", b"d", b"f")  # the sampled bit
    return _ratio >= 1.0 or random.random() < _ratio


def instrument_engine(engine: Engine, provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    class InsideTracesOnly(EngineTracer):  # type: ignore[misc]
        """SQLAlchemy's own statement spans, only inside a recorded span (see the module's docstring)."""

        def _before_cur_exec(self, conn: Any, cursor: Any, statement: Any, params: Any, *args: Any) -> Any:
            if not trace.get_current_span().is_recording():
                return statement, params
            return super()._before_cur_exec(conn, cursor, statement, params, *args)

    usage = otel_metrics.get_meter(__name__).create_up_down_counter("db.client.connections.usage")
    InsideTracesOnly(provider.get_tracer("opentelemetry.instrumentation.sqlalchemy"), engine, usage)


def instrument_process(provider: TracerProvider) -> None:
    """What is instrumented once per process: Direct statements, the relay's deliveries, httpx."""
    global _tracer, _ratio
    _tracer = provider.get_tracer("kaeru")
    _ratio = sample_ratio()
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
    import wms.db

    trace.set_tracer_provider(provider)
    make_engine = wms.db.make_engine

    def traced_engine(*args: Any, **kwargs: Any) -> Engine:
        engine = make_engine(*args, **kwargs)
        instrument_engine(engine, provider)
        return engine

    wms.db.make_engine = traced_engine  # the relay makes its engine after this
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
        carried = any(TRACE_KEY in m.payload for m in claimed)
        plain = [replace(m, payload=without_trace(m.payload)) for m in claimed] if carried else claimed
        if not links and not (_ratio >= 1.0 or random.random() < _ratio):
            return await deliver(self, plain)  # no traced request wrote these, and this batch is not sampled
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
