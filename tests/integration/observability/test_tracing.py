"""A traced scan, with OpenTelemetry's own SDK and its in-memory exporter: the request's span, the SQL
statements under it (Kaeru's Direct statements too), and the relay's delivery of the scan's live event
as a span linked to the request. Log lines written inside carry the trace id."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from kaeru_config.settings import Settings
from tests.floor import Floor
from wms.context import Kaeru
from wms.live.bus import Bus
from wms.live.publish import LiveChannel
from wms.notify.config import RelaySpec
from wms.notify.model import RetryPolicy
from wms.notify.relay import Relay
from wms.observability.logging import TraceContext, log_config
from wms.observability.propagation import TRACE_KEY
from wms.observability.tracing import uninstrument_process
from wms.observability.wiring import SPAN_EXPORTER


@pytest.fixture
def traced(kaeru: Kaeru) -> Iterator[tuple[Floor, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    kaeru.extras[SPAN_EXPORTER] = exporter
    floor = Floor(kaeru)
    yield floor, exporter
    floor.close()
    uninstrument_process()


def deliver_live(kaeru: Kaeru) -> list[dict]:
    """Run a live relay until the outbox is empty; the events the bus carried."""

    async def run() -> list[dict]:
        bus, seen = Bus("memory://"), []
        relay = Relay(
            kaeru.db, {"live": LiveChannel(bus)}, policy=RetryPolicy(3, base_seconds=0.01), spec=RelaySpec()
        )
        async with bus.subscribe(["kaeru_live_wh_1"], lambda event: seen.append(event.data)):
            while await relay.run_once():
                pass
            await asyncio.sleep(0.05)  # the bus hands events to subscribers from its own task
        await bus.disconnect()
        return seen

    return asyncio.run(run())


def test_a_scan_is_traced_from_the_request_through_its_sql_to_the_relays_delivery(traced) -> None:  # type: ignore[no-untyped-def]
    floor, exporter = traced
    deliver_live(floor.kaeru)  # what setting up the floor wrote
    exporter.clear()
    floor.scan("LOC-A-01-1")
    spans = exporter.get_finished_spans()
    request = next(s for s in spans if s.kind == SpanKind.SERVER and s.name == "POST /api/v1/scans")
    in_request = [s for s in spans if s.context.trace_id == request.context.trace_id]
    sql = [s for s in in_request if s.attributes.get("db.statement")]
    assert sql, [s.name for s in in_request]
    assert any(s.attributes.get("kaeru.direct") for s in sql)  # the scan's own statements, not only the ORM's
    assert all(s.parent is not None for s in sql)

    events = deliver_live(floor.kaeru)
    scan_events = [e for e in events if e["topic"] == "scan"]
    assert len(scan_events) == 1
    assert TRACE_KEY not in scan_events[0]["payload"]  # the carrier does not leave Kaeru
    deliveries = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.CONSUMER]
    linked = [
        link.context
        for span in deliveries
        for link in span.links
        if link.context.trace_id == request.context.trace_id
    ]
    assert linked, [(s.name, s.links) for s in deliveries]
    assert {c.span_id for c in linked} <= {s.context.span_id for s in in_request}


def test_requests_left_out_by_sampling_record_nothing_unless_their_caller_sampled_them(
    kaeru: Kaeru, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0")
    exporter = InMemorySpanExporter()
    kaeru.extras[SPAN_EXPORTER] = exporter
    floor = Floor(kaeru)
    try:
        exporter.clear()
        floor.scan("LOC-A-01-1")
        assert exporter.get_finished_spans() == ()  # no request span, no SQL span
        trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
        floor.client.post(
            "/api/v1/scans",
            json={"raw": "LOC-A-01-1"},
            headers={
                **floor.headers("picker", "sampled-by-caller"),
                "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01",
            },
        )
        spans = exporter.get_finished_spans()
        assert {format(s.context.trace_id, "032x") for s in spans} == {trace_id}
        assert any(s.attributes.get("db.statement") for s in spans)
    finally:
        floor.close()
        uninstrument_process()


def test_json_log_lines_carry_the_trace_id_of_the_request_they_were_written_in(traced) -> None:  # type: ignore[no-untyped-def]
    floor, exporter = traced
    stream = io.StringIO()
    config = log_config(Settings(log_format="json"))
    handler = logging.StreamHandler(stream)
    formatter = config["formatters"]["kaeru"]
    handler.setFormatter(_formatter(formatter))
    handler.addFilter(TraceContext())
    logger = logging.getLogger("wms")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        logging.getLogger("wms.test").info("outside any request")
        with _logging_route(floor):
            floor.client.get("/__log")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    outside = next(line for line in lines if line["message"] == "outside any request")
    inside = next(line for line in lines if line["message"] == "inside a request")
    assert outside["trace_id"] == ""
    request = next(s for s in exporter.get_finished_spans() if s.name == "GET /__log")
    assert inside["trace_id"] == format(request.context.trace_id, "032x")
    assert (inside["level"], inside["logger"]) == ("INFO", "wms.test")


def _formatter(spec: dict) -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(spec["fmt"], rename_fields=spec["rename_fields"], timestamp=spec["timestamp"])


class _logging_route:
    """A route that logs one line, added for the test's duration."""

    def __init__(self, floor: Floor) -> None:
        self.floor = floor

    def __enter__(self) -> None:
        def log_one() -> dict:
            logging.getLogger("wms.test").info("inside a request")
            return {}

        self.floor.app.add_api_route("/__log", log_one, methods=["GET"])

    def __exit__(self, *exc: object) -> None:
        routes = self.floor.app.router.routes
        routes[:] = [r for r in routes if getattr(r, "path", "") != "/__log"]
