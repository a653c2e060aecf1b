"""Returns use cases: authorise, open a parcel, receive units, grade, dispose, put away, resolve, hold.

Each function loads what a decision needs, calls the pure functions of `wms.returns.model`, and
writes the result in the caller's transaction: stock through the ledger, side effects (emails,
webhooks, print jobs, live events) through the outbox.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from devices.epc import decode_epc
from devices.scan import RMA_TOKEN_PREFIX, parse_scan
from kaeru_config.site import SiteConfig
from wms.context import Kaeru
from wms.db import utcnow
from wms.errors import Conflict, Forbidden, Invalid, NotFound
from wms.fulfilment import service as fulfilment
from wms.fulfilment.tables import Carton, CartonItem, Order, OrderLine, Shipment, Shopper, TrackingEvent
from wms.identity.model import Principal
from wms.identity.tables import Device, Station
from wms.inventory.service import item_by_gtin, item_by_sku, move_stock
from wms.inventory.tables import Item, LicensePlate, Location, Quant, Warehouse
from wms.platform import audit
from wms.platform.notify import notify_shopper
from wms.platform.outbox import enqueue, publish_live
from wms.platform.tables import OutboxMessage
from wms.returns import model
from wms.returns.policy import ReturnsConfig
from wms.returns.tables import (
    MoneyMovement,
    ReturnAuthorisation,
    ReturnHold,
    ReturnLine,
    ReturnParcel,
    ReturnUnit,
)

CONFIG_KEY = "returns"
OPEN_STATES = ("authorised", "in_transit", "received", "on_hold")


def config_of(kaeru: Kaeru) -> ReturnsConfig:
    config = kaeru.extras.get(CONFIG_KEY)
    if config is None:
        raise RuntimeError(
            "the returns configuration is not loaded: wms.returns.plugin.configure was not run"
        )
    return config  # type: ignore[no-any-return]


def rma_code(rma: ReturnAuthorisation) -> str:
    return f"RMA-{rma.number}"


def qr_payload(rma: ReturnAuthorisation) -> str:
    return f"{RMA_TOKEN_PREFIX}{rma.token}"


# --- lookups -------------------------------------------------------------------------------------


def order_by_token(session: Session, token: str) -> Order:
    order = session.exec(select(Order).where(Order.tracking_token == token)).first() if token else None
    if order is None or not secrets.compare_digest(order.tracking_token, token):
        raise NotFound("no order with this link: check the address in your email")
    return order


def rma_by_number(session: Session, principal: Principal | None, number: str) -> ReturnAuthorisation:
    number = number.removeprefix("RMA-")
    statement = select(ReturnAuthorisation).where(ReturnAuthorisation.number == number)
    if principal is not None and principal.warehouse_id is not None:
        statement = statement.where(ReturnAuthorisation.warehouse_id == principal.warehouse_id)
    rma = session.exec(statement).first()
    if rma is None:
        raise NotFound(f"no return RMA-{number}")
    return rma


def rma_by_token(session: Session, token: str) -> ReturnAuthorisation:
    rma = (
        session.exec(select(ReturnAuthorisation).where(ReturnAuthorisation.token == token)).first()
        if token
        else None
    )
    if rma is None:
        raise NotFound("no return with this link: check the address in your email")
    return rma


def rma_lines(session: Session, rma_id: int, *, lock: bool = False) -> list[ReturnLine]:
    """The RMA's lines; with `lock`, row-locked (PostgreSQL): two stations count units one at a time."""
    statement = select(ReturnLine).where(ReturnLine.rma_id == rma_id).order_by(col(ReturnLine.id))
    if lock:
        statement = statement.with_for_update()
    return list(session.exec(statement.execution_options(populate_existing=lock)))


def rma_units(session: Session, rma_id: int) -> list[ReturnUnit]:
    return list(
        session.exec(select(ReturnUnit).where(ReturnUnit.rma_id == rma_id).order_by(col(ReturnUnit.id)))
    )


def get_unit(session: Session, principal: Principal, unit_id: int) -> ReturnUnit:
    unit = session.get(ReturnUnit, unit_id)
    if unit is None or not principal.sees_warehouse(unit.warehouse_id):
        raise NotFound(f"no returned unit {unit_id}")
    return unit


def get_parcel(session: Session, principal: Principal, parcel_id: int) -> ReturnParcel:
    parcel = session.get(ReturnParcel, parcel_id)
    if parcel is None or not principal.sees_warehouse(parcel.warehouse_id):
        raise NotFound(f"no return parcel {parcel_id}")
    return parcel


def get_hold(session: Session, principal: Principal, hold_id: int) -> ReturnHold:
    hold = session.get(ReturnHold, hold_id)
    if hold is None or not principal.sees_warehouse(hold.warehouse_id):
        raise NotFound(f"no hold {hold_id}")
    return hold


def _item(session: Session, item_id: int | None) -> Item:
    item = session.get(Item, item_id) if item_id else None
    assert item is not None
    return item


def item_facts(item: Item) -> model.ItemFacts:
    return model.ItemFacts(
        item_id=item.id or 0,
        sku=item.sku,
        category=item.category,
        serial_tracked=item.tracking == "serial",
        variant_group=item.variant_group,
    )


# --- facts for decisions -------------------------------------------------------------------------


def _returned_so_far(session: Session, order_line_id: int, *, excluding_rma: int | None = None) -> int:
    statement = (
        select(func.coalesce(func.sum(ReturnLine.quantity), 0))
        .join(ReturnAuthorisation, col(ReturnAuthorisation.id) == ReturnLine.rma_id)
        .where(
            ReturnLine.order_line_id == order_line_id,
            ReturnAuthorisation.kind == "authorised",
            col(ReturnAuthorisation.status).not_in(["cancelled", "rejected"]),
        )
    )
    if excluding_rma is not None:
        statement = statement.where(ReturnAuthorisation.id != excluding_rma)
    return int(session.exec(statement).one())


