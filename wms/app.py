"""The Kaeru server: routers, the staff screens, and the background workers started with it."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from kaeru_config.settings import Settings, get_settings
from wms.areas import modules
from wms.context import Kaeru
from wms.docs import install as install_docs
from wms.http import BodyLimit, InputGuard, Options, install_error_handlers
from wms.i18n import Language
from wms.observability.wiring import install as install_observability
from wms.openapi import install as install_openapi


def create_app(settings: Settings | None = None, *, kaeru: Kaeru | None = None) -> FastAPI:
    settings = settings or get_settings()
    kaeru = kaeru or Kaeru.from_settings(settings)
    import wms.tables  # noqa: F401 - the whole schema is known before any plugin starts

    plugins = modules("plugin")
    for plugin in plugins:
        if hasattr(plugin, "configure"):
            plugin.configure(kaeru)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync endpoints run in a thread each; with more threads than pooled connections, the extra
        # ones would open (and, on PostgreSQL, fork) a connection per request. A request beyond the
        # pool waits for a thread instead.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.db_pool_size
        stops = []
        for plugin in plugins:
            if hasattr(plugin, "start"):
                stop = await plugin.start(app, kaeru)
                if stop is not None:
                    stops.append(stop)
        # Everything built so far (routes, models, the schema, config) lives as long as the server.
        # Left in the collector's care, each full collection walks all of it: 40-110 ms pauses that
        # were the whole of the scan path's p99. Frozen, a full collection sees only request garbage.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()  # a server stopped in a longer-lived process (tests) can be collected
            for stop in reversed(stops):
                await stop()

    app = FastAPI(
        title="Kaeru",
        version="0.1.0",
        description="Warehouse fulfilment and reverse logistics: stock, picks, packs, shipments, returns.",
        lifespan=lifespan,
        docs_url=None,  # served from local assets by wms.docs, after the API's routes
        redoc_url=None,
    )
    app.state.kaeru = kaeru
    install_error_handlers(app)
    # Routes are matched in order, one by one: the scan endpoints, hit a few hundred times a second
    # by every handheld, are tried first (their paths overlap no other area's).
    for api in sorted(modules("api"), key=lambda m: m.__name__ != "wms.scanning.api"):
        app.include_router(api.router)

    @app.get("/healthz", tags=["platform"], summary="Liveness and database reachability")
    def healthz() -> dict[str, str]:
        from sqlalchemy import text

        with kaeru.db.read() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "database": kaeru.db.dialect}

    install_openapi(app)
    install_docs(app)
    app.add_middleware(Options, routes=app.routes)
    app.add_middleware(Language)
    app.add_middleware(InputGuard)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    install_observability(app, kaeru)  # /metrics, /readyz, traces when configured (outermost middleware)
    return app
