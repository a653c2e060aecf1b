"""The Kaeru server: routers, the staff screens, and the background workers started with it."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from wms.context import Kaeru
from wms.http import BodyLimit, install_error_handlers
from wms.settings import Settings, get_settings

# Routers by dotted path; an area that is not installed yet is simply absent from this list.
ROUTERS = [
    "wms.identity.api",
    "wms.inventory.api",
    "wms.fulfilment.api",
    "wms.scanning.api",
]
# Modules that register scan handlers, listeners or workers when imported.
PLUGINS = ["wms.fulfilment.scans"]
# Background workers: async callables started with the app and cancelled at shutdown.
Worker = Callable[[Kaeru], Awaitable[None]]
WORKERS: list[Callable[[FastAPI, Kaeru], Any]] = []


def create_app(settings: Settings | None = None, *, kaeru: Kaeru | None = None) -> FastAPI:
    settings = settings or get_settings()
    kaeru = kaeru or Kaeru.from_settings(settings)
    for name in PLUGINS:
        importlib.import_module(name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stops = []
        for start in WORKERS:
            stop = await start(app, kaeru)
            if stop is not None:
                stops.append(stop)
        try:
            yield
        finally:
            for stop in reversed(stops):
                await stop()

    app = FastAPI(
        title="Kaeru",
        version="0.1.0",
        description="Warehouse fulfilment and reverse logistics: stock, picks, packs, shipments, returns.",
        lifespan=lifespan,
    )
    app.state.kaeru = kaeru
    install_error_handlers(app)
    for name in ROUTERS:
        app.include_router(importlib.import_module(name).router)

    @app.get("/healthz", tags=["platform"], summary="Liveness and database reachability")
    def healthz() -> dict[str, str]:
        from sqlalchemy import text

        with kaeru.db.read() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "database": kaeru.db.dialect}

    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
