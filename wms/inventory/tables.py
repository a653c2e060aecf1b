"""Warehouses, locations, the catalogue, license plates, quants and the append-only stock ledger."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from wms.db import UTCDateTime, utcnow


class Warehouse(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=32)
    name: str
    country: str = "US"
    timezone: str = "UTC"
    address: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Location(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("warehouse_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    code: str = Field(max_length=64)
    # receiving, storage, pick, pack, returns, inspection, quarantine, refurbish, liquidation,
    # vendor_return, recycle, outbound, shipped (virtual: left the building), supplier (virtual)
    kind: str = Field(max_length=24)
    zone: str = ""
    # Position on the walking path through the building; pick tasks are ordered by it.
    path_seq: int = 0
    # How many units fit (put-away suggests bins with room); 0: not known.
    capacity: int = 0


class Item(SQLModel, table=True):
    # A SKU is unique per merchant: two merchants of one floor may both sell TEE-M (0007).
    __table_args__ = (UniqueConstraint("merchant_id", "sku", name="uq_item_merchant_id_sku"),)
    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    sku: str = Field(index=True, max_length=64)
    gtin: str | None = Field(default=None, index=True, max_length=14)
    name: str
    category: str = Field(default="general", max_length=32, index=True)
    tracking: str = Field(default="none", max_length=8)  # model.Tracking
    weight_g: int = 0
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0
    price_minor: int = 0
    currency: str = "USD"
    final_sale: bool = False
    # Variants of one product share a group (size/colour): exchanges offer the group's other variants.
    variant_group: str | None = Field(default=None, index=True, max_length=64)
    variant_label: str = ""
    # The SKU that a unit graded "open box" is restocked as, where the catalogue has one.
    open_box_sku: str | None = None
    consumable_days: int | None = None  # usual re-buy interval, for replenishment reminders


class LicensePlate(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    code: str = Field(unique=True, index=True, max_length=32)
    kind: str = "tote"  # tote | carton | pallet | unit
    location_id: int | None = Field(default=None, foreign_key="location.id")


class Quant(SQLModel, table=True):
    """On-hand projection of the ledger: how many of an item sit at a location in one condition."""

    __table_args__ = (UniqueConstraint("item_id", "location_id", "lot", "serial", "condition"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    location_id: int = Field(foreign_key="location.id", index=True)
    # The stock's owner: always its item's merchant (kept here so that stock lists, counts and bills
    # need no join); one bin may hold several owners' quants, never one quant of two.
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    lot: str = ""
    serial: str = Field(default="", index=True)
    condition: str = "new"  # new | open_box | refurbish | damaged | quarantine
    quantity: int = 0
    reserved: int = 0
    version: int = 0
    # The lot's best-before/expiry date (GS1 AI 17) as received; orders take the first to expire.
    expiry: date | None = None


class LedgerEntry(SQLModel, table=True):
    """One movement of stock. Never updated, never deleted."""

    # One SKU's history, newest first, found by index however long the ledger (0004).
    __table_args__ = (Index("ix_ledgerentry_item_history", "warehouse_id", "item_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)  # the owner of the units moved
    from_location_id: int | None = Field(default=None, foreign_key="location.id")
    to_location_id: int | None = Field(default=None, foreign_key="location.id")
    lot: str = ""
    expiry: date | None = None
    serial: str = ""
    from_condition: str = "new"
    to_condition: str = "new"
    quantity: int
    reason: str = Field(max_length=32)  # receive, putaway, move, pick, pack, ship, adjust, return, dispose
    note: str = ""
    ref_type: str = ""
    ref_id: str = ""
    user_id: int | None = None
    device_id: int | None = None
    idempotency_key: str | None = None


class PurchaseOrder(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("warehouse_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    number: str = Field(max_length=64)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    supplier: str = ""
    status: str = "open"  # model.PurchaseOrderStatus (PURCHASE_ORDERS)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PurchaseOrderLine(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    purchase_order_id: int = Field(foreign_key="purchaseorder.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    quantity_expected: int
    quantity_received: int = 0
    # Why more or fewer arrived than expected (over-receipt, or a purchase order closed short).
    variance_reason: str = ""


class PlateContent(SQLModel, table=True):
    """What a license plate (pallet, tote) carries while it waits at the dock for put-away: the stock
    itself is on the ledger at the plate's location; this says which of it is on the plate."""

    __tablename__ = "plate_content"
    __table_args__ = (UniqueConstraint("license_plate_id", "item_id", "lot", "serial"),)
    id: int | None = Field(default=None, primary_key=True)
    license_plate_id: int = Field(foreign_key="licenseplate.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    lot: str = ""
    serial: str = ""
    expiry: date | None = None
    quantity: int = 0


class CountTask(SQLModel, table=True):
    """A blind cycle count of one item (and lot) at one location: the counter is not shown the books;
    a variance beyond the tolerance waits for a manager before it reaches the ledger."""

    __tablename__ = "count_task"
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    location_id: int = Field(foreign_key="location.id")
    item_id: int = Field(foreign_key="item.id")
    lot: str = ""
    status: str = Field(default="open", max_length=24)  # model.CountTaskStatus (COUNT_TASKS)
    tolerance: int = 0
    on_hand: int | None = None  # what the books said when it was counted
    counted: int | None = None
    ledger_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    counted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    counted_by: int | None = None
    decided_by: int | None = None
    note: str = ""
