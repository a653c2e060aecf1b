"""Shoppers, orders, reservations, pick tasks, cartons, shipments and carrier tracking events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from wms.db import UTCDateTime, utcnow


class Shopper(SQLModel, table=True):
    """A shopper of one merchant: the same e-mail at two merchants is two shoppers with their own
    histories and trust."""

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    email: str = Field(index=True, max_length=254)
    name: str = ""
    locale: str = "en"
    phone: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Order(SQLModel, table=True):
    __tablename__ = "sales_order"
    __table_args__ = (UniqueConstraint("warehouse_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    number: str = Field(max_length=64, index=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    shopper_id: int = Field(foreign_key="shopper.id", index=True)
    # model.OrderStatus; its legal moves: model.ORDERS
    status: str = Field(default="new", max_length=16, index=True)
    channel: str = "api"
    external_id: str | None = Field(default=None, index=True)
    ship_to: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    currency: str = "USD"
    carrier: str = ""
    service: str = ""
    promised_date: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Token in the shopper's tracking link (unguessable; never the order id).
    tracking_token: str = Field(index=True, max_length=64)


class OrderLine(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    quantity: int
    reserved: int = 0
    picked: int = 0
    packed: int = 0
    shipped: int = 0
    unit_price_minor: int = 0


class Reservation(SQLModel, table=True):
    """Units of one quant held for one order line."""

    id: int | None = Field(default=None, primary_key=True)
    order_line_id: int = Field(foreign_key="orderline.id", index=True)
    quant_id: int = Field(foreign_key="quant.id", index=True)
    quantity: int


class PickTask(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    mode: str = "single"  # model.PickMode
    wave: str = ""
    status: str = Field(default="open", index=True)  # model.PickTaskStatus (PICK_TASKS)
    assigned_user_id: int | None = None
    assigned_device_id: int | None = None
    tote_code: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PickLine(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="picktask.id", index=True)
    order_line_id: int = Field(foreign_key="orderline.id", index=True)
    reservation_id: int | None = Field(default=None, foreign_key="reservation.id")
    item_id: int = Field(foreign_key="item.id")
    location_id: int = Field(foreign_key="location.id")
    seq: int = 0
    quantity: int
    picked: int = 0
    short: int = 0
    status: str = "open"  # model.PickLineStatus (PICK_LINES)
    location_confirmed: bool = False


class Carton(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    sscc: str = Field(unique=True, max_length=18)
    status: str = "open"  # model.CartonStatus (CARTONS)
    weight_g: int | None = None
    expected_weight_g: int = 0
    returnable_packaging: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CartonItem(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    carton_id: int = Field(foreign_key="carton.id", index=True)
    order_line_id: int = Field(foreign_key="orderline.id")
    item_id: int = Field(foreign_key="item.id", index=True)
    serial: str = Field(default="", index=True)
    lot: str = ""
    quantity: int = 1


class Shipment(SQLModel, table=True):
    # A carrier's tracking number is one parcel: never two shipments with the same one.
    __table_args__ = (
        Index("uq_shipment_carrier_tracking_number", "carrier", "tracking_number", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    carton_id: int = Field(foreign_key="carton.id", unique=True)
    carrier: str
    service: str = ""
    tracking_number: str = Field(index=True, max_length=64)
    # model.ShipmentStatus; its legal moves: model.SHIPMENTS
    status: str = Field(default="label_created", index=True)
    shipped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    estimated_delivery: date | None = None


class TrackingEvent(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("shipment_id", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipment.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    kind: str  # model.TrackingKind
    location: str = ""
    description: str = ""
    external_id: str = ""
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
