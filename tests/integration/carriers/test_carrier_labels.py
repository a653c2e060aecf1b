"""Labels from the carrier, through karrio's own UPS and USPS connectors, against the simulated
carrier: rate, buy, print, manifest, tracking, delivery; a void; retries that buy one label only;
a carrier that is down, slow or refuses an address. Every tracking number Kaeru stores is checked by
an implementation Kaeru did not write (the tracking-numbers package)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session, select
from tracking_numbers import get_tracking_number

from simulators.carrier import CarrierSimulator
from tests.floor import Floor
from tests.integration.carriers.carrier_floor import SHIP_TO, close, packed, sim_call, sim_labels, stock
from wms.carriers import labels
from wms.carriers.labels import gateway_of, settle
from wms.carriers.tables import CarrierLabel
from wms.context import Kaeru
from wms.db import utcnow
from wms.fulfilment.tables import Carton, Order, Shipment
from wms.platform.tables import OutboxMessage


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    stock(f, 20)
    yield f
    f.close()


def _independently_valid(carrier: str, number: str) -> bool:
    found = get_tracking_number(number)
    return found is not None and found.valid and found.courier.code == carrier.lower()


def _shipments(floor: Floor) -> list[Shipment]:
    with floor.kaeru.db.read() as session:
        return list(session.exec(select(Shipment)).all())


def test_a_closed_carton_ships_on_the_carriers_label_and_is_manifested_tracked_and_delivered(
    floor: Floor, carrier_sim: CarrierSimulator
) -> None:
    sscc = packed(floor, "C-1")
    closed = close(floor, sscc)
    label, shipment = closed["label"], closed["shipment"]
    assert label["status"] == "bought"
    assert label["label_format"] == "ZPL"
    tracking = shipment["tracking_number"]
    assert tracking.startswith("1Z")
    assert _independently_valid("UPS", tracking)
    assert label["service"] == "GROUND"  # no promised date: the cheapest service
    assert [s["tracking_number"] for s in sim_labels(carrier_sim, key_of(floor, sscc))] == [tracking]

    with floor.kaeru.db.read() as session:
        prints = {
            m.payload["label"]: m.payload
            for m in session.exec(select(OutboxMessage).where(OutboxMessage.channel == "print"))
        }
    zpl = base64.b64decode(prints["shipping_label"]["carrier_label"]).decode()
    assert zpl.startswith("^XA")
    assert tracking in zpl
    assert "return_label" in prints

    waiting = floor.call("GET", "/api/v1/carriers/unmanifested?warehouse=WH1", "packer")
    assert [w["tracking_number"] for w in waiting] == [tracking]
    floor.call("POST", f"/api/v1/shipments/{tracking}/ship", "packer")
    handed = floor.call(
        "POST", "/api/v1/carriers/manifests", "packer", json={"warehouse": "WH1", "carrier": "UPS"}
    )
    assert handed["parcels"] == 1
    assert floor.call("GET", "/api/v1/carriers/unmanifested?warehouse=WH1", "packer") == []

    for kind in ("in_transit", "out_for_delivery", "delivered"):
        sim_call(
            f"{carrier_sim.url}/_sim/advance/{tracking}",
            "POST",
            {"kind": kind, "location": "Springfield, IL"},
        )
    assert floor.call("POST", "/api/v1/carriers/tracking/poll", "integrator")["events"] == 3
    assert floor.call("POST", "/api/v1/carriers/tracking/poll", "integrator")["events"] == 0  # nothing new
    order = floor.call("GET", f"/api/v1/orders/{closed_order_id(floor, 'C-1')}")
    assert order["status"] == "delivered"
    with floor.kaeru.db.read() as session:
        topics = {
            m.topic for m in session.exec(select(OutboxMessage).where(OutboxMessage.channel == "email"))
        }
    assert "order.delivered" in topics


def closed_order_id(floor: Floor, number: str) -> int:
    with floor.kaeru.db.read() as session:
        return session.exec(select(Order).where(Order.number == number)).one().id or 0


def test_a_usps_parcel_gets_an_impb_number_and_the_carriers_scan_form(
    floor: Floor, carrier_sim: CarrierSimulator
) -> None:
    sscc = packed(floor, "C-USPS", carrier="USPS")
    closed = close(floor, sscc)
    tracking = closed["shipment"]["tracking_number"]
    assert len(tracking) == 22
    assert _independently_valid("USPS", tracking)
    assert closed["label"]["service"] == "GROUND_ADVANTAGE"
    handed = floor.call(
        "POST", "/api/v1/carriers/manifests", "packer", json={"warehouse": "WH1", "carrier": "USPS"}
    )
    assert handed["document"]
    assert handed["identifier"].startswith("9275")
    [sold] = sim_labels(carrier_sim, key_of(floor, sscc))
    assert sold["manifested"]


def test_a_label_not_yet_picked_up_is_voided_at_the_carrier(
    floor: Floor, carrier_sim: CarrierSimulator
) -> None:
    sscc = packed(floor, "C-VOID")
    tracking = close(floor, sscc)["shipment"]["tracking_number"]
    voided = floor.call("POST", f"/api/v1/carriers/labels/{tracking}/void", "packer")
    assert voided["status"] == "voided"
    assert [s["voided"] for s in sim_labels(carrier_sim, key_of(floor, sscc))] == [True]
    assert not [s for s in _shipments(floor) if s.tracking_number == tracking]
    again = floor.call("POST", f"/api/v1/carriers/labels/{tracking}/void", "packer", expect=409)
    assert "voided" in again["message"]


def test_a_replayed_close_buys_one_label(floor: Floor, carrier_sim: CarrierSimulator) -> None:
    sscc = packed(floor, "C-KEY")
    first = close(floor, sscc, key="close-once")
    second = close(floor, sscc, key="close-once")
    assert first["shipment"] == second["shipment"]
    assert len(sim_labels(carrier_sim, key_of(floor, sscc))) == 1


def test_a_crash_after_the_carriers_answer_buys_no_second_label(
    floor: Floor, carrier_sim: CarrierSimulator
) -> None:
    sscc = packed(floor, "C-CRASH")
    sim_call(f"{carrier_sim.url}/_sim/faults", "POST", {"carrier": "ups", "kind": "5xx", "count": 1})
    pending = close(floor, sscc)
    assert pending["label"]["status"] == "pending"
    assert pending["shipment"] is None
    # The carrier sells the label, and Kaeru dies before recording it: the answer is lost.
    with floor.kaeru.db.read() as session:
        carton = session.exec(select(Carton).where(Carton.sscc == sscc)).one()
        row = session.exec(select(CarrierLabel).where(CarrierLabel.carton_id == carton.id)).one()
        request, _ = labels._request(session, row)
    lost = gateway_of(floor.kaeru).buy_label(request.__class__(**{**request.__dict__, "service": "GROUND"}))
    settled = settle(floor.kaeru, row.id or 0)
    assert settled.status == "bought"
    assert settled.tracking_number == lost.tracking_number
    assert len(sim_labels(carrier_sim, key_of(floor, sscc))) == 1


@pytest.mark.parametrize("fault", ["timeout", "5xx", "rate_limit"])
def test_a_carrier_that_is_down_leaves_the_carton_label_pending_until_a_retry_ships_it(
    floor: Floor, carrier_sim: CarrierSimulator, fault: str
) -> None:
    floor.kaeru.settings.carrier_timeout_s = 1
    carrier_sim.state.config.hang_s = 2
    sscc = packed(floor, f"C-{fault}")
    sim_call(f"{carrier_sim.url}/_sim/faults", "POST", {"carrier": "ups", "kind": fault, "count": 1})
    pending = close(floor, sscc)
    assert pending["status"] == "closed"
    assert pending["shipment"] is None
    assert pending["label"]["status"] == "pending"
    assert pending["label"]["attempts"] == 1
    assert pending["label"]["error"].startswith("UPS")
    assert pending["label"]["next_try_at"] is not None
    cannot_ship = floor.call("GET", f"/api/v1/packing/cartons/{sscc}", "packer")
    assert cannot_ship["shipment"] is None  # no label, no shipment: nothing to hand over

    _due_now(floor, sscc)  # the backoff has run out
    assert labels.retry_due(floor.kaeru) == 1
    shipped = floor.call("GET", f"/api/v1/packing/cartons/{sscc}", "packer")
    assert shipped["label"]["status"] == "bought"
    assert shipped["label"]["attempts"] == 2
    assert _independently_valid("UPS", shipped["shipment"]["tracking_number"])
    assert len(sim_labels(carrier_sim, key_of(floor, sscc))) == 1


def key_of(floor: Floor, sscc: str) -> str:
    """The reference the carton's label is bought under at the carrier."""
    with floor.kaeru.db.read() as session:
        carton = session.exec(select(Carton).where(Carton.sscc == sscc)).one()
        return (
            session.exec(select(CarrierLabel).where(CarrierLabel.carton_id == carton.id))
            .one()
            .idempotency_key
        )


