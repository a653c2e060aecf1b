"""Resolution and money: what a returned unit earns (refund, credit, exchange), paying trusted shoppers
early at the first carrier scan, exchange orders, and completing a return when nothing is left to do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from wms.context import Kaeru
from wms.db import utcnow
from wms.errors import NotFound
from wms.fulfilment import service as fulfilment
from wms.fulfilment.tables import Order, Shipment, Shopper, TrackingEvent
from wms.identity.model import Principal
from wms.inventory.tables import Warehouse
from wms.platform.tables import OutboxMessage
from wms.returns import events, model, queries
from wms.returns.effects import EFFECTS
from wms.returns.model import RMA, ParcelStatus, RmaKind, RmaStatus, UnitStatus
from wms.returns.queries import config_of
from wms.returns.rules import TrustTier
from wms.returns.tables import MoneyMovement, ReturnAuthorisation, ReturnLine, ReturnParcel, ReturnUnit
from wms.scoping import sees

# Units that were never authorised earn nothing, whatever their grade.
UNAUTHORISED_MATCHES = ("extra", "not_ours", "different_item")


@dataclass(frozen=True)
class Payment:
    """Money owed to a shopper for some units of a return line (or one unit)."""

    rma: ReturnAuthorisation
    line: ReturnLine | None
    unit: ReturnUnit | None
    resolution: model.Resolution
    units: int = 1
    early: bool = False


def pay(
    session: Session, kaeru: Kaeru, principal: Principal | None, payment: Payment
) -> MoneyMovement | None:
    """Record money owed to the shopper and announce it: the brand's systems pay out on the webhook."""
    resolution, rma, line = payment.resolution, payment.rma, payment.line
    amount = resolution.amount_minor * payment.units
    if resolution.kind not in ("refund", "store_credit", "keep_it") or amount <= 0:
        return None
    movement = MoneyMovement(
        warehouse_id=rma.warehouse_id,
        merchant_id=rma.merchant_id,
        rma_id=rma.id or 0,
        unit_id=payment.unit.id if payment.unit else None,
        line_id=line.id if line else None,
        shopper_id=rma.shopper_id,
        kind="store_credit" if resolution.kind == "store_credit" else "refund",
        amount_minor=amount,
        currency=resolution.currency,
        detail={**resolution.as_dict(), "units": payment.units, "early": payment.early},
    )
    session.add(movement)
    session.flush()
    item = queries.item(session, line.item_id) if line else None
    EFFECTS.record(
        session,
        principal,
        events.MoneyIssued(
            rma, movement, resolution, payment.units, payment.early, item, kaeru.settings.base_url
        ),
    )
    return movement


def create_exchange_order(
    session: Session, kaeru: Kaeru, rma: ReturnAuthorisation, line: ReturnLine, order: Order
) -> Order:
    """Reserve the new variant and send it out as an order of its own."""
    shopper = session.get(Shopper, order.shopper_id)
    warehouse = session.get(Warehouse, order.warehouse_id)
    if shopper is None or warehouse is None:
        raise NotFound(
            "order {number} has no shopper or warehouse to send an exchange for", number=order.number
        )
    exchange_item = queries.item(session, line.exchange_item_id)
    new = fulfilment.NewOrder(
        number=f"{order.number}-EX{line.id}",
        merchant_id=order.merchant_id,
        shopper_email=shopper.email,
        shopper_name=shopper.name,
        shopper_locale=shopper.locale,
        ship_to=order.ship_to,
        carrier=order.carrier,
        service=order.service,
        currency=order.currency,
        channel="exchange",
        external_id=f"exchange:{rma.number}:{line.id}",
        lines=[fulfilment.NewLine(exchange_item.sku, line.quantity, line.unit_price_minor)],
    )
    exchange = fulfilment.create_order(session, principal=None, warehouse=warehouse, new=new, site=kaeru.site)
    line.exchange_order_id = exchange.id
    session.add(line)
    return exchange


def line_resolution(
    session: Session,
    kaeru: Kaeru,
    rma: ReturnAuthorisation,
    line: ReturnLine,
    *,
    outcome: str | None = None,
    grade: str = "A",
    free_exchange: bool = True,
) -> model.Resolution:
    """What one unit of a return line earns under the policy (as quoted, unless graded otherwise)."""
    return model.resolve(
        config_of(kaeru, rma.merchant_id).policy,
        outcome=outcome or line.outcome,
        unit_price_minor=line.unit_price_minor,
        currency=rma.currency,
        category=queries.item(session, line.item_id).category,
        reason=line.reason,
        grade=grade,
        free_exchange=free_exchange,
    )


def _settle_without_money(unit: ReturnUnit, kind: str, why: str) -> dict[str, Any]:
    unit.resolution, unit.resolved_at, unit.resolution_detail = kind, utcnow(), {"why": why}
    return {"kind": kind}


def _tier(kaeru: Kaeru, rma: ReturnAuthorisation) -> TrustTier:
    tiers = config_of(kaeru, rma.merchant_id).policy.trust.tiers
    return next((t for t in tiers if t.name == rma.trust_tier), tiers[-1])


