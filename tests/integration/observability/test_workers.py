"""`kaeru serve --workers 2`: any worker's /metrics answers for both (prometheus-client's multiprocess
mode), and every line the server logs is JSON when KAERU_LOG_FORMAT=json. Real processes, real sockets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.integration.observability.scrape import value
from tests.live_server import free_port
from wms.migrations.runner import upgrade

PG_ADMIN_URL = os.environ.get("KAERU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory) -> Iterator[tuple[str, Path]]:  # type: ignore[no-untyped-def]
    """One server for the module (two workers take a while to start on two busy cores); yields its URL
    and the file its log lines go to."""
    tmp_path = tmp_path_factory.mktemp("workers")
    log = tmp_path / "server.log"
    name = f"kaeru_workers_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    port = free_port()
    env = {
        **os.environ,
        "KAERU_ENVIRONMENT": "test",
        "KAERU_DATABASE_URL": url,
        "KAERU_LIVE_BUS_URL": url,
        "KAERU_RUN_RELAY": "false",
        "KAERU_LOG_FORMAT": "json",
        "KAERU_DB_POOL_SIZE": "4",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "wms.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not become ready")
            time.sleep(0.3)
        yield base, log
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_get(url: str) -> httpx.Response:
    """A request on a connection of its own: the kernel hands each to whichever worker accepts first."""
    with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0)) as client:
        return client.get(url, timeout=10)


def test_any_worker_reports_the_requests_of_both(two_workers) -> None:  # type: ignore[no-untyped-def]
    base, _log = two_workers
    before = fresh_get(f"{base}/metrics").text
    served = 40
    for _ in range(served):
        assert fresh_get(f"{base}/healthz").status_code == 200
    counted = "kaeru_http_request_duration_seconds_count"
    labels = {"method": "GET", "route": "/healthz", "status": "200"}
    seen = set()
    for _ in range(12):
        scraped = fresh_get(f"{base}/metrics").text
        assert value(scraped, "kaeru_server_processes") == 2  # both workers' samples, whichever answered
        seen.add(value(scraped, counted, **labels) - value(before, counted, **labels))
    assert seen == {served}


def test_the_server_logs_json_lines_when_told_to(two_workers) -> None:  # type: ignore[no-untyped-def]
    base, log = two_workers
    fresh_get(f"{base}/healthz")
    time.sleep(0.5)  # the access line is written after the answer
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert lines
    records = [json.loads(line) for line in lines]  # every line, uvicorn's own included
    assert all({"time", "level", "logger", "message", "trace_id"} <= set(r) for r in records)
    assert any(r["logger"] == "uvicorn.access" and "/healthz" in r["message"] for r in records)
