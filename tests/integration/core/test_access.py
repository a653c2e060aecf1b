"""Who gets in: failed sign-ins are throttled per account and per address (in the database, so every
server process counts them), an unknown account costs a password check like a real one, a shopper's
trust score is read only by staff of a warehouse holding their orders, and a device does only what
its station's kind does."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.floor import Floor
from wms.app import create_app
from wms.context import Kaeru
from wms.db import Database, utcnow
from wms.identity import model as identity_model
from wms.identity.tables import LoginThrottle

PASSWORD = "correct horse battery"  # tests.floor gives every account this one


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _login(floor: Floor, username: str, password: str) -> Any:
    return floor.client.post("/api/v1/auth/login", json={"username": username, "password": password})


# --- sign-in throttling ---------------------------------------------------------------------------


def test_forty_wrong_passwords_then_the_right_one_is_refused_with_retry_after(floor: Floor) -> None:
    answers = [_login(floor, "admin", f"guess-{n}").status_code for n in range(40)]
    assert answers[:5] == [401] * 5
    assert set(answers[5:]) == {429}
    locked = _login(floor, "admin", PASSWORD)
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= floor.kaeru.settings.login_lockout_s
    assert "too many failed sign-ins" in locked.json()["message"]
    assert locked.json()["error"] == "too_many_attempts"


def test_the_lockout_doubles_each_time_and_a_success_forgives_the_account(floor: Floor) -> None:
    settings = floor.kaeru.settings
    for _ in range(settings.login_account_failures):
        _login(floor, "packer", "wrong-password")
    first = int(_login(floor, "packer", PASSWORD).headers["Retry-After"])
    _end_lockouts(floor)
    for _ in range(settings.login_account_failures):
        assert _login(floor, "packer", "wrong-password").status_code == 401
    second = int(_login(floor, "packer", PASSWORD).headers["Retry-After"])
    assert second > 1.5 * first
    assert second <= 2 * settings.login_lockout_s
    _end_lockouts(floor)
    assert _login(floor, "packer", PASSWORD).status_code == 200
    # the success forgave the account: as many failures as before are allowed again
    for _ in range(settings.login_account_failures - 1):
        assert _login(floor, "packer", "wrong-password").status_code == 401
    assert _login(floor, "packer", PASSWORD).status_code == 200


def test_one_address_guessing_many_accounts_is_locked_out(floor: Floor) -> None:
    limit = floor.kaeru.settings.login_address_failures
    answers = [_login(floor, f"nobody-{n}", "wrong-password").status_code for n in range(limit)]
    assert set(answers) == {401}
    refused = _login(floor, "manager", PASSWORD)  # a real account, the right password, the same address
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


def test_server_processes_on_one_database_count_the_same_failures(floor: Floor, kaeru: Kaeru) -> None:
    second = Kaeru(settings=kaeru.settings, site=kaeru.site, db=Database(kaeru.settings.database_url))
    with TestClient(create_app(kaeru.settings, kaeru=second)) as other:
        for n in range(kaeru.settings.login_account_failures):
            client = floor.client if n % 2 else other
            wrong = client.post("/api/v1/auth/login", json={"username": "receiver", "password": "wrong-pass"})
            assert wrong.status_code == 401
        right = {"username": "receiver", "password": PASSWORD}
        assert floor.client.post("/api/v1/auth/login", json=right).status_code == 429
        assert other.post("/api/v1/auth/login", json=right).status_code == 429
    second.db.dispose()


def _end_lockouts(floor: Floor) -> None:
    """Every lockout ends now (as if its time had passed); the counts and lockouts stay."""

    def work(session: Any) -> None:
        for row in session.exec(select(LoginThrottle)).all():
            if row.locked_until is not None:
                row.locked_until = utcnow() - timedelta(seconds=1)
                session.add(row)

    floor.kaeru.db.write(work)


# --- an unknown account costs what a known one does -----------------------------------------------


def test_an_unknown_account_is_checked_against_a_hash_like_a_known_one(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    identity_model.unknown_account_hash()  # made once per process, before counting
    real_scrypt = identity_model.hashlib.scrypt
    calls: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return real_scrypt(*args, **kwargs)

    monkeypatch.setattr(identity_model.hashlib, "scrypt", counted)
    assert _login(floor, "picker", "wrong-password").status_code == 401
    known = len(calls)
    assert _login(floor, f"nobody-{uuid.uuid4().hex[:6]}", "wrong-password").status_code == 401
    unknown = len(calls) - known
    assert known == unknown == 1


def test_unknown_and_known_accounts_take_about_as_long_to_refuse(kaeru: Kaeru) -> None:
    kaeru.settings = kaeru.settings.model_copy(
        update={"login_account_failures": 100, "login_address_failures": 100}
    )
    floor = Floor(kaeru)
    try:
        _login(floor, "warm-up", "wrong-password")

        def timed(username: str) -> float:
            started = time.perf_counter()
            assert _login(floor, username, "wrong-password").status_code == 401
            return time.perf_counter() - started

        known = statistics.median(timed("manager") for _ in range(5))
        unknown = statistics.median(timed(f"nobody-{n}") for n in range(5))
    finally:
        floor.close()
    assert 0.5 < unknown / known < 2, (unknown, known)


# --- shopper-level reads follow the caller's warehouses -------------------------------------------


def test_a_manager_of_another_warehouse_cannot_read_a_shoppers_trust(floor: Floor) -> None:
    wh2 = floor.another_warehouse()
    floor.item("TEE", gtin="09506000134352")
    floor.receive("TEE", 1)
    order = floor.order("T-1", [("TEE", 1)], email="kim@example.com")
    with floor.kaeru.db.read() as session:
        from wms.fulfilment.tables import Order

        shopper_id = session.exec(select(Order).where(Order.id == order["id"])).one().shopper_id
    outsider = floor.staff("manager", warehouse_id=wh2)
    refused = floor.call("GET", f"/api/v1/shoppers/{shopper_id}/trust", outsider, expect=404)
    assert refused["message"] == f"no shopper {shopper_id}"
    assert floor.call("GET", f"/api/v1/shoppers/{shopper_id}/trust", "manager")["shopper"] == shopper_id
    assert floor.call("GET", f"/api/v1/shoppers/{shopper_id}/trust", "admin")["shopper"] == shopper_id
    floor.call("GET", "/api/v1/shoppers/999999/trust", "admin", expect=404)


# --- devices do what their station does -------------------------------------------------------------


def test_a_pick_handheld_cannot_touch_the_returns_flow(floor: Floor) -> None:
    handheld = floor.device_token("HH-01")
    for method, path in [
        ("POST", "/api/v1/returns/parcels/1/close"),
        ("POST", "/api/v1/returns/parcels/1/units"),
        ("POST", "/api/v1/returns/units/1/grade"),
        ("POST", "/api/v1/returns/units/1/put-away"),
        ("POST", "/api/v1/returns/units/1/photos"),
        ("GET", "/api/v1/returns/units/1"),
        ("POST", "/api/v1/returns/station/start"),
    ]:
        refused = floor.call(method, path, handheld, key=str(uuid.uuid4()), expect=403, json={})
        assert "returns station" in refused["message"], (method, path)
    floor.call("PUT", "/api/v1/devices/assignment", handheld, expect=403, json={"mode": "returns"})
    assert floor.call("PUT", "/api/v1/devices/assignment", handheld, json={"mode": "pick"})["mode"] == "pick"


def test_a_scan_in_a_mode_the_device_may_not_work_is_refused_and_recorded(floor: Floor) -> None:
    from wms.identity.model import Principal
    from wms.scanning.assignment import assign

    handheld = floor.device_token("HH-01")
    device_id = floor.call("GET", "/api/v1/me", handheld)
    assert device_id["permissions"] == sorted(["device.report", "print", "scan", "scan.pick"])

    def into_returns(session: Any) -> None:  # an assignment left over from before, say
        from wms.identity.tables import Device

        device = session.exec(select(Device).where(Device.code == "HH-01")).one()
        who = Principal(kind="device", role="device", warehouse_id=device.warehouse_id, device_id=device.id)
        assign(session, who, mode="returns")

    floor.kaeru.db.write(into_returns)
    refused = floor.scan("RMA-1", handheld, expect=403)
    assert refused["outcome"] == "rejected"
    assert "returns station" in refused["message"]


def test_a_returns_station_cannot_pick_or_pack_and_a_pack_station_cannot_work_returns(floor: Floor) -> None:
    returns_agent = floor.device_token("RET-1-AGENT")
    pack_agent = floor.device_token("PACK-1-AGENT")
    for mode in ("pick", "pack"):
        floor.call("PUT", "/api/v1/devices/assignment", returns_agent, expect=403, json={"mode": mode})
    floor.call("PUT", "/api/v1/devices/assignment", pack_agent, expect=403, json={"mode": "returns"})
    floor.call("POST", "/api/v1/returns/parcels", pack_agent, key="k1", expect=403, json={"code": "RMA-1"})
    assert (
        floor.call("PUT", "/api/v1/devices/assignment", pack_agent, json={"mode": "pack"})["mode"] == "pack"
    )
    started = floor.call("POST", "/api/v1/returns/station/start", returns_agent, json={})
    assert started["station"] == "RET-1"
