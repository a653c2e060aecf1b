"""Delivery-date estimates wired to the server: the storefront's cart question, an order's promise, and the
estimate recomputed on every carrier event (with a delay notice before the shopper has to ask).

The figures come from wms.delivery (pure); this module loads their facts from the database: the pick
backlog, the shipment's tracking events, and the delivered shipments transit times are learned from.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from wms import delivery
from wms.context import Kaeru
from wms.db import utcnow
from wms.errors import Invalid, NotFound
from wms.fulfilment.tables import Order, OrderLine, Shipment, Shopper, TrackingEvent
from wms.identity.model import Principal
from wms.inventory.tables import Item, Warehouse
from wms.platform.tables import OutboxMessage
from wms.shopper.effects import EFFECTS
from wms.shopper.events import DelayForeseen

log = logging.getLogger(__name__)
EDD_KEY = "shopper.edd"
WAITING_STATES = ("new", "reserved", "backordered", "picking")
BACKLOG_SECONDS = 5.0


@dataclass(frozen=True)
class EddState:
    """The delivery network and the transit model learned from it; swapped whole when relearned."""

    network: delivery.Network
    transit: delivery.TransitModel
    names: Any  # DeliveryNames from config/shopper.yaml
    learned_from: int
    learned_at: datetime


class EddBrain:
    """Holds the current EddState for a running server; relearning swaps it atomically."""

    def __init__(self, state: EddState) -> None:
        self._state = state
        self._lock = threading.Lock()
        self._backlogs: dict[int, tuple[float, delivery.Backlog]] = {}

    @property
    def state(self) -> EddState:
        return self._state

    def swap(self, state: EddState) -> None:
        with self._lock:
            self._state = state

    def recent_backlog(self, warehouse_id: int, read: Callable[[], delivery.Backlog]) -> delivery.Backlog:
        """The warehouse's pick backlog, read at most every BACKLOG_SECONDS: a storefront asks far more often
        than the backlog moves by a working day, so checkout pages need not count order lines each time."""
        now = time.monotonic()
        cached = self._backlogs.get(warehouse_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        fresh = read()
        self._backlogs[warehouse_id] = (now + BACKLOG_SECONDS, fresh)
        return fresh


def brain_of(kaeru: Kaeru) -> EddBrain:
    brain = kaeru.extras.get(EDD_KEY)
    if brain is None:
        raise RuntimeError("delivery estimates are not loaded: wms.shopper.plugin.configure was not run")
    return brain  # type: ignore[no-any-return]


# --- learning from Kaeru's own delivered shipments -----------------------------------------------


def _local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def destination_of(order: Order) -> delivery.Destination:
    country = str(order.ship_to.get("country", "")).upper()
    if not country:
        raise Invalid(f"order {order.number} has no destination country")
    return delivery.Destination(country=country, postal_code=str(order.ship_to.get("postal_code", "")))


def delivery_record(
    network: delivery.Network, names: Any, shipment: Shipment, order: Order, warehouse: Warehouse
) -> delivery.DeliveryRecord | None:
    """A delivered shipment in the delivery network's names; None if the network cannot place it."""
    site = network.warehouses.get(names.warehouses.get(warehouse.code, ""))
    mapped = names.network_service(shipment.carrier, shipment.service)
    country = str(order.ship_to.get("country", "")).upper()
    if site is None or mapped is None or country not in network.countries:
        return None
    if shipment.shipped_at is None or shipment.delivered_at is None:
        return None
    return delivery.DeliveryRecord(
        carrier=mapped[0],
        service=mapped[1],
        origin=site.region,
        destination=delivery.Destination(
            country=country, postal_code=str(order.ship_to.get("postal_code", ""))
        ),
        shipped_on=_local_date(shipment.shipped_at, site.timezone),
        delivered_on=_local_date(shipment.delivered_at, network.timezone_of(country=country)),
    )


# --- estimates -----------------------------------------------------------------------------------


