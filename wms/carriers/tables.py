"""Carrier labels (bought, pending or refused, with the carrier's own label) and end-of-day manifests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from wms.db import UTCDateTime, utcnow


class CarrierLabel(SQLModel, table=True):
    """One label asked of a carrier. `idempotency_key` is the reference the carrier keeps, so a retry
    asks for the same label; (carrier, tracking_number) is unique: a carrier number is one parcel."""

    __tablename__ = "carrier_label"
    __table_args__ = (UniqueConstraint("carrier", "tracking_number"),)
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=80)
    kind: str = Field(default="outbound", max_length=16)  # outbound, return
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    carton_id: int | None = Field(default=None, foreign_key="carton.id", index=True)
    order_id: int | None = Field(default=None, foreign_key="sales_order.id", index=True)
    carrier: str = Field(max_length=32)
    service: str = Field(default="", max_length=64)
    # model.LabelStatus: pending until bought; refused when the carrier says what to fix
    status: str = Field(default="pending", max_length=16, index=True)
    tracking_number: str | None = Field(default=None, max_length=64)
    label_format: str = Field(default="", max_length=8)
    label: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    amount: str = Field(default="", max_length=16)
    currency: str = Field(default="", max_length=3)
    attempts: int = 0
    next_try_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    last_error: str = Field(default="", max_length=500)
    printer_url: str = Field(default="", max_length=300)  # the pack station's printer, for the label
    manifest_id: int | None = Field(default=None, foreign_key="carrier_manifest.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    bought_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CarrierManifest(SQLModel, table=True):
    """An end-of-day handover: the carrier's close-out (a SCAN form) or Kaeru's scan-to-manifest list."""

    __tablename__ = "carrier_manifest"
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    carrier: str = Field(max_length=32)
    identifier: str = Field(default="", max_length=64)
    parcels: int = 0
    document: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
