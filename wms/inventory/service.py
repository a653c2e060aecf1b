"""The inventory use cases under the names other areas import: a facade over catalogue, ledger,
receiving and counting. `move_stock` keeps its old keyword signature for callers not yet moved to
`ledger.move(session, Movement, Actor)`; it is a thin adapter and goes once they have moved."""

from __future__ import annotations

from sqlmodel import Session

from wms.identity.model import Principal
from wms.inventory.catalogue import item_by_gtin, item_by_sku, location_by_code, warehouse_by_code
from wms.inventory.counting import Count, adjust
from wms.inventory.ledger import Actor, Movement, Reference, StockKey, lock_quant, move
from wms.inventory.queries import on_hand
from wms.inventory.receiving import Receipt, receive
from wms.inventory.tables import Item, LedgerEntry

__all__ = [
    "Actor",
    "Count",
    "Movement",
    "Receipt",
    "Reference",
    "StockKey",
    "adjust",
    "item_by_gtin",
    "item_by_sku",
    "location_by_code",
    "lock_quant",
    "move",
    "move_stock",
    "on_hand",
    "receive",
    "warehouse_by_code",
]


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
    """Deprecated adapter: the same movement as `move(session, Movement(...), Actor(...))`."""
    movement = Movement(
        warehouse_id=warehouse_id,
        item=item,
        quantity=quantity,
        from_location_id=from_location_id,
        to_location_id=to_location_id,
        reason=reason,
        lot=lot,
        serial=serial,
        from_condition=from_condition,
        to_condition=to_condition,
        take_reserved=take_reserved,
        keep_reserved=keep_reserved,
        reference=Reference(ref_type, ref_id, note),
    )
    return move(session, movement, Actor(principal, idempotency_key))
