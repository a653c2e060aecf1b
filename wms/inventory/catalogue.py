"""Finding warehouses, locations and items by the codes people scan and type, and adding items."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from wms.errors import Ambiguous, Conflict, NotFound
from wms.identity.model import Principal
from wms.inventory.tables import Item, Location, Warehouse
from wms.merchants.service import codes_by_id
from wms.scoping import scoped


def warehouse_by_code(session: Session, principal: Principal | None, code: str) -> Warehouse:
    """A warehouse the caller may see, by code (404 otherwise: other sites are not disclosed)."""
    warehouse = session.exec(select(Warehouse).where(Warehouse.code == code)).first()
    if warehouse is None or (principal is not None and not principal.sees_warehouse(warehouse.id or 0)):
        raise NotFound(f"no warehouse {code!r}")
    return warehouse


def location_by_code(session: Session, warehouse_id: int, code: str) -> Location:
    location = session.exec(
        select(Location).where(Location.warehouse_id == warehouse_id, Location.code == code)
    ).first()
    if location is None:
        raise NotFound(f"no location {code!r} in this warehouse")
    return location


def _one_item(session: Session, rows: list[Item], what: str) -> Item:
    """The one item a code names; several merchants' items under one code: say which (409)."""
    if not rows:
        raise NotFound(f"no item with {what}")
    if len(rows) > 1:
        codes = codes_by_id(session, (item.merchant_id for item in rows))
        names = ", ".join(sorted(codes.get(item.merchant_id, "?") for item in rows))
        raise Ambiguous(
            f"{what} is an item of several merchants ({names}): say which merchant",
            merchants=sorted(codes.values()),
        )
    return rows[0]


def item_by_sku(
    session: Session, sku: str, *, merchant_id: int | None = None, principal: Principal | None = None
) -> Item:
    """The item with this SKU: of `merchant_id` when given, else of whichever merchant the caller sees
    that has it (several: Ambiguous, the caller must name the merchant)."""
    statement = select(Item).where(Item.sku == sku)
    if merchant_id is not None:
        statement = statement.where(Item.merchant_id == merchant_id)
    statement = scoped(statement, principal, merchant=Item.merchant_id)
    return _one_item(session, list(session.exec(statement.limit(10))), f"SKU {sku!r}")


def items_by_gtin(session: Session, gtin: str, *, merchant_id: int | None = None) -> list[Item]:
    """Every item with this GTIN (two merchants of one floor may stock the same product)."""
    statement = select(Item).where(Item.gtin == gtin.zfill(14))
    if merchant_id is not None:
        statement = statement.where(Item.merchant_id == merchant_id)
    return list(session.exec(statement.limit(10)))


def item_by_gtin(session: Session, gtin: str, *, merchant_id: int | None = None) -> Item | None:
    """The one item with this GTIN (of `merchant_id` when given); None if there is none; Ambiguous if
    several merchants stock it and the context does not say whose."""
    rows = items_by_gtin(session, gtin, merchant_id=merchant_id)
    return _one_item(session, rows, f"GTIN {gtin.zfill(14)}") if rows else None


def create_item(session: Session, fields: dict[str, Any]) -> Item:
    """Add a merchant's item; its SKU and its GTIN (kept as GTIN-14) belong to no other item of the
    merchant (another merchant may sell the same SKU code or the same product)."""
    merchant_id = fields["merchant_id"]
    mine = select(Item).where(Item.merchant_id == merchant_id)
    if session.exec(mine.where(Item.sku == fields["sku"])).first():
        raise Conflict(f"SKU {fields['sku']} already exists")
    gtin = fields["gtin"].zfill(14) if fields.get("gtin") else None
    if gtin and session.exec(mine.where(Item.gtin == gtin)).first():
        raise Conflict(f"GTIN {gtin} already belongs to another item")
    item = Item(**{name: value for name, value in fields.items() if name != "gtin"}, gtin=gtin)
    session.add(item)
    session.flush()
    return item
