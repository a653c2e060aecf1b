"""The receiver's station over the API: receiving against a purchase order by scanning (GTIN, GS1 with
lot and expiry), over- and under-receipts with their reason, license plates put away by scanning the
plate then the bin, moves by scan, blind cycle counts with a manager's approval, and first-expiry-
first-out allocation of lot-tracked stock.

The GS1 element strings are GS1's own examples: the GTIN 09506000134352 with lot and expiry is the
worked example of the GS1 General Specifications (section 5.5.2.7 / the GS1 DataMatrix guideline,
"(01)09506000134352(17)201225(10)ABC123"), and 4006381333931 is the EAN-13 printed in GS1 Germany's
published samples."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import select

from tests.floor import Floor
from wms.context import Kaeru
from wms.inventory.tables import LedgerEntry, Quant

GS = "\x1d"
GTIN = "09506000134352"
EAN = "4006381333931"


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _gs1(lot: str, expiry: str, count: int | None = None) -> str:
    """A GS1-128 scan as a scanner sends it: AIM id, fixed fields, then lot (variable) last."""
    counted = f"30{count}{GS}" if count else ""
    return f"]C101{GTIN}17{expiry}{counted}10{lot}"


def _po(floor: Floor, number: str, lines: list[tuple[str, int]]) -> None:
    floor.call(
        "POST",
        "/api/v1/warehouses/WH1/purchase-orders",
        "receiver",
        expect=201,
        json={"number": number, "supplier": "Acme", "lines": [{"sku": s, "quantity": q} for s, q in lines]},
    )


def _mode(floor: Floor, who: str, mode: str, ref_type: str = "", ref_id: str = "") -> None:
    floor.call(
        "PUT", "/api/v1/devices/assignment", who, json={"mode": mode, "ref_type": ref_type, "ref_id": ref_id}
    )


def _po_line(floor: Floor, number: str, sku: str) -> dict:
    po = floor.call("GET", f"/api/v1/warehouses/WH1/purchase-orders/{number}", "receiver")
    return next(line for line in po["lines"] if line["sku"] == sku)


def _stock(floor: Floor, sku: str) -> list[dict]:
    return floor.call("GET", f"/api/v1/warehouses/WH1/stock?sku={sku}", "receiver")


def test_scanning_gs1_codes_receives_lots_with_their_expiry_against_the_purchase_order(floor: Floor) -> None:
    floor.item("MILK", gtin=GTIN, tracking="lot")
    _po(floor, "PO-7", [("MILK", 10)])
    _mode(floor, "receiver", "receive", "purchase_order", "PO-7")

    first = floor.scan(_gs1("L1", "270131", count=4), "receiver")
    second = floor.scan(_gs1("L2", "261130"), "receiver")

    assert first["data"]["lot"] == "L1"
    assert first["data"]["expiry"] == "2027-01-31"
    assert first["data"]["quantity"] == 4
    assert second["data"]["quantity"] == 1
    assert _po_line(floor, "PO-7", "MILK")["received"] == 5
    rows = {(r["lot"], r["expiry"], r["quantity"], r["location"]) for r in _stock(floor, "MILK")}
    assert rows == {("L1", "2027-01-31", 4, "RCV-1"), ("L2", "2026-11-30", 1, "RCV-1")}
    ledger = floor.call("GET", "/api/v1/warehouses/WH1/ledger?sku=MILK", "manager")
    assert {(e["lot"], e["expiry"], e["ref_id"]) for e in ledger} == {
        ("L1", "2027-01-31", "PO-7"),
        ("L2", "2026-11-30", "PO-7"),
    }


def test_a_lot_tracked_item_scanned_without_its_lot_is_refused_and_nothing_is_received(floor: Floor) -> None:
    floor.item("MILK", gtin=GTIN, tracking="lot")
    _po(floor, "PO-7", [("MILK", 10)])
    _mode(floor, "receiver", "receive", "purchase_order", "PO-7")
    refused = floor.scan(f"]E0{GTIN[1:]}", "receiver", expect=422)
    assert "lot" in refused["message"]
    assert _po_line(floor, "PO-7", "MILK")["received"] == 0


def test_receiving_more_than_the_purchase_order_expects_needs_a_reason(floor: Floor) -> None:
    floor.item("TEE", gtin=EAN)
    _po(floor, "PO-8", [("TEE", 2)])
    _mode(floor, "receiver", "receive", "purchase_order", "PO-8")
    floor.scan(EAN, "receiver")
    floor.scan(EAN, "receiver")
    over = floor.scan(EAN, "receiver", expect=409)
    assert "needs a reason" in over["message"]
    assert _po_line(floor, "PO-8", "TEE")["received"] == 2

    body = {"sku": "TEE", "quantity": 1, "location": "RCV-1", "purchase_order": "PO-8"}
    floor.call("POST", "/api/v1/warehouses/WH1/receipts", "receiver", expect=409, json=body)
    floor.call(
        "POST",
        "/api/v1/warehouses/WH1/receipts",
        "receiver",
        json={**body, "reason": "supplier sent a spare"},
    )
    line = _po_line(floor, "PO-8", "TEE")
    assert (line["received"], line["variance_reason"]) == (3, "supplier sent a spare")


def test_closing_a_short_purchase_order_needs_a_reason_kept_on_the_short_lines(floor: Floor) -> None:
    floor.item("TEE", gtin=EAN)
    floor.item("CAP")
    _po(floor, "PO-9", [("TEE", 2), ("CAP", 3)])
    floor.call(
        "POST",
        "/api/v1/warehouses/WH1/receipts",
        "receiver",
        json={"sku": "TEE", "quantity": 2, "location": "RCV-1", "purchase_order": "PO-9"},
    )
    path = "/api/v1/warehouses/WH1/purchase-orders/PO-9/close"
    refused = floor.call("POST", path, "receiver", expect=409, json={})
    assert "3 unit(s) short" in refused["message"]
    closed = floor.call("POST", path, "receiver", json={"reason": "back-ordered by the supplier"})
    assert closed["status"] == "closed"
    reasons = {line["sku"]: line["variance_reason"] for line in closed["lines"]}
    assert reasons == {"TEE": "", "CAP": "back-ordered by the supplier"}
    body = {"sku": "TEE", "quantity": 1, "location": "RCV-1", "purchase_order": "PO-9", "reason": "late"}
    floor.call("POST", "/api/v1/warehouses/WH1/receipts", "receiver", expect=409, json=body)


def test_a_purchase_order_fully_received_is_marked_received(floor: Floor) -> None:
    floor.item("TEE", gtin=EAN)
    _po(floor, "PO-10", [("TEE", 1)])
    _mode(floor, "receiver", "receive")
    assert floor.scan("PO-10", "receiver")["data"]["purchase_order"] == "PO-10"
    floor.scan(EAN, "receiver")
    po = floor.call("GET", "/api/v1/warehouses/WH1/purchase-orders/PO-10", "receiver")
    assert po["status"] == "received"


def test_an_unknown_code_in_receive_mode_says_not_found_with_the_code(floor: Floor) -> None:
    _mode(floor, "receiver", "receive")
    answer = floor.scan("PO-NOPE", "receiver", expect=404)
    assert "not found" in answer["message"]
    assert "PO-NOPE" in answer["message"]


def test_a_plate_received_at_the_dock_is_put_away_by_scanning_it_then_the_suggested_bin(floor: Floor) -> None:
    floor.item("MILK", gtin=GTIN, tracking="lot")
    floor.receive("MILK", 1, "B-01-1", lot="OLD")  # the item already lies in the reserve zone
    _po(floor, "PO-11", [("MILK", 6)])
    _mode(floor, "receiver", "receive", "purchase_order", "PO-11")
    floor.scan("LPN-PAL-1", "receiver")
    floor.scan(_gs1("L9", "270630", count=6), "receiver")
    plate = floor.call("GET", "/api/v1/warehouses/WH1/plates/PAL-1", "receiver")
    assert plate["location"] == "RCV-1"
    assert plate["contents"] == [
        {"sku": "MILK", "lot": "L9", "serial": "", "expiry": "2027-06-30", "quantity": 6}
    ]
    suggested = plate["suggested_location"]
    assert suggested is not None
    assert suggested[0] in "ABCD"

    _mode(floor, "receiver", "putaway")
    step = floor.scan("LPN-PAL-1", "receiver")
    assert step["data"]["suggested_location"] == suggested
    assert suggested in step["message"]
    done = floor.scan(f"LOC-{suggested}", "receiver")
    assert done["data"]["units"] == 6

    stock = {(r["location"], r["lot"]): r for r in _stock(floor, "MILK")}
    assert stock[(suggested, "L9")]["quantity"] == 6
    assert stock[(suggested, "L9")]["expiry"] == "2027-06-30"
    assert ("RCV-1", "L9") not in stock
    assert floor.call("GET", "/api/v1/warehouses/WH1/plates/PAL-1", "receiver")["contents"] == []
    again = floor.scan("LPN-PAL-1", "receiver", expect=409)
    assert "nothing to put away" in again["message"]


def test_stock_is_moved_by_scanning_the_source_the_items_and_the_destination(floor: Floor) -> None:
    floor.item("TEE", gtin=EAN)
    floor.receive("TEE", 5, "A-01-1")
    _mode(floor, "receiver", "putaway")
    floor.scan("LOC-A-01-1", "receiver")
    floor.scan(EAN, "receiver")
    assert floor.scan(EAN, "receiver")["data"]["total"] == 2
    floor.scan("LOC-P-01-1", "receiver")
    stock = {r["location"]: r["quantity"] for r in _stock(floor, "TEE")}
    assert stock == {"A-01-1": 3, "P-01-1": 2}


def test_a_blind_count_within_tolerance_is_written_at_once(floor: Floor) -> None:
    floor.item("TEE")
    floor.receive("TEE", 10, "A-01-1")
    task = floor.call(
        "POST",
        "/api/v1/warehouses/WH1/count-tasks",
        "manager",
        expect=201,
        json={"sku": "TEE", "location": "A-01-1", "tolerance": 1},
    )
    listed = floor.call("GET", "/api/v1/warehouses/WH1/count-tasks?status=open", "receiver")
    assert [(t["id"], t["on_hand"], t["counted"]) for t in listed] == [(task["id"], None, None)]
    counted = floor.call(
        "POST", f"/api/v1/warehouses/WH1/count-tasks/{task['id']}/count", "receiver", json={"counted": 9}
    )
    assert (counted["status"], counted["on_hand"], counted["variance"]) == ("counted", 10, -1)
    assert {r["location"]: r["quantity"] for r in _stock(floor, "TEE")} == {"A-01-1": 9}


def test_a_count_beyond_tolerance_waits_for_a_manager_and_reaches_the_ledger_when_approved(
    floor: Floor,
) -> None:
    floor.item("TEE")
    floor.receive("TEE", 10, "A-01-1")
    create = {"sku": "TEE", "location": "A-01-1", "tolerance": 1}
    task = floor.call("POST", "/api/v1/warehouses/WH1/count-tasks", "manager", expect=201, json=create)
    base = f"/api/v1/warehouses/WH1/count-tasks/{task['id']}"
    held = floor.call("POST", f"{base}/count", "receiver", json={"counted": 6})
    assert held["status"] == "awaiting_approval"
    assert {r["location"]: r["quantity"] for r in _stock(floor, "TEE")} == {"A-01-1": 10}
    floor.call("POST", f"{base}/decision", "receiver", expect=403, json={"approve": True})

    approved = floor.call("POST", f"{base}/decision", "manager", json={"approve": True, "note": "recounted"})
    assert approved["status"] == "counted"
    assert {r["location"]: r["quantity"] for r in _stock(floor, "TEE")} == {"A-01-1": 6}
    with floor.kaeru.db.read() as session:
        entry = session.exec(select(LedgerEntry).where(LedgerEntry.reason == "adjust")).one()
        assert (entry.quantity, entry.from_location_id is not None) == (4, True)
    floor.call("POST", f"{base}/decision", "manager", expect=409, json={"approve": True})


def test_a_rejected_count_leaves_the_books_as_they_were(floor: Floor) -> None:
    floor.item("TEE")
    floor.receive("TEE", 10, "A-01-1")
    create = {"sku": "TEE", "location": "A-01-1"}
    task = floor.call("POST", "/api/v1/warehouses/WH1/count-tasks", "manager", expect=201, json=create)
    base = f"/api/v1/warehouses/WH1/count-tasks/{task['id']}"
    floor.call("POST", f"{base}/count", "receiver", json={"counted": 12})
    rejected = floor.call("POST", f"{base}/decision", "manager", json={"approve": False, "note": "miscount"})
    assert rejected["status"] == "rejected"
    assert {r["location"]: r["quantity"] for r in _stock(floor, "TEE")} == {"A-01-1": 10}


def test_lot_tracked_stock_is_reserved_first_expiry_first_out(floor: Floor) -> None:
    floor.item("MILK", gtin=GTIN, tracking="lot")
    for location, lot, expiry in (
        ("P-01-1", "LATE", "2027-09-30"),  # a pick face, first on the walk, but expires last
        ("A-01-1", "SOON", "2026-12-31"),
        ("B-01-1", "NEXT", "2027-03-31"),
    ):
        floor.call(
            "POST",
            "/api/v1/warehouses/WH1/receipts",
            "receiver",
            key=str(uuid.uuid4()),
            json={"sku": "MILK", "quantity": 2, "location": location, "lot": lot, "expiry": expiry},
        )
    floor.order("F-1", [("MILK", 3)])
    with floor.kaeru.db.read() as session:
        held = {q.lot: q.reserved for q in session.exec(select(Quant).where(Quant.reserved > 0))}
        expiries = {q.lot: q.expiry for q in session.exec(select(Quant))}
    assert held == {"SOON": 2, "NEXT": 1}
    assert expiries["SOON"] == date(2026, 12, 31)
