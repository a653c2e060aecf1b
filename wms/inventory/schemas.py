"""What the inventory API reads and answers: items, locations, stock rows, ledger rows, receipts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from wms.inputs import Code, Count, Day, Gtin, Money, Name, Quantity, Sku


class ItemBase(BaseModel):
    sku: Annotated[Sku, Field(min_length=1, max_length=64)]
    gtin: Gtin | None = None
    name: Annotated[Name, Field(min_length=1, max_length=200)]
    category: Annotated[Code, Field(max_length=32)] = "general"
    tracking: str = Field(default="none", pattern="^(none|lot|serial)$")
    weight_g: Annotated[Count, Field(ge=0)] = 0
    length_mm: Annotated[Count, Field(ge=0)] = 0
    width_mm: Annotated[Count, Field(ge=0)] = 0
    height_mm: Annotated[Count, Field(ge=0)] = 0
    price_minor: Annotated[Money, Field(ge=0)] = 0
    currency: Annotated[Code, Field(min_length=3, max_length=3)] = "USD"
    final_sale: bool = False
    variant_group: Code | None = None
    variant_label: Name = ""
    open_box_sku: Sku | None = None
    consumable_days: Annotated[Quantity, Field(gt=0)] | None = None


class ItemCreate(ItemBase):
    # The merchant whose item this is; left out: the caller's only merchant, else the site's default.
    merchant: Code | None = None


class ItemPublic(BaseModel):
    """An item as stored (its GTIN as GTIN-14)."""

    id: int
    merchant: str
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
    expiry: date | None


class ItemWithStock(ItemPublic):
    stock: list[StockAt]


class StockRow(StockAt):
    sku: str
    merchant: str


class LocationPublic(BaseModel):
    id: int
    code: str
    kind: str
    zone: str
    path_seq: int


class ReceiveIn(BaseModel):
    sku: Sku
    quantity: Annotated[Quantity, Field(gt=0, le=100_000)]
    location: Code
    lot: Code = ""
    serials: list[Code] = Field(default_factory=list, max_length=10_000)
    purchase_order: Code | None = None
    merchant: Code | None = None  # whose SKU, where several merchants sell the same code
    expiry: Day | None = Field(default=None, description="the lot's expiry date (GS1 AI 17)")
    reason: Name = Field(default="", description="why more arrive than the purchase order expects")
    plate: Code = Field(default="", description="the license plate the units arrive on")


class Received(BaseModel):
    received: int
    ledger: list[int] = Field(description="ids of the ledger rows written")


class MoveIn(BaseModel):
    sku: Sku
    quantity: Annotated[Quantity, Field(gt=0, le=100_000)]
    from_location: Code
    to_location: Code
    lot: Code = ""
    serial: Code = ""
    condition: Code = "new"
    merchant: Code | None = None  # whose SKU, where several merchants sell the same code


class Moved(BaseModel):
    ledger: int


class CountIn(BaseModel):
    sku: Sku
    location: Code
    counted: Annotated[Count, Field(ge=0, le=1_000_000)]
    reason: Annotated[Name, Field(min_length=1, max_length=200)]
    lot: Code = ""
    serial: Code = ""
    condition: Code = "new"
    merchant: Code | None = None  # whose SKU, where several merchants sell the same code


class Counted(BaseModel):
    ledger: int | None
    changed: bool


class LedgerRow(BaseModel):
    id: int
    at: datetime
    warehouse_id: int
    item_id: int
    merchant: str
    from_location_id: int | None
    to_location_id: int | None
    lot: str
    expiry: date | None
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
    sku: Sku
    quantity: Annotated[Quantity, Field(gt=0)]


class POIn(BaseModel):
    number: Annotated[Code, Field(min_length=1, max_length=64)]
    supplier: Name = ""
    lines: list[POLineIn] = Field(min_length=1)
    # The merchant whose item this is; left out: the caller's only merchant, else the site's default.
    merchant: Code | None = None


class POCreated(BaseModel):
    number: str
    lines: int
    merchant: str


class POLinePublic(BaseModel):
    sku: str
    gtin: str | None
    name: str
    tracking: str
    expected: int
    received: int
    variance_reason: str


class POPublic(BaseModel):
    number: str
    merchant: str
    supplier: str
    status: str
    lines: list[POLinePublic]


class POSummary(BaseModel):
    id: int
    number: str
    supplier: str
    status: str
    created_at: datetime


class POCloseIn(BaseModel):
    reason: Name = Field(default="", description="why lines are short (needed when any is)")


class PlateContentPublic(BaseModel):
    sku: str
    lot: str
    serial: str
    expiry: date | None
    quantity: int


class PlatePublic(BaseModel):
    code: str
    location: str | None
    contents: list[PlateContentPublic]
    suggested_location: str | None = Field(description="a bin with room, by zone and free space")


class PutAwayIn(BaseModel):
    plate: Code
    location: Code


class PutAway(BaseModel):
    plate: str
    location: str
    ledger: list[int]


class CountTaskIn(BaseModel):
    sku: Sku
    location: Code
    lot: Code = ""
    tolerance: Annotated[Count, Field(description="units of variance accepted without a manager")] = 0


class CountTaskPublic(BaseModel):
    """A count task. Blind: what the books say (`on_hand`) is shown only once it has been counted."""

    id: int
    sku: str
    location: str
    lot: str
    status: str
    tolerance: int
    counted: int | None
    on_hand: int | None
    variance: int | None


class CountTaskCount(BaseModel):
    counted: Count


class CountDecisionIn(BaseModel):
    approve: bool
    note: Name = ""
