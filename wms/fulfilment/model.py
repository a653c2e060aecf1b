"""Pure forward-fulfilment decisions: the states of orders, picks, cartons and shipments and their
legal moves, an order's status from its lines, carton weight checks and tracking numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from wms.lifecycle import Lifecycle


class OrderStatus(StrEnum):
    NEW = "new"
    RESERVED = "reserved"
    BACKORDERED = "backordered"
    PICKING = "picking"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


_PROGRESS = (
    OrderStatus.RESERVED,
    OrderStatus.BACKORDERED,
    OrderStatus.PICKING,
    OrderStatus.PICKED,
    OrderStatus.PACKED,
    OrderStatus.SHIPPED,
)
# Orders that may have a carton on its way (packing starts while an order is still being picked).
_SHIPPABLE = (OrderStatus.PICKING, OrderStatus.PICKED, OrderStatus.PACKED, OrderStatus.SHIPPED)
# An order's progress is what its lines say (order_status), so while it is open it may move between
# any two progress states (a short pick sends a picked order back to picking, say). It is cancelled
# only before packing, and delivered once one of its shipments is.
_OPEN = (OrderStatus.NEW, *_PROGRESS)
ORDERS = Lifecycle(
    "order",
    OrderStatus,
    {
        state: [
            *(target for target in _PROGRESS if target != state),
            *([OrderStatus.CANCELLED] if state not in (OrderStatus.PACKED, OrderStatus.SHIPPED) else []),
            *([OrderStatus.DELIVERED] if state in _SHIPPABLE else []),
        ]
        for state in _OPEN
    },
)
CANCELLABLE = frozenset(state for state in OrderStatus if ORDERS.allows(state, OrderStatus.CANCELLED))
PACKABLE = frozenset({OrderStatus.PICKING, OrderStatus.PICKED, OrderStatus.PACKED})


S = TypeVar("S", bound=StrEnum)


class PickMode(StrEnum):
    SINGLE = "single"
    BATCH = "batch"
    WAVE = "wave"


class PickTaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


# A task whose every line is reported short is done without ever being in progress.
PICK_TASKS = Lifecycle(
    "pick task",
    PickTaskStatus,
    {
        PickTaskStatus.OPEN: [PickTaskStatus.IN_PROGRESS, PickTaskStatus.DONE, PickTaskStatus.CANCELLED],
        PickTaskStatus.IN_PROGRESS: [PickTaskStatus.DONE, PickTaskStatus.CANCELLED],
    },
)


class PickLineStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    SHORT = "short"


PICK_LINES = Lifecycle(
    "pick line", PickLineStatus, {PickLineStatus.OPEN: [PickLineStatus.DONE, PickLineStatus.SHORT]}
)


class CartonStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    SHIPPED = "shipped"


CARTONS = Lifecycle(
    "carton",
    CartonStatus,
    {CartonStatus.OPEN: [CartonStatus.CLOSED], CartonStatus.CLOSED: [CartonStatus.SHIPPED]},
)


class ShipmentStatus(StrEnum):
    LABEL_CREATED = "label_created"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"


class TrackingKind(StrEnum):
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"


TRACKING_KINDS = tuple(kind.value for kind in TrackingKind)
# A shipment's status only moves forward, except that an exception can follow anything but delivery.
SHIPMENTS = Lifecycle(
    "shipment",
    ShipmentStatus,
    {
        ShipmentStatus.LABEL_CREATED: [ShipmentStatus.SHIPPED],
        ShipmentStatus.SHIPPED: [
            ShipmentStatus.IN_TRANSIT,
            ShipmentStatus.OUT_FOR_DELIVERY,
            ShipmentStatus.DELIVERED,
            ShipmentStatus.EXCEPTION,
        ],
        ShipmentStatus.IN_TRANSIT: [
            ShipmentStatus.OUT_FOR_DELIVERY,
            ShipmentStatus.DELIVERED,
            ShipmentStatus.EXCEPTION,
        ],
        ShipmentStatus.EXCEPTION: [
            ShipmentStatus.IN_TRANSIT,
            ShipmentStatus.OUT_FOR_DELIVERY,
            ShipmentStatus.DELIVERED,
        ],
        ShipmentStatus.OUT_FOR_DELIVERY: [ShipmentStatus.DELIVERED, ShipmentStatus.EXCEPTION],
    },
)
_SHIPMENT_RANK = {
    ShipmentStatus.LABEL_CREATED: 0,
    ShipmentStatus.SHIPPED: 1,
    ShipmentStatus.IN_TRANSIT: 2,
    ShipmentStatus.EXCEPTION: 2,
    ShipmentStatus.OUT_FOR_DELIVERY: 3,
    ShipmentStatus.DELIVERED: 4,
}


def advance(lifecycle: Lifecycle[S], current: str, target: S, *, what: str | None = None) -> S:
    """`target` through the lifecycle; staying where it is is no move and always allowed."""
    if lifecycle.state(current) == target:
        return target
    return lifecycle.move(current, target, what=what)


@dataclass(frozen=True)
class LineProgress:
    quantity: int
    reserved: int
    picked: int
    packed: int
    shipped: int


def order_status(lines: Sequence[LineProgress], *, current: str) -> OrderStatus:
    """The order's status as its lines say (cancelled and delivered orders keep theirs)."""
    state = ORDERS.state(current)
    if state in (OrderStatus.CANCELLED, OrderStatus.DELIVERED) or not lines:
        return state
    if all(line.shipped >= line.quantity for line in lines):
        return OrderStatus.SHIPPED
    if all(line.packed >= line.quantity for line in lines):
        return OrderStatus.PACKED
    if all(line.picked >= line.quantity for line in lines):
        return OrderStatus.PICKED
    if any(line.picked > 0 for line in lines) or state == OrderStatus.PICKING:
        return OrderStatus.PICKING
    if all(line.reserved + line.picked >= line.quantity for line in lines):
        return OrderStatus.RESERVED
    return OrderStatus.BACKORDERED


def next_shipment_status(current: str, event_kind: str) -> ShipmentStatus:
    """Apply a carrier event; late-arriving older events never move a shipment backwards."""
    state, kind = SHIPMENTS.state(current), SHIPMENTS.state(event_kind)
    if state == ShipmentStatus.DELIVERED:
        return state
    if _SHIPMENT_RANK[kind] >= _SHIPMENT_RANK[state] or kind == ShipmentStatus.EXCEPTION:
        return kind
    return state


@dataclass(frozen=True)
class WeightCheck:
    expected_g: int
    measured_g: int
    tolerance_g: int

    @property
    def deviation_g(self) -> int:
        return self.measured_g - self.expected_g

    @property
    def ok(self) -> bool:
        return abs(self.deviation_g) <= self.tolerance_g


def check_carton_weight(
    *, item_weights_g: Sequence[int], tare_g: int, measured_g: int, tolerance_pct: float, tolerance_min_g: int
) -> WeightCheck:
    """Compare a weighed carton with what its contents and packaging should weigh."""
    expected = sum(item_weights_g) + tare_g
    tolerance = max(tolerance_min_g, round(expected * tolerance_pct / 100))
    return WeightCheck(expected_g=expected, measured_g=measured_g, tolerance_g=tolerance)


@dataclass
class StepResult:
    """What a scan or step did, and what the person should do next."""

    outcome: str  # accepted | rejected
    message: str
    data: dict[str, Any] = field(default_factory=dict)
