"""Finding warehouses, locations and items by the codes people scan and type, and adding items."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from wms.errors import Conflict, NotFound
from wms.identity.model import Principal
from wms.inventory.tables import Item, Location, Warehouse


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


def item_by_sku(session: Session, sku: str) -> Item:
    item = session.exec(select(Item).where(Item.sku == sku)).first()
    if item is None:
        raise NotFound(f"no item with SKU {sku!r}")
    return item


def item_by_gtin(session: Session, gtin: str) -> Item | None:
    gtin14 = gtin.zfill(14)
    return session.exec(select(Item).where(Item.gtin == gtin14)).first()


def create_item(session: Session, fields: dict[str, Any]) -> Item:
    """Add an item; its SKU and its GTIN (kept as GTIN-14) belong to no other item."""
    if session.exec(select(Item).where(Item.sku == fields["sku"])).first():
        raise Conflict(f"SKU {fields['sku']} already exists")
    gtin = fields["gtin"].zfill(14) if fields.get("gtin") else None
    if gtin and session.exec(select(Item).where(Item.gtin == gtin)).first():
        raise Conflict(f"GTIN {gtin} already belongs to another item")
    item = Item(**{name: value for name, value in fields.items() if name != "gtin"}, gtin=gtin)
    session.add(item)
    session.flush()
    return item
