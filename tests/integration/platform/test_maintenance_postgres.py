"""On PostgreSQL, with real concurrency: pruning while handhelds keep scanning loses no scan, and the
maintenance leader hands over when its process dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert
from sqlmodel import select

from wms.context import Kaeru
from wms.identity.model import Principal
from wms.inventory.tables import Warehouse
from wms.platform.model import RetentionPolicy
from wms.platform.retention import prune
from wms.platform.tables import ScanDay, ScanRecord
from wms.scanning.service import ingest

pytestmark = pytest.mark.postgres
OLD_SCANS = 3000
WRITERS, SCANS_EACH = 3, 120


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_pruning_while_scans_are_written_loses_none(kaeru: Kaeru) -> None:
    with kaeru.db.read() as session:
        warehouse_id = session.exec(select(Warehouse.id)).first()
    long_ago = datetime.now(UTC) - timedelta(days=400)
    with kaeru.db.engine.begin() as connection:
        connection.execute(
            insert(ScanRecord.__table__),  # type: ignore[attr-defined]
            [
                {
                    "warehouse_id": warehouse_id,
                    "scanned_at": long_ago + timedelta(minutes=i),
                    "received_at": long_ago + timedelta(minutes=i),
                    "raw": f"OLD-{i}",
                    "kind": "text",
                    "mode": "idle",
                    "outcome": "recorded",
                    "message": "",
                }
                for i in range(OLD_SCANS)
            ],
        )
    errors: list[BaseException] = []

    def scanning(n: int) -> None:
        principal = Principal(
            kind="user", role="manager", warehouse_id=warehouse_id, user_id=None, name=f"h{n}"
        )
        try:
            for i in range(SCANS_EACH):
                kaeru.db.write(
                    lambda s, i=i: ingest(s, kaeru, principal, raw=f"NEW-{n}-{i}", scanned_at=None)
                )
        except BaseException as exc:
            errors.append(exc)

    writers = [threading.Thread(target=scanning, args=(n,)) for n in range(WRITERS)]
    for thread in writers:
        thread.start()
    removed = prune(kaeru.db, RetentionPolicy(batch_size=50))
    for thread in writers:
        thread.join()

    assert errors == []
    assert removed["scan_records"] == OLD_SCANS
    with kaeru.db.read() as session:
        raw = session.exec(select(ScanRecord.raw)).all()
        rolled_up = session.exec(select(func.coalesce(func.sum(ScanDay.count), 0))).one()
    assert sorted(raw) == sorted(f"NEW-{n}-{i}" for n in range(WRITERS) for i in range(SCANS_EACH))
    assert rolled_up == OLD_SCANS


LEADER = """
import sys, time
from wms.db import Database
from wms.platform.leader import Leadership
leadership = Leadership(Database(sys.argv[1]), "kaeru.test-leader")
while True:
    if leadership.held():
        print("leading", flush=True)
    time.sleep(0.1)
"""


def _wait_for_line(process: subprocess.Popen[str], timeout: float) -> bool:
    """True once the process prints a line (it prints only while it leads)."""
    found = threading.Event()

    def read() -> None:
        if process.stdout is not None and process.stdout.readline():
            found.set()

    threading.Thread(target=read, daemon=True).start()
    return found.wait(timeout)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_leadership_hands_over_when_the_leaders_process_dies(database_url: str, tmp_path: Path) -> None:
    script = tmp_path / "leader.py"
    script.write_text(LEADER)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    first = subprocess.Popen(
        [sys.executable, str(script), database_url], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert _wait_for_line(first, 60), "the first process never led"
        second = subprocess.Popen(
            [sys.executable, str(script), database_url], stdout=subprocess.PIPE, text=True, env=env
        )
        try:
            assert not _wait_for_line(second, 5), "two processes led at once"
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            started = time.monotonic()
            assert _wait_for_line(second, 30), "the second process did not take over"
            assert time.monotonic() - started < 30
        finally:
            second.kill()
            second.wait(10)
    finally:
        first.kill()
        first.wait(10)
