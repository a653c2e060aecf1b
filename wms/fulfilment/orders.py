"""Orders: accepting one (its shopper, its lines, its stock reserved), cancelling it, and keeping its
status what its lines say."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, select

from kaeru_config.site import SiteConfig
from wms.errors import Conflict, Invalid, Text
from wms.fulfilment import model
from wms.fulfilment.effects import EFFECTS
from wms.fulfilment.events import OrderCancelled, OrderCreated
from wms.fulfilment.model import ORDERS, OrderStatus, advance
from wms.fulfilment.reservation import live_reservations, lock_candidates, release, reserve_units
from wms.fulfilment.tables import Order, OrderLine, Shopper
from wms.fulfilment.views import order_lines
from wms.identity.model import Principal
from wms.inventory.catalogue import item_by_sku
from wms.inventory.model import require_positive
from wms.inventory.tables import Warehouse
from wms.scoping import visible

# Order lifecycle hooks (e.g. a promised delivery date computed when an order is created).
ORDER_CREATED_LISTENERS: list[Callable[[Session, Order], None]] = []


@dataclass
class NewLine:
    sku: str
    quantity: int
    unit_price_minor: int = 0


@dataclass
class NewOrder:
    number: str
    merchant_id: int  # whose order: its items, its shopper, its brand
    shopper_email: str
    shopper_name: str = ""
    shopper_locale: str = "en"
    ship_to: dict[str, Any] = field(default_factory=dict)
    lines: list[NewLine] = field(default_factory=list)
    carrier: str = ""
    service: str = ""
    currency: str = "USD"
    channel: str = "api"
    external_id: str | None = None
    promised_date: date | None = None


def order_by_number(session: Session, principal: Principal | None, warehouse_id: int, number: str) -> Order:
    order = session.exec(
        select(Order).where(Order.warehouse_id == warehouse_id, Order.number == number)
    ).first()
    return visible(order, principal, Text("no order {number!r}", number=number))


def get_order(session: Session, principal: Principal, order_id: int) -> Order:
    order = session.get(Order, order_id)
    return visible(order, principal, Text("no order {order_id}", order_id=order_id))


def refresh_order_status(session: Session, order: Order) -> str:
    """Move the order to the status its lines say."""
    lines = order_lines(session, order.id or 0)
    progress = [
        model.LineProgress(line.quantity, line.reserved, line.picked, line.packed, line.shipped)
        for line in lines
    ]
    target = model.order_status(progress, current=order.status)
    order.status = advance(ORDERS, order.status, target, what=f"order {order.number}")
    session.add(order)
    return order.status


def create_order(
    session: Session, *, principal: Principal | None, warehouse: Warehouse, new: NewOrder, site: SiteConfig
) -> Order:
    """Accept an order, reserve its stock and confirm it to the shopper."""
    _check_new_order(new)
    lines = _merged_lines(new.lines)
    for line in lines:  # every SKU is the merchant's, before anything else is said of the order
        item_by_sku(session, line.sku, merchant_id=new.merchant_id)
    if new.external_id:
        existing = session.exec(
            select(Order).where(
                Order.warehouse_id == warehouse.id,
                Order.merchant_id == new.merchant_id,
                Order.external_id == new.external_id,
            )
        ).first()
        if existing is not None:
            return existing
    if session.exec(
        select(Order).where(Order.warehouse_id == warehouse.id, Order.number == new.number)
    ).first():
        raise Conflict("order {number} already exists", number=new.number)
    carrier = new.carrier or site.shipping.default_carrier
    if carrier not in site.shipping.carriers:
        raise Invalid(
            "unknown carrier {carrier!r}; configured: {sorted}",
            carrier=carrier,
            sorted=sorted(site.shipping.carriers),
        )
    shopper = _shopper(session, new)
    order = Order(
        warehouse_id=warehouse.id or 0,
        merchant_id=new.merchant_id,
        number=new.number,
        shopper_id=shopper.id or 0,
        channel=new.channel,
        external_id=new.external_id,
        ship_to=new.ship_to,
        currency=new.currency,
        carrier=carrier,
        service=new.service or site.shipping.default_service,
        promised_date=new.promised_date,
        tracking_token=secrets.token_urlsafe(24),
    )
    session.add(order)
    session.flush()
    _add_lines(session, order, lines)
    reserve_order(session, order)
    for listener in ORDER_CREATED_LISTENERS:
        listener(session, order)
    EFFECTS.record(session, principal, OrderCreated(order, shopper, new.channel))
    return order


def _check_new_order(new: NewOrder) -> None:
    if not new.lines:
        raise Invalid("an order needs at least one line")
    if not new.number.strip():
        raise Invalid("an order needs a number")


def _shopper(session: Session, new: NewOrder) -> Shopper:
    """The merchant's shopper by e-mail, made if new; their name and locale as this order gives them.
    The same person at another merchant is another shopper (their own history and trust)."""
    email = new.shopper_email.lower()
    shopper = session.exec(
        select(Shopper).where(Shopper.merchant_id == new.merchant_id, Shopper.email == email)
    ).first()
    if shopper is None:
        shopper = Shopper(
            merchant_id=new.merchant_id, email=email, name=new.shopper_name, locale=new.shopper_locale
        )
        session.add(shopper)
        session.flush()
    else:
        shopper.locale = new.shopper_locale or shopper.locale
        shopper.name = new.shopper_name or shopper.name
        session.add(shopper)
    return shopper


def _merged_lines(lines: list[NewLine]) -> list[NewLine]:
    """One line per SKU (quantities added up), each checked."""
    merged: dict[str, NewLine] = {}
    for line in lines:
        require_positive(line.quantity, f"quantity of {line.sku}")
        if line.unit_price_minor < 0:
            raise Invalid("price of {sku} cannot be negative", sku=line.sku)
        if line.sku in merged:
            merged[line.sku].quantity += line.quantity
        else:
            merged[line.sku] = NewLine(line.sku, line.quantity, line.unit_price_minor)
    return list(merged.values())


def _add_lines(session: Session, order: Order, lines: list[NewLine]) -> None:
    for line in lines:
        item = item_by_sku(session, line.sku, merchant_id=order.merchant_id)
        session.add(
            OrderLine(
                order_id=order.id or 0,
                item_id=item.id or 0,
                quantity=line.quantity,
                unit_price_minor=line.unit_price_minor or item.price_minor,
            )
        )
    session.flush()


def reserve_order(session: Session, order: Order) -> str:
    """Reserve what each line still needs; never more than is free (docs/architecture.md, Reservation)."""
    lines = order_lines(session, order.id or 0)
    needs = [(line, line.quantity - line.reserved - line.picked) for line in lines]
    needs = [(line, need) for line, need in needs if need > 0]
    # Every quant the order may take is locked first, all lines at once, in quant-id order.
    candidates = lock_candidates(session, order.warehouse_id, [line.item_id for line, _ in needs])
    for line, need in needs:
        reserve_units(session, line, order.warehouse_id, need, candidates)
    session.flush()
    return refresh_order_status(session, order)


def cancel_order(session: Session, *, principal: Principal, order: Order) -> Order:
    """Cancel an order that has not been packed: its held stock is free again."""
    # Cancelling a cancelled order again changes nothing but is not refused.
    if order.status != OrderStatus.CANCELLED and not ORDERS.allows(order.status, OrderStatus.CANCELLED):
        raise Conflict(
            "order {number} is already {status}; it can no longer be cancelled",
            number=order.number,
            status=order.status,
        )
    for line in order_lines(session, order.id or 0):
        for reservation in live_reservations(session, line.id):
            release(session, reservation, reservation.quantity)
        line.reserved = 0
        session.add(line)
    order.status = advance(ORDERS, order.status, OrderStatus.CANCELLED, what=f"order {order.number}")
    session.add(order)
    EFFECTS.record(session, principal, OrderCancelled(order))
    return order
