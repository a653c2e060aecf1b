"""The tracking page's facts: an order, its timeline, its delivery estimate and the ways forward
(return it, claim for it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from wms.context import Kaeru
from wms.errors import Invalid
from wms.fulfilment.tables import Order, Shipment, Shopper, TrackingEvent
from wms.returns import service as returns
from wms.shopper import edd
from wms.shopper.queries import claims_of_order, lines_with_items, returns_of_order, shipments_of
from wms.shopper.views import claim_view

FINISHED = ("delivered", "cancelled")  # orders that need no estimate


def timeline(session: Session, order: Order, shipments: Sequence[Shipment]) -> list[dict[str, Any]]:
    """What happened to the order, newest first: ordered, shipped, then every carrier event (one query)."""
    events: dict[int | None, list[TrackingEvent]] = {}
    ids = [s.id for s in shipments]
    if ids:
        for event in session.exec(
            select(TrackingEvent)
            .where(col(TrackingEvent.shipment_id).in_(ids))
            .order_by(col(TrackingEvent.id))
        ):
            events.setdefault(event.shipment_id, []).append(event)
    entries: list[dict[str, Any]] = [{"kind": "ordered", "at": order.created_at, "location": ""}]
    for shipment in shipments:
        if shipment.shipped_at:
            entries.append({"kind": "shipped", "at": shipment.shipped_at, "location": ""})
        entries.extend(
            {"kind": e.kind, "at": e.at, "location": e.location, "description": e.description}
            for e in events.get(shipment.id, [])
        )
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries


def _estimate(session: Session, kaeru: Kaeru, order: Order, shipments: Sequence[Shipment]) -> Any:
    """The delivery estimate while the order is on its way (None when there is none to give)."""
    if order.status in FINISHED:
        return None
    try:
        estimate = edd.order_estimate(session, edd.brain_of(kaeru).state, order)
    except Invalid:
        return None
    latest = shipments[-1] if shipments else None
    if latest is not None and latest.estimated_delivery:
        estimate["on"] = latest.estimated_delivery.isoformat()
    return estimate


def tracking_view(session: Session, kaeru: Kaeru, order: Order) -> dict[str, Any]:
    """What the tracking page shows: the order, its timeline, the estimate and the ways forward."""
    shipments = shipments_of(session, order)
    estimate = _estimate(session, kaeru, order, shipments)
    eligibility = returns.order_eligibility(session, returns.config_of(kaeru, order.merchant_id), order)
    return {
        "order": order,
        "shopper": session.get(Shopper, order.shopper_id),
        "lines": [
            {"sku": item.sku, "name": item.name, "quantity": line.quantity}
            for line, item in lines_with_items(session, order)
        ],
        "shipments": shipments,
        "timeline": timeline(session, order, shipments),
        "estimate": estimate,
        "returnable": eligibility.eligible,
        "return_message": eligibility.message,
        "claimable": any(s.shipped_at for s in shipments),
        "claims": [claim_view(c) for c in claims_of_order(session, order)],
        "returns": [
            {"number": r.number, "token": r.token, "status": r.status}
            for r in returns_of_order(session, order)
        ],
    }
