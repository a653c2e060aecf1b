"""Two server processes sharing PostgreSQL and Redis: each one's dashboard sees the other's scans.

Each process is a real `uvicorn wms.app:create_app --factory` with its own outbox relay; the scan is
posted to B, its live event is relayed by whichever relay claims it, and reaches the dashboard held
by A through Redis. The processes are started once for the module (they take seconds to import).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlmodel import SQLModel
from websockets.asyncio.client import connect

import wms.tables  # noqa: F401 - every table on the metadata
from kaeru_config.settings import ROOT
from kaeru_config.site import load_site
from tests.live_server import free_port
from wms.db import Database
from wms.identity.service import add_user, issue_user_token
from wms.site import apply_site

PG_ADMIN_URL = os.environ.get("KAERU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class TwoServers:
    a: str
    b: str
    manager: str
    picker: str


def _staff(db: Database, role: str, warehouse_id: int) -> str:
    def work(session):  # type: ignore[no-untyped-def]
        user = add_user(
            session, username=role, role=role, password="correct horse battery", warehouse_id=warehouse_id
        )
        return issue_user_token(session, user)

    return db.write(work)


def _start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "wms.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{url} exited:\n{log.read_text(errors='replace')[-3000:]}"
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not start:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoServers]:
    name = f"kaeru_two_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    processes: list[subprocess.Popen[bytes]] = []
    try:
        db = Database(database_url)
        SQLModel.metadata.create_all(db.engine)
        site = load_site(ROOT / "config")
        db.write(lambda s: apply_site(s, site))
        warehouse_id = 1
        manager, picker = _staff(db, "manager", warehouse_id), _staff(db, "picker", warehouse_id)
        db.dispose()
        logs = tmp_path_factory.mktemp("servers")
        env = {
            **os.environ,
            "KAERU_ENVIRONMENT": "test",
            "KAERU_DATABASE_URL": database_url,
            "KAERU_LIVE_BUS_URL": f"{REDIS}?namespace=two{uuid.uuid4().hex[:8]}",
            "KAERU_RUN_RELAY": "true",
            "KAERU_MEDIA_DIR": str(logs / "media"),
            "KAERU_DB_POOL_SIZE": "5",
        }
        ports = free_port(), free_port()
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for port, tag in zip(ports, "ab", strict=True):
            processes.append(_start(env, port, logs / f"{tag}.log"))
        for url, process, tag in zip(urls, processes, "ab", strict=True):
            _wait_healthy(url, process, logs / f"{tag}.log")
        yield TwoServers(urls[0], urls[1], manager, picker)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _scan_seen_across(
    watched: str, scanned: str, servers: TwoServers
) -> tuple[float, dict[str, object]]:
    """Seconds from posting a scan to `scanned` until the dashboard on `watched` shows it."""
    ws = watched.replace("http://", "ws://") + f"/api/v1/live?token={servers.manager}"
    async with connect(ws) as dashboard:
        snapshot = json.loads(await asyncio.wait_for(dashboard.recv(), 10))
        assert snapshot["type"] == "snapshot"
        await asyncio.sleep(0.2)  # the dashboard's subscription is in place on Redis
        async with httpx.AsyncClient() as http:
            sent = time.monotonic()
            response = await http.post(
                f"{scanned}/api/v1/scans",
                json={"raw": "LOC-A-01-1"},
                headers={"Authorization": f"Bearer {servers.picker}", "Idempotency-Key": str(uuid.uuid4())},
            )
        assert response.status_code in (200, 404, 422), response.text
        while True:
            update = json.loads(
                await asyncio.wait_for(dashboard.recv(), max(0.01, sent + 5 - time.monotonic()))
            )
            if "scan" in update.get("counts", {}):
                return time.monotonic() - sent, update


async def test_a_scan_on_one_server_process_reaches_a_dashboard_on_another_within_a_second(
    two_servers: TwoServers,
) -> None:
    took, update = await _scan_seen_across(two_servers.a, two_servers.b, two_servers)
    assert update["counts"]["scan"]["total"] == 1  # type: ignore[index]
    assert took < 1.0, f"the scan took {took:.2f} s to reach the other process's dashboard"


async def test_the_second_process_sees_the_first_ones_scans_as_well(two_servers: TwoServers) -> None:
    took, update = await _scan_seen_across(two_servers.b, two_servers.a, two_servers)
    assert update["counts"]["scan"]["total"] == 1  # type: ignore[index]
    assert took < 1.0, f"the scan took {took:.2f} s to reach the other process's dashboard"
