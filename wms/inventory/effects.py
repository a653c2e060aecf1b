"""What each inventory event writes: its audit row (in the use case's transaction)."""

from __future__ import annotations

from wms.inventory.events import (
    CountVarianceHeld,
    PlatePutAway,
    PurchaseOrderClosed,
    StockAdjusted,
    StockReceived,
)
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


def purchase_order_closed(fx: Effects, event: PurchaseOrderClosed) -> None:
    fx.audit(
        "purchase_order.closed",
        "purchase_order",
        event.number,
        warehouse_id=event.warehouse_id,
        reason=event.reason,
    )


def plate_put_away(fx: Effects, event: PlatePutAway) -> None:
    fx.audit(
        "plate.put_away",
        "license_plate",
        event.plate,
        warehouse_id=event.warehouse_id,
        location=event.location,
        units=event.units,
    )


def count_variance_held(fx: Effects, event: CountVarianceHeld) -> None:
    fx.audit(
        "count.variance_held",
        "count_task",
        str(event.task_id),
        warehouse_id=event.warehouse_id,
        sku=event.sku,
        location=event.location,
    )


EFFECTS = EffectMap(
    "inventory",
    {
        StockReceived: stock_received,
        StockAdjusted: stock_adjusted,
        PurchaseOrderClosed: purchase_order_closed,
        PlatePutAway: plate_put_away,
        CountVarianceHeld: count_variance_held,
    },
)
