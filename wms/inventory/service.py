"""The inventory use cases under the names other areas import: a facade over catalogue, ledger,
receiving and counting. Every change of quantity is `ledger.move(session, Movement, Actor)`
(docs/architecture.md, "Ledger")."""

from __future__ import annotations

from wms.inventory.catalogue import item_by_gtin, item_by_sku, location_by_code, warehouse_by_code
from wms.inventory.counting import Count, adjust
from wms.inventory.ledger import Actor, Movement, Reference, StockKey, lock_quant, move
from wms.inventory.queries import on_hand
from wms.inventory.receiving import Receipt, receive

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
    "on_hand",
    "receive",
    "warehouse_by_code",
]