def line_facts(session: Session, order: Order) -> list[model.LineFacts]:
    facts = []
    for line in fulfilment.order_lines(session, order.id or 0):
        item = _item(session, line.item_id)
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
        rejected=sum(1 for h in holds if h == "rejected"),
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
    lines = []
    by_line = {line.id: line for line in fulfilment.order_lines(session, order.id or 0)}
    for line in decision.lines:
        order_line = by_line[line.order_line_id]
        item = _item(session, order_line.item_id)
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
            for reason in _reasons()
        }
        lines.append(
            {
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
        )
    return {
        "order": order.number,
        "eligible": decision.eligible,
        "code": decision.code,
        "message": decision.message,
        "currency": order.currency,
        "window_ends": decision.window_ends.isoformat() if decision.window_ends else None,
        "store_credit_bonus_percent": config.policy.store_credit_bonus_percent,
        "reasons": list(_reasons()),
        "lines": lines,
    }


def _reasons() -> tuple[str, ...]:
    from wms.returns.policy import REASONS

    return REASONS


# --- notifications -------------------------------------------------------------------------------


def rma_context(session: Session, kaeru: Kaeru, rma: ReturnAuthorisation) -> dict[str, Any]:
    """Everything a message about this return needs (the relay's templates read it)."""
    lines = []
    for line in rma_lines(session, rma.id or 0):
        item = _item(session, line.item_id)
        exchange = session.get(Item, line.exchange_item_id) if line.exchange_item_id else None
        lines.append(
            {
                "sku": item.sku,
                "name": item.name,
                "quantity": line.quantity,
                "reason": line.reason,
                "reason_text": line.reason_text,
                "outcome": line.outcome,
                "keep_it": line.keep_it,
                "exchange_sku": exchange.sku if exchange else None,
                "exchange_name": exchange.name if exchange else None,
                "unit_price_minor": line.unit_price_minor,
                "quoted_minor": line.quoted_minor,
            }
        )
    warehouse = session.get(Warehouse, rma.warehouse_id)
    order = session.get(Order, rma.order_id) if rma.order_id else None
    base = kaeru.settings.base_url.rstrip("/")
    context: dict[str, Any] = {
        "rma": {
            "number": rma.number,
            "code": rma_code(rma),
            "token": rma.token,
            "qr_payload": qr_payload(rma),
            "status": rma.status,
            "currency": rma.currency,
            "lines": lines,
            "return_by": rma.return_by.isoformat() if rma.return_by else None,
            "carrier": rma.return_carrier,
            "tracking_number": rma.return_tracking_number,
            "status_url": f"{base}/api/v1/shopper/returns/{rma.token}",
            "label_pdf_url": f"{base}/api/v1/shopper/returns/{rma.token}/label.pdf",
        },
        "return_to": {"name": warehouse.name, **warehouse.address} if warehouse else {},
    }
    if order is not None:
        context["order"] = {
            "number": order.number,
            "currency": order.currency,
            "tracking_token": order.tracking_token,
        }
    return context


def _notify(
    session: Session, kaeru: Kaeru, rma: ReturnAuthorisation, topic: str, dedupe_key: str, **extra: Any
) -> None:
    shopper = session.get(Shopper, rma.shopper_id) if rma.shopper_id else None
    if shopper is None:
        return  # an unexpected return from nobody we know: there is no one to tell
    context = {**rma_context(session, kaeru, rma), **extra}
    notify_shopper(
        session,
        topic=topic,
        shopper=shopper,
        warehouse_id=rma.warehouse_id,
        context=context | shopper_message(session, rma, context),
        dedupe_key=dedupe_key,
    )


def shopper_message(session: Session, rma: ReturnAuthorisation, context: dict[str, Any]) -> dict[str, Any]:
    """The keys the shopper's templates read (wms/notify/topics.py), from a return's context.

    Fraud evidence never reaches the shopper: a rejection carries only the reviewer's note.
    """
    about = context["rma"]
    message: dict[str, Any] = {
        "return": {
            "number": about["code"],
            "order_number": (context.get("order") or {}).get("number"),
            "token": about["token"],
            "qr_payload": about["qr_payload"],
            "expires_on": about["return_by"],
            "currency": about["currency"],
            "status": about["status"],
            "lines": about["lines"],
            "label_pdf_url": about["label_pdf_url"],
        }
    }
    if "parcel" in context:
        message["return"]["received_at"] = context["parcel"].get("received_at")
    if "unit" in context:
        unit = context["unit"]
        outcome = next((line["outcome"] for line in about["lines"] if line["sku"] == unit["sku"]), None)
        message["units"] = [
            {
                "sku": unit["sku"],
                "name": unit["name"],
                "grade": unit["grade"],
                "findings": [],
                "outcome": "keep" if outcome == "keep_it" else outcome,
                "currency": unit.get("currency"),
            }
        ]
    if "money" in context:
        money = context["money"]
        if money["kind"] == "refund":
            message["refund"] = {
                "amount_minor": money["amount_minor"],
                "currency": money["currency"],
                "method": "original payment method",
            }
        else:
            message["credit"] = {
                "amount_minor": money["amount_minor"],
                "currency": money["currency"],
                "bonus_minor": money["breakdown"].get("bonus_minor", 0),
                "code": f"SC-{rma.number}-{money['id']}",
            }
    if "exchange" in context:
        exchange = context["exchange"]
        new_order = session.exec(
            select(Order).where(Order.warehouse_id == rma.warehouse_id, Order.number == exchange["order"])
        ).first()
        message["order"] = {
            **(context.get("order") or {}),
            "number": exchange["order"],
            "tracking_token": new_order.tracking_token if new_order else None,
        }
        message["shipment"] = exchange["shipment"]
    if "decision" in context:
        message["reason"] = context["decision"].get("note") or None
        message["decision"] = {"note": context["decision"].get("note")}
    return message


def _print_return_label(
    session: Session, kaeru: Kaeru, rma: ReturnAuthorisation, printer_url: str | None
) -> None:
    context = rma_context(session, kaeru, rma)
    shopper = session.get(Shopper, rma.shopper_id) if rma.shopper_id else None
    enqueue(
        session,
        channel="print",
        topic="print.return_label",
        warehouse_id=rma.warehouse_id,
        payload={
            "label": "return_label",
            "printer": printer_url,
            "rma_number": rma_code(rma),
            "rma_token": rma.token,
            "qr_payload": qr_payload(rma),
            "order_number": context.get("order", {}).get("number", ""),
            "shopper_name": shopper.name if shopper else "",
            "carrier": rma.return_carrier,
            "tracking_number": rma.return_tracking_number,
            "return_by": context["rma"]["return_by"],
            "return_to": context["return_to"],
            "locale": shopper.locale if shopper else "en",
        },
    )


# --- authorisation -------------------------------------------------------------------------------


@dataclass
class NewReturnLine:
    order_line_id: int | None
    sku: str | None
    quantity: int
    reason: str
    reason_text: str = ""
    outcome: str = "refund"
    exchange_sku: str | None = None


def _resolve_line_ids(
    session: Session, order: Order, lines: list[NewReturnLine]
) -> list[model.RequestedLine]:
    order_lines = fulfilment.order_lines(session, order.id or 0)
    requested = []
    for line in lines:
        order_line_id = line.order_line_id
        if order_line_id is None:
            if not line.sku:
                raise Invalid("name each item to return by its SKU or its order line")
            match = next((ol for ol in order_lines if _item(session, ol.item_id).sku == line.sku), None)
            if match is None:
                raise Invalid(f"{line.sku} is not on order {order.number}", sku=line.sku)
            order_line_id = match.id
        line.order_line_id = order_line_id
        requested.append(
            model.RequestedLine(
                order_line_id or 0, line.quantity, line.reason, line.reason_text, line.outcome
            )
        )
    return requested


def _carrier_prefix(site: SiteConfig, carrier: str) -> str:
    spec = site.shipping.carriers.get(carrier)
    return spec.tracking_prefix if spec else "RET"


def authorise(
    session: Session,
    *,
    kaeru: Kaeru,
    principal: Principal | None,
    order: Order,
    lines: list[NewReturnLine],
    channel: str,
    allow_outside_window: bool = False,
    print_label: bool = False,
    printer_url: str | None = None,
    note: str = "",
) -> ReturnAuthorisation:
    """Authorise a return of some of an order's shipped units, under the policy."""
    config = config_of(kaeru)
    policy = config.policy
    decision = order_eligibility(session, config, order)
    requested = _resolve_line_ids(session, order, lines)
    model.check_request(decision, requested, allow_outside_window=allow_outside_window)
    assessment = assess_trust(session, config, order.shopper_id)
    today = utcnow().date()
    rma = ReturnAuthorisation(
        warehouse_id=order.warehouse_id,
        number=secrets.token_hex(8),
        token=secrets.token_urlsafe(24),
        order_id=order.id,
        shopper_id=order.shopper_id,
        channel=channel,
        currency=order.currency,
        return_carrier=order.carrier,
        return_by=today + timedelta(days=policy.arrive_within_days),
        outside_window=decision.code == "window_expired",
        trust_score=assessment.score,
        trust_tier=assessment.tier.name,
        instant_refund=assessment.tier.instant_refund,
        created_by=principal.key if principal else f"shopper:{order.shopper_id}",
        note=note,
    )
    session.add(rma)
    session.flush()
    rma.number = str(100000 + (rma.id or 0))
    rma.return_tracking_number = f"{_carrier_prefix(kaeru.site, order.carrier)}R{rma.id or 0:010d}"
    order_lines = {ol.id: ol for ol in fulfilment.order_lines(session, order.id or 0)}
    kept: list[ReturnLine] = []
    for new in lines:
        order_line = order_lines[new.order_line_id]
        item = _item(session, order_line.item_id)
        exchange_item = None
        if new.outcome == "exchange":
            if not new.exchange_sku:
                raise Invalid(f"{item.sku}: choose the variant to exchange it for (exchange_sku)")
            exchange_item = item_by_sku(session, new.exchange_sku)
            candidates = {v.id for v in exchange_candidates(session, item, order.warehouse_id)}
            if exchange_item.id not in candidates:
                raise Invalid(
                    f"{new.exchange_sku} is not another variant of {item.sku} in stock", sku=new.exchange_sku
                )
        keep = model.keep_it(policy, unit_price_minor=order_line.unit_price_minor, reason=new.reason)
        quote = model.resolve(
            policy,
            outcome="keep_it" if keep else new.outcome,
            unit_price_minor=order_line.unit_price_minor,
            currency=order.currency,
            category=item.category,
            reason=new.reason,
            free_exchange=assessment.tier.free_exchange,
        )
        line = ReturnLine(
            rma_id=rma.id or 0,
            order_line_id=order_line.id,
            item_id=item.id or 0,
            quantity=new.quantity,
            reason=new.reason,
            reason_text=new.reason_text.strip(),
            outcome=new.outcome,
            exchange_item_id=exchange_item.id if exchange_item else None,
            keep_it=keep,
            unit_price_minor=order_line.unit_price_minor,
            quoted_minor=quote.amount_minor,
        )
        session.add(line)
        session.flush()
        if keep:
            kept.append(line)
        elif exchange_item is not None and assessment.tier.instant_exchange:
            _create_exchange_order(session, kaeru, rma, line, order)
    audit.record(
        session,
        principal,
        action="return.authorised",
        object_type="rma",
        object_id=rma_code(rma),
        warehouse_id=rma.warehouse_id,
        order=order.number,
        channel=channel,
        trust_score=assessment.score,
        tier=assessment.tier.name,
        outside_window=rma.outside_window,
    )
    _notify(
        session,
        kaeru,
        rma,
        "return.authorised",
        f"return.authorised:{rma.id}",
        trust={"tier": assessment.tier.name, "instant_refund": rma.instant_refund},
    )
    for line in kept:
        _pay(
            session,
            kaeru,
            principal,
            rma,
            line,
            None,
            model.resolve(
                policy,
                outcome="keep_it",
                unit_price_minor=line.unit_price_minor,
                currency=rma.currency,
                category=_item(session, line.item_id).category,
                reason=line.reason,
            ),
            units=line.quantity,
        )
        line.resolved = line.quantity
        session.add(line)
    if kept and all(line.keep_it for line in rma_lines(session, rma.id or 0)):
        rma.status = "completed"
        rma.completed_at = utcnow()
    session.add(rma)
    if print_label and rma.status != "completed":
        _print_return_label(session, kaeru, rma, printer_url)
    return rma


def cancel(session: Session, *, principal: Principal, rma: ReturnAuthorisation) -> ReturnAuthorisation:
    if rma.status not in ("authorised", "in_transit"):
        raise Conflict(f"{rma_code(rma)} is {rma.status}; only a return not yet received can be cancelled")
    rma.status = "cancelled"
    session.add(rma)
    audit.record(
        session,
        principal,
        action="return.cancelled",
        object_type="rma",
        object_id=rma_code(rma),
        warehouse_id=rma.warehouse_id,
    )
    return rma


def _create_exchange_order(
    session: Session, kaeru: Kaeru, rma: ReturnAuthorisation, line: ReturnLine, order: Order
) -> Order:
    """Reserve the new variant and send it out as an order of its own."""
    shopper = session.get(Shopper, order.shopper_id)
    exchange_item = _item(session, line.exchange_item_id)
    warehouse = session.get(Warehouse, order.warehouse_id)
    assert shopper is not None
    assert warehouse is not None
    new = fulfilment.NewOrder(
        number=f"{order.number}-EX{line.id}",
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


# --- stations and parcels ------------------------------------------------------------------------


def station_for(session: Session, principal: Principal, code: str | None) -> Station | None:
    """The returns station a request comes from: the device's own, or the one a person names."""
    if principal.kind == "device":
        device = session.get(Device, principal.device_id)
        station = session.get(Station, device.station_id) if device and device.station_id else None
        if station is None or station.kind != "returns":
            raise Forbidden("this device does not belong to a returns station")
        return station
    if not code:
        return None
    station = session.exec(select(Station).where(Station.code == code)).first()
    if station is None or not principal.sees_warehouse(station.warehouse_id) or station.kind != "returns":
        raise NotFound(f"no returns station {code!r}")
    return station


def station_printer(session: Session, station: Station | None) -> str | None:
    if station is None:
        return None
    printer = session.exec(
        select(Device)
        .where(Device.station_id == station.id, Device.kind == "printer")
        .order_by(col(Device.id))
    ).first()
    return printer.url if printer and printer.url else None


def _station_weight(station: Station | None) -> int | None:
    if station is None or station.last_weight_g is None or not station.last_weight_stable:
        return None
    if station.last_weight_at is None or station.last_weight_at < utcnow() - timedelta(minutes=5):
        return None
    return station.last_weight_g


def _receiving_location(session: Session, warehouse_id: int, station: Station | None) -> Location:
    if station is not None and station.location_id:
        location = session.get(Location, station.location_id)
        if location is not None:
            return location
    location = session.exec(
        select(Location)
        .where(Location.warehouse_id == warehouse_id, Location.kind == "returns")
        .order_by(col(Location.path_seq))
    ).first()
    if location is None:
        raise Conflict("this warehouse has no returns location configured")
    return location


def _open_rma_of_order(session: Session, order: Order) -> ReturnAuthorisation | None:
    return session.exec(
        select(ReturnAuthorisation)
        .where(ReturnAuthorisation.order_id == order.id, col(ReturnAuthorisation.status).in_(OPEN_STATES))
        .order_by(col(ReturnAuthorisation.id).desc())
    ).first()


def find_by_code(
    session: Session, principal: Principal, warehouse_id: int, code: str
) -> tuple[ReturnAuthorisation | None, Order | None, str]:
    """The RMA (or at least the order) a parcel's code names, and how it was found."""
    scan = parse_scan(code)
    value = scan.code or ""
    if scan.kind == "rma" and scan.data.startswith(RMA_TOKEN_PREFIX):
        rma = session.exec(select(ReturnAuthorisation).where(ReturnAuthorisation.token == value)).first()
        if rma is not None:
            return rma, None, "qr"
        # The return label packed with the order carries the order's own token: a pre-authorised return.
        order = session.exec(select(Order).where(Order.tracking_token == value)).first()
        return None, order, "packed_label"
    if scan.kind == "rma":
        rma = session.exec(
            select(ReturnAuthorisation).where(
                ReturnAuthorisation.number == value, ReturnAuthorisation.warehouse_id == warehouse_id
            )
        ).first()
        return rma, None, "rma_number"
    if scan.kind == "order":
        order = session.exec(
            select(Order).where(Order.number == value, Order.warehouse_id == warehouse_id)
        ).first()
        return (_open_rma_of_order(session, order) if order else None), order, "order"
    if scan.kind == "sscc":
        carton = session.exec(select(Carton).where(Carton.sscc == scan.sscc)).first()
        order = session.get(Order, carton.order_id) if carton else None
        return (_open_rma_of_order(session, order) if order else None), order, "sscc"
    if scan.kind == "text":
        rma = session.exec(
            select(ReturnAuthorisation).where(ReturnAuthorisation.return_tracking_number == value)
        ).first()
        if rma is not None:
            return rma, None, "tracking"
        shipment = session.exec(select(Shipment).where(Shipment.tracking_number == value)).first()
        order = session.get(Order, shipment.order_id) if shipment else None
        return (_open_rma_of_order(session, order) if order else None), order, "tracking"
    return None, None, "unknown"


def _rma_for_parcel(
    session: Session,
    kaeru: Kaeru,
    principal: Principal,
    warehouse_id: int,
    rma: ReturnAuthorisation | None,
    order: Order | None,
    found_by: str,
    code: str,
) -> ReturnAuthorisation:
    if rma is not None:
        if not principal.sees_warehouse(rma.warehouse_id) or rma.warehouse_id != warehouse_id:
            raise NotFound(f"{rma_code(rma)} belongs to another warehouse")
        if rma.status not in OPEN_STATES:
            raise Conflict(
                f"{rma_code(rma)} is already {rma.status}: set the parcel aside for a manager",
                rma=rma_code(rma),
                status=rma.status,
            )
        return rma
    if order is not None and order.warehouse_id != warehouse_id:
        order = None
    # Nobody announced this parcel: open a case for it so the associate can carry on.
    kind = "open" if found_by == "packed_label" and order is not None else "unexpected"
    assessment = assess_trust(session, config_of(kaeru), order.shopper_id if order else None)
    rma = ReturnAuthorisation(
        warehouse_id=warehouse_id,
        number=secrets.token_hex(8),
        token=secrets.token_urlsafe(24),
        order_id=order.id if order else None,
        shopper_id=order.shopper_id if order else None,
        kind=kind,
        channel="station",
        currency=order.currency if order else "USD",
        return_carrier=order.carrier if order else "",
        trust_score=assessment.score,
        trust_tier=assessment.tier.name,
        created_by=principal.key,
        note=f"parcel scanned as {code!r}" if code else "parcel without a readable label",
    )
    session.add(rma)
    session.flush()
    rma.number = str(100000 + (rma.id or 0))
    session.add(rma)
    if order is not None:
        # Everything still returnable from the order may be in the parcel.
        for facts in line_facts(session, order):
            left = facts.shipped - facts.already_returned
            if left <= 0:
                continue
            order_line = session.get(OrderLine, facts.order_line_id)
            assert order_line is not None
            session.add(
                ReturnLine(
                    rma_id=rma.id or 0,
                    order_line_id=facts.order_line_id,
                    item_id=order_line.item_id,
                    quantity=left,
                    reason="other",
                    reason_text="returned without a return authorisation"
                    if kind == "unexpected"
                    else "returned with the label packed in the order",
                    unit_price_minor=facts.unit_price_minor,
                    quoted_minor=facts.unit_price_minor,
                )
            )
        session.flush()
    audit.record(
        session,
        principal,
        action=f"return.{kind}",
        object_type="rma",
        object_id=rma_code(rma),
        warehouse_id=warehouse_id,
        code=code,
        order=order.number if order else None,
    )
    return rma


def open_parcel(
    session: Session,
    *,
    kaeru: Kaeru,
    principal: Principal,
    warehouse_id: int,
    code: str,
    station: Station | None,
    weight_g: int | None = None,
) -> ReturnParcel:
    """A parcel arrives at the station: find its return (or open a case), weigh it, tell the shopper."""
    config = config_of(kaeru)
    rma, order, found_by = (
        find_by_code(session, principal, warehouse_id, code.strip())
        if code.strip()
        else (None, None, "unknown")
    )
    rma = _rma_for_parcel(session, kaeru, principal, warehouse_id, rma, order, found_by, code.strip())
    lines = [line for line in rma_lines(session, rma.id or 0) if not line.keep_it]
    weights = [_item(session, line.item_id).weight_g for line in lines for _ in range(line.quantity)]
    if rma.kind != "authorised":
        # The parcel may hold any part of the order: only an empty box is telling.
        weights = [min(weights)] if weights else []
    measured = weight_g if weight_g is not None else _station_weight(station)
    check = model.check_parcel_weight(config.policy.fraud, item_weights_g=weights, measured_g=measured)
    parcel = ReturnParcel(
        warehouse_id=warehouse_id,
        rma_id=rma.id or 0,
        station_id=station.id if station else None,
        found_by=found_by,
        scanned_code=code[:200],
        scanned_by=principal.key,
        weight_g=measured,
        expected_weight_g=check.expected_g,
        weight_verdict=check.verdict,
    )
    session.add(parcel)
    first = rma.received_at is None
    if first:
        rma.received_at = parcel.scanned_at
    if rma.status in ("authorised", "in_transit"):
        rma.status = "received"
    session.add(rma)
    session.flush()
    history = assess_trust(session, config, rma.shopper_id)
    found = model.signals(
        model.IntakeFacts(
            weight=check.verdict,
            arrived_on=parcel.scanned_at.date(),
            return_by=rma.return_by,
            authorised_outside_window=rma.outside_window,
            serial_returner=history.serial_returner,
            unexpected=rma.kind == "unexpected",
        )
    )
    raise_signals(
        session,
        kaeru,
        principal,
        rma,
        found,
        {
            "parcel": {
                "id": parcel.id,
                "code": code,
                "found_by": found_by,
                "weight_g": measured,
                "expected_weight_g": check.expected_g,
                "weight_verdict": check.verdict,
            },
            "trust": history.as_dict(),
        },
    )
    if first:
        _notify(
            session,
            kaeru,
            rma,
            "return.received",
            f"return.received:{rma.id}",
            parcel={"weight_g": measured, "received_at": parcel.scanned_at.isoformat()},
        )
    publish_live(
        session,
        topic="return.received",
        warehouse_id=warehouse_id,
        payload={
            "rma": rma_code(rma),
            "parcel": parcel.id,
            "found_by": found_by,
            "kind": rma.kind,
            "station": station.code if station else None,
            "weight_verdict": check.verdict,
        },
    )
    audit.record(
        session,
        principal,
        action="return.parcel_opened",
        object_type="rma",
        object_id=rma_code(rma),
        warehouse_id=warehouse_id,
        parcel=parcel.id,
        found_by=found_by,
        weight_g=measured,
        weight_verdict=check.verdict,
    )
    return parcel


def raise_signals(
    session: Session,
    kaeru: Kaeru,
    principal: Principal | None,
    rma: ReturnAuthorisation,
    found: Iterable[str],
    evidence: dict[str, Any],
) -> ReturnHold | None:
    """Record fraud signals; those the policy holds on stop the refund until a manager decides."""
    found = list(found)
    new = [s for s in found if s not in rma.hold_signals]
    if not new:
        return None
    rma.hold_signals = [*rma.hold_signals, *new]
    session.add(rma)
    holding = model.hold_reasons(config_of(kaeru).policy.fraud, new)
    if not holding or rma.status in ("rejected", "cancelled"):
        return None
    hold = session.exec(
        select(ReturnHold).where(ReturnHold.rma_id == rma.id, ReturnHold.status == "open")
    ).first()
    created = hold is None
    if hold is None:
        hold = ReturnHold(warehouse_id=rma.warehouse_id, rma_id=rma.id or 0)
    hold.signals = [*hold.signals, *[s for s in holding if s not in hold.signals]]
    hold.evidence = {**hold.evidence, **{f"{s}": evidence for s in holding}}
    session.add(hold)
    rma.status = "on_hold"
    session.add(rma)
    session.flush()
    audit.record(
        session,
        principal,
        action="return.held",
        object_type="rma",
        object_id=rma_code(rma),
        warehouse_id=rma.warehouse_id,
        hold=hold.id,
        signals=holding,
    )
    publish_live(
        session,
        topic="return.hold",
        warehouse_id=rma.warehouse_id,
        payload={"rma": rma_code(rma), "hold": hold.id, "signals": hold.signals},
    )
    if created:
        _notify(session, kaeru, rma, "return.on_hold", f"return.on_hold:{hold.id}")
    return hold


def close_parcel(
    session: Session, *, kaeru: Kaeru, principal: Principal, parcel: ReturnParcel
) -> ReturnParcel:
    """The associate has taken everything out: what the RMA promised and is not here is missing."""
    if parcel.status != "open":
        return parcel
    rma = session.get(ReturnAuthorisation, parcel.rma_id)
    assert rma is not None
    if rma.kind == "authorised":
        lines = [line for line in rma_lines(session, rma.id or 0) if not line.keep_it]
        expected = [
            model.ExpectedLine(
                line.id or 0, item_facts(_item(session, line.item_id)), line.quantity, line.received
            )
            for line in lines
        ]
        already_missing = {
            line_id: n
            for line_id, n in session.exec(
                select(ReturnUnit.line_id, func.count())
                .where(ReturnUnit.rma_id == rma.id, ReturnUnit.match == "missing")
                .group_by(col(ReturnUnit.line_id))
            ).all()
        }
        for line_id, count in model.missing_units(expected).items():
            line = session.get(ReturnLine, line_id)
            assert line is not None
            for _ in range(count - already_missing.get(line_id, 0)):
                session.add(
                    ReturnUnit(
                        warehouse_id=parcel.warehouse_id,
                        parcel_id=parcel.id or 0,
                        rma_id=rma.id or 0,
                        line_id=line_id,
                        item_id=line.item_id,
                        match="missing",
                        status="missing",
                        match_message="authorised but not in the parcel",
                        value_minor=line.unit_price_minor,
                        currency=rma.currency,
                        category=_item(session, line.item_id).category,
                        resolution="none",
                    )
                )
    parcel.status = "closed"
    parcel.closed_at = utcnow()
    session.add(parcel)
    session.flush()
    _complete_if_done(session, rma)
    audit.record(
        session,
        principal,
        action="return.parcel_closed",
        object_type="rma",
        object_id=rma_code(rma),
        warehouse_id=parcel.warehouse_id,
        parcel=parcel.id,
    )
    return parcel


def _complete_if_done(session: Session, rma: ReturnAuthorisation) -> None:
    if rma.status not in ("received",):
        return
    if session.exec(
        select(ReturnParcel).where(ReturnParcel.rma_id == rma.id, ReturnParcel.status == "open")
    ).first():
        return
    units = rma_units(session, rma.id or 0)
    if any(u.status == "received" for u in units):
        return  # still to grade
    if any(u.status == "graded" and not u.resolution for u in units):
        return
    if rma.kind == "authorised":
        for line in rma_lines(session, rma.id or 0):
            missing = sum(1 for u in units if u.line_id == line.id and u.match == "missing")
            if line.received + missing < line.quantity and not line.keep_it:
                return
    rma.status = "completed"
    rma.completed_at = utcnow()
    session.add(rma)


# --- units ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identified:
    item: Item | None
    serial: str
    scanned: str


def identify(
    session: Session,
    *,
    order_id: int | None,
    raw: str | None = None,
    epc: str | None = None,
    sku: str | None = None,
    serial: str | None = None,
) -> Identified:
    """Which catalogue item (and serial) a scanned unit is; None for a product that is not ours."""
    if epc:
        meaning = decode_epc(epc)
        if meaning.kind != "sgtin" or not meaning.gtin:
            raise Invalid(
                f"RFID tag {epc} is not an item tag Kaeru can read ({meaning.error or meaning.kind})"
            )
        return Identified(item_by_gtin(session, meaning.gtin), meaning.serial or "", f"EPC:{meaning.epc}")
    if sku:
        return Identified(item_by_sku(session, sku), (serial or "").strip(), sku)
    if not raw or not raw.strip():
        raise Invalid("scan the item's barcode, serial number or RFID tag")
    if raw.startswith("EPC:"):
        return identify(session, order_id=order_id, epc=raw.removeprefix("EPC:"))
    scan = parse_scan(raw)
    if scan.kind == "unknown":
        raise Invalid(f"could not read this scan ({scan.error}); scan it again or key it in")
    if scan.kind == "gtin" and scan.gtin:
        return Identified(item_by_gtin(session, scan.gtin), scan.serial or "", scan.raw)
    if scan.kind != "text":
        raise Invalid(f"this is a {scan.kind} code, not an item: scan the item's barcode or serial number")
    text = scan.code or ""
    # A plain serial number: the unit shipped on this order first, then any unit Kaeru has known.
    for statement in _serial_lookups(order_id, text):
        item_id = session.exec(statement).first()
        if item_id is not None:
            return Identified(session.get(Item, item_id), text, text)
    item = session.exec(select(Item).where(Item.sku == text)).first()
    if item is not None:
        return Identified(item, "", text)
    raise NotFound(
        f"unknown barcode {text!r}: not an item, serial number or tag Kaeru knows. Scan the product's "
        "own barcode, or record it as not ours with a description"
    )


def _serial_lookups(order_id: int | None, serial: str) -> list[Any]:
    lookups = []
    if order_id is not None:
        lookups.append(
            select(CartonItem.item_id)
            .join(Carton, col(Carton.id) == CartonItem.carton_id)
            .where(Carton.order_id == order_id, CartonItem.serial == serial)
        )
    lookups.append(select(CartonItem.item_id).where(CartonItem.serial == serial))
    lookups.append(select(Quant.item_id).where(Quant.serial == serial))
    return lookups


def _shipped(session: Session, order_id: int | None) -> tuple[dict[int, frozenset[str]], frozenset[int]]:
    if order_id is None:
        return {}, frozenset()
    rows = session.exec(
        select(CartonItem.item_id, CartonItem.serial)
        .join(Carton, col(Carton.id) == CartonItem.carton_id)
        .join(Shipment, col(Shipment.carton_id) == Carton.id)
        .where(Carton.order_id == order_id, Shipment.status != "label_created")
    ).all()
    serials: dict[int, set[str]] = defaultdict(set)
    for item_id, serial in rows:
        if serial:
            serials[item_id].add(serial)
    return {k: frozenset(v) for k, v in serials.items()}, frozenset(item_id for item_id, _ in rows)


def receive_unit(
    session: Session,
    *,
    kaeru: Kaeru,
    principal: Principal,
    parcel: ReturnParcel,
    raw: str | None = None,
    epc: str | None = None,
    sku: str | None = None,
    serial: str | None = None,
    quantity: int = 1,
    not_ours: str | None = None,
) -> list[ReturnUnit]:
    """One scanned unit (or several of an untracked item) out of the parcel, matched against the order."""
    if quantity < 1:
        raise Invalid("the quantity must be at least 1")
    if parcel.status != "open":
        raise Conflict("this parcel is closed: scan the next parcel")
    rma = session.get(ReturnAuthorisation, parcel.rma_id, with_for_update=True, populate_existing=True)
    assert rma is not None
    if rma.status not in OPEN_STATES:
        raise Conflict(f"{rma_code(rma)} is {rma.status}")
    if not_ours is not None:
        if not not_ours.strip():
            raise Invalid("describe the product that is not ours (brand, what it is)")
        found = Identified(None, "", not_ours.strip())
    else:
        found = identify(session, order_id=rma.order_id, raw=raw, epc=epc, sku=sku, serial=serial)
    item = found.item
    if item is not None and item.tracking == "serial":
        if not found.serial:
            raise Invalid(
                f"{item.sku} is serial-tracked: scan the serial number (or its GS1 code with serial)"
            )
        if quantity != 1:
            raise Invalid("a serial number is one unit")
        already = session.exec(
            select(ReturnUnit).where(
                ReturnUnit.rma_id == rma.id,
                ReturnUnit.item_id == item.id,
                ReturnUnit.serial == found.serial,
                ReturnUnit.status != "missing",
            )
        ).first()
        if already is not None:
            raise Conflict(
                f"serial {found.serial} of {item.sku} was already received in this return", unit=already.id
            )
    elif item is not None and found.serial and item.tracking != "serial":
        found = Identified(item, "", found.scanned)  # a serial on an untracked item is not kept in stock
    shipped_serials, shipped_items = _shipped(session, rma.order_id)
    lines = [line for line in rma_lines(session, rma.id or 0, lock=True) if not line.keep_it]
    location = _receiving_location(
        session, parcel.warehouse_id, session.get(Station, parcel.station_id) if parcel.station_id else None
    )
    units = []
    matches = []
    for _ in range(quantity):
        expected = [
            model.ExpectedLine(
                line.id or 0, item_facts(_item(session, line.item_id)), line.quantity, line.received
            )
            for line in lines
        ]
        match = model.match_unit(
            scanned=item_facts(item) if item else None,
            serial=found.serial,
            expected=expected,
            shipped_serials=shipped_serials,
            shipped_items=shipped_items,
        )
        line = next((ln for ln in lines if ln.id == match.line_id), None)
        if line is not None and match.outcome in ("right_item", "different_variant", "serial_swap"):
            line.received += 1
            session.add(line)
        unit = ReturnUnit(
            warehouse_id=parcel.warehouse_id,
            parcel_id=parcel.id or 0,
            rma_id=rma.id or 0,
            line_id=line.id if line else None,
            item_id=item.id if item else None,
            serial=found.serial,
            scanned=found.scanned[:200],
            description=not_ours or "",
            match=match.outcome,
            match_message=match.message,
            status="received" if item else "set_aside",
            value_minor=(
                line.unit_price_minor
                if line and match.outcome == "right_item"
                else item.price_minor
                if item
                else 0
            ),
            currency=rma.currency,
            category=item.category if item else "",
            received_location_id=location.id if item else None,
            resolution="" if item else "none",
        )
        session.add(unit)
        session.flush()
        if item is not None:
            move_stock(
                session,
                principal=principal,
                warehouse_id=parcel.warehouse_id,
                item=item,
                quantity=1,
                from_location_id=None,
                to_location_id=location.id,
                reason="return",
                serial=found.serial,
                to_condition="quarantine",
                ref_type="rma",
                ref_id=rma_code(rma),
            )
        units.append(unit)
        matches.append(match.outcome)
    found_signals = model.signals(model.IntakeFacts(matches=tuple(matches)))
    if found_signals:
        raise_signals(
            session,
            kaeru,
            principal,
            rma,
            found_signals,
            {
                "units": [
                    {
                        "id": u.id,
                        "scanned": u.scanned,
                        "sku": item.sku if item else None,
                        "serial": u.serial,
                        "match": u.match,
                        "message": u.match_message,
                        "description": u.description,
                    }
                    for u in units
                ]
            },
        )
    audit.record(
        session,
        principal,
        action="return.unit_received",
        object_type="rma",
        object_id=rma_code(rma),
        warehouse_id=parcel.warehouse_id,
        units=[u.id for u in units],
        match=matches[0],
        sku=item.sku if item else None,
        serial=found.serial,
    )
    return units


# --- grading, disposition, put-away --------------------------------------------------------------


def _destination(
    session: Session, config: ReturnsConfig, warehouse_id: int, disposition: str, item: Item
) -> Location:
    spec = config.disposition.destinations[disposition]
    if spec.prefer_item_home:
        home = session.exec(
            select(Location)
            .join(Quant, col(Quant.location_id) == Location.id)
            .where(
                Quant.item_id == item.id,
                Quant.condition == "new",
                Quant.quantity > 0,
                Location.warehouse_id == warehouse_id,
                col(Location.kind).in_(["pick", "storage"]),
                Location.zone != "openbox",
            )
            .order_by(col(Location.path_seq))
        ).first()
        if home is not None:
            return home
    location = session.exec(
        select(Location).where(Location.warehouse_id == warehouse_id, Location.code == spec.location)
    ).first()
    if location is None:
        raise Conflict(f"the {disposition} location {spec.location} does not exist in this warehouse")
    return location


def grade_unit(
    session: Session,
    *,
    kaeru: Kaeru,
    principal: Principal,
    unit: ReturnUnit,
    answers: dict[str, str],
    station: Station | None = None,
) -> dict[str, Any]:
    """Grade a unit from the checklist, decide where it goes, tag it, and resolve it if nothing stops that."""
    config = config_of(kaeru)
    session.refresh(
        unit, with_for_update=True
    )  # two screens grading one unit: the second waits, then sees it
    if unit.status != "received":
        raise Conflict(
            f"unit {unit.id} is {unit.status}: it cannot be graded again"
            if unit.grade
            else f"unit {unit.id} is {unit.status}: there is nothing to grade"
        )
    rma = session.get(ReturnAuthorisation, unit.rma_id)
    assert rma is not None
    item = _item(session, unit.item_id)
    line = session.get(ReturnLine, unit.line_id) if unit.line_id else None
    rubric = config.rubric_for(item.category)
    decision = model.grade(rubric, answers)
    reason = line.reason if line else "other"
    chosen = model.dispose(
        config.disposition,
        grade=decision.grade,
        category=item.category,
        value_minor=unit.value_minor,
        reason=reason,
        match=unit.match,
    )
    destination = _destination(session, config, unit.warehouse_id, chosen.disposition, item)
    tote = config.disposition.destinations[chosen.disposition].tote
    unit.grade, unit.grade_rule, unit.answers = decision.grade, decision.rule_id, dict(answers)
    unit.graded_at, unit.graded_by = utcnow(), principal.key
    unit.disposition, unit.disposition_rule = chosen.disposition, chosen.rule_id
    unit.destination_location_id, unit.tote = destination.id, tote
    unit.recovery_minor = model.recovery_value(
        config.disposition, disposition=chosen.disposition, value_minor=unit.value_minor
    )
    unit.lpn = f"RU{unit.id or 0:08d}"
    unit.status = "graded"
    session.add(unit)
    session.add(
        LicensePlate(
            warehouse_id=unit.warehouse_id, code=unit.lpn, kind="unit", location_id=unit.received_location_id
        )
    )
    printer = station_printer(session, station)
    enqueue(
        session,
        channel="print",
        topic="print.grade_tag",
        warehouse_id=unit.warehouse_id,
        payload={
            "label": "grade_tag",
            "printer": printer,
            "lpn": unit.lpn,
            "lpn_code": f"LPN-{unit.lpn}",
            "sku": item.sku,
            "gtin": item.gtin or "",
            "serial": unit.serial,
            "grade": decision.grade,
            "disposition": chosen.disposition,
            "graded_on": unit.graded_at.date().isoformat(),
            "description": item.name[:200],
            "tote": tote,
            "location": destination.code,
            "rma": rma_code(rma),
        },
    )
    session.flush()
    unit_context = _unit_context(session, unit, item, destination)
    _notify(session, kaeru, rma, "return.graded", f"return.graded:{unit.id}", unit=unit_context)
    publish_live(
        session,
        topic="return.graded",
        warehouse_id=unit.warehouse_id,
        payload={
            "rma": rma_code(rma),
            "unit": unit.id,
            "sku": item.sku,
            "category": item.category,
            "grade": decision.grade,
            "disposition": chosen.disposition,
            "match": unit.match,
        },
    )
    audit.record(
        session,
        principal,
        action="return.graded",
        object_type="return_unit",
        object_id=unit.id,
        warehouse_id=unit.warehouse_id,
        rma=rma_code(rma),
        grade=decision.grade,
        rule=decision.rule_id,
        disposition=chosen.disposition,
        disposition_rule=chosen.rule_id,
        answers=answers,
    )
    resolution = None
    if rma.status != "on_hold":
        resolution = resolve_unit(session, kaeru=kaeru, principal=principal, rma=rma, unit=unit)
    _complete_if_done(session, rma)
    locale = principal.locale
    return {
        "unit": unit_view(session, unit),
        "grade": decision.grade,
        "meaning": decision.meaning,
        "rule": decision.rule_id,
        "explain": decision.explain.get(locale) or decision.explain.get("en", ""),
        "disposition": chosen.disposition,
        "disposition_rule": chosen.rule_id,
        "location": destination.code,
        "tote": tote,
        "lpn": unit.lpn,
        "printer": printer,
        "resolution": resolution,
        "on_hold": rma.status == "on_hold",
        "message": f"grade {decision.grade} ({decision.meaning}): tote {tote}, for {destination.code}",
    }


def _unit_context(
    session: Session, unit: ReturnUnit, item: Item, destination: Location | None
) -> dict[str, Any]:
    return {
        "id": unit.id,
        "sku": item.sku,
        "name": item.name,
        "serial": unit.serial,
        "match": unit.match,
        "grade": unit.grade,
        "grade_meaning": model.GRADE_MEANING.get(unit.grade or "", ""),
        "grade_rule": unit.grade_rule,
        "disposition": unit.disposition,
        "destination": destination.code if destination else None,
        "value_minor": unit.value_minor,
        "currency": unit.currency,
    }


def put_away(
    session: Session, *, kaeru: Kaeru, principal: Principal, unit: ReturnUnit, location_code: str
) -> dict[str, Any]:
    """The graded unit reaches its destination: the ledger moves it out of the returns station."""
    session.refresh(unit, with_for_update=True)
    if unit.status != "graded":
        raise Conflict(f"unit {unit.id} is {unit.status}; only a graded unit is put away")
    destination = session.get(Location, unit.destination_location_id)
    assert destination is not None
    code = location_code.removeprefix("LOC-")
    if code != destination.code:
        raise Invalid(
            f"wrong location: take it to {destination.code} (you scanned {code})", expected=destination.code
        )
    rma = session.get(ReturnAuthorisation, unit.rma_id)
    assert rma is not None
    item = _item(session, unit.item_id)
    condition = config_of(kaeru).disposition.destinations[unit.disposition].condition
    open_box_item = (
        session.exec(select(Item).where(Item.sku == item.open_box_sku)).first()
        if unit.disposition == "restock_open_box" and item.open_box_sku
        else None
    )
    if open_box_item is not None:
        # Restocked as the catalogue's open-box SKU: the unit leaves as one SKU and arrives as the other.
        move_stock(
            session,
            principal=principal,
            warehouse_id=unit.warehouse_id,
            item=item,
            quantity=1,
            from_location_id=unit.received_location_id,
            to_location_id=None,
            reason="relabel",
            serial=unit.serial,
            from_condition="quarantine",
            ref_type="rma",
            ref_id=rma_code(rma),
            note=f"restocked as {open_box_item.sku}",
        )
        move_stock(
            session,
            principal=principal,
            warehouse_id=unit.warehouse_id,
            item=open_box_item,
            quantity=1,
            from_location_id=None,
            to_location_id=destination.id,
            reason="relabel",
            serial=unit.serial if open_box_item.tracking == "serial" else "",
            to_condition="new",
            ref_type="rma",
            ref_id=rma_code(rma),
            note=f"open box of {item.sku}",
        )
    else:
        move_stock(
            session,
            principal=principal,
            warehouse_id=unit.warehouse_id,
            item=item,
            quantity=1,
            from_location_id=unit.received_location_id,
            to_location_id=destination.id,
            reason="putaway",
            serial=unit.serial,
            from_condition="quarantine",
            to_condition=condition,
            ref_type="rma",
            ref_id=rma_code(rma),
            note=f"{unit.disposition} (grade {unit.grade})",
        )
    unit.status = "put_away"
    unit.put_away_at = utcnow()
    session.add(unit)
    plate = session.exec(select(LicensePlate).where(LicensePlate.code == unit.lpn)).first()
    if plate is not None:
        plate.location_id = destination.id
        session.add(plate)
    parcel = session.get(ReturnParcel, unit.parcel_id)
    dock_to_stock = (unit.put_away_at - parcel.scanned_at).total_seconds() if parcel else None
    publish_live(
        session,
        topic="return.put_away",
        warehouse_id=unit.warehouse_id,
        payload={
            "rma": rma_code(rma),
            "unit": unit.id,
            "sku": item.sku,
            "location": destination.code,
            "disposition": unit.disposition,
            "dock_to_stock_s": dock_to_stock,
        },
    )
    audit.record(
        session,
        principal,
        action="return.put_away",
        object_type="return_unit",
        object_id=unit.id,
        warehouse_id=unit.warehouse_id,
        location=destination.code,
        disposition=unit.disposition,
    )
    return {
        "unit": unit_view(session, unit),
        "location": destination.code,
        "dock_to_stock_s": dock_to_stock,
        "message": f"{item.sku} put away at {destination.code}",
    }


def unit_by_lpn(session: Session, principal: Principal, code: str) -> ReturnUnit:
    unit = session.exec(select(ReturnUnit).where(ReturnUnit.lpn == code.removeprefix("LPN-"))).first()
    if unit is None or not principal.sees_warehouse(unit.warehouse_id):
        raise NotFound(f"no graded unit with tag {code}")
    return unit


# --- resolution ----------------------------------------------------------------------------------


def _pay(
    session: Session,
    kaeru: Kaeru,
    principal: Principal | None,
    rma: ReturnAuthorisation,
    line: ReturnLine | None,
    unit: ReturnUnit | None,
    resolution: model.Resolution,
    *,
    units: int = 1,
    early: bool = False,
) -> MoneyMovement | None:
    """Record money owed to the shopper and announce it: the brand's systems pay out on the webhook."""
    amount = resolution.amount_minor * units
    if resolution.kind not in ("refund", "store_credit", "keep_it") or amount <= 0:
        return None
    kind = "store_credit" if resolution.kind == "store_credit" else "refund"
    movement = MoneyMovement(
        warehouse_id=rma.warehouse_id,
        rma_id=rma.id or 0,
        unit_id=unit.id if unit else None,
        line_id=line.id if line else None,
        shopper_id=rma.shopper_id,
        kind=kind,
        amount_minor=amount,
        currency=resolution.currency,
        detail={**resolution.as_dict(), "units": units, "early": early},
    )
    session.add(movement)
    session.flush()
    item = _item(session, line.item_id) if line else None
    money = {
        "id": movement.id,
        "kind": kind,
        "amount_minor": amount,
        "currency": resolution.currency,
        "units": units,
        "breakdown": resolution.as_dict(),
        "early": early,
        "keep_it": resolution.kind == "keep_it",
        "sku": item.sku if item else None,
        "name": item.name if item else None,
    }
    _notify(session, kaeru, rma, f"{kind}.issued", f"{kind}.issued:{movement.id}", money=money)
    audit.record(
        session,
        principal,
        action=f"{kind}.issued",
        object_type="rma",
        object_id=rma_code(rma),
        warehouse_id=rma.warehouse_id,
        amount_minor=amount,
        currency=resolution.currency,
        movement=movement.id,
    )
    return movement


def resolve_unit(
    session: Session, *, kaeru: Kaeru, principal: Principal | None, rma: ReturnAuthorisation, unit: ReturnUnit
) -> dict[str, Any] | None:
    """Refund, credit or exchange one graded unit under the policy (or nothing for an extra unit)."""
    if unit.resolution or unit.status not in ("graded", "put_away"):
        return None
    line = (
        session.get(ReturnLine, unit.line_id, with_for_update=True, populate_existing=True)
        if unit.line_id
        else None
    )
    if line is None or unit.match in ("extra", "not_ours", "different_item"):
        unit.resolution, unit.resolved_at = "none", utcnow()
        unit.resolution_detail = {"why": f"{unit.match}: nothing was authorised for this unit"}
        session.add(unit)
        return {"kind": "none"}
    if line.resolved >= line.quantity:
        unit.resolution, unit.resolved_at = "prepaid", utcnow()
        unit.resolution_detail = {"why": "resolved before the parcel arrived"}
        session.add(unit)
        return {"kind": "prepaid"}
    config = config_of(kaeru)
    item = _item(session, line.item_id)
    tier = next(
        (t for t in config.policy.trust.tiers if t.name == rma.trust_tier), config.policy.trust.tiers[-1]
    )
    resolution = model.resolve(
        config.policy,
        outcome=line.outcome,
        unit_price_minor=line.unit_price_minor,
        currency=rma.currency,
        category=item.category,
        reason=line.reason,
        grade=unit.grade or "A",
        free_exchange=tier.free_exchange,
    )
    if resolution.kind == "exchange" and line.exchange_order_id is None:
        order = session.get(Order, rma.order_id) if rma.order_id else None
        assert order is not None
        _create_exchange_order(session, kaeru, rma, line, order)
    _pay(session, kaeru, principal, rma, line, unit, resolution)
    line.resolved += 1
    session.add(line)
    unit.resolution, unit.resolution_detail, unit.resolved_at = (
        resolution.kind,
        resolution.as_dict(),
        utcnow(),
    )
    session.add(unit)
    audit.record(
        session,
        principal,
        action="return.resolved",
        object_type="return_unit",
        object_id=unit.id,
        warehouse_id=unit.warehouse_id,
        rma=rma_code(rma),
        **resolution.as_dict(),
    )
    return resolution.as_dict()


def pay_early(
    session: Session, *, kaeru: Kaeru, principal: Principal | None, rma: ReturnAuthorisation
) -> int:
    """A trusted shopper's parcel has its first carrier scan: refund or credit now, as quoted."""
    paid = 0
    for line in rma_lines(session, rma.id or 0):
        left = line.quantity - line.resolved
        if line.keep_it or left <= 0 or line.outcome == "exchange":
            continue
        item = _item(session, line.item_id)
        resolution = model.resolve(
            config_of(kaeru).policy,
            outcome=line.outcome,
            unit_price_minor=line.unit_price_minor,
            currency=rma.currency,
            category=item.category,
            reason=line.reason,
        )
        _pay(session, kaeru, principal, rma, line, None, resolution, units=left, early=True)
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
    if rma is None or not principal.sees_warehouse(rma.warehouse_id):
        return False
    session.refresh(rma, with_for_update=True)
    if rma.first_carrier_scan_at is not None or rma.status not in ("authorised", "in_transit"):
        return True  # a repeat or a late event: nothing more to do
    rma.first_carrier_scan_at = event["at"]
    rma.status = "in_transit"
    session.add(rma)
    paid = pay_early(session, kaeru=kaeru, principal=principal, rma=rma) if rma.instant_refund else 0
    audit.record(
        session,
        principal,
        action="return.in_transit",
        object_type="rma",
        object_id=rma_code(rma),
        warehouse_id=rma.warehouse_id,
        kind=event.get("kind"),
        paid_early_units=paid,
    )
    publish_live(
        session,
        topic="return.in_transit",
        warehouse_id=rma.warehouse_id,
        payload={"rma": rma_code(rma), "paid_early_units": paid},
    )
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
    assert rma is not None
    assert order is not None
    _notify(
        session,
        kaeru,
        rma,
        "exchange.shipped",
        key,
        exchange={
            "order": order.number,
            "shipment": fulfilment.shipment_context(shipment),
            "sku": _item(session, line.exchange_item_id).sku,
        },
    )


# --- holds ---------------------------------------------------------------------------------------


def decide_hold(
    session: Session, *, kaeru: Kaeru, principal: Principal, hold: ReturnHold, approve: bool, note: str = ""
) -> ReturnHold:
    """A manager's decision on a held return: approve (resolve as usual) or reject (no refund)."""
    if not principal.can("returns.review"):
        raise Forbidden("only a manager may decide a held return")
    session.refresh(hold, with_for_update=True)
    if hold.status != "open":
        raise Conflict(f"hold {hold.id} was already {hold.status} by {hold.decided_by}")
    rma = session.get(ReturnAuthorisation, hold.rma_id)
    assert rma is not None
    hold.status = "approved" if approve else "rejected"
    hold.decided_by, hold.decided_at, hold.note = principal.key, utcnow(), note.strip()
    session.add(hold)
    resolved = []
    if approve:
        rma.status = "received" if rma.received_at else "authorised"
        session.add(rma)
        for unit in rma_units(session, rma.id or 0):
            result = resolve_unit(session, kaeru=kaeru, principal=principal, rma=rma, unit=unit)
            if result is not None:
                resolved.append({"unit": unit.id, **result})
        _complete_if_done(session, rma)
    else:
        rma.status = "rejected"
        rma.completed_at = utcnow()
        session.add(rma)
        _notify(
            session,
            kaeru,
            rma,
            "return.rejected",
            f"return.rejected:{hold.id}",
            decision={"note": hold.note, "signals": hold.signals},
        )
    audit.record(
        session,
        principal,
        action=f"return.hold_{hold.status}",
        object_type="rma",
        object_id=rma_code(rma),
        warehouse_id=rma.warehouse_id,
        hold=hold.id,
        signals=hold.signals,
        note=hold.note,
        resolved=resolved,
    )
    publish_live(
        session,
        topic="return.hold_decided",
        warehouse_id=rma.warehouse_id,
        payload={"rma": rma_code(rma), "hold": hold.id, "status": hold.status},
    )
    return hold


# --- views ---------------------------------------------------------------------------------------


def unit_view(session: Session, unit: ReturnUnit) -> dict[str, Any]:
    item = session.get(Item, unit.item_id) if unit.item_id else None
    destination = (
        session.get(Location, unit.destination_location_id) if unit.destination_location_id else None
    )
    return {
        "id": unit.id,
        "parcel": unit.parcel_id,
        "sku": item.sku if item else None,
        "name": item.name if item else unit.description,
        "category": unit.category,
        "serial": unit.serial,
        "scanned": unit.scanned,
        "match": unit.match,
        "match_message": unit.match_message,
        "status": unit.status,
        "grade": unit.grade,
        "grade_rule": unit.grade_rule,
        "answers": unit.answers,
        "disposition": unit.disposition,
        "disposition_rule": unit.disposition_rule,
        "location": destination.code if destination else None,
        "tote": unit.tote,
        "lpn": unit.lpn,
        "value_minor": unit.value_minor,
        "recovery_minor": unit.recovery_minor,
        "currency": unit.currency,
        "resolution": unit.resolution or None,
        "resolution_detail": unit.resolution_detail,
        "put_away_at": unit.put_away_at.isoformat() if unit.put_away_at else None,
    }


def rma_view(session: Session, rma: ReturnAuthorisation, *, staff: bool = True) -> dict[str, Any]:
    order = session.get(Order, rma.order_id) if rma.order_id else None
    lines = []
    for line in rma_lines(session, rma.id or 0):
        item = _item(session, line.item_id)
        exchange = session.get(Item, line.exchange_item_id) if line.exchange_item_id else None
        exchange_order = session.get(Order, line.exchange_order_id) if line.exchange_order_id else None
        lines.append(
            {
                "id": line.id,
                "sku": item.sku,
                "name": item.name,
                "quantity": line.quantity,
                "received": line.received,
                "resolved": line.resolved,
                "reason": line.reason,
                "reason_text": line.reason_text,
                "outcome": line.outcome,
                "keep_it": line.keep_it,
                "exchange_sku": exchange.sku if exchange else None,
                "exchange_order": exchange_order.number if exchange_order else None,
                "unit_price_minor": line.unit_price_minor,
                "quoted_minor": line.quoted_minor,
            }
        )
    money = session.exec(
        select(MoneyMovement).where(MoneyMovement.rma_id == rma.id).order_by(col(MoneyMovement.id))
    ).all()
    view: dict[str, Any] = {
        "number": rma.number,
        "code": rma_code(rma),
        "qr_payload": qr_payload(rma),
        "token": rma.token,
        "kind": rma.kind,
        "status": rma.status,
        "order": order.number if order else None,
        "currency": rma.currency,
        "return_by": rma.return_by,
        "carrier": rma.return_carrier,
        "tracking_number": rma.return_tracking_number,
        "created_at": rma.created_at,
        "received_at": rma.received_at,
        "lines": lines,
        "money": [
            {"kind": m.kind, "amount_minor": m.amount_minor, "currency": m.currency, "at": m.created_at}
            for m in money
        ],
    }
    if staff:
        view |= {
            "channel": rma.channel,
            "trust_score": rma.trust_score,
            "trust_tier": rma.trust_tier,
            "instant_refund": rma.instant_refund,
            "hold_signals": rma.hold_signals,
            "outside_window": rma.outside_window,
            "units": [unit_view(session, u) for u in rma_units(session, rma.id or 0)],
            "holds": [
                hold_view(h) for h in session.exec(select(ReturnHold).where(ReturnHold.rma_id == rma.id))
            ],
        }
    return view


def hold_view(hold: ReturnHold) -> dict[str, Any]:
    return {
        "id": hold.id,
        "status": hold.status,
        "signals": hold.signals,
        "evidence": hold.evidence,
        "decided_by": hold.decided_by or None,
        "decided_at": hold.decided_at,
        "note": hold.note,
        "created_at": hold.created_at,
    }


def parcel_view(session: Session, parcel: ReturnParcel, *, locale: str = "en") -> dict[str, Any]:
    rma = session.get(ReturnAuthorisation, parcel.rma_id)
    assert rma is not None
    units = session.exec(
        select(ReturnUnit).where(ReturnUnit.parcel_id == parcel.id).order_by(col(ReturnUnit.id))
    )
    expected = [
        {"sku": _item(session, line.item_id).sku, "quantity": line.quantity, "received": line.received}
        for line in rma_lines(session, rma.id or 0)
        if not line.keep_it
    ]
    return {
        "id": parcel.id,
        "status": parcel.status,
        "rma": rma_code(rma),
        "rma_kind": rma.kind,
        "rma_status": rma.status,
        "found_by": parcel.found_by,
        "weight_g": parcel.weight_g,
        "expected_weight_g": parcel.expected_weight_g,
        "weight_verdict": parcel.weight_verdict,
        "hold_signals": rma.hold_signals,
        "expected": expected,
        "units": [unit_view(session, u) for u in units],
    }


def rubric_view(config: ReturnsConfig, category: str, locale: str) -> dict[str, Any]:
    rubric = config.rubric_for(category)
    return {
        "category": rubric.category,
        "questions": [
            {"id": q.id, "text": q.text.get(locale) or q.text["en"], "answers": q.answers}
            for q in rubric.questions
        ],
    }