def _due_now(floor: Floor, sscc: str) -> None:
    def work(session: Session) -> None:
        carton = session.exec(select(Carton).where(Carton.sscc == sscc)).one()
        row = session.exec(select(CarrierLabel).where(CarrierLabel.carton_id == carton.id)).one()
        row.next_try_at = utcnow() - timedelta(seconds=1)
        session.add(row)

    floor.kaeru.db.write(work)


def test_an_undeliverable_address_comes_back_in_the_carriers_words_and_ships_once_fixed(
    floor: Floor, carrier_sim: CarrierSimulator
) -> None:
    sscc = packed(floor, "C-ADDR", ship_to={**SHIP_TO, "street": "1 Undeliverable Way"})
    refused = close(floor, sscc)
    assert refused["status"] == "closed"
    assert refused["shipment"] is None
    assert refused["label"]["status"] == "refused"
    assert "Address Validation Error" in refused["label"]["error"]
    assert "Correct the ShipTo street" in refused["label"]["error"]
    assert sim_labels(carrier_sim, key_of(floor, sscc)) == []  # nothing bought, nothing half-written
    assert labels.retry_due(floor.kaeru) == 0  # a refusal waits for the packer, not for a timer

    def fix(session: Session) -> None:
        order = session.exec(select(Order).where(Order.number == "C-ADDR")).one()
        order.ship_to = {**SHIP_TO, "street": "12 Main St"}
        session.add(order)

    floor.kaeru.db.write(fix)
    fixed = floor.call("POST", f"/api/v1/packing/cartons/{sscc}/label", "packer")
    assert fixed["label"]["status"] == "bought"
    assert _independently_valid("UPS", fixed["shipment"]["tracking_number"])


def test_an_address_without_a_street_is_refused_before_the_carrier_is_asked(floor: Floor) -> None:
    sscc = packed(floor, "C-NOSTREET", ship_to={"name": "Sam", "city": "Springfield", "country": "US"})
    refused = close(floor, sscc)
    assert refused["label"]["status"] == "refused"
    assert (
        refused["label"]["error"] == "the ship-to address has no street, postal code: complete it, try again"
    )
