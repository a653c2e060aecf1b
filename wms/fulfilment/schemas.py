"""What the fulfilment API reads and answers: orders, pick steps, cartons, shipments, tracking.

Answers are described field for field; endpoints whose answer leaves out a key in some cases
(a finished pick task has no `remaining_lines`) are served with `response_model_exclude_unset`, so
the JSON keeps exactly the keys it had."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, EmailStr, Field

from wms.fulfilment.model import TRACKING_KINDS, PickMode
from wms.inputs import Code, Money, Name, Note, Quantity, Reported, Sku, one_of


class LineIn(BaseModel):
    sku: Annotated[Sku, Field(min_length=1, max_length=64)]
    quantity: Annotated[Quantity, Field(gt=0, le=10_000)]
    unit_price_minor: Annotated[Money, Field(ge=0)] = 0


class ShopperIn(BaseModel):
    email: EmailStr
    name: Annotated[Name, Field(max_length=200)] = ""
    locale: Annotated[Code, Field(max_length=16)] = "en"


class OrderIn(BaseModel):
    warehouse: Code
    # Whose order; left out: the caller's only merchant (an integrator's), else the site's default.
    merchant: Code | None = None
    number: Annotated[Code, Field(min_length=1, max_length=64)]
    shopper: ShopperIn
    ship_to: dict[Code, Name] = Field(default_factory=dict, max_length=20)
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    carrier: Code = ""
    service: Code = ""
    currency: Annotated[Code, Field(min_length=3, max_length=3)] = "USD"
    external_id: Code | None = None
    promised_date: date | None = None


class ShopperPublic(BaseModel):
    email: str
    name: str
    locale: str


class OrderLinePublic(BaseModel):
    sku: str
    name: str
    quantity: int
    reserved: int
    picked: int
    packed: int
    shipped: int
    unit_price_minor: int


class OrderShipment(BaseModel):
    tracking_number: str
    carrier: str
    status: str
    estimated_delivery: date | None


class OrderPublic(BaseModel):
    id: int
    merchant: str
    number: str
    status: str
    channel: str
    carrier: str
    service: str
    ship_to: dict[str, Any]
    created_at: datetime
    promised_date: date | None
    shopper: ShopperPublic | None
    lines: list[OrderLinePublic]
    shipments: list[OrderShipment]


class OrderChanged(OrderPublic):
    """An order as a change answers it. A change made with an Idempotency-Key answers what was stored
    for the key, its timestamp already text ("+00:00"); without a key the timestamp is written as
    reads write it ("Z"). The text is passed through as it is, so neither answer changes."""

    created_at: datetime | str  # type: ignore[assignment]


class ReleaseIn(BaseModel):
    warehouse: Code
    mode: Annotated[Code, one_of(PickMode, "how tasks are cut")] = "single"
    orders: list[Code] | None = None
    orders_per_task: Annotated[Quantity, Field(gt=0, le=100)] = 8
    wave: Code = ""


class PickStep(BaseModel):
    """Where to go and what to take next."""

    line_id: int
    location: str
    sku: str
    name: str
    gtin: str | None
    quantity: int
    location_confirmed: bool
    serial_tracked: bool


class PickView(BaseModel):
    """A pick task and its next step (`next` is null and `remaining_lines` absent once it is done)."""

    task_id: int
    status: str
    next: PickStep | None
    remaining_lines: int | None = None


class Released(BaseModel):
    tasks: list[PickView]


class NextTask(BaseModel):
    task: PickView | None
    message: str | None = Field(default=None, description="only when no task is waiting")


class ShortIn(BaseModel):
    missing: Annotated[Quantity, Field(gt=0, le=10_000)]


class ShortReported(PickView):
    message: str


class PackStartIn(BaseModel):
    warehouse: Code
    order: Code


class CartonContent(BaseModel):
    sku: str
    serial: str
    quantity: int


class CartonShipment(BaseModel):
    tracking_number: str
    carrier: str
    status: str


class CartonLabel(BaseModel):
    """The carton's carrier label: pending (asked for, retried), bought, refused (the carrier's words
    in `error`: what to fix) or voided."""

    status: str
    carrier: str
    service: str
    tracking_number: str | None
    label_format: str
    error: str
    attempts: int
    next_try_at: datetime | None


class CartonPublic(BaseModel):
    sscc: str
    status: str
    order: str | None
    weight_g: int | None
    expected_weight_g: int
    contents: list[CartonContent]
    shipment: CartonShipment | None
    label: CartonLabel | None = None


class CloseIn(BaseModel):
    weight_g: Annotated[Quantity, Field(gt=0, le=100_000)] | None = None
    station: Code | None = None
    accept_weight_override: bool = False


class Shipped(BaseModel):
    tracking_number: str
    status: str
    order: str
    order_status: str


class TrackingIn(BaseModel):
    tracking_number: Annotated[Code, Field(min_length=1, max_length=64)]
    kind: Annotated[Code, one_of(TRACKING_KINDS, "what happened")]
    at: Reported
    location: Annotated[Name, Field(max_length=200)] = ""
    description: Annotated[Note, Field(max_length=500)] = ""
    external_id: Annotated[Name, Field(max_length=200)] = ""


class TrackingAccepted(BaseModel):
    """The shipment's status after the event, or which area took a tracking number that is not ours."""

    tracking_number: str
    status: str | None = None
    duplicate: bool | None = None
    handled_by: str | None = Field(default=None, description="the area that took a parcel not shipped here")


class TrackingEventPublic(BaseModel):
    at: datetime
    kind: str
    location: str
    description: str
    external_id: str
    received_at: datetime