def resolve_unit(
    session: Session, *, kaeru: Kaeru, principal: Principal | None, rma: ReturnAuthorisation, unit: ReturnUnit
) -> dict[str, Any] | None:
    """Refund, credit or exchange one graded unit under the policy (or nothing for an extra unit)."""
    if unit.resolution or unit.status not in (UnitStatus.GRADED, UnitStatus.PUT_AWAY):
        return None
    line = (
        session.get(ReturnLine, unit.line_id, with_for_update=True, populate_existing=True)
        if unit.line_id
        else None
    )
    if line is None or unit.match in UNAUTHORISED_MATCHES:
        session.add(unit)
        return _settle_without_money(unit, "none", f"{unit.match}: nothing was authorised for this unit")
    if line.resolved >= line.quantity:
        session.add(unit)
        return _settle_without_money(unit, "prepaid", "resolved before the parcel arrived")
    resolution = line_resolution(
        session, kaeru, rma, line, grade=unit.grade or "A", free_exchange=_tier(kaeru, rma).free_exchange
    )
    if resolution.kind == "exchange" and line.exchange_order_id is None:
        order = session.get(Order, rma.order_id) if rma.order_id else None
        if order is None:
            raise NotFound("{number}: an exchange needs the return's order", number=rma.number)
        create_exchange_order(session, kaeru, rma, line, order)
    pay(session, kaeru, principal, Payment(rma, line, unit, resolution))
    line.resolved += 1
    session.add(line)
    unit.resolution, unit.resolution_detail, unit.resolved_at = (
        resolution.kind,
        resolution.as_dict(),
        utcnow(),
    )
    session.add(unit)
    EFFECTS.record(session, principal, events.UnitResolved(rma, unit, resolution))
    return resolution.as_dict()


def pay_early(
    session: Session, *, kaeru: Kaeru, principal: Principal | None, rma: ReturnAuthorisation
) -> int:
    """A trusted shopper's parcel has its first carrier scan: refund or credit now, as quoted."""
    paid = 0
    for line in queries.rma_lines(session, rma.id or 0):
        left = line.quantity - line.resolved
        if line.keep_it or left <= 0 or line.outcome == "exchange":
            continue
        resolution = line_resolution(session, kaeru, rma, line)
        pay(session, kaeru, principal, Payment(rma, line, None, resolution, units=left, early=True))
        line.resolved += left
        session.add(line)
        paid += left
    if paid:
        rma.refunded_early = True
        session.add(rma)
    return paid


def on_return_tracking(session: Session, principal: Principal, event: dict[str, Any], kaeru: Kaeru) -> bool:
    """A carrier event for a return parcel's tracking number (not a forward shipment)."""
    rma = session.exec(
        select(ReturnAuthorisation).where(
            ReturnAuthorisation.return_tracking_number == event["tracking_number"]
        )
    ).first()
    if rma is None or not sees(principal, rma.warehouse_id, rma.merchant_id):
        return False
    session.refresh(rma, with_for_update=True)
    if rma.first_carrier_scan_at is not None or rma.status not in model.NOT_YET_RECEIVED:
        return True  # a repeat or a late event: nothing more to do
    rma.first_carrier_scan_at = event["at"]
    if rma.status != RmaStatus.IN_TRANSIT:
        rma.status = RMA.move(rma.status, RmaStatus.IN_TRANSIT, what=f"RMA-{rma.number}")
    session.add(rma)
    paid = pay_early(session, kaeru=kaeru, principal=principal, rma=rma) if rma.instant_refund else 0
    EFFECTS.record(session, principal, events.ReturnInTransit(rma, event.get("kind"), paid))
    return True


def on_exchange_tracking(session: Session, shipment: Shipment, event: TrackingEvent, kaeru: Kaeru) -> None:
    """The exchange order's parcel is on its way: tell the shopper, once."""
    line = session.exec(select(ReturnLine).where(ReturnLine.exchange_order_id == shipment.order_id)).first()
    if line is None:
        return
    key = f"exchange.shipped:{shipment.id}"
    if session.exec(select(OutboxMessage.id).where(OutboxMessage.message_id == f"email:{key}")).first():
        return
    rma = session.get(ReturnAuthorisation, line.rma_id)
    order = session.get(Order, shipment.order_id)
    if rma is None or order is None:
        raise NotFound(
            "exchange order {order_id} has lost its return or its order", order_id=shipment.order_id
        )
    exchange = {
        "order": order.number,
        "shipment": fulfilment.shipment_context(shipment),
        "sku": queries.item(session, line.exchange_item_id).sku,
    }
    EFFECTS.record(session, None, events.ExchangeShipped(rma, key, exchange, kaeru.settings.base_url))


def complete_if_done(session: Session, rma: ReturnAuthorisation) -> None:
    """A received return is complete once every parcel is closed and every unit graded and resolved."""
    if rma.status != RmaStatus.RECEIVED:
        return
    if session.exec(
        select(ReturnParcel).where(ReturnParcel.rma_id == rma.id, ReturnParcel.status == ParcelStatus.OPEN)
    ).first():
        return
    units = queries.rma_units(session, rma.id or 0)
    if any(u.status == UnitStatus.RECEIVED for u in units):
        return  # still to grade
    if any(u.status == UnitStatus.GRADED and not u.resolution for u in units):
        return
    if rma.kind == RmaKind.AUTHORISED and _lines_outstanding(session, rma, units):
        return
    rma.status = RMA.move(rma.status, RmaStatus.COMPLETED, what=f"RMA-{rma.number}")
    rma.completed_at = utcnow()
    session.add(rma)


def _lines_outstanding(session: Session, rma: ReturnAuthorisation, units: list[ReturnUnit]) -> bool:
    """Is any authorised unit neither received nor recorded missing?"""
    for line in queries.rma_lines(session, rma.id or 0):
        missing = sum(1 for u in units if u.line_id == line.id and u.match == "missing")
        if line.received + missing < line.quantity and not line.keep_it:
            return True
    return False
