"""An order from arrival to delivery over the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from tests.floor import Floor
from wms.context import Kaeru
from wms.platform.tables import OutboxMessage


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _pick_everything(floor: Floor) -> dict:
    task = floor.call("POST", "/api/v1/picking/next", "picker", key="next-1")["task"]
    while task["next"]:
        step = task["next"]
        floor.scan(f"LOC-{step['location']}")
        gtin = floor.gtin_of(step["sku"])
        result = floor.scan(f"]E0{gtin[1:]}")
        task = result["data"]
    return task


def test_an_order_is_reserved_picked_packed_shipped_and_delivered(floor: Floor) -> None:
    floor.item("TEE-M", gtin="09506000134352", weight_g=250)
    floor.receive("TEE-M", 5, "A-01-1")
    order = floor.order("O-1", [("TEE-M", 2)])
    assert order["status"] == "reserved"

    floor.call("POST", "/api/v1/picking/release", "manager", json={"warehouse": "WH1", "mode": "single"})
    done = _pick_everything(floor)
    assert done["status"] == "done"
    assert floor.call("GET", f"/api/v1/orders/{order['id']}")["status"] == "picked"

    carton = floor.call("POST", "/api/v1/packing/start", "packer", json={"warehouse": "WH1", "order": "O-1"})
    assert len(carton["sscc"]) == 18
    floor.scan("]E09506000134352", "packer")
    floor.scan("]E09506000134352", "packer")
    closed = floor.call(
        "POST", f"/api/v1/packing/cartons/{carton['sscc']}/close", "packer", json={"weight_g": 2 * 250 + 180}
    )
    tracking = closed["shipment"]["tracking_number"]
    shipped = floor.call("POST", f"/api/v1/shipments/{tracking}/ship", "packer")
    assert shipped["order_status"] == "shipped"

    floor.call(
        "POST",
        "/api/v1/tracking/events",
        "integrator",
        json={"tracking_number": tracking, "kind": "delivered", "at": datetime.now(UTC).isoformat()},
    )
    final = floor.call("GET", f"/api/v1/orders/{order['id']}")
    assert final["status"] == "delivered"
    stock = floor.call("GET", "/api/v1/warehouses/WH1/stock?sku=TEE-M")
    assert sum(row["quantity"] for row in stock) == 3
    with floor.kaeru.db.read() as session:
        topics = {
            m.topic for m in session.exec(select(OutboxMessage).where(OutboxMessage.channel == "email"))
        }
        prints = [
            m.payload["label"]
            for m in session.exec(select(OutboxMessage).where(OutboxMessage.channel == "print"))
        ]
    assert {"order.confirmed", "order.shipped", "order.delivered"} <= topics
    assert sorted(prints) == ["return_label", "shipping_label"]


def test_a_carton_that_weighs_too_little_is_not_closed(floor: Floor) -> None:
    floor.item("TEE-S", gtin="09506000134352", weight_g=400)
    floor.receive("TEE-S", 2)
    floor.order("O-2", [("TEE-S", 2)])
    floor.call("POST", "/api/v1/picking/release", "manager", json={"warehouse": "WH1", "mode": "single"})
    _pick_everything(floor)
    carton = floor.call("POST", "/api/v1/packing/start", "packer", json={"warehouse": "WH1", "order": "O-2"})
    floor.scan("]E09506000134352", "packer")
    floor.scan("]E09506000134352", "packer")
    refused = floor.call(
        "POST",
        f"/api/v1/packing/cartons/{carton['sscc']}/close",
        "packer",
        expect=409,
        json={"weight_g": 300},
    )
    assert "should weigh about 980 g" in refused["message"]


def test_a_serial_tracked_item_is_picked_and_packed_by_its_serial(floor: Floor) -> None:
    floor.item("WATCH", gtin="00614141123452", tracking="serial", weight_g=100, category="electronics")
    floor.receive("WATCH", 2, "B-01-1", serials=["SN-1", "SN-2"])
    floor.order("O-3", [("WATCH", 1)])
    floor.call("POST", "/api/v1/picking/release", "manager", json={"warehouse": "WH1", "mode": "single"})
    task = floor.call("POST", "/api/v1/picking/next", "picker")["task"]
    floor.scan(f"LOC-{task['next']['location']}")
    # The picker takes the other unit in the bin: the reservation follows the serial scanned.
    result = floor.scan("]d2010061414112345221SN-2")
    assert result["data"]["status"] == "done"
    carton = floor.call("POST", "/api/v1/packing/start", "packer", json={"warehouse": "WH1", "order": "O-3"})
    wrong = floor.scan("SN-1", "packer", expect=422)
    assert wrong["outcome"] == "rejected"
    floor.scan("SN-2", "packer")
    closed = floor.call(
        "POST", f"/api/v1/packing/cartons/{carton['sscc']}/close", "packer", json={"weight_g": 280}
    )
    assert closed["contents"] == [{"sku": "WATCH", "serial": "SN-2", "quantity": 1}]


def test_a_short_pick_writes_off_the_missing_units_and_reallocates_from_another_bin(floor: Floor) -> None:
    floor.item("MUG", gtin="09506000134352")
    floor.receive("MUG", 1, "P-01-1")
    floor.receive("MUG", 4, "A-02-1")
    floor.order("O-4", [("MUG", 1)])
    floor.call("POST", "/api/v1/picking/release", "manager", json={"warehouse": "WH1", "mode": "single"})
    task = floor.call("POST", "/api/v1/picking/next", "picker")["task"]
    assert task["next"]["location"] == "P-01-1"  # the pick face first
    result = floor.call(
        "POST", f"/api/v1/picking/tasks/{task['task_id']}/short", "picker", json={"missing": 1}
    )
    assert "1 re-allocated" in result["message"]
    assert result["next"]["location"] == "A-02-1"
    ledger = floor.call("GET", "/api/v1/warehouses/WH1/ledger?sku=MUG")
    assert any(e["reason"] == "adjust" and e["note"] == "short pick" for e in ledger)


def test_batch_release_puts_several_orders_on_one_task_in_walking_order(floor: Floor) -> None:
    floor.item("A", gtin="09506000134352")
    floor.item("B", gtin="00614141123452")
    floor.receive("A", 5, "D-05-1")
    floor.receive("B", 5, "A-01-1")
    floor.order("O-5", [("A", 1)])
    floor.order("O-6", [("B", 1)])
    tasks = floor.call(
        "POST",
        "/api/v1/picking/release",
        "manager",
        json={"warehouse": "WH1", "mode": "batch", "orders_per_task": 10},
    )["tasks"]
    assert len(tasks) == 1
    assert tasks[0]["remaining_lines"] == 2
    assert tasks[0]["next"]["location"] == "A-01-1"


def test_an_order_is_found_by_its_number(floor: Floor) -> None:
    floor.item("TEE", gtin="09506000134352")
    floor.receive("TEE", 3)
    floor.order("N-1", [("TEE", 1)])
    floor.order("N-2", [("TEE", 1)])
    found = floor.call("GET", "/api/v1/orders?number=N-1", "packer")
    assert [o["number"] for o in found] == ["N-1"]


def test_a_pack_screen_reloaded_mid_carton_carries_on_and_another_mode_starts_afresh(floor: Floor) -> None:
    floor.item("TEE-L", gtin="09506000134352", weight_g=250)
    floor.receive("TEE-L", 2)
    floor.order("O-3", [("TEE-L", 2)])
    floor.call("POST", "/api/v1/picking/release", "manager", json={"warehouse": "WH1", "mode": "single"})
    _pick_everything(floor)
    carton = floor.call("POST", "/api/v1/packing/start", "packer", json={"warehouse": "WH1", "order": "O-3"})
    floor.scan("]E09506000134352", "packer")
    # The screen reloads and points the packer's scans at packing again: the carton carries on.
    again = floor.call("PUT", "/api/v1/devices/assignment", "packer", json={"mode": "pack"})
    assert again["state"] == {"sscc": carton["sscc"], "order": "O-3"}
    packed = floor.scan("]E09506000134352", "packer")
    assert packed["data"]["left_to_pack"] == 0
    # Another mode in between is a fresh start.
    floor.call("PUT", "/api/v1/devices/assignment", "packer", json={"mode": "idle"})
    fresh = floor.call("PUT", "/api/v1/devices/assignment", "packer", json={"mode": "pack"})
    assert (fresh["ref_type"], fresh["state"]) == ("", {})


def test_an_order_still_being_picked_is_refused_at_packing_with_the_reason(floor: Floor) -> None:
    floor.item("CAP-A", gtin="09506000134352", weight_g=100)
    floor.item("CAP-B", gtin="00614141123452", weight_g=100)
    floor.receive("CAP-A", 2, "A-01-1")
    floor.receive("CAP-B", 2, "A-02-1")
    floor.order("O-4", [("CAP-A", 1), ("CAP-B", 1)])
    floor.call("POST", "/api/v1/picking/release", "manager", json={"warehouse": "WH1", "mode": "single"})
    task = floor.call("POST", "/api/v1/picking/next", "picker", key="next-4")["task"]
    floor.call("PUT", "/api/v1/devices/assignment", "packer", json={"mode": "pack"})
    refused = floor.scan("]C0ORD-O-4", "packer", expect=409)
    assert refused["message"] == (
        "order O-4 is still being picked: nothing of it has reached the pack station yet (0 of 2 picked)"
    )
    # One line picked: packing may start, and the other line's item is refused with the reason.
    floor.scan(f"LOC-{task['next']['location']}")
    first = task["next"]["sku"]
    floor.scan(f"]E0{floor.gtin_of(first)[1:]}")
    floor.scan("]C0ORD-O-4", "packer")
    other = "CAP-B" if first == "CAP-A" else "CAP-A"
    not_yet = floor.scan(f"]E0{floor.gtin_of(other)[1:]}", "packer", expect=409)
    assert not_yet["message"] == (
        f"{other} has not reached the pack station yet (0 of 1 picked): order O-4 is still being picked"
    )
    packed = floor.scan(f"]E0{floor.gtin_of(first)[1:]}", "packer")
    assert packed["data"]["sku"] == first
    again = floor.scan(f"]E0{floor.gtin_of(first)[1:]}", "packer", expect=422)
    assert again["message"] == f"all of {first} is packed already"


def test_an_idle_scan_of_an_order_a_return_or_a_tag_says_what_it_is(floor: Floor) -> None:
    floor.item("HAT-1", gtin="09506000134352", weight_g=100)
    floor.receive("HAT-1", 2, "A-01-1")
    floor.order("O-5", [("HAT-1", 2)])
    order = floor.scan("]C0ORD-O-5", "manager")
    assert order["message"] == "order O-5: reserved (0 of 2 picked, 0 packed)"
    assert order["data"]["status"] == "reserved"
    assert floor.scan("]C0ORD-NOPE", "manager", expect=404)["message"] == "no order 'NOPE'"
    assert floor.scan("]C0RMA-999999", "manager", expect=404)["message"] == "no return RMA-999999"
    assert floor.scan("]C0LPN-NOPE1", "manager", expect=404)["message"] == "no graded unit with tag LPN-NOPE1"
