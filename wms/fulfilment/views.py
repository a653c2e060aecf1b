"""What an order and a shipment look like to the shopper's messages and tracking page."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from wms.fulfilment.tables import Order, OrderLine, Shipment
from wms.inventory.tables import Item


def order_lines(session: Session, order_id: int) -> list[OrderLine]:
    return list(
        session.exec(select(OrderLine).where(OrderLine.order_id == order_id).order_by(col(OrderLine.id)))
    )


def order_context(session: Session, order: Order) -> dict[str, Any]:
    lines = []
    for line in order_lines(session, order.id or 0):
        item = session.get(Item, line.item_id)
        lines.append(
            {
                "sku": item.sku if item else "",
                "name": item.name if item else "",
                "quantity": line.quantity,
                "unit_price_minor": line.unit_price_minor,
            }
        )
    return {
        "order": {
            "number": order.number,
            "status": order.status,
            "currency": order.currency,
            "tracking_token": order.tracking_token,
            "lines": lines,
            "promised_date": order.promised_date.isoformat() if order.promised_date else None,
        }
    }


def shipment_context(shipment: Shipment) -> dict[str, Any]:
    return {
        "carrier": shipment.carrier,
        "service": shipment.service,
        "tracking_number": shipment.tracking_number,
        "status": shipment.status,
        "estimated_delivery": shipment.estimated_delivery.isoformat()
        if shipment.estimated_delivery
        else None,
    }
