"""Reading stock: the catalogue, a warehouse's locations, stock by item and location, the ledger,
purchase orders. One statement per list (docs/architecture.md, Areas)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from wms.errors import NotFound
from wms.identity.model import Principal
from wms.inventory.receiving import purchase_order_by_number
from wms.inventory.tables import (
    CountTask,
    Item,
    LedgerEntry,
    Location,
    PurchaseOrder,
    PurchaseOrderLine,
    Quant,
    Warehouse,
)
from wms.merchants.tables import Merchant
from wms.platform.paging import composite
from wms.scoping import scoped


def _stock_row(quant: Quant, location: Location) -> dict[str, Any]:
    return {
        "location": location.code,
        "quantity": quant.quantity,
        "reserved": quant.reserved,
        "serial": quant.serial,
        "lot": quant.lot,
        "condition": quant.condition,
        "expiry": quant.expiry,
    }


def items(
    session: Session,
    principal: Principal,
    *,
    q: str,
    merchant_id: int | None,
    limit: int,
    after: int | None = None,
) -> list[dict[str, Any]]:
    """The catalogue of the merchants the caller sees (or of one of them), in the order items were
    added (a keyset page: `after` is the last item's id; two merchants' same SKU code are two rows)."""
    statement = select(Item, Merchant.code).join(Merchant, col(Merchant.id) == col(Item.merchant_id))
    statement = scoped(statement, principal, merchant=Item.merchant_id)
    if merchant_id is not None:
        statement = statement.where(Item.merchant_id == merchant_id)
    if after is not None:
        statement = statement.where(col(Item.id) > after)
    statement = statement.order_by(col(Item.id)).limit(limit)
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


def locations(
    session: Session, warehouse: Warehouse, *, kind: str | None, limit: int, after: tuple[int, ...] | None
) -> list[dict[str, Any]]:
    """Locations in walking order (path position, then id; a keyset page after (path_seq, id))."""
    statement = (
        select(Location)
        .where(Location.warehouse_id == warehouse.id)
        .order_by(col(Location.path_seq), col(Location.id))
        .limit(limit)
    )
    if kind:
        statement = statement.where(Location.kind == kind)
    if after is not None:
        seq, last = after
        statement = statement.where(
            or_(col(Location.path_seq) > seq, and_(col(Location.path_seq) == seq, col(Location.id) > last))
        )
    return [loc.model_dump(exclude={"warehouse_id", "capacity"}) for loc in session.exec(statement)]


def stock(
    session: Session,
    principal: Principal,
    warehouse: Warehouse,
    *,
    sku: str | None,
    location: str | None,
    merchant_id: int | None,
    limit: int = 500,
    after: tuple[int, ...] | None = None,
) -> list[dict[str, Any]]:
    """Stock in walking order (path position, location, quant; a keyset page after those three): the
    caller's merchants' (or one merchant's) quants."""
    statement = (
        select(Quant, Item, Location, Merchant.code)
        .join(Item, col(Item.id) == col(Quant.item_id))
        .join(Location, col(Location.id) == col(Quant.location_id))
        .join(Merchant, col(Merchant.id) == col(Quant.merchant_id))
        .where(Location.warehouse_id == warehouse.id, Quant.quantity > 0)
        .order_by(col(Location.path_seq), col(Location.id), col(Quant.id))
        .limit(limit)
    )
    statement = scoped(statement, principal, merchant=Quant.merchant_id)
    if merchant_id is not None:
        statement = statement.where(Quant.merchant_id == merchant_id)
    if sku:
        statement = statement.where(Item.sku == sku)
    if location:
        statement = statement.where(Location.code == location)
    if after is not None:
        seq, location_id, quant_id = after
        statement = statement.where(
            or_(
                col(Location.path_seq) > seq,
                and_(col(Location.path_seq) == seq, col(Location.id) > location_id),
                and_(
                    col(Location.path_seq) == seq, col(Location.id) == location_id, col(Quant.id) > quant_id
                ),
            )
        )
    return [
        {
            "sku": i.sku,
            "merchant": code,
            **_stock_row(q, loc),
            "cursor": composite(loc.path_seq, loc.id or 0, q.id or 0),
        }
        for q, i, loc, code in session.exec(statement)
    ]


def ledger(
    session: Session,
    principal: Principal,
    warehouse: Warehouse,
    *,
    item_id: int | None,
    limit: int,
    after: int | None = None,
) -> list[dict[str, Any]]:
    """The ledger, newest first (a keyset page: `after` an entry's id), of the caller's merchants."""
    statement = (
        select(LedgerEntry, Merchant.code)
        .join(Merchant, col(Merchant.id) == col(LedgerEntry.merchant_id))
        .where(LedgerEntry.warehouse_id == warehouse.id)
        .order_by(col(LedgerEntry.id).desc())
        .limit(limit)
    )
    statement = scoped(statement, principal, merchant=LedgerEntry.merchant_id)
    if after is not None:
        statement = statement.where(col(LedgerEntry.id) < after)
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
        .order_by(col(PurchaseOrderLine.id))
    ).all()
    return {
        "number": po.number,
        "merchant": merchant.code if merchant else "",
        "supplier": po.supplier,
        "status": po.status,
        "lines": [
            {
                "sku": i.sku,
                "gtin": i.gtin,
                "name": i.name,
                "tracking": i.tracking,
                "expected": line.quantity_expected,
                "received": line.quantity_received,
                "variance_reason": line.variance_reason,
            }
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


def purchase_orders(
    session: Session,
    principal: Principal,
    warehouse: Warehouse,
    *,
    status: str | None,
    limit: int,
    after: int | None,
) -> list[dict[str, Any]]:
    """A warehouse's purchase orders of the caller's merchants, newest first (a keyset page)."""
    statement = (
        select(PurchaseOrder)
        .where(PurchaseOrder.warehouse_id == warehouse.id)
        .order_by(col(PurchaseOrder.id).desc())
        .limit(limit)
    )
    statement = scoped(statement, principal, merchant=PurchaseOrder.merchant_id)
    if status:
        statement = statement.where(PurchaseOrder.status == status)
    if after is not None:
        statement = statement.where(col(PurchaseOrder.id) < after)
    return [po.model_dump(exclude={"warehouse_id"}) for po in session.exec(statement)]


def count_task_view(task: CountTask, item: Item, location: Location) -> dict[str, Any]:
    """A count task as the floor sees it: blind (no books) until it has been counted."""
    counted = task.counted is not None
    return {
        "id": task.id,
        "sku": item.sku,
        "location": location.code,
        "lot": task.lot,
        "status": task.status,
        "tolerance": task.tolerance,
        "counted": task.counted,
        "on_hand": task.on_hand if counted else None,
        "variance": (task.counted or 0) - (task.on_hand or 0) if counted else None,
    }


def count_tasks(
    session: Session, warehouse: Warehouse, *, status: str | None, limit: int, after: int | None
) -> list[dict[str, Any]]:
    """A warehouse's count tasks, oldest first (the order they are worked in; a keyset page)."""
    statement = (
        select(CountTask, Item, Location)
        .join(Item, col(Item.id) == col(CountTask.item_id))
        .join(Location, col(Location.id) == col(CountTask.location_id))
        .where(CountTask.warehouse_id == warehouse.id)
        .order_by(col(CountTask.id))
        .limit(limit)
    )
    if status:
        statement = statement.where(CountTask.status == status)
    if after is not None:
        statement = statement.where(col(CountTask.id) > after)
    return [count_task_view(task, item, location) for task, item, location in session.exec(statement)]