def _site(state: EddState, warehouse: Warehouse) -> str:
    code = state.names.warehouses.get(warehouse.code)
    if code is None or code not in state.network.warehouses:
        raise Invalid(
            f"warehouse {warehouse.code} has no delivery profile (delivery.warehouses in shopper.yaml)"
        )
    return str(code)


def backlog(session: Session, warehouse_id: int, state: EddState, site: str) -> delivery.Backlog:
    """Open pick work ahead of a new order: order lines not yet picked in orders still waiting."""
    open_lines = session.exec(
        select(func.count())
        .select_from(OrderLine)
        .join(Order, col(Order.id) == col(OrderLine.order_id))
        .where(
            Order.warehouse_id == warehouse_id,
            col(Order.status).in_(WAITING_STATES),
            OrderLine.picked < OrderLine.quantity,
        )
    ).one()
    return delivery.Backlog(
        open_lines=int(open_lines), lines_per_hour=state.network.warehouses[site].lines_per_hour
    )


def estimate_view(state: EddState, estimate: delivery.Estimate) -> dict[str, Any]:
    ours = state.names.kaeru_service(estimate.carrier, estimate.service)
    return {
        "carrier": ours[0] if ours else estimate.carrier,
        "service": ours[1] if ours else estimate.service,
        "on": estimate.on.isoformat(),
        "earliest": estimate.earliest.isoformat(),
        "latest": estimate.latest.isoformat(),
        "confidence": estimate.confidence,
        "ship_date": estimate.ship_date.isoformat() if estimate.ship_date else None,
        "state": estimate.state,
        "basis": estimate.basis,
        "observations": estimate.observations,
    }


