"""What happened to stock, as the inventory use cases record it (their effects: inventory.effects)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StockReceived:
    warehouse_id: int | None
    sku: str
    quantity: int
    location: str
    purchase_order: str | None


@dataclass(frozen=True)
class StockAdjusted:
    warehouse_id: int | None
    sku: str
    location: str
    counted: int
    was: int
    reason: str


@dataclass(frozen=True)
class PurchaseOrderClosed:
    warehouse_id: int | None
    number: str
    reason: str


@dataclass(frozen=True)
class PlatePutAway:
    warehouse_id: int | None
    plate: str
    location: str
    units: int


@dataclass(frozen=True)
class CountVarianceHeld:
    warehouse_id: int | None
    task_id: int
    sku: str
    location: str
