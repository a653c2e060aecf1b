"""Stock arriving from suppliers: purchase orders (ASNs) announced ahead, receipts against them (with
lot and expiry, over- and under-receipts with their reason), the license plates stock arrives on, and
putting a plate away into a bin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from wms.errors import Conflict, Invalid, NotFound
from wms.identity.model import Principal
from wms.inventory.catalogue import item_by_sku
from wms.inventory.effects import EFFECTS
from wms.inventory.events import PlatePutAway, PurchaseOrderClosed, StockReceived
from wms.inventory.ledger import Actor, Movement, Reference, move
from wms.inventory.model import (
    PURCHASE_ORDERS,
    Bin,
    PurchaseOrderStatus,
    Tracking,
    over_receipt,
    require_positive,
    suggest_bin,
)
from wms.inventory.tables import (
    Item,
    LedgerEntry,
    LicensePlate,
    Location,
    PlateContent,
    PurchaseOrder,
    PurchaseOrderLine,
    Quant,
    Warehouse,
)
from wms.merchants.tables import Merchant

PUT_AWAY_KINDS = ("storage", "pick")


@dataclass(frozen=True)
class ExpectedLine:
    sku: str
    quantity: int


def create_purchase_order(
    session: Session,
    *,
    warehouse: Warehouse,
    merchant_id: int,
    number: str,
    supplier: str,
    lines: list[ExpectedLine],
) -> PurchaseOrder:
    """Announce a merchant's inbound purchase order, one line per item of the merchant expected."""
    items = [item_by_sku(session, line.sku, merchant_id=merchant_id) for line in lines]
    if session.exec(
        select(PurchaseOrder).where(
            PurchaseOrder.warehouse_id == warehouse.id, PurchaseOrder.number == number
        )
    ).first():
        raise Conflict(f"purchase order {number} already exists")
    po = PurchaseOrder(
        warehouse_id=warehouse.id or 0, merchant_id=merchant_id, number=number, supplier=supplier
    )
    session.add(po)
    session.flush()
    for line, item in zip(lines, items, strict=True):
        session.add(
            PurchaseOrderLine(
                purchase_order_id=po.id or 0, item_id=item.id or 0, quantity_expected=line.quantity
            )
        )
    return po


def owner_of(session: Session, warehouse: Warehouse, number: str, principal: Principal | None) -> str:
    """The code of the merchant whose purchase order this is (NotFound if the caller may not see it)."""
    po = purchase_order_by_number(session, warehouse.id or 0, number)
    if po is None or (principal is not None and not principal.sees_merchant(po.merchant_id)):
        raise NotFound(f"no purchase order {number!r} in this warehouse")
    merchant = session.get(Merchant, po.merchant_id)
    return merchant.code if merchant else ""


def purchase_order_by_number(session: Session, warehouse_id: int, number: str) -> PurchaseOrder | None:
    return session.exec(
        select(PurchaseOrder).where(
            PurchaseOrder.warehouse_id == warehouse_id, PurchaseOrder.number == number
        )
    ).first()


def _count_against_purchase_order(
    session: Session, warehouse: Warehouse, item: Item, quantity: int, number: str, reason: str
) -> Reference:
    """Count arriving units on their purchase-order line; units beyond what the line expects need a
    reason (kept on the line); the order is received once every line has all it expected."""
    po = purchase_order_by_number(session, warehouse.id or 0, number)
    if po is None:
        raise NotFound(f"no purchase order {number!r} in this warehouse")
    if po.status == PurchaseOrderStatus.CLOSED:
        raise Conflict(f"purchase order {number} is closed")
    lines = list(session.exec(select(PurchaseOrderLine).where(PurchaseOrderLine.purchase_order_id == po.id)))
    line = next((candidate for candidate in lines if candidate.item_id == item.id), None)
    if line is None:
        raise Invalid(f"{item.sku} is not on purchase order {number}")
    over = over_receipt(expected=line.quantity_expected, received=line.quantity_received, arriving=quantity)
    if over and not reason.strip():
        raise Conflict(
            f"purchase order {number} expects {line.quantity_expected} of {item.sku} and "
            f"{line.quantity_received} arrived already: {over} more than expected needs a reason",
            sku=item.sku,
            expected=line.quantity_expected,
            received=line.quantity_received,
            arriving=quantity,
            over=over,
        )
    if over:
        line.variance_reason = reason.strip()
    line.quantity_received += quantity
    session.add(line)
    if po.status == PurchaseOrderStatus.OPEN and all(
        candidate.quantity_received >= candidate.quantity_expected for candidate in lines
    ):
        po.status = PURCHASE_ORDERS.move(po.status, PurchaseOrderStatus.RECEIVED)
        session.add(po)
    return Reference("purchase_order", po.number, note=reason.strip() if over else "")


