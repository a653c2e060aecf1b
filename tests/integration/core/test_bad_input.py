"""Bad input gets a 4xx with a message a person can act on, and nothing is half-written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import func, select

from tests.floor import Floor
from wms.context import Kaeru
from wms.fulfilment.tables import Order, OrderLine
from wms.inventory.tables import LedgerEntry
from wms.platform.tables import ScanRecord


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _count(floor: Floor, table) -> int:  # type: ignore[no-untyped-def]
    with floor.kaeru.db.read() as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_an_unknown_barcode_is_refused_clearly_and_recorded(floor: Floor) -> None:
    body = floor.scan("]E04006381333931", "receiver", expect=404)
    assert "unknown barcode" in body["message"]
    assert body["outcome"] == "rejected"
    assert _count(floor, ScanRecord) == 1


def test_a_garbled_scan_is_refused_before_it_is_recorded(floor: Floor) -> None:
    body = floor.scan("\x02\x07\x1b", "receiver", expect=422)
    assert "control characters (U+0002 found)" in body["message"]
    assert _count(floor, ScanRecord) == 0


def test_a_zero_or_negative_quantity_is_refused(floor: Floor) -> None:
    floor.item("TEE")
    for quantity in (0, -3):
        body = floor.call(
            "POST",
            "/api/v1/warehouses/WH1/receipts",
            "receiver",
            key=f"q{quantity}",
            expect=422,
            json={"sku": "TEE", "quantity": quantity, "location": "RCV-1"},
        )
        assert "quantity" in body["message"]
    assert _count(floor, LedgerEntry) == 0


def test_malformed_json_is_refused_with_a_readable_message(floor: Floor) -> None:
    response = floor.client.post(
        "/api/v1/orders",
        content=b'{"warehouse": "WH1", "number": ',
        headers={**floor.headers("integrator"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["message"]


def test_an_oversized_body_is_refused_before_it_is_read(floor: Floor) -> None:
    huge = b'{"raw": "' + b"A" * 2_000_000 + b'"}'
    response = floor.client.post(
        "/api/v1/scans",
        content=huge,
        headers={**floor.headers("picker", key="big"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["message"]


def test_an_order_with_one_unknown_sku_is_not_half_written(floor: Floor) -> None:
    floor.item("TEE")
    floor.receive("TEE", 5)
    body = floor.call(
        "POST",
        "/api/v1/orders",
        "integrator",
        expect=404,
        json={
            "warehouse": "WH1",
            "number": "H-1",
            "shopper": {"email": "a@example.com"},
            "lines": [{"sku": "TEE", "quantity": 1}, {"sku": "NOPE", "quantity": 1}],
        },
    )
    assert "NOPE" in body["message"]
    assert _count(floor, Order) == 0
    assert _count(floor, OrderLine) == 0
    stock = floor.call("GET", "/api/v1/warehouses/WH1/stock?sku=TEE")
    assert stock[0]["reserved"] == 0


def test_receiving_a_serial_that_is_already_in_stock_is_refused(floor: Floor) -> None:
    floor.item("CAM", tracking="serial")
    floor.receive("CAM", 1, serials=["S-1"])
    body = floor.call(
        "POST",
        "/api/v1/warehouses/WH1/receipts",
        "receiver",
        key="dup",
        expect=409,
        json={"sku": "CAM", "quantity": 1, "location": "B-01-1", "serials": ["S-1"]},
    )
    assert "already in stock" in body["message"]


def test_moving_more_than_is_free_is_refused_with_what_is_available(floor: Floor) -> None:
    floor.item("TEE")
    floor.receive("TEE", 2, "A-01-1")
    body = floor.call(
        "POST",
        "/api/v1/warehouses/WH1/moves",
        "receiver",
        key="m",
        expect=409,
        json={"sku": "TEE", "quantity": 3, "from_location": "A-01-1", "to_location": "B-01-1"},
    )
    assert "only 2 unit(s)" in body["message"]


def test_scanning_the_wrong_location_during_a_pick_names_the_right_one(floor: Floor) -> None:
    floor.item("TEE", gtin="09506000134352")
    floor.receive("TEE", 2, "A-01-1")
    floor.order("W-1", [("TEE", 1)])
    floor.call("POST", "/api/v1/picking/release", "manager", json={"warehouse": "WH1"})
    floor.call("POST", "/api/v1/picking/next", "picker")
    body = floor.scan("LOC-C-01-1", expect=422)
    assert body["message"] == "wrong location: go to A-01-1 (you scanned C-01-1)"
    item_first = floor.scan("]E09506000134352", expect=422)
    assert "scan the location A-01-1 first" in item_first["message"]
