"""A PostgreSQL connection dropped under the pool (restart, failover, idle timeout) costs no request."""

from __future__ import annotations

import threading

import psycopg
import pytest
from sqlalchemy import text

from wms import db as db_module
from wms.context import Kaeru
from wms.db import BACKGROUND_CONNECTIONS, Database
from wms.platform.idempotency import run_once


def _terminate_pooled_connections(kaeru: Kaeru) -> int:
    url = kaeru.db.url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as admin:
        return len(
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        )


def _backend_pid(kaeru: Kaeru) -> int:
    return int(kaeru.db.write(lambda s: s.execute(text("SELECT pg_backend_pid()")).scalar_one()))


# SQLite has no server to drop a connection: these run on PostgreSQL only (not skipped on SQLite).
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def pg(kaeru: Kaeru) -> Kaeru:
    assert kaeru.db.dialect == "postgresql"
    return kaeru


def test_a_connection_dropped_while_idle_is_replaced_before_use(
    pg: Kaeru, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend_pid(pg)
    assert _terminate_pooled_connections(pg) >= 1
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_S", 0.0)  # every pooled connection now counts as idle
    with pg.db.read() as session:
        assert session.execute(text("SELECT 1")).scalar_one() == 1  # a read has no retry: the ping saved it
    assert _backend_pid(pg) != first


def test_a_connection_dropped_moments_ago_fails_one_attempt_and_the_write_is_retried(pg: Kaeru) -> None:
    first = _backend_pid(pg)
    assert _terminate_pooled_connections(pg) >= 1
    attempts: list[int] = []

    def work(session):  # type: ignore[no-untyped-def]
        attempts.append(1)
        return session.execute(text("SELECT pg_backend_pid()")).scalar_one()

    assert pg.db.write(work) != first
    assert len(attempts) == 2


def test_a_keyed_request_whose_connection_just_dropped_is_retried_and_takes_effect_once(pg: Kaeru) -> None:
    """The key look-up runs straight on the driver (wms.db.Direct): a dropped connection is still retried."""
    first = _backend_pid(pg)
    assert _terminate_pooled_connections(pg) >= 1
    runs: list[int] = []

    def work(session):  # type: ignore[no-untyped-def]
        runs.append(1)
        return 200, {"pid": session.execute(text("SELECT pg_backend_pid()")).scalar_one()}

    outcome = run_once(pg.db, client="device:1", key="k-1", body={"raw": "x"}, work=work)
    assert outcome[0] == 200
    assert outcome[1]["pid"] != first
    assert run_once(pg.db, client="device:1", key="k-1", body={"raw": "x"}, work=work) == outcome
    assert len(runs) == 1


def test_steady_work_beside_the_requests_reuses_the_pools_connections(pg: Kaeru) -> None:
    """Requests at the pool's size plus a relay's work beside them: no connection is closed and reopened
    (each reopening is a new PostgreSQL backend; a pool one short of the demand churned them all)."""
    db = Database(pg.db.url, pool_size=3)
    backends: set[int] = set()
    lock = threading.Lock()
    start = threading.Barrier(5)

    def worker(rounds: int) -> None:
        start.wait()
        for _ in range(rounds):
            pid = db.write(lambda s: s.execute(text("SELECT pg_backend_pid(), pg_sleep(0.002)")).scalar_one())
            with lock:
                backends.add(pid)

    try:
        threads = [threading.Thread(target=worker, args=(60,)) for _ in range(5)]  # 3 requests + 2 relays
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(backends) <= 3 + BACKGROUND_CONNECTIONS
    finally:
        db.dispose()
