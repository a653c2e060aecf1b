"""Authorising a return: which of an order's shipped units the shopper may send back, what each earns,
the return label; and cancelling a return that has not arrived."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlmodel import Session

from kaeru_config.site import SiteConfig
from wms.context import Kaeru
from wms.db import utcnow
from wms.errors import Conflict, Invalid
from wms.fulfilment import service as fulfilment
from wms.fulfilment.tables import Order, OrderLine
from wms.identity.model import Principal
from wms.inventory.service import item_by_sku
from wms.inventory.tables import Item
from wms.returns import events, model, queries
from wms.returns.effects import EFFECTS
from wms.returns.eligibility import assess_trust, exchange_candidates, order_eligibility
from wms.returns.model import RMA, RmaStatus
from wms.returns.queries import config_of
from wms.returns.resolution import Payment, create_exchange_order, line_resolution, pay
from wms.returns.tables import ReturnAuthorisation, ReturnLine
from wms.returns.views import rma_code


@dataclass
class NewReturnLine:
    order_line_id: int | None
    sku: str | None
    quantity: int
    reason: str
    reason_text: str = ""
    outcome: str = "refund"
    exchange_sku: str | None = None


@dataclass(frozen=True)
class ReturnRequest:
    """What a shopper (or staff on their behalf) asks to send back, and how the label is wanted."""

    order: Order
    lines: list[NewReturnLine]
    channel: str  # shopper | staff | integrator
    allow_outside_window: bool = False
    print_label: bool = False
    printer_url: str | None = None
    note: str = ""


def authorise(
    session: Session, *, kaeru: Kaeru, principal: Principal | None, request: ReturnRequest
) -> ReturnAuthorisation:
    """Authorise a return of some of an order's shipped units, under the policy."""
    config, order = config_of(kaeru, request.order.merchant_id), request.order
    decision = order_eligibility(session, config, order)
    lines = _with_order_lines(session, order, request.lines)
    requested = [
        model.RequestedLine(
            line.order_line_id or 0, line.quantity, line.reason, line.reason_text, line.outcome
        )
        for line in lines
    ]
    model.check_request(decision, requested, allow_outside_window=request.allow_outside_window)
    trust = assess_trust(session, config, order.shopper_id)
    rma = _new_rma(session, kaeru, principal, request, decision, trust)
    kept = [
        line for line in (_add_line(session, kaeru, rma, order, new, trust) for new in lines) if line.keep_it
    ]
    base_url = kaeru.settings.base_url
    EFFECTS.record(
        session, principal, events.ReturnAuthorised(rma, order.number, request.channel, trust, base_url)
    )
    _pay_kept(session, kaeru, principal, rma, kept)
    if request.print_label and rma.status != RmaStatus.COMPLETED:
        EFFECTS.record(session, principal, events.ReturnLabelRequested(rma, request.printer_url, base_url))
    return rma


def print_return_label(
    session: Session,
    *,
    kaeru: Kaeru,
    principal: Principal | None,
    rma: ReturnAuthorisation,
    printer: str | None,
) -> None:
    """Queue the return label for a printer (the print job goes through the outbox)."""
    EFFECTS.record(session, principal, events.ReturnLabelRequested(rma, printer, kaeru.settings.base_url))


def cancel(session: Session, *, principal: Principal, rma: ReturnAuthorisation) -> ReturnAuthorisation:
    """Cancel a return that has not arrived yet."""
    if rma.status not in model.NOT_YET_RECEIVED:
        raise Conflict(
            "{rma_code} is {status}; only a return not yet received can be cancelled",
            rma_code=rma_code(rma),
            status=rma.status,
        )
    rma.status = RMA.move(rma.status, RmaStatus.CANCELLED, what=rma_code(rma))
    session.add(rma)
    EFFECTS.record(session, principal, events.ReturnCancelled(rma))
    return rma


def number(session: Session, rma: ReturnAuthorisation) -> ReturnAuthorisation:
    """Write a new return and give it its number (printed as RMA-<number>) from its id."""
    session.add(rma)
    session.flush()
    rma.number = str(100000 + (rma.id or 0))
    session.add(rma)
    return rma


def _with_order_lines(session: Session, order: Order, lines: list[NewReturnLine]) -> list[NewReturnLine]:
    """The requested lines, each naming its order line (a line may name its item by SKU instead)."""
    order_lines = fulfilment.order_lines(session, order.id or 0)
    named = []
    for line in lines:
        if line.order_line_id is None:
            line = replace(line, order_line_id=_order_line_of_sku(session, order, order_lines, line.sku).id)
        named.append(line)
    return named


