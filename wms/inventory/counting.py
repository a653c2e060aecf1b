"""Cycle counts: what is at a location becomes what was counted, through the ledger, with a reason."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from wms.errors import Conflict, Invalid
from wms.identity.model import Principal
from wms.inventory.effects import EFFECTS
from wms.inventory.events import StockAdjusted
from wms.inventory.ledger import Actor, Movement, Reference, StockKey, lock_quant, move
from wms.inventory.tables import Item, LedgerEntry, Location, Warehouse


def _on_hand_before_count(session: Session, key: StockKey, counted: int, reason: str) -> int:
    """What the books say is there (locked until the count is written); a count below what is
    reserved for orders is refused."""
    if counted < 0:
        raise Invalid("a counted quantity cannot be negative")
    if not reason.strip():
        raise Invalid("an adjustment needs a reason")
    quant = lock_quant(session, key, create=False)
    reserved = quant.reserved if quant else 0
    if counted < reserved:
        raise Conflict(
            f"{reserved} unit(s) there are reserved for orders; release or re-allocate them before counting "
            f"{counted}"
        )
    return quant.quantity if quant else 0


@dataclass(frozen=True)
class Count:
    """What a person counted at a location (of one item, lot, serial and condition), and why the
    books are being set to it."""

    item: Item
    location: Location
    counted: int
    reason: str
    lot: str = ""
    serial: str = ""
    condition: str = "new"


def adjust(
    session: Session, count: Count, *, warehouse: Warehouse, principal: Principal
) -> LedgerEntry | None:
    """Cycle count: set what is at a location to what was counted, with the reason recorded."""
    item, location = count.item, count.location
    key = StockKey(item.id or 0, location.id or 0, count.lot, count.serial, count.condition)
    on_hand = _on_hand_before_count(session, key, count.counted, count.reason)
    delta = count.counted - on_hand
    if delta == 0:
        return None
    movement = Movement(
        warehouse_id=warehouse.id or 0,
        item=item,
        quantity=abs(delta),
        from_location_id=location.id if delta < 0 else None,
        to_location_id=location.id if delta > 0 else None,
        reason="adjust",
        lot=count.lot,
        serial=count.serial,
        from_condition=count.condition,
        reference=Reference(note=count.reason),
    )
    entry = move(session, movement, Actor(principal))
    event = StockAdjusted(warehouse.id, item.sku, location.code, count.counted, on_hand, count.reason)
    EFFECTS.record(session, principal, event)
    return entry