def close_purchase_order(
    session: Session, *, warehouse: Warehouse, number: str, reason: str, actor: Actor
) -> PurchaseOrder:
    """Close a purchase order: nothing more is received against it; lines short of what they
    expected need a reason, kept on each short line."""
    po = purchase_order_by_number(session, warehouse.id or 0, number)
    if po is None:
        raise NotFound(f"no purchase order {number!r} in this warehouse")
    lines = list(session.exec(select(PurchaseOrderLine).where(PurchaseOrderLine.purchase_order_id == po.id)))
    short = [line for line in lines if line.quantity_received < line.quantity_expected]
    if short and not reason.strip():
        missing = sum(line.quantity_expected - line.quantity_received for line in short)
        raise Conflict(
            f"purchase order {number} is {missing} unit(s) short: give a reason to close it",
            short=missing,
        )
    po.status = PURCHASE_ORDERS.move(po.status, PurchaseOrderStatus.CLOSED)
    session.add(po)
    for line in short:
        line.variance_reason = reason.strip()
        session.add(line)
    EFFECTS.record(session, actor.principal, PurchaseOrderClosed(warehouse.id, po.number, reason.strip()))
    return po


def _check_serials(item: Item, quantity: int, serials: list[str]) -> None:
    """A serial-tracked item arrives with one distinct serial number per unit."""
    if item.tracking == Tracking.SERIAL and len(serials) != quantity:
        raise Invalid(
            f"{item.sku} is serial-tracked: {quantity} serial number(s) needed, {len(serials)} given"
        )
    if len(set(serials)) != len(serials):
        raise Invalid("the same serial number was given twice")


@dataclass(frozen=True)
class Receipt:
    """Units of one item arriving into a location: their lot, one serial per unit for serial-tracked
    items, and the purchase order (ASN) they are counted against, if any."""

    item: Item
    quantity: int
    location: Location
    lot: str = ""
    serials: tuple[str, ...] = ()
    purchase_order: str | None = None
    expiry: date | None = None
    reason: str = ""  # why more arrived than the purchase order expects
    plate: str = ""  # the license plate (pallet, tote) the units arrive on


def receive(session: Session, receipt: Receipt, *, warehouse: Warehouse, actor: Actor) -> list[LedgerEntry]:
    """Receive units from a supplier into a location, against a purchase order / ASN if given."""
    item, quantity, location = receipt.item, receipt.quantity, receipt.location
    require_positive(quantity)
    if location.warehouse_id != warehouse.id:
        raise NotFound(f"no location {location.code!r} in this warehouse")
    _check_serials(item, quantity, list(receipt.serials))
    if item.tracking == Tracking.NONE and receipt.lot:
        raise Invalid(f"{item.sku} is not lot-tracked; no lot expected")
    reference = Reference()
    if receipt.purchase_order:
        reference = _count_against_purchase_order(
            session, warehouse, item, quantity, receipt.purchase_order, receipt.reason
        )
    if receipt.plate:
        _load_plate(session, warehouse, receipt)
    entries = [
        move(
            session,
            Movement(
                warehouse_id=warehouse.id or 0,
                item=item,
                quantity=1 if unit_serial else quantity,
                from_location_id=None,
                to_location_id=location.id,
                reason="receive",
                lot=receipt.lot,
                serial=unit_serial,
                expiry=receipt.expiry,
                reference=reference,
            ),
            actor,
        )
        for unit_serial in receipt.serials or ("",)
    ]
    event = StockReceived(warehouse.id, item.sku, quantity, location.code, receipt.purchase_order)
    EFFECTS.record(session, actor.principal, event)
    return entries


def plate_by_code(session: Session, warehouse: Warehouse, code: str) -> LicensePlate:
    plate = session.exec(
        select(LicensePlate).where(LicensePlate.code == code, LicensePlate.warehouse_id == warehouse.id)
    ).first()
    if plate is None:
        raise NotFound(f"no license plate {code!r} in this warehouse")
    return plate


def _load_plate(session: Session, warehouse: Warehouse, receipt: Receipt) -> None:
    """Put the arriving units on a license plate at the receiving location (a new plate is made for an
    unknown code; a plate elsewhere in the building, or in another warehouse, is refused)."""
    if receipt.location.kind != "receiving":
        # Stock on a plate waits where orders cannot take it, until it is put away.
        raise Conflict(
            f"units arrive on a license plate at a receiving location, not at {receipt.location.code}"
        )
    plate = session.exec(select(LicensePlate).where(LicensePlate.code == receipt.plate)).first()
    if plate is None:
        plate = LicensePlate(
            warehouse_id=warehouse.id or 0, code=receipt.plate, kind="pallet", location_id=receipt.location.id
        )
        session.add(plate)
        session.flush()
    elif plate.warehouse_id != warehouse.id:
        raise Conflict(f"license plate {receipt.plate} belongs to another warehouse")
    elif plate.location_id != receipt.location.id and _contents(session, plate):
        raise Conflict(f"license plate {receipt.plate} is loaded at another location: put it away first")
    plate.location_id = receipt.location.id
    session.add(plate)
    for serial in receipt.serials or ("",):
        content = session.exec(
            select(PlateContent).where(
                PlateContent.license_plate_id == plate.id,
                PlateContent.item_id == receipt.item.id,
                PlateContent.lot == receipt.lot,
                PlateContent.serial == serial,
            )
        ).first()
        if content is None:
            content = PlateContent(
                license_plate_id=plate.id or 0, item_id=receipt.item.id or 0, lot=receipt.lot, serial=serial
            )
        content.quantity += 1 if serial else receipt.quantity
        content.expiry = receipt.expiry or content.expiry
        session.add(content)


def _contents(session: Session, plate: LicensePlate) -> list[tuple[PlateContent, Item]]:
    return list(
        session.exec(
            select(PlateContent, Item)
            .join(Item, col(Item.id) == col(PlateContent.item_id))
            .where(PlateContent.license_plate_id == plate.id, PlateContent.quantity > 0)
            .order_by(col(PlateContent.id))
        )
    )


def plate_view(session: Session, plate: LicensePlate) -> dict[str, Any]:
    location = session.get(Location, plate.location_id) if plate.location_id else None
    return {
        "code": plate.code,
        "location": location.code if location else None,
        "contents": [
            {
                "sku": item.sku,
                "lot": content.lot,
                "serial": content.serial,
                "expiry": content.expiry.isoformat() if content.expiry else None,
                "quantity": content.quantity,
            }
            for content, item in _contents(session, plate)
        ],
    }


def suggest_location(session: Session, warehouse: Warehouse, plate: LicensePlate) -> Location | None:
    """Where a plate's units should go: a storage or pick bin with room for them, in the zone where
    the plate's first item already lies, the emptiest first, nearest on the walking path
    (model.suggest_bin). Two statements."""
    contents = _contents(session, plate)
    if not contents:
        return None
    item_id = contents[0][1].id
    quantity = sum(content.quantity for content, _ in contents)
    mine = and_(col(Quant.item_id) == item_id, col(Quant.quantity) > 0)
    holding = (
        select(
            Quant.location_id,
            func.sum(Quant.quantity).label("units"),
            func.max(case((mine, 1), else_=0)).label("mine"),
        )
        .group_by(col(Quant.location_id))
        .subquery()
    )
    rows = session.exec(
        select(Location, holding.c.units, holding.c.mine)
        .outerjoin(holding, holding.c.location_id == col(Location.id))
        .where(Location.warehouse_id == warehouse.id, col(Location.kind).in_(PUT_AWAY_KINDS))
    ).all()
    by_code = {location.code: location for location, _, _ in rows}
    bins = [
        Bin(location.code, location.zone, location.path_seq, location.capacity, int(units or 0), bool(mine))
        for location, units, mine in rows
    ]
    zone = next((b.zone for b in bins if b.holds_item and b.zone), "")
    chosen = suggest_bin(bins, quantity=quantity, zone=zone)
    return by_code[chosen.code] if chosen else None


def put_away(
    session: Session, *, warehouse: Warehouse, plate: LicensePlate, location: Location, actor: Actor
) -> list[LedgerEntry]:
    """Move everything on a plate from where it stands into a bin, through the ledger; the plate
    stands in the bin afterwards, empty."""
    if location.warehouse_id != warehouse.id:
        raise NotFound(f"no location {location.code!r} in this warehouse")
    contents = _contents(session, plate)
    if not contents:
        raise Conflict(f"license plate {plate.code} carries nothing to put away")
    if plate.location_id == location.id:
        raise Conflict(f"license plate {plate.code} is already at {location.code}")
    entries = []
    for content, item in contents:
        entries.append(
            move(
                session,
                Movement(
                    warehouse_id=warehouse.id or 0,
                    item=item,
                    quantity=content.quantity,
                    from_location_id=plate.location_id,
                    to_location_id=location.id,
                    reason="putaway",
                    lot=content.lot,
                    serial=content.serial,
                    reference=Reference("license_plate", plate.code),
                ),
                actor,
            )
        )
        content.quantity = 0
        session.add(content)
    plate.location_id = location.id
    session.add(plate)
    units = sum(entry.quantity for entry in entries)
    EFFECTS.record(session, actor.principal, PlatePutAway(warehouse.id, plate.code, location.code, units))
    return entries