def cart_estimates(
    session: Session,
    brain: EddBrain,
    *,
    warehouse: Warehouse,
    destination: delivery.Destination,
    lines: dict[str, int],
    confidence: float | None,
    now: datetime,
    only: tuple[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Estimates for a cart ordered now, one per service the site offers on the lane, soonest first."""
    state = brain.state
    if destination.country not in state.network.countries:
        raise Invalid(
            f"no delivery estimates for {destination.country}: the delivery network does not serve it"
        )
    known = set(session.exec(select(Item.sku).where(col(Item.sku).in_(list(lines)))).all())
    unknown = sorted(set(lines) - known)
    if unknown:
        raise Invalid(f"unknown SKU(s): {', '.join(unknown)}", skus=unknown)
    site = _site(state, warehouse)
    services = [
        mapped
        for carrier, names in state.names.carriers.items()
        for service in names.services
        if (only is None or only == (carrier, service))
        and (mapped := state.names.network_service(carrier, service)) is not None
    ]
    try:
        answers = delivery.estimate_for_cart(
            network=state.network,
            transit=state.transit,
            warehouse=site,
            destination=destination,
            placed_at=now,
            backlog=brain.recent_backlog(
                warehouse.id or 0, lambda: backlog(session, warehouse.id or 0, state, site)
            ),
            cart_lines=len(lines),
            confidence=confidence,
            services=services,
        )
    except (ValueError, KeyError) as exc:
        raise Invalid(str(exc).strip("'\"")) from exc
    return [estimate_view(state, e) for e in answers]


def _events(session: Session, shipment: Shipment) -> list[delivery.TrackingUpdate]:
    rows = session.exec(
        select(TrackingEvent)
        .where(TrackingEvent.shipment_id == shipment.id)
        .order_by(col(TrackingEvent.at), col(TrackingEvent.id))
    ).all()
    return [
        delivery.TrackingUpdate(kind=e.kind, at=e.at, location=e.location)
        for e in rows
        if e.kind in ("in_transit", "out_for_delivery", "delivered", "exception")
    ]


def order_outlook(session: Session, state: EddState, order: Order, *, now: datetime) -> delivery.Outlook:
    """The order's delivery outlook now: from its shipment's events once shipped, else from the floor."""
    warehouse = session.get(Warehouse, order.warehouse_id)
    if warehouse is None:
        raise NotFound(f"the warehouse of order {order.number} is gone")
    site = _site(state, warehouse)
    mapped = state.names.network_service(order.carrier, order.service)
    if mapped is None:
        raise Invalid(f"{order.carrier}/{order.service} has no delivery estimates configured")
    destination = destination_of(order)
    shipment = session.exec(
        select(Shipment)
        .where(Shipment.order_id == order.id, col(Shipment.shipped_at).is_not(None))
        .order_by(col(Shipment.id).desc())
    ).first()
    if shipment is not None and shipment.shipped_at is not None:
        tz = state.network.warehouses[site].timezone
        return delivery.outlook_for_shipment(
            network=state.network,
            transit=state.transit,
            warehouse=site,
            carrier=mapped[0],
            service=mapped[1],
            destination=destination,
            shipped_on=_local_date(shipment.shipped_at, tz),
            events=_events(session, shipment),
            now=now,
        )
    return delivery.outlook_for_order(
        network=state.network,
        transit=state.transit,
        warehouse=site,
        carrier=mapped[0],
        service=mapped[1],
        destination=destination,
        placed_at=order.created_at,
        backlog=backlog(session, order.warehouse_id, state, site),
        now=now,
    )


def order_estimate(
    session: Session,
    state: EddState,
    order: Order,
    *,
    confidence: float | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    try:
        outlook = order_outlook(session, state, order, now=now or utcnow())
        estimate = delivery.estimate(network=state.network, outlook=outlook, confidence=confidence)
    except (ValueError, KeyError) as exc:
        raise Invalid(str(exc).strip("'\"")) from exc
    return {
        "order": order.number,
        "promised_date": order.promised_date.isoformat() if order.promised_date else None,
        **estimate_view(state, estimate),
    }


# --- listeners -----------------------------------------------------------------------------------


def promise(session: Session, kaeru: Kaeru, order: Order) -> None:
    """Give a new order its promised date (what the shopper was shown), unless the shop sent one."""
    if order.promised_date is not None:
        return
    state = brain_of(kaeru).state
    try:
        outlook = order_outlook(session, state, order, now=order.created_at)
    except (Invalid, ValueError, KeyError) as exc:
        log.info("no promised date for order %s: %s", order.number, exc)
        return
    order.promised_date = delivery.estimate(network=state.network, outlook=outlook).on
    session.add(order)


def delay_key(shipment: Shipment, promised: date) -> str:
    return f"order.delayed:{shipment.id}:{promised.isoformat()}"


def recompute(session: Session, kaeru: Kaeru, shipment: Shipment, event: TrackingEvent) -> None:
    """On a carrier event: a fresh estimate on the shipment, and one delay notice if it will be late."""
    order = session.get(Order, shipment.order_id)
    if order is None:
        return
    state = brain_of(kaeru).state
    try:
        outlook = order_outlook(session, state, order, now=max(utcnow(), event.at))
    except (Invalid, ValueError, KeyError) as exc:
        log.info("no delivery estimate for shipment %s: %s", shipment.tracking_number, exc)
        return
    shipment.estimated_delivery = delivery.estimate(network=state.network, outlook=outlook).on
    session.add(shipment)
    if order.promised_date is None:
        return
    verdict = delivery.judge_delay(network=state.network, outlook=outlook, promised_on=order.promised_date)
    if not verdict.late:
        return
    key = delay_key(shipment, order.promised_date)
    if session.exec(select(OutboxMessage.id).where(OutboxMessage.message_id == f"email:{key}")).first():
        return
    shopper = session.get(Shopper, order.shopper_id)
    if shopper is None:
        return
    foreseen = DelayForeseen(
        order,
        shipment,
        shopper,
        expected_on=verdict.expected_on.isoformat(),
        reason=verdict.reason,
        probability=round(verdict.probability, 3),
        dedupe_key=key,
    )
    EFFECTS.record(session, None, foreseen)


def order_by_number_or_404(
    session: Session, warehouse_id: int, number: str, principal: Principal | None = None
) -> Order:
    order = session.exec(
        select(Order).where(Order.warehouse_id == warehouse_id, Order.number == number)
    ).first()
    if order is None or (principal is not None and not principal.sees_merchant(order.merchant_id)):
        raise NotFound(f"no order {number!r}")
    return order