def _order_line_of_sku(
    session: Session, order: Order, order_lines: list[OrderLine], sku: str | None
) -> OrderLine:
    if not sku:
        raise Invalid("name each item to return by its SKU or its order line")
    match = next((ol for ol in order_lines if queries.item(session, ol.item_id).sku == sku), None)
    if match is None:
        raise Invalid("{sku} is not on order {number}", number=order.number, sku=sku)
    return match


def _carrier_prefix(site: SiteConfig, carrier: str) -> str:
    spec = site.shipping.carriers.get(carrier)
    return spec.tracking_prefix if spec else "RET"


def _new_rma(
    session: Session,
    kaeru: Kaeru,
    principal: Principal | None,
    request: ReturnRequest,
    decision: model.OrderEligibility,
    trust: model.TrustAssessment,
) -> ReturnAuthorisation:
    order = request.order
    rma = ReturnAuthorisation(
        warehouse_id=order.warehouse_id,
        merchant_id=order.merchant_id,
        number=secrets.token_hex(8),
        token=secrets.token_urlsafe(24),
        order_id=order.id,
        shopper_id=order.shopper_id,
        channel=request.channel,
        currency=order.currency,
        return_carrier=order.carrier,
        return_by=utcnow().date()
        + timedelta(days=config_of(kaeru, order.merchant_id).policy.arrive_within_days),
        outside_window=decision.code == "window_expired",
        trust_score=trust.score,
        trust_tier=trust.tier.name,
        instant_refund=trust.tier.instant_refund,
        created_by=principal.key if principal else f"shopper:{order.shopper_id}",
        note=request.note,
    )
    number(session, rma)
    rma.return_tracking_number = f"{_carrier_prefix(kaeru.site, order.carrier)}R{rma.id or 0:010d}"
    return rma


def _exchange_item(session: Session, new: NewReturnLine, item: Item, warehouse_id: int) -> Item | None:
    """The variant the shopper wants instead, if an exchange: it must be in stock here."""
    if new.outcome != "exchange":
        return None
    if not new.exchange_sku:
        raise Invalid("{sku}: choose the variant to exchange it for (exchange_sku)", sku=item.sku)
    exchange_item = item_by_sku(session, new.exchange_sku, merchant_id=item.merchant_id)
    if exchange_item.id not in {v.id for v in exchange_candidates(session, item, warehouse_id)}:
        raise Invalid("{sku} is not another variant of {of} in stock", of=item.sku, sku=new.exchange_sku)
    return exchange_item


def _add_line(
    session: Session,
    kaeru: Kaeru,
    rma: ReturnAuthorisation,
    order: Order,
    new: NewReturnLine,
    trust: model.TrustAssessment,
) -> ReturnLine:
    """One line of the return, quoted as the policy pays it; a trusted shopper's exchange ships now."""
    policy = config_of(kaeru).policy
    order_line = session.get(OrderLine, new.order_line_id)
    if order_line is None:
        raise Invalid("order line {order_line_id} is not on this order", order_line_id=new.order_line_id)
    item = queries.item(session, order_line.item_id)
    exchange_item = _exchange_item(session, new, item, order.warehouse_id)
    keep = model.keep_it(policy, unit_price_minor=order_line.unit_price_minor, reason=new.reason)
    quote = model.resolve(
        policy,
        outcome="keep_it" if keep else new.outcome,
        unit_price_minor=order_line.unit_price_minor,
        currency=order.currency,
        category=item.category,
        reason=new.reason,
        free_exchange=trust.tier.free_exchange,
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
    if not keep and exchange_item is not None and trust.tier.instant_exchange:
        create_exchange_order(session, kaeru, rma, line, order)
    return line


def _pay_kept(
    session: Session,
    kaeru: Kaeru,
    principal: Principal | None,
    rma: ReturnAuthorisation,
    kept: list[ReturnLine],
) -> None:
    """Lines the shopper keeps are paid at once; a return of nothing but those is complete."""
    for line in kept:
        resolution = line_resolution(session, kaeru, rma, line, outcome="keep_it")
        pay(session, kaeru, principal, Payment(rma, line, None, resolution, units=line.quantity))
        line.resolved = line.quantity
        session.add(line)
    if kept and all(line.keep_it for line in queries.rma_lines(session, rma.id or 0)):
        rma.status = RMA.move(rma.status, RmaStatus.COMPLETED, what=rma_code(rma))
        rma.completed_at = utcnow()
    session.add(rma)
