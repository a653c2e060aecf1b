"""The fulfilment use cases under the names other areas import: a facade over orders, reservation,
picking, packing and shipping (each its own module; import from them in new code)."""

from __future__ import annotations

from wms.fulfilment.model import StepResult
from wms.fulfilment.orders import (
    ORDER_CREATED_LISTENERS,
    NewLine,
    NewOrder,
    cancel_order,
    create_order,
    order_by_number,
    refresh_order_status,
    reserve_order,
)
from wms.fulfilment.packing import close_carton, open_carton, pack_scan
from wms.fulfilment.picking import (
    create_pick_tasks,
    current_line,
    describe_pick,
    get_task,
    pack_area,
    pick_scan,
    report_short,
    scanned_item_matches,
    task_lines,
)
from wms.fulfilment.shipping import (
    TRACKING_LISTENERS,
    UNMATCHED_TRACKING_HANDLERS,
    record_tracking_event,
    ship,
)
from wms.fulfilment.views import order_context, order_lines, shipment_context

__all__ = [
    "ORDER_CREATED_LISTENERS",
    "TRACKING_LISTENERS",
    "UNMATCHED_TRACKING_HANDLERS",
    "NewLine",
    "NewOrder",
    "StepResult",
    "cancel_order",
    "close_carton",
    "create_order",
    "create_pick_tasks",
    "current_line",
    "describe_pick",
    "get_task",
    "open_carton",
    "order_by_number",
    "order_context",
    "order_lines",
    "pack_area",
    "pack_scan",
    "pick_scan",
    "record_tracking_event",
    "refresh_order_status",
    "report_short",
    "reserve_order",
    "scanned_item_matches",
    "ship",
    "shipment_context",
    "task_lines",
]
