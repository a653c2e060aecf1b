"""What a shopper may return and on what terms: eligibility, the outcomes on offer, and trust.

Loads the facts the pure decisions of `wms.returns.model` need (order lines, shipping dates, a
shopper's history, variants in stock) and calls them; the portal and the station show the same answer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from wms.db import utcnow
from wms.fulfilment import service as fulfilment
from wms.fulfilment.tables import Order, OrderLine, Shipment
from wms.inventory.tables import Item, Location, Quant
from wms.returns import model, queries
from wms.returns.model import HoldStatus, RmaKind, RmaStatus
from wms.returns.rules import REASONS, ReturnsConfig, TrustTier
from wms.returns.tables import MoneyMovement, ReturnAuthorisation, ReturnHold, ReturnLine, ReturnUnit


def _returned_so_far(session: Session, order_line_id: int, *, excluding_rma: int | None = None) -> int:
    statement = (
        select(func.coalesce(func.sum(ReturnLine.quantity), 0))
        .join(ReturnAuthorisation, col(ReturnAuthorisation.id) == ReturnLine.rma_id)
        .where(
            ReturnLine.order_line_id == order_line_id,
            ReturnAuthorisation.kind == RmaKind.AUTHORISED,
            col(ReturnAuthorisation.status).not_in([RmaStatus.CANCELLED, RmaStatus.REJECTED]),
        )
    )
    if excluding_rma is not None:
        statement = statement.where(ReturnAuthorisation.id != excluding_rma)
    return int(session.exec(statement).one())


def line_facts(session: Session, order: Order) -> list[model.LineFacts]:
    facts = []
    for line in fulfilment.order_lines(session, order.id or 0):
        item = queries.item(session, line.item_id)
        facts.append(
            model.LineFacts(
                order_line_id=line.id or 0,
                sku=item.sku,
                name=item.name,
                category=item.category,
                unit_price_minor=line.unit_price_minor,
                shipped=line.shipped,
                already_returned=_returned_so_far(session, line.id or 0),
                final_sale=item.final_sale,
            )
        )
    return facts


def shipping_dates(session: Session, order: Order) -> tuple[date | None, date | None]:
    shipments = session.exec(select(Shipment).where(Shipment.order_id == order.id)).all()
    shipped = [s.shipped_at.date() for s in shipments if s.shipped_at]
    delivered = [s.delivered_at.date() for s in shipments if s.delivered_at]
    return (min(shipped) if shipped else None, max(delivered) if delivered else None)


def order_eligibility(
    session: Session, config: ReturnsConfig, order: Order, *, today: date | None = None
) -> model.OrderEligibility:
    shipped_on, delivered_on = shipping_dates(session, order)
    return model.eligibility(
        config.policy,
        today=today or utcnow().date(),
        shipped_on=shipped_on,
        delivered_on=delivered_on,
        lines=line_facts(session, order),
    )


def shopper_history(session: Session, shopper_id: int) -> model.ShopperHistory:
    orders = session.exec(select(Order).where(Order.shopper_id == shopper_id)).all()
    order_ids = [o.id for o in orders]
    shipped = spent = 0
    if order_ids:
        row = session.exec(
            select(
                func.coalesce(func.sum(OrderLine.shipped), 0),
                func.coalesce(func.sum(OrderLine.shipped * OrderLine.unit_price_minor), 0),
            ).where(col(OrderLine.order_id).in_(order_ids))
        ).one()
        shipped, spent = int(row[0]), int(row[1])
    returned = int(
        session.exec(
            select(func.count())
            .select_from(ReturnUnit)
            .join(ReturnAuthorisation, col(ReturnAuthorisation.id) == ReturnUnit.rma_id)
            .where(ReturnAuthorisation.shopper_id == shopper_id, ReturnUnit.match != "missing")
        ).one()
    )
    kept = int(
        session.exec(
            select(func.coalesce(func.sum(ReturnLine.quantity), 0))
            .join(ReturnAuthorisation, col(ReturnAuthorisation.id) == ReturnLine.rma_id)
            .where(ReturnAuthorisation.shopper_id == shopper_id, ReturnLine.keep_it)
        ).one()
    )
    holds = session.exec(
        select(ReturnHold.status)
        .join(ReturnAuthorisation, col(ReturnAuthorisation.id) == ReturnHold.rma_id)
        .where(ReturnAuthorisation.shopper_id == shopper_id)
    ).all()
    paid_back = int(
        session.exec(
            select(func.coalesce(func.sum(MoneyMovement.amount_minor), 0)).where(
                MoneyMovement.shopper_id == shopper_id, MoneyMovement.kind == "refund"
            )
        ).one()
    )
    return model.ShopperHistory(
        orders=len(orders),
        units_shipped=shipped,
        units_returned=returned + kept,
        holds=len(holds),
        rejected=sum(1 for h in holds if h == HoldStatus.REJECTED),
        lifetime_value_minor=max(0, spent - paid_back),
    )


def assess_trust(session: Session, config: ReturnsConfig, shopper_id: int | None) -> model.TrustAssessment:
    history = shopper_history(session, shopper_id) if shopper_id else model.ShopperHistory(0, 0, 0, 0, 0, 0)
    return model.trust(config.policy.trust, history)


def exchange_candidates(session: Session, item: Item, warehouse_id: int) -> list[Item]:
    """Other variants of the item with free new stock in the warehouse."""
    if not item.variant_group:
        return []
    variants = session.exec(
        select(Item)
        .where(Item.variant_group == item.variant_group, Item.id != item.id)
        .order_by(col(Item.sku))
    ).all()
    available = []
    for variant in variants:
        free = session.exec(
            select(func.coalesce(func.sum(Quant.quantity - Quant.reserved), 0))
            .join(Location, col(Location.id) == Quant.location_id)
            .where(
                Quant.item_id == variant.id,
                Quant.condition == "new",
                Location.warehouse_id == warehouse_id,
                col(Location.kind).in_(["pick", "storage"]),
            )
        ).one()
        if int(free) > 0:
            available.append(variant)
    return available


def return_options(
    session: Session, config: ReturnsConfig, order: Order, *, today: date | None = None
) -> dict[str, Any]:
    """Eligibility and, per line, what the shopper may choose: the portal and the screen show this."""
    decision = order_eligibility(session, config, order, today=today)
    tier = assess_trust(session, config, order.shopper_id).tier
    by_line = {line.id: line for line in fulfilment.order_lines(session, order.id or 0)}
    lines = [
        _line_options(session, config, order, line, by_line[line.order_line_id], tier)
        for line in decision.lines
    ]
    return {
        "order": order.number,
        "eligible": decision.eligible,
        "code": decision.code,
        "message": decision.message,
        "currency": order.currency,
        "window_ends": decision.window_ends.isoformat() if decision.window_ends else None,
        "store_credit_bonus_percent": config.policy.store_credit_bonus_percent,
        "reasons": list(REASONS),
        "lines": lines,
    }


def _line_options(
    session: Session,
    config: ReturnsConfig,
    order: Order,
    line: model.LineEligibility,
    order_line: OrderLine,
    tier: TrustTier,
) -> dict[str, Any]:
    """One line's eligibility, and per reason the outcomes on offer with what each pays."""
    item = queries.item(session, order_line.item_id)
    exchange = [v.sku for v in exchange_candidates(session, item, order.warehouse_id)]
    per_reason = {
        reason: model.outcome_options(
            config.policy,
            unit_price_minor=order_line.unit_price_minor,
            currency=order.currency,
            category=item.category,
            reason=reason,
            exchange_skus=exchange,
            free_exchange=tier.free_exchange,
        )
        for reason in REASONS
    }
    return {
        "order_line_id": line.order_line_id,
        "sku": line.sku,
        "name": line.name,
        "returnable": line.returnable,
        "eligible": line.eligible,
        "code": line.code,
        "message": line.message,
        "unit_price_minor": order_line.unit_price_minor,
        "exchange_skus": exchange,
        "options_by_reason": per_reason,
    }


def trust_view(session: Session, config: ReturnsConfig, shopper_id: int) -> dict[str, Any]:
    """A shopper's trust score, what it is made of, and the history it was computed from."""
    history = shopper_history(session, shopper_id)
    assessment = model.trust(config.policy.trust, history)
    return {
        "shopper": shopper_id,
        **assessment.as_dict(),
        "history": history.__dict__,
        "as_of": date.today().isoformat(),
    }
