"""Shipping: a closed carton handed to the carrier (its units leave through the ledger), and the
carrier's tracking events moving its shipment (and the order) on to delivery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from wms.db import utcnow
from wms.errors import Conflict, Invalid, NotFound
from wms.fulfilment import model
from wms.fulfilment.effects import EFFECTS
from wms.fulfilment.events import ShipmentShipped, TrackingRecorded
from wms.fulfilment.loading import existing
from wms.fulfilment.model import (
    CARTONS,
    ORDERS,
    SHIPMENTS,
    CartonStatus,
    OrderStatus,
    ShipmentStatus,
    advance,
)
from wms.fulfilment.orders import refresh_order_status
from wms.fulfilment.picking import pack_area
from wms.fulfilment.reservation import spend
from wms.fulfilment.tables import Carton, CartonItem, Order, OrderLine, Reservation, Shipment, TrackingEvent
from wms.identity.model import Principal
from wms.inventory.ledger import Actor, Movement, Reference, move
from wms.inventory.tables import Item, Location, Quant
from wms.scoping import sees

# Other areas react to carrier events (delivery-date estimates, returns in transit) by registering here.
TrackingListener = Callable[[Session, Shipment, TrackingEvent], None]
TRACKING_LISTENERS: list[TrackingListener] = []
# Tracking numbers that are not forward shipments (a return parcel's, say) go to these; the first
# that returns True has handled the event.
UnmatchedTrackingHandler = Callable[[Session, Principal, dict[str, Any]], bool]
UNMATCHED_TRACKING_HANDLERS: list[UnmatchedTrackingHandler] = []


def ship(session: Session, *, principal: Principal, shipment: Shipment) -> Shipment:
    """Hand a closed carton to the carrier: its units leave the building through the ledger."""
    if shipment.status != ShipmentStatus.LABEL_CREATED:
        raise Conflict(
            "shipment {tracking_number} is already {status}",
            tracking_number=shipment.tracking_number,
            status=shipment.status,
        )
    order = existing(session, Order, shipment.order_id, "order")
    area = pack_area(session, order.warehouse_id)
    for content in session.exec(select(CartonItem).where(CartonItem.carton_id == shipment.carton_id)).all():
        _send_off(session, principal, shipment, order, area, content)
    shipment.status = SHIPMENTS.move(
        shipment.status, ShipmentStatus.SHIPPED, what=f"shipment {shipment.tracking_number}"
    )
    shipment.shipped_at = utcnow()
    session.add(shipment)
    carton = session.get(Carton, shipment.carton_id)
    if carton is not None:
        carton.status = CARTONS.move(carton.status, CartonStatus.SHIPPED, what=f"carton {carton.sscc}")
        session.add(carton)
    session.flush()
    refresh_order_status(session, order)
    EFFECTS.record(session, principal, ShipmentShipped(shipment, order))
    return shipment


def _send_off(
    session: Session,
    principal: Principal,
    shipment: Shipment,
    order: Order,
    area: Location,
    content: CartonItem,
) -> None:
    """One carton content leaves the pack area with its reservation, counted as shipped on its line."""
    item = existing(session, Item, content.item_id, "item")
    line = existing(session, OrderLine, content.order_line_id, "order line")
    reservation = session.exec(
        select(Reservation)
        .join(Quant, col(Quant.id) == col(Reservation.quant_id))
        .where(
            Reservation.order_line_id == line.id,
            Quant.location_id == area.id,
            Quant.serial == content.serial,
            Reservation.quantity >= content.quantity,
        )
    ).first()
    if reservation is None:
        raise Conflict("{sku} packed in this carton is no longer held at the pack area", sku=item.sku)
    quant = existing(session, Quant, reservation.quant_id, "quant")
    movement = Movement(
        warehouse_id=order.warehouse_id,
        item=item,
        quantity=content.quantity,
        from_location_id=area.id,
        to_location_id=None,
        reason="ship",
        lot=quant.lot,
        serial=content.serial,
        take_reserved=True,
        reference=Reference("shipment", shipment.tracking_number),
    )
    move(session, movement, Actor(principal))
    spend(session, reservation, content.quantity)
    line.shipped += content.quantity
    session.add(line)


@dataclass(frozen=True)
class CarrierEvent:
    """One event a carrier reports for a tracking number."""

    tracking_number: str
    kind: str
    at: datetime
    location: str = ""
    description: str = ""
    external_id: str = ""


def record_tracking_event(
    session: Session,
    *,
    principal: Principal,
    tracking_number: str,
    kind: str,
    at: datetime,
    location: str = "",
    description: str = "",
    external_id: str = "",
) -> dict[str, Any]:
    """Accept one carrier event; a replay of the same event (same external id) changes nothing."""
    event = CarrierEvent(tracking_number, kind, at, location, description, external_id)
    return track(session, principal, event)


def track(session: Session, principal: Principal, event: CarrierEvent) -> dict[str, Any]:
    """Accept one carrier event; a replay of the same event (same external id) changes nothing."""
    if event.kind not in model.TRACKING_KINDS:
        raise Invalid(
            "unknown tracking event {kind!r}; one of {names}",
            kind=event.kind,
            names=", ".join(model.TRACKING_KINDS),
        )
    shipment = session.exec(select(Shipment).where(Shipment.tracking_number == event.tracking_number)).first()
    if shipment is None:
        return _not_ours(session, principal, event)
    order = session.get(Order, shipment.order_id)
    if order is None or not sees(principal, order.warehouse_id, order.merchant_id):
        raise NotFound(
            "no shipment with tracking number {tracking_number!r}", tracking_number=event.tracking_number
        )
    external_id = event.external_id or f"{event.kind}:{event.at.isoformat()}"
    duplicate = session.exec(
        select(TrackingEvent).where(
            TrackingEvent.shipment_id == shipment.id, TrackingEvent.external_id == external_id
        )
    ).first()
    if duplicate is not None:
        return {"tracking_number": event.tracking_number, "status": shipment.status, "duplicate": True}
    if shipment.status == ShipmentStatus.LABEL_CREATED:
        raise Conflict(
            "shipment {tracking_number} has not been handed to the carrier yet",
            tracking_number=event.tracking_number,
        )
    row = TrackingEvent(
        shipment_id=shipment.id or 0,
        at=event.at,
        kind=event.kind,
        location=event.location,
        description=event.description,
        external_id=external_id,
    )
    session.add(row)
    before = shipment.status
    _advance_shipment(session, shipment, order, event)
    for listener in TRACKING_LISTENERS:
        listener(session, shipment, row)
    recorded = TrackingRecorded(
        shipment, order, event.kind, event.location, event.description, external_id, shipment.status != before
    )
    EFFECTS.record(session, principal, recorded)
    return {"tracking_number": event.tracking_number, "status": shipment.status, "duplicate": False}


def _not_ours(session: Session, principal: Principal, event: CarrierEvent) -> dict[str, Any]:
    """A tracking number of no forward shipment: another area's parcel, or unknown."""
    unmatched = {
        "tracking_number": event.tracking_number,
        "kind": event.kind,
        "at": event.at,
        "location": event.location,
        "description": event.description,
        "external_id": event.external_id,
    }
    for handler in UNMATCHED_TRACKING_HANDLERS:
        if handler(session, principal, unmatched):
            return {"tracking_number": event.tracking_number, "handled_by": "returns"}
    raise NotFound(
        "no shipment with tracking number {tracking_number!r}", tracking_number=event.tracking_number
    )


def _advance_shipment(session: Session, shipment: Shipment, order: Order, event: CarrierEvent) -> None:
    target = model.next_shipment_status(shipment.status, event.kind)
    shipment.status = advance(SHIPMENTS, shipment.status, target, what=f"shipment {shipment.tracking_number}")
    if shipment.status == ShipmentStatus.DELIVERED and shipment.delivered_at is None:
        shipment.delivered_at = event.at
        order.status = advance(ORDERS, order.status, OrderStatus.DELIVERED, what=f"order {order.number}")
        session.add(order)
    session.add(shipment)
    session.flush()
