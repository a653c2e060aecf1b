"""docs/operations.md's backup and restore, done for real: a database with Kaeru's data is dumped with
pg_dump, restored into a fresh database with pg_restore, `kaeru db upgrade` runs on it, and
`kaeru db check` finds on-hand equal to the sum of the ledger — and finds it when it is not."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from kaeru_config.settings import ROOT, Settings
from kaeru_config.site import load_site
from tests.commands import kaeru_command
from tests.floor import Floor
from wms.context import Kaeru
from wms.db import Database

PG_ADMIN_URL = os.environ.get("KAERU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="PostgreSQL's client tools are not installed"),
]


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    names = [f"kaeru_backup_{uuid.uuid4().hex[:8]}", f"kaeru_restored_{uuid.uuid4().hex[:8]}"]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{names[0]}"')
        conn.execute(f'CREATE DATABASE "{names[1]}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def a_day_of_stock(url: str, tmp_path: Path) -> None:
    settings = Settings(
        environment="test", database_url=url, config_dir=ROOT / "config", media_dir=tmp_path, run_relay=False
    )
    kaeru = Kaeru(settings=settings, site=load_site(settings.config_dir), db=Database(url))
    floor = Floor(kaeru)
    try:
        for sku, quantity in (("backup-tee", 12), ("backup-cap", 5)):
            floor.item(sku)
            floor.receive(sku, quantity, "A-01-1")
        floor.call(
            "POST",
            "/api/v1/warehouses/WH1/moves",
            "receiver",
            key=str(uuid.uuid4()),
            json={"sku": "backup-tee", "quantity": 4, "from_location": "A-01-1", "to_location": "A-02-1"},
        )
        floor.scan("LOC-A-02-1")
    finally:
        floor.close()
        kaeru.db.dispose()


def test_a_dump_restored_into_a_fresh_database_upgrades_and_keeps_the_ledger(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    original, restored = databases
    assert kaeru_command(original, "db", "upgrade").returncode == 0
    a_day_of_stock(original, tmp_path)
    dump = tmp_path / "kaeru.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", original], check=True, timeout=120)
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={restored}", str(dump)], check=True, timeout=120)

    upgraded = kaeru_command(restored, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr[-2000:]
    checked = kaeru_command(restored, "db", "check")
    assert checked.returncode == 0, checked.stdout
    assert "invariants hold" in checked.stdout
    ledger_rows = int(checked.stdout.split(" ledger rows")[0].split()[-1])
    assert ledger_rows >= 3  # two receipts and the move came across

    db = Database(restored)
    with db.engine.begin() as conn:  # a quant that no longer agrees with its ledger
        conn.execute(text("UPDATE quant SET quantity = quantity + 1 WHERE id = (SELECT min(id) FROM quant)"))
    db.dispose()
    broken = kaeru_command(restored, "db", "check")
    assert broken.returncode == 1
    assert "the ledger says -1 more than on-hand" in broken.stdout
