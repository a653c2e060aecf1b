"""The image's entrypoint (deploy/entrypoint.sh), run as the image runs it but without a container:
before `serve` it brings an empty database to head and the server answers ready; a database that never
answers makes it give up with a reason instead of serving a server that is not ready."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest

from kaeru_config.settings import ROOT
from tests.live_server import free_port

PG_ADMIN_URL = os.environ.get("KAERU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
pytestmark = pytest.mark.postgres


def environment(url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",  # `kaeru` as the image's PATH has it
        "KAERU_ENVIRONMENT": "test",
        "KAERU_DATABASE_URL": url,
        "KAERU_MEDIA_DIR": str(tmp_path / "media"),
        "KAERU_RUN_RELAY": "false",
    }


def test_the_entrypoint_migrates_an_empty_database_then_serves_ready(tmp_path: Path) -> None:
    name = f"kaeru_entry_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    port = free_port()
    log = tmp_path / "server.log"
    server = subprocess.Popen(
        ["sh", str(ENTRYPOINT), "serve", "--port", str(port)],
        env=environment(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, tmp_path),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline, ready = time.monotonic() + 120, None
        while ready is None and time.monotonic() < deadline and server.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=3)
                ready = answer.json() if answer.status_code == 200 else None
            except httpx.HTTPError:
                time.sleep(0.5)
        assert ready == {"status": "ready", "checks": {"database": "ok", "migrations": "ok", "bus": "ok"}}, (
            log.read_text()[-3000:]
        )
        assert "site configuration applied" in log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=30)
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_entrypoint_gives_up_on_a_database_that_never_answers(tmp_path: Path) -> None:
    env = {**environment("postgresql://kaeru@127.0.0.1:1/kaeru", tmp_path), "KAERU_MIGRATE_TRIES": "2"}
    done = subprocess.run(
        ["sh", str(ENTRYPOINT), "serve"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert "the database did not take the migrations after 2 tries" in done.stderr
