"""`kaeru maintenance prune` runs the retention job on the configured database and says what went."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import func, select

from tests.commands import kaeru_command
from wms.db import Database
from wms.platform.tables import ScanDay, ScanRecord


def test_the_prune_command_rolls_old_scans_up_and_keeps_recent_ones(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kaeru.db'}"
    assert kaeru_command(url, "db", "upgrade").returncode == 0
    db = Database(url)
    try:
        now = datetime.now(UTC)
        db.write(
            lambda s: s.add_all(
                ScanRecord(
                    warehouse_id=1,
                    scanned_at=at,
                    received_at=at,
                    raw="LOC-A-01-1",
                    kind="location",
                    outcome="accepted",
                )
                for at in (now - timedelta(days=400), now - timedelta(days=399), now)
            )
        )
        done = kaeru_command(url, "maintenance", "prune")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.strip().splitlines()[-1])["scan_records"] == 2
        with db.read() as session:
            assert session.exec(select(func.count()).select_from(ScanRecord)).one() == 1
            assert session.exec(select(func.sum(ScanDay.count))).one() == 2
    finally:
        db.dispose()
