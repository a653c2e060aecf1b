"""What happened to orders, picks, cartons and shipments, as the fulfilment use cases record it.

Each event names the rows its effects read (fulfilment.effects writes them in the same transaction).
"""

from __future__ import annotations

from dataclasses import dataclass

from wms.fulfilment.tables import Carton, Order, Shipment, Shopper


@dataclass(frozen=True)
class OrderCreated:
    order: Order
    shopper: Shopper
    channel: str


@dataclass(frozen=True)
class OrderCancelled:
    order: Order


@dataclass(frozen=True)
class PicksReleased:
    warehouse_id: int | None
    warehouse_code: str
    task_ids: list[int | None]
    mode: str


@dataclass(frozen=True)
class PickProgressed:
    warehouse_id: int
    task_id: int | None
    status: str


@dataclass(frozen=True)
class PickReportedShort:
    warehouse_id: int
    task_id: int | None
    sku: str
    missing: int
    reallocated: int


@dataclass(frozen=True)
class CartonOpened:
    carton: Carton
    order: Order


@dataclass(frozen=True)
class CartonClosed:
    carton: Carton
    order: Order
    printer_url: str | None
    expected_g: int


@dataclass(frozen=True)
class CartonLabelled:
    """The carrier sold the carton's label: its shipment exists and the label goes to the printer."""

    carton: Carton
    order: Order
    shipment: Shipment
    printer_url: str | None
    label_format: str
    label: str  # base64, as the carrier returned it


@dataclass(frozen=True)
class ShipmentShipped:
    shipment: Shipment
    order: Order


@dataclass(frozen=True)
class TrackingRecorded:
    shipment: Shipment
    order: Order
    kind: str
    location: str
    description: str
    external_id: str
    status_changed: bool
