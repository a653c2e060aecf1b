"""Pure stock decisions: allocation, walking order, quantities, what a movement must name for an
item's tracking, purchase-order states and GS1 identifiers."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Allocation:
    quant_id: int
    quantity: int


def allocate(need: int, candidates: list[Available]) -> list[Allocation]:
    """Take `need` units from the candidates: pick faces first, then reserve, in walking order.

    Returns fewer units than asked when stock is short; never more than a candidate has.
    """
    if need <= 0:
        return []
    usable = [c for c in candidates if c.available > 0 and c.location_kind in ALLOCATABLE_KINDS]
    usable.sort(key=lambda c: (ALLOCATABLE_KINDS[c.location_kind], c.path_seq, c.lot, c.serial, c.quant_id))
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
