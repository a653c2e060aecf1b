"""What happens to a return, as facts named in the past tense; `wms.returns.effects` says what each writes.

Events carry the rows they are about (already written in the use case's transaction) and, where the
shopper is told, the server's public address for the links in the message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wms.inventory.tables import Item, Location
from wms.returns.model import Resolution, TrustAssessment
from wms.returns.tables import (
    MoneyMovement,
    ReturnAuthorisation,
    ReturnHold,
    ReturnParcel,
    ReturnUnit,
)


@dataclass(frozen=True)
class ReturnAuthorised:
    rma: ReturnAuthorisation
    order_number: str
    channel: str
    trust: TrustAssessment
    base_url: str


@dataclass(frozen=True)
class ReturnLabelRequested:
    rma: ReturnAuthorisation
    printer_url: str | None
    base_url: str


@dataclass(frozen=True)
class ReturnCancelled:
    rma: ReturnAuthorisation


@dataclass(frozen=True)
class CaseOpened:
    """A parcel nobody announced (or sent with the label packed in the order) opened a return of its own."""

    rma: ReturnAuthorisation
    code: str
    order_number: str | None


@dataclass(frozen=True)
class ParcelOpened:
    rma: ReturnAuthorisation
    parcel: ReturnParcel
    station_code: str | None
    first: bool  # the return's first parcel: the shopper hears that it arrived
    base_url: str


@dataclass(frozen=True)
class ReturnHeld:
    rma: ReturnAuthorisation
    hold: ReturnHold
    signals: list[str]  # the signals that held it this time
    opened: bool  # a new hold (the shopper is told once per hold)
    base_url: str


@dataclass(frozen=True)
class ParcelClosed:
    rma: ReturnAuthorisation
    parcel: ReturnParcel


@dataclass(frozen=True)
class UnitsReceived:
    rma: ReturnAuthorisation
    parcel: ReturnParcel
    units: list[ReturnUnit]
    match: str
    sku: str | None
    serial: str


@dataclass(frozen=True)
class UnitGraded:
    rma: ReturnAuthorisation
    unit: ReturnUnit
    item: Item
    destination: Location
    printer_url: str | None
    answers: dict[str, str]
    base_url: str


@dataclass(frozen=True)
class UnitPutAway:
    rma: ReturnAuthorisation
    unit: ReturnUnit
    item: Item
    destination: Location
    dock_to_stock_s: float | None


@dataclass(frozen=True)
class MoneyIssued:
    """A refund or store credit the brand's systems pay out on the webhook."""

    rma: ReturnAuthorisation
    movement: MoneyMovement
    resolution: Resolution
    units: int
    early: bool
    item: Item | None
    base_url: str


@dataclass(frozen=True)
class UnitResolved:
    rma: ReturnAuthorisation
    unit: ReturnUnit
    resolution: Resolution


@dataclass(frozen=True)
class ReturnInTransit:
    rma: ReturnAuthorisation
    carrier_event: str | None
    paid_early_units: int


@dataclass(frozen=True)
class ExchangeShipped:
    rma: ReturnAuthorisation
    dedupe_key: str
    exchange: dict[str, Any]
    base_url: str


@dataclass(frozen=True)
class HoldDecided:
    rma: ReturnAuthorisation
    hold: ReturnHold
    resolved: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""
