"""Delivery claims from the tracking link: evidence gathered, settled at once or held for a manager."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from tests.floor import Floor
from tests.integration.shopper.shop import outbox, place, ship, shopper, track
from wms.fulfilment.tables import Order

LOYAL = "loyal@example.com"


def _loyal_history(floor: Floor, prefix: str) -> None:
    """Nine earlier orders of a good customer (the returns policy's trust score counts them)."""
    for n in range(9):
        place(floor, f"{prefix}-{n}", [("TEE-M", 1)], email=LOYAL)


def _claim(floor: Floor, order: dict[str, Any], kind: str, *, expect: int = 201, **body: Any) -> Any:
    return shopper(
        floor,
        "POST",
        f"/api/v1/shopper/orders/{order['tracking_token']}/claims",
        expect=expect,
        json={"kind": kind, **body},
    )


def _delivered(floor: Floor, number: str) -> dict[str, Any]:
    shipped = ship(floor, number, [("TEE-M", 1)], email=LOYAL)
    track(
        floor,
        shipped["tracking_number"],
        "delivered",
        at=datetime.now(UTC) - timedelta(hours=5),
        location="Front porch",
    )
    return shipped


def test_a_first_claim_from_a_trusted_shopper_is_reshipped_automatically(floor: Floor) -> None:
    _loyal_history(floor, "H")
    order = _delivered(floor, "C-1")
    claim = _claim(floor, order, "not_received")
    assert (claim["status"], claim["resolution"]) == ("resolved", "reship")
    with floor.kaeru.db.read() as session:
        reship = session.exec(select(Order).where(Order.channel == "claim")).one()
    assert reship.number == f"C-1-{claim['number']}"
    told = outbox(floor, "claim.resolved")
    assert [m.payload["context"]["claim"]["outcome"] for m in told] == ["reship"]


def test_a_claim_with_a_delivered_scan_right_weight_and_prior_claims_is_held_for_review(floor: Floor) -> None:
    _loyal_history(floor, "H")
    first = _delivered(floor, "C-2")
    _claim(floor, first, "not_received")
    second = _delivered(floor, "C-3")
    claim = _claim(floor, second, "not_received")
    assert claim["status"] == "review"
    assert claim["resolution"] == ""
    held = floor.call("GET", f"/api/v1/claims/{claim['number']}", "manager")
    assert {"prior_claims", "delivered_scan", "packed_weight_correct"} <= set(held["signals"])
    assert held["evidence"]["delivered_where"] == "Front porch"
    assert held["evidence"]["weight_ok"] is True
    assert len(outbox(floor, "claim.resolved")) == 1  # only the first claim's outcome so far


def test_a_manager_settles_a_held_claim_and_the_shopper_is_told(floor: Floor) -> None:
    order = _delivered(floor, "C-4")  # a new shopper: not yet trusted, so the claim waits for a person
    claim = _claim(floor, order, "damaged_in_transit", lines={"TEE-M": 1})
    assert claim["status"] == "review"
    assert [c["number"] for c in floor.call("GET", "/api/v1/claims", "manager")] == [claim["number"]]
    floor.call(
        "POST",
        f"/api/v1/claims/{claim['number']}/decide",
        "packer",
        expect=403,
        json={"resolution": "refund"},
    )
    settled = floor.call(
        "POST",
        f"/api/v1/claims/{claim['number']}/decide",
        "manager",
        json={"resolution": "refund", "note": ""},
    )
    assert (settled["status"], settled["amount_minor"]) == ("resolved", 2500)
    told = outbox(floor, "claim.resolved")
    assert told[0].payload["context"]["claim"]["amount_minor"] == 2500


def test_a_parcel_not_yet_due_is_not_lost_and_the_claim_is_denied_with_the_reason(floor: Floor) -> None:
    order = ship(floor, "C-5", [("TEE-M", 1)])
    track(floor, order["tracking_number"], "in_transit")
    claim = _claim(floor, order, "not_received")
    assert (claim["status"], claim["resolution"], claim["reason"]) == ("resolved", "deny", "not_yet_due")
    note = outbox(floor, "claim.resolved")[0].payload["context"]["claim"]["note"]
    assert "still on its way" in note


def test_an_item_the_packer_never_scanned_is_the_warehouses_fault_and_is_reshipped(floor: Floor) -> None:
    order = _delivered(floor, "C-6")
    claim = _claim(floor, order, "missing_item", lines={"TEE-M": 1})
    assert claim["status"] == "review"  # one unit was scanned at packing: the records back the warehouse
    light = ship(floor, "C-7", [("TEE-M", 1)], email="light@example.com", weight_g=190)  # 250 g short
    track(floor, light["tracking_number"], "delivered")
    settled = _claim(floor, light, "missing_item", lines={"TEE-M": 1})
    assert (settled["status"], settled["resolution"], settled["reason"]) == (
        "resolved",
        "reship",
        "warehouse_fault",
    )
