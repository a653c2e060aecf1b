"""Pure forward-fulfilment decisions: order state, carton weight checks, tracking numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from biip.checksums import gs1_standard_check_digit

TRACKING_KINDS = ("in_transit", "out_for_delivery", "delivered", "exception")
# A shipment's status only moves forward, except that an exception can follow anything but delivery.
_SHIPMENT_RANK = {
    "label_created": 0,
    "shipped": 1,
    "in_transit": 2,
    "exception": 2,
    "out_for_delivery": 3,
    "delivered": 4,
}


@dataclass(frozen=True)
class LineProgress:
    quantity: int
    reserved: int
    picked: int
    packed: int
    shipped: int


def order_status(lines: Sequence[LineProgress], *, current: str) -> str:
    """The order's status as its lines say (cancelled and delivered orders keep theirs)."""
    if current in ("cancelled", "delivered") or not lines:
        return current
    if all(line.shipped >= line.quantity for line in lines):
        return "shipped"
    if all(line.packed >= line.quantity for line in lines):
        return "packed"
    if all(line.picked >= line.quantity for line in lines):
        return "picked"
    if any(line.picked > 0 for line in lines) or current == "picking":
        return "picking"
    if all(line.reserved + line.picked >= line.quantity for line in lines):
        return "reserved"
    return "backordered"


def next_shipment_status(current: str, event_kind: str) -> str:
    """Apply a carrier event; late-arriving older events never move a shipment backwards."""
    if current == "delivered":
        return current
    if _SHIPMENT_RANK.get(event_kind, 0) >= _SHIPMENT_RANK.get(current, 0) or event_kind == "exception":
        return event_kind
    return current


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


def tracking_number(prefix: str, sequence: int) -> str:
    """A carrier tracking number: the carrier's prefix, a 10-digit sequence and a GS1 mod-10 check digit."""
    body = f"{sequence:010d}"
    return f"{prefix}{body}{gs1_standard_check_digit(body)}"
