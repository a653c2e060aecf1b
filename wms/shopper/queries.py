"""Reads of the shopper's side: an order behind a link, its lines and shipments, claims and pages' look-ups.

Each runs a fixed number of statements however many rows it returns (docs/architecture.md, Areas).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlmodel import Session, col, select

from wms.errors import NotFound, Text
from wms.fulfilment.tables import Order, OrderLine, Shipment, Shopper
from wms.identity.model import Principal
from wms.inventory.tables import Item, Warehouse
from wms.returns import service as returns
from wms.returns.tables import ReturnAuthorisation
from wms.scoping import scoped, visible
from wms.shopper.tables import DeliveryClaim


def order_by_token(session: Session, token: str) -> Order:
    """The order a tracking link opens (the returns area's lookup: one rule for every shopper link)."""
    return returns.order_by_token(session, token)


def lines_with_items(session: Session, order: Order) -> list[tuple[OrderLine, Item]]:
    rows = session.exec(
        select(OrderLine, Item)
        .join(Item, col(Item.id) == col(OrderLine.item_id))
        .where(OrderLine.order_id == order.id)
        .order_by(col(OrderLine.id))
    ).all()
    return [(line, item) for line, item in rows]


def shipments_of(session: Session, order: Order) -> list[Shipment]:
    return list(
        session.exec(select(Shipment).where(Shipment.order_id == order.id).order_by(col(Shipment.id)))
    )


def last_shipped(session: Session, order: Order) -> Shipment | None:
    """The order's most recent shipment handed to the carrier."""
    return session.exec(
        select(Shipment)
        .where(Shipment.order_id == order.id, col(Shipment.shipped_at).is_not(None))
        .order_by(col(Shipment.id).desc())
    ).first()


def shopper_locale(session: Session, order: Order) -> str:
    shopper = session.get(Shopper, order.shopper_id)
    return shopper.locale if shopper else "en"


def default_warehouse(session: Session, principal: Principal) -> Warehouse:
    """The caller's warehouse, or the first one set up."""
    statement = select(Warehouse).order_by(col(Warehouse.id))
    if principal.warehouse_id is not None:
        statement = statement.where(Warehouse.id == principal.warehouse_id)
    found = session.exec(statement).first()
    if found is None:
        raise NotFound("no warehouse is set up yet")
    return found


def claims(
    session: Session, principal: Principal, *, status: str | None, limit: int, after: int | None = None
) -> Sequence[DeliveryClaim]:
    """Claims the caller may see, oldest first: one statement (a keyset page after a claim's id)."""
    statement = select(DeliveryClaim).order_by(col(DeliveryClaim.id)).limit(limit)
    if after is not None:
        statement = statement.where(col(DeliveryClaim.id) > after)
    if status:
        statement = statement.where(DeliveryClaim.status == status)
    statement = scoped(
        statement, principal, warehouse=DeliveryClaim.warehouse_id, merchant=DeliveryClaim.merchant_id
    )
    return session.exec(statement).all()


def claim_by_number(session: Session, principal: Principal, number: str) -> DeliveryClaim:
    claim = session.exec(
        select(DeliveryClaim).where(DeliveryClaim.number == number.removeprefix("CLM-"))
    ).first()
    return visible(claim, principal, Text("no claim {number}", number=number))


def claim_of_order(session: Session, order: Order, number: str) -> DeliveryClaim | None:
    """A claim by its number, only if it was filed for this order (what a shopper's link may open)."""
    return session.exec(
        select(DeliveryClaim).where(
            DeliveryClaim.order_id == order.id, DeliveryClaim.number == number.removeprefix("CLM-")
        )
    ).first()


def claims_of_order(session: Session, order: Order) -> Sequence[DeliveryClaim]:
    return session.exec(
        select(DeliveryClaim).where(DeliveryClaim.order_id == order.id).order_by(col(DeliveryClaim.id))
    ).all()


def returns_of_order(session: Session, order: Order) -> Sequence[ReturnAuthorisation]:
    return session.exec(
        select(ReturnAuthorisation)
        .where(ReturnAuthorisation.order_id == order.id)
        .order_by(col(ReturnAuthorisation.id))
    ).all()


def rma_by_token(session: Session, token: str) -> ReturnAuthorisation | None:
    """The return a shopper's return link opens (compared in constant time)."""
    rma = session.exec(select(ReturnAuthorisation).where(ReturnAuthorisation.token == token)).first()
    if rma is None or not secrets.compare_digest(rma.token, token):
        return None
    return rma


def variant_names(session: Session, skus: set[str]) -> dict[str, str]:
    """Each SKU's name as a shopper reads it: the product and its variant ("Tee Blue / M")."""
    rows = session.exec(select(Item).where(col(Item.sku).in_(list(skus)))).all() if skus else []
    return {i.sku: f"{i.name} {i.variant_label}".strip() if i.variant_label else i.name for i in rows}
