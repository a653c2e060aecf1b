"""Shared fixtures: every database test runs on SQLite and on PostgreSQL (a real server)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

import wms.tables  # noqa: F401 - every table on the metadata
from kaeru_config.settings import ROOT, Settings
from kaeru_config.site import load_site
from simulators.carrier import CarrierSimulator, SimConfig
from wms.context import Kaeru
from wms.db import Database
from wms.site import apply_site

# Carrier accounts at the simulated carrier (simulators/carrier): every test's Kaeru books its labels
# there, through karrio's own UPS and USPS connectors.
CARRIER_ACCOUNTS = {
    "UPS": {"client_id": "kaeru-test", "client_secret": "test-secret", "account_number": "KAE123"},
    "USPS": {
        "client_id": "kaeru-test",
        "client_secret": "test-secret",
        "account_number": "1000001",
        "CRID": "56982563",
        "MID": "900123456",
        "manifest_MID": "900123456",
    },
}


@pytest.fixture(scope="session", autouse=True)
def carrier_sim() -> Iterator[CarrierSimulator]:
    """The simulated carrier for the whole session (no latency, no random faults); every Settings
    made in the tests finds it through the environment."""
    with CarrierSimulator(SimConfig(latency_min_ms=0, latency_max_ms=0)) as sim:
        os.environ["KAERU_CARRIER_URL"] = sim.url
        os.environ["KAERU_CARRIER_ACCOUNTS"] = json.dumps(CARRIER_ACCOUNTS)
        os.environ.setdefault("KAERU_CARRIER_TIMEOUT_S", "10")
        yield sim


PG_ADMIN_URL = os.environ.get("KAERU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@contextmanager
def throwaway_pg_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database named `<prefix>_<random>`, dropped when the block ends."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of this test run's own, dropped at the end."""
    with throwaway_pg_database("kaeru_test") as url:
        db = Database(url)
        SQLModel.metadata.create_all(db.engine)
        db.dispose()
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it (no schema: for migrations), on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with throwaway_pg_database("kaeru_empty") as url:
        yield url


def _truncate_all(db: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty Kaeru schema on each backend in turn."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kaeru.db'}"
        db = Database(url)
        SQLModel.metadata.create_all(db.engine)
        db.dispose()
        yield url
    else:
        url = request.getfixturevalue("pg_database")
        db = Database(url)
        SQLModel.metadata.create_all(db.engine)  # tables added by other areas since the session began
        _truncate_all(db)
        db.dispose()
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        config_dir=ROOT / "config",
        media_dir=tmp_path / "media",
        run_relay=False,
        db_pool_size=40,
    )


@pytest.fixture
def kaeru(settings: Settings) -> Iterator[Kaeru]:
    """A configured site (warehouses, locations, stations) on an empty database."""
    k = Kaeru(
        settings=settings,
        site=load_site(settings.config_dir),
        db=Database(settings.database_url, pool_size=settings.db_pool_size),
    )
    k.db.write(lambda s: apply_site(s, k.site))
    yield k
    k.db.dispose()
