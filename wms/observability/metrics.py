"""The metrics each server process keeps, and the request-latency middleware.

A leaf module (it imports only prometheus-client and the ASGI types), so that `wms.db` and the scan
service can count into it. Counters and histograms work in one process and, with
PROMETHEUS_MULTIPROC_DIR set (`kaeru serve --workers N` sets it), across several: each process writes
its own files and any worker's /metrics adds them up. Gauges of a process's own state (its pool, its
dashboard clients) are sampled every few seconds (`wms.observability.sampler`) and summed over the live
processes; what lives in the database (outbox, devices) is read at scrape time
(`wms.observability.collectors`).
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_SECONDS = Histogram(
    "kaeru_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by route template (not raw path).",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SCANS = Counter(
    "kaeru_scans_total", "Scans ingested, by outcome and by what the device was doing.", ["outcome", "mode"]
)
DB_RETRIES = Counter(
    "kaeru_db_retries_total",
    "Write transactions run again after a serialization failure, deadlock, busy SQLite or dropped connection"
    " (reservations racing for the same stock show up here).",
    ["reason"],
)
RETRY_REASONS = ("serialization_failure", "deadlock", "sqlite_busy", "connection_lost")
for _reason in RETRY_REASONS:  # reported as 0 from the start: rate() and alerts need a first sample
    DB_RETRIES.labels(_reason)
POOL_IN_USE = Gauge(
    "kaeru_db_pool_in_use", "Pooled database connections checked out, summed over live processes.",
    multiprocess_mode="livesum",
)  # fmt: skip
POOL_LIMIT = Gauge(
    "kaeru_db_pool_limit", "Connections the pools may hold (kept plus overflow), summed over live processes.",
    multiprocess_mode="livesum",
)  # fmt: skip
LIVE_CLIENTS = Gauge(
    "kaeru_live_clients", "Dashboard WebSocket clients connected, summed over live processes.",
    multiprocess_mode="livesum",
)  # fmt: skip
PROCESSES = Gauge(
    "kaeru_server_processes", "Server processes reporting (each counts 1).", multiprocess_mode="livesum"
)

UNMATCHED = "<unmatched>"  # a path no route took (404s): one label, however many paths are tried


def count_scan(outcome: str, mode: str) -> None:
    SCANS.labels(outcome, mode).inc()


def count_retry(exc: BaseException) -> None:
    """One more retried transaction, by why (`wms.db.is_retryable` already said it is retryable)."""
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate == "40001":
        reason = "serialization_failure"
    elif sqlstate == "40P01":
        reason = "deadlock"
    elif "database is locked" in str(orig):
        reason = "sqlite_busy"
    else:
        reason = "connection_lost"
    DB_RETRIES.labels(reason).inc()


class RequestMetrics:
    """ASGI middleware: one histogram observation per HTTP request, labelled by its route's template.

    Pure ASGI (no BaseHTTPMiddleware, which costs a task and a queue per request). The route is read
    after the app ran: Starlette leaves the matched route in the request's scope.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception that escapes the app answers 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            REQUEST_SECONDS.labels(scope["method"], route_of(scope), str(status)).observe(
                time.perf_counter() - started
            )


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED
