"""Stock arriving from suppliers: purchase orders (ASNs) announced ahead, and receipts against them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from wms.errors import Conflict, Invalid, NotFound
from wms.identity.model import Principal
from wms.inventory.catalogue import item_by_sku
from wms.inventory.effects import EFFECTS
from wms.inventory.events import StockReceived
from wms.inventory.ledger import Actor, Movement, Reference, move
from wms.inventory.model import Tracking, require_positive
from wms.inventory.tables import Item, LedgerEntry, Location, PurchaseOrder, PurchaseOrderLine, Warehouse
from wms.merchants.tables import Merchant


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
    session: Session, warehouse: Warehouse, item: Item, quantity: int, number: str
) -> Reference:
    po = purchase_order_by_number(session, warehouse.id or 0, number)
    if po is None:
        raise NotFound(f"no purchase order {number!r} in this warehouse")
    line = session.exec(
        select(PurchaseOrderLine).where(
            PurchaseOrderLine.purchase_order_id == po.id, PurchaseOrderLine.item_id == item.id
        )
    ).first()
    if line is None:
        raise Invalid(f"{item.sku} is not on purchase order {number}")
    line.quantity_received += quantity
    session.add(line)
    return Reference("purchase_order", po.number)


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


def receive(session: Session, receipt: Receipt, *, warehouse: Warehouse, actor: Actor) -> list[LedgerEntry]:
    """Receive units from a supplier into a location, against a purchase order / ASN if given."""
    item, quantity, location = receipt.item, receipt.quantity, receipt.location
    require_positive(quantity)
    if location.warehouse_id != warehouse.id:
        raise NotFound(f"no location {location.code!r} in this warehouse")
    _check_serials(item, quantity, list(receipt.serials))
    reference = Reference()
    if receipt.purchase_order:
        reference = _count_against_purchase_order(session, warehouse, item, quantity, receipt.purchase_order)
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
                reference=reference,
            ),
            actor,
        )
        for unit_serial in receipt.serials or ("",)
    ]
    event = StockReceived(warehouse.id, item.sku, quantity, location.code, receipt.purchase_order)
    EFFECTS.record(session, actor.principal, event)
    return entries
