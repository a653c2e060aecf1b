"""What the inventory API reads and answers: items, locations, stock rows, ledger rows, receipts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ItemBase(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    gtin: str | None = Field(default=None, pattern=r"^\d{8,14}$")
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(default="general", max_length=32)
    tracking: str = Field(default="none", pattern="^(none|lot|serial)$")
    weight_g: int = Field(default=0, ge=0)
    length_mm: int = Field(default=0, ge=0)
    width_mm: int = Field(default=0, ge=0)
    height_mm: int = Field(default=0, ge=0)
    price_minor: int = Field(default=0, ge=0)
    currency: str = Field(default="USD", min_length=3, max_length=3)
    final_sale: bool = False
    variant_group: str | None = None
    variant_label: str = ""
    open_box_sku: str | None = None
    consumable_days: int | None = Field(default=None, gt=0)


class ItemCreate(ItemBase):
    pass


class ItemPublic(BaseModel):
    """An item as stored (its GTIN as GTIN-14)."""

    id: int
    sku: str
    gtin: str | None
    name: str
    category: str
    tracking: str
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    price_minor: int
    currency: str
    final_sale: bool
    variant_group: str | None
    variant_label: str
    open_box_sku: str | None
    consumable_days: int | None


class StockAt(BaseModel):
    location: str
    quantity: int
    reserved: int
    serial: str
    lot: str
    condition: str


class ItemWithStock(ItemPublic):
    stock: list[StockAt]


class StockRow(StockAt):
    sku: str


class LocationPublic(BaseModel):
    id: int
    code: str
    kind: str
    zone: str
    path_seq: int


class ReceiveIn(BaseModel):
    sku: str
    quantity: int = Field(gt=0, le=100_000)
    location: str
    lot: str = ""
    serials: list[str] = Field(default_factory=list, max_length=10_000)
    purchase_order: str | None = None


class Received(BaseModel):
    received: int
    ledger: list[int] = Field(description="ids of the ledger rows written")


class MoveIn(BaseModel):
    sku: str
    quantity: int = Field(gt=0, le=100_000)
    from_location: str
    to_location: str
    lot: str = ""
    serial: str = ""
    condition: str = "new"


class Moved(BaseModel):
    ledger: int


class CountIn(BaseModel):
    sku: str
    location: str
    counted: int = Field(ge=0, le=1_000_000)
    reason: str = Field(min_length=1, max_length=200)
    lot: str = ""
    serial: str = ""
    condition: str = "new"


class Counted(BaseModel):
    ledger: int | None
    changed: bool


class LedgerRow(BaseModel):
    id: int
    at: datetime
    warehouse_id: int
    item_id: int
    from_location_id: int | None
    to_location_id: int | None
    lot: str
    serial: str
    from_condition: str
    to_condition: str
    quantity: int
    reason: str
    note: str
    ref_type: str
    ref_id: str
    user_id: int | None
    device_id: int | None
    idempotency_key: str | None


class POLineIn(BaseModel):
    sku: str
    quantity: int = Field(gt=0)


class POIn(BaseModel):
    number: str = Field(min_length=1, max_length=64)
    supplier: str = ""
    lines: list[POLineIn] = Field(min_length=1)


class POCreated(BaseModel):
    number: str
    lines: int


class POLinePublic(BaseModel):
    sku: str
    expected: int
    received: int


class POPublic(BaseModel):
    number: str
    supplier: str
    status: str
    lines: list[POLinePublic]
