"""Plugs observability into a server: the metrics middleware and /metrics, /readyz, tracing when an
OTLP endpoint is configured, and a sampler of this process's own state. One call from create_app."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry

from wms.context import Kaeru
from wms.observability import health, metrics, tracing
from wms.observability.collectors import DatabaseCollector
from wms.observability.exposition import render

SAMPLE_EVERY_S = 2.0
SPAN_EXPORTER = "observability.span_exporter"  # kaeru.extras: a span exporter instead of OTLP (tests)


def install(app: FastAPI, kaeru: Kaeru) -> None:
    settings = kaeru.settings
    app.state.kaeru_migration_heads = health.migration_heads(kaeru.db.url)
    app.include_router(health.router)
    provider = tracing.tracer_provider(settings, kaeru.extras.get(SPAN_EXPORTER))
    if provider is not None:
        tracing.instrument_app(app, kaeru.db.engine, provider)
    if settings.metrics_enabled:
        database = CollectorRegistry()
        database.register(DatabaseCollector(kaeru.db))
        app.add_middleware(metrics.RequestMetrics)
        _add_metrics_endpoint(app, kaeru, database)
    _around_lifespan(app, kaeru, sampling=settings.metrics_enabled, provider=provider)


def _add_metrics_endpoint(app: FastAPI, kaeru: Kaeru, database: CollectorRegistry) -> None:
    token = kaeru.settings.metrics_token

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint(request: Request) -> Response:
        if token:
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not secrets.compare_digest(given, token):
                return Response("metrics need the bearer token (KAERU_METRICS_TOKEN)\n", status_code=401)
        sample(kaeru)  # this process's own gauges as of now
        body, content_type = render(database)
        return Response(body, media_type=content_type)


def sample(kaeru: Kaeru) -> None:
    """This process's pool and dashboard clients into the gauges (summed over processes when several)."""
    from wms.live.publish import ALL_WAREHOUSES

    pool: Any = kaeru.db.engine.pool
    with contextlib.suppress(AttributeError):  # a pool without these counts (not a QueuePool)
        metrics.POOL_IN_USE.set(pool.checkedout())
        metrics.POOL_LIMIT.set(pool.size() + max(0, pool._max_overflow))
    bus = kaeru.extras.get("live.bus")
    metrics.LIVE_CLIENTS.set(
        bus.subscribers(ALL_WAREHOUSES) if bus is not None else 0
    )  # every dashboard listens there
    metrics.PROCESSES.set(1)


def _around_lifespan(app: FastAPI, kaeru: Kaeru, *, sampling: bool, provider: Any) -> None:
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        sampler = asyncio.create_task(_sample_forever(kaeru), name="metrics sampler") if sampling else None
        try:
            async with inner(app) as state:
                yield state
        finally:
            if sampler is not None:
                sampler.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sampler
            if provider is not None:
                provider.shutdown()  # flush the spans still in the batch

    app.router.lifespan_context = lifespan


async def _sample_forever(kaeru: Kaeru) -> None:
    while True:
        sample(kaeru)
        await asyncio.sleep(SAMPLE_EVERY_S)
