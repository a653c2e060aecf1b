"""Stock use cases. Every change of quantity goes through `move_stock`: one ledger row and the
on-hand projection, written together in the caller's transaction (ARCHITECTURE rule 2)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from wms.errors import Conflict, InsufficientStock, Invalid, NotFound
from wms.identity.model import Principal
from wms.inventory.model import require_positive
from wms.inventory.tables import (
    Item,
    LedgerEntry,
    Location,
    PurchaseOrder,
    PurchaseOrderLine,
    Quant,
    Warehouse,
)
from wms.platform import audit


@dataclass(frozen=True)
class StockKey:
    item_id: int
    location_id: int
    lot: str = ""
    serial: str = ""
    condition: str = "new"


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


def lock_quant(session: Session, key: StockKey, *, create: bool) -> Quant | None:
    """The quant for `key`, row-locked until the transaction ends (PostgreSQL FOR UPDATE).

    Created if missing and `create`; INSERT .. ON CONFLICT DO NOTHING keeps two creators from
    making two rows for the same stock (never a second row to dodge a lock).
    """
    if create:
        values = {
            "item_id": key.item_id,
            "location_id": key.location_id,
            "lot": key.lot,
            "serial": key.serial,
            "condition": key.condition,
            "quantity": 0,
            "reserved": 0,
            "version": 0,
        }
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(insert(Quant).values(**values).on_conflict_do_nothing())
    statement = (
        select(Quant)
        .where(
            Quant.item_id == key.item_id,
            Quant.location_id == key.location_id,
            Quant.lot == key.lot,
            Quant.serial == key.serial,
            Quant.condition == key.condition,
        )
        .with_for_update()
    )
    return session.exec(statement.execution_options(populate_existing=True)).first()


def move_stock(
    session: Session,
    *,
    principal: Principal | None,
    warehouse_id: int,
    item: Item,
    quantity: int,
    from_location_id: int | None,
    to_location_id: int | None,
    reason: str,
    lot: str = "",
    serial: str = "",
    from_condition: str = "new",
    to_condition: str | None = None,
    take_reserved: bool = False,
    keep_reserved: bool = False,
    ref_type: str = "",
    ref_id: str = "",
    note: str = "",
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """Move units between locations (None = outside the building), writing the ledger row."""
    require_positive(quantity)
    to_condition = to_condition or from_condition
    if from_location_id is None and to_location_id is None:
        raise Invalid("a stock movement needs a source or a destination")
    if item.tracking == "serial":
        if not serial:
            raise Invalid(f"{item.sku} is serial-tracked: scan the unit's serial number")
        if quantity != 1:
            raise Invalid("a serial number is one unit")
    elif serial:
        raise Invalid(f"{item.sku} is not serial-tracked; no serial number expected")
    if item.tracking == "lot" and not lot:
        raise Invalid(f"{item.sku} is lot-tracked: the lot is required")

    if from_location_id is not None:
        source = lock_quant(
            session, StockKey(item.id or 0, from_location_id, lot, serial, from_condition), create=False
        )
        free = (
            0 if source is None else (source.quantity if take_reserved else source.quantity - source.reserved)
        )
        if source is None or free < quantity:
            raise InsufficientStock(
                f"only {max(free, 0)} unit(s) of {item.sku}{' ' + serial if serial else ''} available there, "
                f"{quantity} needed",
                sku=item.sku,
                available=max(free, 0),
                requested=quantity,
            )
        source.quantity -= quantity
        if take_reserved:
            source.reserved -= min(quantity, source.reserved)
        source.version += 1
        session.add(source)
        session.flush()  # the source gives up a serial before the destination takes it

    if to_location_id is not None:
        if serial:
            elsewhere = session.exec(
                select(Quant).where(Quant.item_id == item.id, Quant.serial == serial, Quant.quantity > 0)
            ).first()
            if elsewhere is not None:
                raise Conflict(
                    f"serial {serial} of {item.sku} is already in stock at another location",
                    serial=serial,
                    location_id=elsewhere.location_id,
                )
        destination = lock_quant(
            session, StockKey(item.id or 0, to_location_id, lot, serial, to_condition), create=True
        )
        assert destination is not None
        destination.quantity += quantity
        if keep_reserved:
            destination.reserved += quantity
        destination.version += 1
        session.add(destination)

    entry = LedgerEntry(
        warehouse_id=warehouse_id,
        item_id=item.id or 0,
        from_location_id=from_location_id,
        to_location_id=to_location_id,
        lot=lot,
        serial=serial,
        from_condition=from_condition,
        to_condition=to_condition,
        quantity=quantity,
        reason=reason,
        note=note,
        ref_type=ref_type,
        ref_id=ref_id,
        user_id=principal.user_id if principal else None,
        device_id=principal.device_id if principal else None,
        idempotency_key=idempotency_key,
    )
    session.add(entry)
    session.flush()
    return entry


def receive(
    session: Session,
    *,
    principal: Principal,
    warehouse: Warehouse,
    item: Item,
    quantity: int,
    location: Location,
    lot: str = "",
    serials: list[str] | None = None,
    purchase_order: str | None = None,
    idempotency_key: str | None = None,
) -> list[LedgerEntry]:
    """Receive units from a supplier into a location, against a purchase order / ASN if given."""
    require_positive(quantity)
    if location.warehouse_id != warehouse.id:
        raise NotFound(f"no location {location.code!r} in this warehouse")
    serials = serials or []
    if item.tracking == "serial" and len(serials) != quantity:
        raise Invalid(
            f"{item.sku} is serial-tracked: {quantity} serial number(s) needed, {len(serials)} given"
        )
    if len(set(serials)) != len(serials):
        raise Invalid("the same serial number was given twice")
    ref_type, ref_id = "", ""
    if purchase_order:
        po = session.exec(
            select(PurchaseOrder).where(
                PurchaseOrder.warehouse_id == warehouse.id, PurchaseOrder.number == purchase_order
            )
        ).first()
        if po is None:
            raise NotFound(f"no purchase order {purchase_order!r} in this warehouse")
        line = session.exec(
            select(PurchaseOrderLine).where(
                PurchaseOrderLine.purchase_order_id == po.id, PurchaseOrderLine.item_id == item.id
            )
        ).first()
        if line is None:
            raise Invalid(f"{item.sku} is not on purchase order {purchase_order}")
        line.quantity_received += quantity
        session.add(line)
        ref_type, ref_id = "purchase_order", po.number
    entries = []
    for unit_serial in serials or [""]:
        entries.append(
            move_stock(
                session,
                principal=principal,
                warehouse_id=warehouse.id or 0,
                item=item,
                quantity=1 if unit_serial else quantity,
                from_location_id=None,
                to_location_id=location.id,
                reason="receive",
                lot=lot,
                serial=unit_serial,
                ref_type=ref_type,
                ref_id=ref_id,
                idempotency_key=idempotency_key,
            )
        )
    audit.record(
        session,
        principal,
        action="stock.received",
        object_type="item",
        object_id=item.sku,
        warehouse_id=warehouse.id,
        quantity=quantity,
        location=location.code,
        purchase_order=purchase_order,
    )
    return entries


def adjust(
    session: Session,
    *,
    principal: Principal,
    warehouse: Warehouse,
    item: Item,
    location: Location,
    counted: int,
    reason: str,
    lot: str = "",
    serial: str = "",
    condition: str = "new",
) -> LedgerEntry | None:
    """Cycle count: set what is at a location to what was counted, with the reason recorded."""
    if counted < 0:
        raise Invalid("a counted quantity cannot be negative")
    if not reason.strip():
        raise Invalid("an adjustment needs a reason")
    quant = lock_quant(
        session, StockKey(item.id or 0, location.id or 0, lot, serial, condition), create=False
    )
    on_hand = quant.quantity if quant else 0
    reserved = quant.reserved if quant else 0
    if counted < reserved:
        raise Conflict(
            f"{reserved} unit(s) there are reserved for orders; release or re-allocate them before counting "
            f"{counted}"
        )
    delta = counted - on_hand
    if delta == 0:
        return None
    entry = move_stock(
        session,
        principal=principal,
        warehouse_id=warehouse.id or 0,
        item=item,
        quantity=abs(delta),
        from_location_id=location.id if delta < 0 else None,
        to_location_id=location.id if delta > 0 else None,
        reason="adjust",
        lot=lot,
        serial=serial,
        from_condition=condition,
        note=reason,
    )
    audit.record(
        session,
        principal,
        action="stock.adjusted",
        object_type="item",
        object_id=item.sku,
        warehouse_id=warehouse.id,
        location=location.code,
        counted=counted,
        was=on_hand,
        reason=reason,
    )
    return entry


def on_hand(session: Session, *, warehouse_id: int, item_id: int) -> tuple[int, int]:
    """(on hand, reserved) of an item across the warehouse's locations."""
    row = session.exec(
        select(func.coalesce(func.sum(Quant.quantity), 0), func.coalesce(func.sum(Quant.reserved), 0))
        .join(Location, col(Location.id) == col(Quant.location_id))
        .where(Location.warehouse_id == warehouse_id, Quant.item_id == item_id)
    ).one()
    return int(row[0]), int(row[1])
