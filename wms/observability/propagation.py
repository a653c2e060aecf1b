"""A trace's context carried from the request that wrote an outbox row to the relay that delivers it.

While a request is traced, each outbox payload it writes gets the W3C `traceparent` of the span then
current under TRACE_KEY; the relay's delivery span links to it and the key is taken off before the
message goes out (`wms.observability.tracing`). Untraced, a payload is left exactly as it was, for the
cost of one context look-up. Only the OpenTelemetry API is imported here (the outbox imports this).
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACE_KEY = "_kaeru_trace"
_propagator = TraceContextTextMapPropagator()


def carry_trace(payload: dict[str, Any]) -> dict[str, Any]:
    """`payload`, with the current trace's context added when a span is being recorded."""
    if not trace.get_current_span().is_recording():
        return payload
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return {**payload, TRACE_KEY: carrier["traceparent"]} if "traceparent" in carrier else payload


def span_context_of(payload: dict[str, Any]) -> trace.SpanContext | None:
    """The span context a payload carries, if any."""
    parent = payload.get(TRACE_KEY)
    if not isinstance(parent, str):
        return None
    context = trace.get_current_span(_propagator.extract({"traceparent": parent})).get_span_context()
    return context if context.is_valid else None


def without_trace(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != TRACE_KEY} if TRACE_KEY in payload else payload
