"""What each inventory event writes: its audit row (in the use case's transaction)."""

from __future__ import annotations

from wms.inventory.events import StockAdjusted, StockReceived
from wms.platform.effects import EffectMap, Effects


def stock_received(fx: Effects, event: StockReceived) -> None:
    fx.audit(
        "stock.received",
        "item",
        event.sku,
        warehouse_id=event.warehouse_id,
        quantity=event.quantity,
        location=event.location,
        purchase_order=event.purchase_order,
    )


def stock_adjusted(fx: Effects, event: StockAdjusted) -> None:
    fx.audit(
        "stock.adjusted",
        "item",
        event.sku,
        warehouse_id=event.warehouse_id,
        location=event.location,
        counted=event.counted,
        was=event.was,
        reason=event.reason,
    )


EFFECTS = EffectMap("inventory", {StockReceived: stock_received, StockAdjusted: stock_adjusted})
