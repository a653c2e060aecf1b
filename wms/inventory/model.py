"""Pure stock decisions: allocation, walking order, quantities, what a movement must name for an
item's tracking, purchase-order states and GS1 identifiers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from biip.checksums import gs1_standard_check_digit

from kaeru_config.vocabulary import LOCATION_KINDS
from wms.errors import Invalid
from wms.lifecycle import Lifecycle

# Forward pick faces are emptied before reserve storage; other kinds never feed an order.
ALLOCATABLE_KINDS = {"pick": 0, "storage": 1}
PHYSICAL_KINDS = LOCATION_KINDS


class Tracking(StrEnum):
    """How units of an item are told apart: not at all, by lot, or one by one by serial number."""

    NONE = "none"
    LOT = "lot"
    SERIAL = "serial"


class PurchaseOrderStatus(StrEnum):
    OPEN = "open"
    RECEIVED = "received"
    CLOSED = "closed"


PURCHASE_ORDERS = Lifecycle(
    "purchase order",
    PurchaseOrderStatus,
    {
        PurchaseOrderStatus.OPEN: [PurchaseOrderStatus.RECEIVED, PurchaseOrderStatus.CLOSED],
        PurchaseOrderStatus.RECEIVED: [PurchaseOrderStatus.CLOSED],
    },
)


@dataclass(frozen=True)
class Available:
    """Units of one quant that an order may take."""

    quant_id: int
    location_kind: str
    path_seq: int
    available: int
    serial: str = ""
    lot: str = ""
    expiry: date | None = None


@dataclass(frozen=True)
class Allocation:
    quant_id: int
    quantity: int


_NO_EXPIRY = date.max


def allocate(need: int, candidates: list[Available]) -> list[Allocation]:
    """Take `need` units from the candidates: the first to expire first (FEFO: units with an expiry
    date before any without), then pick faces before reserve, in walking order.

    Returns fewer units than asked when stock is short; never more than a candidate has.
    """
    if need <= 0:
        return []
    usable = [c for c in candidates if c.available > 0 and c.location_kind in ALLOCATABLE_KINDS]
    usable.sort(
        key=lambda c: (
            c.expiry or _NO_EXPIRY,
            ALLOCATABLE_KINDS[c.location_kind],
            c.path_seq,
            c.lot,
            c.serial,
            c.quant_id,
        )
    )
    taken: list[Allocation] = []
    for candidate in usable:
        if need == 0:
            break
        quantity = min(need, candidate.available)
        taken.append(Allocation(candidate.quant_id, quantity))
        need -= quantity
    return taken


def require_positive(quantity: int, what: str = "quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise Invalid(f"{what} must be a whole number above zero (got {quantity!r})")
    return quantity


def check_identity(*, sku: str, tracking: str, quantity: int, lot: str, serial: str) -> None:
    """Refuse a movement that does not name what the item's tracking needs (a serial is one unit)."""
    require_positive(quantity)
    if tracking == Tracking.SERIAL:
        if not serial:
            raise Invalid(f"{sku} is serial-tracked: scan the unit's serial number")
        if quantity != 1:
            raise Invalid("a serial number is one unit")
    elif serial:
        raise Invalid(f"{sku} is not serial-tracked; no serial number expected")
    if tracking == Tracking.LOT and not lot:
        raise Invalid(f"{sku} is lot-tracked: the lot is required")


def sscc(*, extension_digit: int, company_prefix: str, serial_reference: int) -> str:
    """An 18-digit SSCC: extension digit, GS1 company prefix, serial reference, check digit."""
    if not company_prefix.isdigit() or not 6 <= len(company_prefix) <= 12:
        raise Invalid(f"GS1 company prefix must be 6 to 12 digits (got {company_prefix!r})")
    if not 0 <= extension_digit <= 9:
        raise Invalid("SSCC extension digit must be 0-9")
    width = 16 - len(company_prefix)
    if not 0 <= serial_reference < 10**width:
        raise Invalid(f"SSCC serial reference {serial_reference} does not fit in {width} digits")
    payload = f"{extension_digit}{company_prefix}{serial_reference:0{width}d}"
    return payload + str(gs1_standard_check_digit(payload))


class CountTaskStatus(StrEnum):
    """A cycle count: open until counted; a variance beyond the tolerance waits for a manager."""

    OPEN = "open"
    AWAITING_APPROVAL = "awaiting_approval"
    COUNTED = "counted"
    REJECTED = "rejected"


COUNT_TASKS = Lifecycle(
    "count task",
    CountTaskStatus,
    {
        CountTaskStatus.OPEN: [CountTaskStatus.COUNTED, CountTaskStatus.AWAITING_APPROVAL],
        CountTaskStatus.AWAITING_APPROVAL: [CountTaskStatus.COUNTED, CountTaskStatus.REJECTED],
    },
)


def count_needs_approval(*, on_hand: int, counted: int, tolerance: int) -> bool:
    """A count that differs from the books by more than `tolerance` units waits for a manager."""
    return abs(counted - on_hand) > tolerance


def over_receipt(*, expected: int, received: int, arriving: int) -> int:
    """How many of the arriving units are beyond what the purchase order line expects."""
    return max(0, received + arriving - max(expected, received))


@dataclass(frozen=True)
class Bin:
    """A storage location as put-away sees it: its zone, walking position, capacity (units; 0: not
    known, treated as unlimited) and what it holds now."""

    code: str
    zone: str
    path_seq: int
    capacity: int
    holding: int
    holds_item: bool = False

    @property
    def free(self) -> int | None:
        return None if self.capacity <= 0 else self.capacity - self.holding


def suggest_bin(bins: list[Bin], *, quantity: int, zone: str = "") -> Bin | None:
    """Where to put `quantity` units away: a bin with room for them all, in the item's zone if it has
    one (the zone where the item already lies), the item's own bins first, then the most free space,
    then the nearest on the walking path. None when no bin has room."""
    roomy = [b for b in bins if b.free is None or b.free >= quantity]
    if not roomy:
        return None

    def rank(b: Bin) -> tuple[int, int, int, int, str]:
        free = b.free if b.free is not None else b.capacity - b.holding  # unlimited: emptiest first
        return (0 if zone and b.zone == zone else 1, 0 if b.holds_item else 1, -free, b.path_seq, b.code)

    return min(roomy, key=rank)
