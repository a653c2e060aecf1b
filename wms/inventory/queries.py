"""Reading stock: the catalogue, a warehouse's locations, stock by item and location, the ledger,
purchase orders. One statement per list (docs/architecture.md, Areas)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from wms.errors import NotFound
from wms.identity.model import Principal
from wms.inventory.receiving import purchase_order_by_number
from wms.inventory.tables import Item, LedgerEntry, Location, PurchaseOrderLine, Quant, Warehouse
from wms.merchants.tables import Merchant
from wms.scoping import scoped


def _stock_row(quant: Quant, location: Location) -> dict[str, Any]:
    return {
        "location": location.code,
        "quantity": quant.quantity,
        "reserved": quant.reserved,
        "serial": quant.serial,
        "lot": quant.lot,
        "condition": quant.condition,
    }


def items(
    session: Session, principal: Principal, *, q: str, merchant_id: int | None, limit: int
) -> list[dict[str, Any]]:
    """The catalogue of the merchants the caller sees (or of one of them)."""
    statement = select(Item, Merchant.code).join(Merchant, col(Merchant.id) == col(Item.merchant_id))
    statement = scoped(statement, principal, merchant=Item.merchant_id)
    if merchant_id is not None:
        statement = statement.where(Item.merchant_id == merchant_id)
    statement = statement.order_by(col(Item.sku), col(Item.merchant_id)).limit(limit)
    if q:
        like = f"%{q}%"
        statement = statement.where(
            col(Item.sku).ilike(like) | col(Item.name).ilike(like) | (Item.gtin == q.zfill(14))
        )
    return [{**i.model_dump(), "merchant": code} for i, code in session.exec(statement)]


def item_with_stock(session: Session, principal: Principal, item: Item) -> dict[str, Any]:
    """An item and where its units are, within the caller's warehouse."""
    merchant = session.get(Merchant, item.merchant_id)
    statement = (
        select(Quant, Location)
        .join(Location, col(Location.id) == col(Quant.location_id))
        .where(Quant.item_id == item.id, Quant.quantity > 0)
    )
    if principal.warehouse_id is not None:
        statement = statement.where(Location.warehouse_id == principal.warehouse_id)
    return {
        **item.model_dump(),
        "merchant": merchant.code if merchant else "",
        "stock": [_stock_row(q, loc) for q, loc in session.exec(statement)],
    }


def locations(session: Session, warehouse: Warehouse, *, kind: str | None) -> list[dict[str, Any]]:
    statement = select(Location).where(Location.warehouse_id == warehouse.id).order_by(col(Location.path_seq))
    if kind:
        statement = statement.where(Location.kind == kind)
    return [loc.model_dump(exclude={"warehouse_id"}) for loc in session.exec(statement)]


def stock(
    session: Session,
    principal: Principal,
    warehouse: Warehouse,
    *,
    sku: str | None,
    location: str | None,
    merchant_id: int | None,
) -> list[dict[str, Any]]:
    """Stock by item and location: the caller's merchants' (or one merchant's) quants."""
    statement = (
        select(Quant, Item, Location, Merchant.code)
        .join(Item, col(Item.id) == col(Quant.item_id))
        .join(Location, col(Location.id) == col(Quant.location_id))
        .join(Merchant, col(Merchant.id) == col(Quant.merchant_id))
        .where(Location.warehouse_id == warehouse.id, Quant.quantity > 0)
        .order_by(col(Location.path_seq), col(Item.sku), col(Quant.merchant_id))
    )
    statement = scoped(statement, principal, merchant=Quant.merchant_id)
    if merchant_id is not None:
        statement = statement.where(Quant.merchant_id == merchant_id)
    if sku:
        statement = statement.where(Item.sku == sku)
    if location:
        statement = statement.where(Location.code == location)
    return [
        {"sku": i.sku, "merchant": code, **_stock_row(q, loc)} for q, i, loc, code in session.exec(statement)
    ]


def ledger(
    session: Session, principal: Principal, warehouse: Warehouse, *, item_id: int | None, limit: int
) -> list[dict[str, Any]]:
    statement = (
        select(LedgerEntry, Merchant.code)
        .join(Merchant, col(Merchant.id) == col(LedgerEntry.merchant_id))
        .where(LedgerEntry.warehouse_id == warehouse.id)
        .order_by(col(LedgerEntry.id).desc())
        .limit(limit)
    )
    statement = scoped(statement, principal, merchant=LedgerEntry.merchant_id)
    if item_id is not None:
        statement = statement.where(LedgerEntry.item_id == item_id)
    return [{**e.model_dump(mode="json"), "merchant": code} for e, code in session.exec(statement)]


def purchase_order(
    session: Session, principal: Principal, warehouse: Warehouse, number: str
) -> dict[str, Any]:
    po = purchase_order_by_number(session, warehouse.id or 0, number)
    if po is None or not principal.sees_merchant(po.merchant_id):
        raise NotFound(f"no purchase order {number}")
    merchant = session.get(Merchant, po.merchant_id)
    rows = session.exec(
        select(PurchaseOrderLine, Item)
        .join(Item, col(Item.id) == col(PurchaseOrderLine.item_id))
        .where(PurchaseOrderLine.purchase_order_id == po.id)
    ).all()
    return {
        "number": po.number,
        "merchant": merchant.code if merchant else "",
        "supplier": po.supplier,
        "status": po.status,
        "lines": [
            {"sku": i.sku, "expected": line.quantity_expected, "received": line.quantity_received}
            for line, i in rows
        ],
    }


def on_hand(session: Session, *, warehouse_id: int, item_id: int) -> tuple[int, int]:
    """(on hand, reserved) of an item across the warehouse's locations."""
    row = session.exec(
        select(func.coalesce(func.sum(Quant.quantity), 0), func.coalesce(func.sum(Quant.reserved), 0))
        .join(Location, col(Location.id) == col(Quant.location_id))
        .where(Location.warehouse_id == warehouse_id, Quant.item_id == item_id)
    ).one()
    return int(row[0]), int(row[1])
