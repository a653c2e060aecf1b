"""Reading orders, cartons and shipments for the API: a page of orders in a fixed number of
statements (orders, then their shoppers, lines with items and shipments, each one IN query)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from wms.carriers.tables import CarrierLabel
from wms.errors import Invalid, NotFound
from wms.fulfilment.tables import Carton, CartonItem, Order, OrderLine, Shipment, Shopper, TrackingEvent
from wms.identity.model import Principal
from wms.identity.tables import Device, Station
from wms.inventory.tables import Item
from wms.merchants.service import codes_by_id
from wms.scoping import scoped, sees


def orders_page(
    session: Session,
    principal: Principal,
    *,
    status: str | None,
    number: str | None,
    limit: int,
    after: int | None = None,
) -> list[dict[str, Any]]:
    """The caller's orders, newest first, with their lines and shipments; `after`: only older than
    that order (a keyset page, wms.platform.paging). Four statements whatever the page's length."""
    statement = select(Order).order_by(col(Order.id).desc()).limit(limit)
    if after is not None:
        statement = statement.where(col(Order.id) < after)
    statement = scoped(statement, principal, warehouse=Order.warehouse_id, merchant=Order.merchant_id)
    if status:
        statement = statement.where(Order.status == status)
    if number:
        statement = statement.where(Order.number == number)
    return order_views(session, list(session.exec(statement)))


def order_views(session: Session, orders: list[Order]) -> list[dict[str, Any]]:
    if not orders:
        return []
    order_ids = [order.id for order in orders]
    shopper_ids = {order.shopper_id for order in orders}
    shoppers = {s.id: s for s in session.exec(select(Shopper).where(col(Shopper.id).in_(shopper_ids)))}
    merchants = codes_by_id(session, (order.merchant_id for order in orders))
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line, item in session.exec(
        select(OrderLine, Item)
        .outerjoin(Item, col(Item.id) == col(OrderLine.item_id))
        .where(col(OrderLine.order_id).in_(order_ids))
        .order_by(col(OrderLine.id))
    ):
        lines[line.order_id].append(_line_view(line, item))
    shipments: dict[int, list[Shipment]] = defaultdict(list)
    for shipment in session.exec(
        select(Shipment).where(col(Shipment.order_id).in_(order_ids)).order_by(col(Shipment.id))
    ):
        shipments[shipment.order_id].append(shipment)
    return [
        {
            **_order_view(
                order, shoppers.get(order.shopper_id), lines[order.id or 0], shipments[order.id or 0]
            ),
            "merchant": merchants.get(order.merchant_id, ""),
        }
        for order in orders
    ]


def order_view(session: Session, order: Order) -> dict[str, Any]:
    return order_views(session, [order])[0]


def _line_view(line: OrderLine, item: Item | None) -> dict[str, Any]:
    return {
        "sku": item.sku if item else "",
        "name": item.name if item else "",
        "quantity": line.quantity,
        "reserved": line.reserved,
        "picked": line.picked,
        "packed": line.packed,
        "shipped": line.shipped,
        "unit_price_minor": line.unit_price_minor,
    }


def _order_view(
    order: Order, shopper: Shopper | None, lines: list[dict[str, Any]], shipments: list[Shipment]
) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status,
        "channel": order.channel,
        "carrier": order.carrier,
        "service": order.service,
        "ship_to": order.ship_to,
        "created_at": order.created_at,
        "promised_date": order.promised_date,
        "shopper": {"email": shopper.email, "name": shopper.name, "locale": shopper.locale}
        if shopper
        else None,
        "lines": lines,
        "shipments": [
            {
                "tracking_number": s.tracking_number,
                "carrier": s.carrier,
                "status": s.status,
                "estimated_delivery": s.estimated_delivery,
            }
            for s in shipments
        ],
    }


def carton_view(session: Session, carton: Carton) -> dict[str, Any]:
    contents = session.exec(
        select(CartonItem, Item)
        .join(Item, col(Item.id) == col(CartonItem.item_id))
        .where(CartonItem.carton_id == carton.id)
    ).all()
    order = session.get(Order, carton.order_id)
    shipment = session.exec(select(Shipment).where(Shipment.carton_id == carton.id)).first()
    return {
        "sscc": carton.sscc,
        "status": carton.status,
        "order": order.number if order else None,
        "weight_g": carton.weight_g,
        "expected_weight_g": carton.expected_weight_g,
        "contents": [{"sku": i.sku, "serial": c.serial, "quantity": c.quantity} for c, i in contents],
        "shipment": {
            "tracking_number": shipment.tracking_number,
            "carrier": shipment.carrier,
            "status": shipment.status,
        }
        if shipment
        else None,
        "label": _label_view(session, carton),
    }


def _label_view(session: Session, carton: Carton) -> dict[str, Any] | None:
    label = session.exec(
        select(CarrierLabel)
        .where(CarrierLabel.carton_id == carton.id, CarrierLabel.kind == "outbound")
        .order_by(col(CarrierLabel.id).desc())
    ).first()
    if label is None:
        return None
    return {
        "status": label.status,
        "carrier": label.carrier,
        "service": label.service,
        "tracking_number": label.tracking_number,
        "label_format": label.label_format,
        "error": label.last_error,
        "attempts": label.attempts,
        "next_try_at": label.next_try_at,
    }


def carton_by_sscc(session: Session, principal: Principal, sscc: str) -> Carton:
    carton = session.exec(select(Carton).where(Carton.sscc == sscc)).first()
    order = session.get(Order, carton.order_id) if carton else None
    if carton is None or order is None or not sees(principal, order.warehouse_id, order.merchant_id):
        raise NotFound("no carton {sscc}", sscc=sscc)
    return carton


def shipment_by_tracking(
    session: Session, principal: Principal, tracking_number: str
) -> tuple[Shipment, Order]:
    """A shipment the caller may see, and its order."""
    shipment = session.exec(select(Shipment).where(Shipment.tracking_number == tracking_number)).first()
    order = session.get(Order, shipment.order_id) if shipment else None
    if shipment is None or order is None or not sees(principal, order.warehouse_id, order.merchant_id):
        raise NotFound("no shipment {tracking_number}", tracking_number=tracking_number)
    return shipment, order


def tracking_history(session: Session, principal: Principal, tracking_number: str) -> list[dict[str, Any]]:
    shipment, _ = shipment_by_tracking(session, principal, tracking_number)
    events = session.exec(
        select(TrackingEvent).where(TrackingEvent.shipment_id == shipment.id).order_by(col(TrackingEvent.at))
    ).all()
    return [e.model_dump(mode="json", exclude={"id", "shipment_id"}) for e in events]


def weighing_station(
    session: Session, principal: Principal, code: str, weight_g: Decimal | int | None
) -> tuple[Decimal | int, str | None]:
    """The weight on a station's scale (unless one was given) and the URL of its label printer.

    The scale's weight is its exact reading (1234.5 g), not rounded: the carton's check uses it."""
    station = session.exec(select(Station).where(Station.code == code)).first()
    if station is None or not principal.sees_warehouse(station.warehouse_id):
        raise NotFound("no station {code!r}", code=code)
    if weight_g is None:
        if station.last_weight_g is None or not station.last_weight_stable:
            raise Invalid(
                "no stable weight from the scale at {code}: put the carton on it", code=station.code
            )
        weight_g = station.last_weight_g
    device = session.exec(
        select(Device).where(Device.station_id == station.id, Device.kind == "printer")
    ).first()
    return weight_g, device.url if device else None
