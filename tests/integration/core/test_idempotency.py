"""Retried device requests take effect once (docs/architecture.md, "Idempotency")."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, func, select

from tests.floor import Floor
from wms import db as db_module
from wms.context import Kaeru
from wms.db import Database, utcnow
from wms.errors import Conflict, Invalid
from wms.inventory.tables import LedgerEntry
from wms.notify import wake
from wms.platform.idempotency import run_once
from wms.platform.tables import ScanRecord


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _ready_to_pick(floor: Floor) -> dict:
    floor.item("SOCK", gtin="09506000134352")
    floor.receive("SOCK", 5, "A-01-1")
    floor.order("I-1", [("SOCK", 3)])
    floor.call("POST", "/api/v1/picking/release", "manager", json={"warehouse": "WH1", "mode": "single"})
    task = floor.call("POST", "/api/v1/picking/next", "picker")["task"]
    floor.scan("LOC-A-01-1")
    return task


def _ledger_rows(floor: Floor) -> int:
    with floor.kaeru.db.read() as session:
        return session.exec(select(func.count()).select_from(LedgerEntry)).one()


def test_replaying_a_scan_with_the_same_key_returns_the_same_response_and_moves_nothing(floor: Floor) -> None:
    _ready_to_pick(floor)
    first = floor.scan("]E09506000134352", key="scan-42")
    rows = _ledger_rows(floor)
    again = floor.scan("]E09506000134352", key="scan-42")
    assert again == first
    assert _ledger_rows(floor) == rows
    with floor.kaeru.db.read() as session:
        assert (
            session.exec(
                select(func.count()).select_from(ScanRecord).where(ScanRecord.raw == "]E09506000134352")
            ).one()
            == 1
        )


def test_the_same_key_with_a_different_body_is_refused_with_422(floor: Floor) -> None:
    _ready_to_pick(floor)
    floor.scan("]E09506000134352", key="scan-7")
    refused = floor.scan("LOC-A-01-1", key="scan-7", expect=422)
    assert "different request" in refused["message"]


def test_a_key_still_in_flight_is_refused_with_409(kaeru: Kaeru) -> None:
    started, release = threading.Event(), threading.Event()

    def slow(session: Session) -> tuple[int, dict]:
        started.set()
        release.wait(10)
        return 200, {"done": True}

    outcome: dict = {}
    worker = threading.Thread(
        target=lambda: outcome.update(
            first=run_once(kaeru.db, client="device:1", key="k-1", body={"a": 1}, work=slow)
        )
    )
    worker.start()
    assert started.wait(10)
    with pytest.raises(Conflict):
        run_once(kaeru.db, client="device:1", key="k-1", body={"a": 1}, work=lambda s: (200, {}))
    release.set()
    worker.join()
    assert outcome["first"] == (200, {"done": True})
    assert run_once(kaeru.db, client="device:1", key="k-1", body={"a": 1}, work=lambda s: (500, {})) == (
        200,
        {"done": True},
    )


def test_a_key_in_flight_in_another_server_process_is_not_run_twice(kaeru: Kaeru) -> None:
    """A second Database on the same URL is what a second server process holds."""
    other = Database(kaeru.db.url)
    started, release = threading.Event(), threading.Event()
    runs: list[str] = []

    def slow(session: Session) -> tuple[int, dict]:
        runs.append("first")
        started.set()
        release.wait(10)
        return 200, {"done": True}

    def twin(session: Session) -> tuple[int, dict]:
        runs.append("twin")
        return 200, {"done": False}

    outcome: dict = {}
    first = threading.Thread(
        target=lambda: outcome.update(
            first=run_once(kaeru.db, client="device:1", key="k", body={}, work=slow)
        )
    )
    first.start()
    assert started.wait(10)
    try:
        if kaeru.db.dialect == "postgresql":
            # The key's advisory lock is held by the first request's transaction: refused at once.
            with pytest.raises(Conflict):
                run_once(other, client="device:1", key="k", body={}, work=twin)
        else:
            # SQLite has one writer: the twin waits its turn, then finds the first one's answer.
            second = threading.Thread(
                target=lambda: outcome.update(
                    second=run_once(other, client="device:1", key="k", body={}, work=twin)
                )
            )
            second.start()
            time.sleep(0.3)
            assert "second" not in outcome
    finally:
        release.set()
        first.join()
    if kaeru.db.dialect == "sqlite":
        second.join(10)
        assert outcome["second"] == (200, {"done": True})
    assert outcome["first"] == (200, {"done": True})
    assert runs == ["first"]
    assert run_once(other, client="device:1", key="k", body={}, work=twin) == (200, {"done": True})
    other.dispose()


def test_a_refusal_is_the_final_answer_for_its_key_and_leaves_nothing_behind(kaeru: Kaeru) -> None:
    def refuse(session: Session) -> tuple[int, dict]:
        session.add(ScanRecord(warehouse_id=1, scanned_at=utcnow(), raw="half", kind="text", outcome="x"))
        session.flush()
        raise Invalid("not like this")

    with pytest.raises(Invalid):
        run_once(kaeru.db, client="device:1", key="r", body={}, work=refuse)
    again = run_once(kaeru.db, client="device:1", key="r", body={}, work=lambda s: (200, {"ran": True}))
    assert again == (422, {"error": "invalid", "message": "not like this", "message_id": "not like this"})
    with kaeru.db.read() as session:
        assert session.exec(select(func.count()).select_from(ScanRecord)).one() == 0


def test_a_conflict_is_not_remembered_so_the_same_key_can_be_retried(kaeru: Kaeru) -> None:
    def busy(session: Session) -> tuple[int, dict]:
        raise Conflict("the bin is being counted; try again")

    with pytest.raises(Conflict):
        run_once(kaeru.db, client="device:1", key="c", body={}, work=busy)
    assert run_once(kaeru.db, client="device:1", key="c", body={}, work=lambda s: (200, {"ok": 1})) == (
        200,
        {"ok": 1},
    )


def test_keys_are_scoped_to_the_client_that_sent_them(kaeru: Kaeru) -> None:
    a = run_once(kaeru.db, client="device:1", key="same", body={}, work=lambda s: (200, {"who": 1}))
    b = run_once(kaeru.db, client="device:2", key="same", body={}, work=lambda s: (200, {"who": 2}))
    assert (a, b) == ((200, {"who": 1}), (200, {"who": 2}))


def test_a_scan_without_an_idempotency_key_is_refused(floor: Floor) -> None:
    response = floor.client.post("/api/v1/scans", json={"raw": "LOC-A-01-1"}, headers=floor.headers("picker"))
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["message"]


def test_an_offline_batch_is_applied_in_order_once_even_when_replayed(floor: Floor) -> None:
    _ready_to_pick(floor)
    batch = {"scans": [{"raw": "]E09506000134352", "idempotency_key": f"q-{i}"} for i in range(3)]}
    first = floor.call("POST", "/api/v1/scans/batch", "picker", json=batch)["results"]
    assert [r["status"] for r in first] == [200, 200, 200]
    assert [r["replayed"] for r in first] == [False, False, False]
    rows = _ledger_rows(floor)
    again = floor.call("POST", "/api/v1/scans/batch", "picker", json=batch)["results"]
    assert [r["replayed"] for r in again] == [True, True, True]
    assert [r["scan_id"] for r in again] == [r["scan_id"] for r in first]
    assert _ledger_rows(floor) == rows


def test_a_refused_scan_is_recorded_and_its_refusal_replayed(floor: Floor) -> None:
    _ready_to_pick(floor)
    wrong = floor.scan("LOC-B-01-1", key="wrong-loc", expect=422)
    assert "wrong location" in wrong["message"]
    time.sleep(0.01)
    assert floor.scan("LOC-B-01-1", key="wrong-loc", expect=422) == wrong
    with floor.kaeru.db.read() as session:
        record = session.exec(select(ScanRecord).where(ScanRecord.raw == "LOC-B-01-1")).one()
    assert record.outcome == "rejected"


def test_a_scan_is_three_statements_on_postgresql_and_its_replay_two(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Key look-up with the device's mode and the scan's id; the location's contents; the scan's three
    appends (record, live event, key) as one statement. Every scan of a floor pays each round trip."""
    floor.item("SOCK")
    floor.receive("SOCK", 5, "A-01-1")
    floor.scan("LOC-A-01-1")  # the handheld's token is looked up once, not per scan
    sent: list[str] = []
    real = db_module._execute
    monkeypatch.setattr(
        db_module, "_execute", lambda c, sql, p, rows: sent.append(sql) or real(c, sql, p, rows)
    )
    engine = floor.kaeru.db.engine
    ours = lambda *args: sent.append(args[2])  # noqa: E731 - SQLAlchemy's own statements
    event.listen(engine, "before_cursor_execute", ours)
    unregister = wake.register(lambda: None, ["live"])  # as in a server: its relay is told in-process
    try:
        body = floor.scan("LOC-A-01-1", key="k-1")
        statements = list(sent)
        sent.clear()
        assert floor.scan("LOC-A-01-1", key="k-1") == body
        replayed = list(sent)
    finally:
        unregister()
        event.remove(engine, "before_cursor_execute", ours)
    with floor.kaeru.db.read() as session:
        record = session.exec(select(ScanRecord).order_by(col(ScanRecord.id).desc())).first()
    assert record is not None
    assert (body["scan_id"], body["mode"], body["data"]["location"]) == (record.id, "idle", "A-01-1")
    if floor.kaeru.db.dialect == "postgresql":
        assert len(statements) == 3, statements
        assert "pg_try_advisory_xact_lock" in statements[0]
        assert "nextval" in statements[0]
        assert statements[2].startswith("WITH ")
        assert len(replayed) == 2  # the key's lock and hash, then the stored response
    else:
        assert len(statements) == 6  # look-up, mode, location, record (for its id), live event, key
        assert len(replayed) == 1
