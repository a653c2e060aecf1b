"""Delivery-date estimates: the storefront cart question, an order's promise, recompute on carrier events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from tests.floor import Floor
from tests.integration.shopper.shop import backdate, outbox, place, ship, track
from wms.fulfilment.tables import Order, Shipment


def test_the_storefront_gets_a_delivery_date_and_range_for_a_cart_by_postal_code(floor: Floor) -> None:
    answer = floor.call(
        "POST",
        "/api/v1/edd",
        "integrator",
        json={
            "destination": {"country": "US", "postal_code": "94105"},
            "lines": [{"sku": "TEE-M", "quantity": 2}],
            "confidence": 0.9,
        },
    )
    services = {(e["carrier"], e["service"]) for e in answer["estimates"]}
    assert ("UPS", "GROUND") in services
    assert ("UPS", "NEXTDAY") in services
    for estimate in answer["estimates"]:
        assert estimate["earliest"] <= estimate["on"] <= estimate["latest"]
        assert date.fromisoformat(estimate["on"]) > date.today() - timedelta(days=1)
    ons = [e["on"] for e in answer["estimates"]]
    assert ons == sorted(ons)  # soonest first


def test_a_new_order_is_given_the_promised_date_the_shopper_was_shown(floor: Floor) -> None:
    order = place(floor, "E-1", [("TEE-M", 1)])
    estimate = floor.call("GET", "/api/v1/edd/orders/E-1", "integrator")
    assert order["promised_date"] is not None
    assert date.fromisoformat(order["promised_date"]) >= date.today()
    assert estimate["state"] == "ordered"


def test_a_tracking_event_recomputes_the_shipments_estimated_delivery(floor: Floor) -> None:
    shipped = ship(floor, "E-2", [("TEE-M", 1)])
    before = date.today() + timedelta(days=40)
    with floor.kaeru.db.read() as session:
        shipment = session.exec(
            select(Shipment).where(Shipment.tracking_number == shipped["tracking_number"])
        ).one()
    assert shipment.estimated_delivery is None
    track(floor, shipped["tracking_number"], "out_for_delivery", location="Springfield, IL")
    with floor.kaeru.db.read() as session:
        shipment = session.exec(
            select(Shipment).where(Shipment.tracking_number == shipped["tracking_number"])
        ).one()
    assert shipment.estimated_delivery is not None
    assert date.today() - timedelta(days=1) <= shipment.estimated_delivery < before


def test_a_shipment_that_will_miss_its_promised_date_notifies_the_shopper_once(floor: Floor) -> None:
    yesterday = date.today() - timedelta(days=1)
    shipped = ship(floor, "E-3", [("TEE-M", 1)], promised=yesterday)
    track(floor, shipped["tracking_number"], "in_transit", at=datetime.now(UTC) - timedelta(hours=2))
    track(floor, shipped["tracking_number"], "in_transit", at=datetime.now(UTC) - timedelta(hours=1))
    notices = outbox(floor, "order.delayed")
    assert len(notices) == 1
    context = notices[0].payload["context"]
    assert context["order"]["number"] == "E-3"
    assert date.fromisoformat(context["delay"]["expected_on"]) >= date.today()


def test_a_shipment_on_track_for_its_promise_sends_no_delay_notice(floor: Floor) -> None:
    shipped = ship(floor, "E-4", [("TEE-M", 1)], promised=date.today() + timedelta(days=30))
    track(floor, shipped["tracking_number"], "in_transit")
    assert outbox(floor, "order.delayed") == []
    with floor.kaeru.db.read() as session:
        assert session.exec(select(Order).where(Order.number == "E-4")).one().promised_date is not None


def test_transit_times_are_relearned_from_kaerus_own_delivered_shipments(floor: Floor) -> None:
    from wms.shopper.plugin import relearn

    shipped = ship(floor, "E-5", [("TEE-M", 1)])
    backdate(floor, shipped["tracking_number"], 2)
    track(floor, shipped["tracking_number"], "delivered", at=datetime.now(UTC))
    state = relearn(floor.kaeru, settle_seconds=0)
    assert state.learned_from == 1
    assert relearn(floor.kaeru, settle_seconds=0).learned_from == 1  # counted once
    answer = floor.call(
        "POST",
        "/api/v1/edd",
        "integrator",
        json={
            "destination": {"country": "US", "postal_code": "62701"},
            "lines": [{"sku": "TEE-M", "quantity": 1}],
        },
    )
    assert answer["estimates"]
