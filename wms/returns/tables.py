"""Return authorisations, parcels and units received, grading photos, fraud holds and money paid out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from wms.db import UTCDateTime, utcnow


class ReturnAuthorisation(SQLModel, table=True):
    """An RMA: what a shopper may send back, found at the station by its QR token, number or tracking."""

    __tablename__ = "return_authorisation"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "number"),
        Index("ix_return_authorisation_created", "warehouse_id", "created_at"),  # insight periods (0004)
    )
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    number: str = Field(max_length=24, index=True)  # printed as RMA-<number>
    token: str = Field(unique=True, index=True, max_length=64)  # QR payload RMA:<token>; unguessable
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    # An unexpected return (a parcel nobody announced) may not know its order or shopper.
    order_id: int | None = Field(default=None, foreign_key="sales_order.id", index=True)
    shopper_id: int | None = Field(default=None, foreign_key="shopper.id", index=True)
    kind: str = Field(default="authorised", max_length=16)  # authorised | unexpected
    channel: str = Field(default="staff", max_length=16)  # shopper | staff | integrator | station
    # authorised -> in_transit -> received -> completed; on_hold -> (approved) completed | rejected; cancelled
    status: str = Field(default="authorised", max_length=16, index=True)
    currency: str = "USD"
    return_carrier: str = ""
    return_tracking_number: str = Field(default="", index=True, max_length=64)
    return_by: date | None = None
    outside_window: bool = False
    trust_score: float = 0
    trust_tier: str = ""
    instant_refund: bool = False  # refund at the first carrier scan (trusted shopper at authorisation)
    refunded_early: bool = False
    hold_signals: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str = ""
    created_by: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    first_carrier_scan_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReturnLine(SQLModel, table=True):
    """One item of an RMA: how many, why, and what the shopper would like instead."""

    __tablename__ = "return_line"
    id: int | None = Field(default=None, primary_key=True)
    rma_id: int = Field(foreign_key="return_authorisation.id", index=True)
    order_line_id: int | None = Field(default=None, foreign_key="orderline.id")
    item_id: int = Field(foreign_key="item.id", index=True)
    quantity: int
    received: int = 0
    reason: str = Field(max_length=32)
    reason_text: str = ""
    outcome: str = Field(default="refund", max_length=16)  # refund | store_credit | exchange
    exchange_item_id: int | None = Field(default=None, foreign_key="item.id")
    exchange_order_id: int | None = Field(default=None, foreign_key="sales_order.id")
    keep_it: bool = False
    unit_price_minor: int = 0
    # What one unit earns if it arrives as described (shown to the shopper, paid early to trusted ones).
    quoted_minor: int = 0
    resolved: int = 0  # units resolved (refunded, credited, exchanged or kept)


class ReturnParcel(SQLModel, table=True):
    """One parcel opened at a returns station."""

    __tablename__ = "return_parcel"
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    rma_id: int = Field(foreign_key="return_authorisation.id", index=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    station_id: int | None = Field(default=None, foreign_key="station.id")
    found_by: str = Field(default="", max_length=16)  # qr | rma_number | tracking | order | unknown
    scanned_code: str = Field(default="", max_length=200)
    scanned_by: str = Field(default="", max_length=80)
    scanned_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    weight_g: int | None = None
    expected_weight_g: int = 0
    weight_verdict: str = Field(default="unweighed", max_length=16)
    status: str = Field(default="open", max_length=16)  # open | closed
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReturnUnit(SQLModel, table=True):
    """One unit found in a parcel (or found missing from it): matched, graded, disposed, resolved."""

    __tablename__ = "return_unit"
    # The insight figures of a period read only that period's units (0004).
    __table_args__ = (
        Index("ix_return_unit_graded", "warehouse_id", "graded_at"),
        Index("ix_return_unit_put_away", "warehouse_id", "put_away_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    parcel_id: int = Field(foreign_key="return_parcel.id", index=True)
    rma_id: int = Field(foreign_key="return_authorisation.id", index=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    line_id: int | None = Field(default=None, foreign_key="return_line.id")
    item_id: int | None = Field(default=None, foreign_key="item.id", index=True)  # None: not ours
    serial: str = Field(default="", index=True, max_length=64)
    scanned: str = Field(default="", max_length=200)
    description: str = ""
    match: str = Field(max_length=24)  # right_item | different_variant | ... | missing | extra
    match_message: str = ""
    # received -> graded -> put_away; missing; set_aside (not ours)
    status: str = Field(default="received", max_length=16, index=True)
    received_location_id: int | None = Field(default=None, foreign_key="location.id")
    value_minor: int = 0
    currency: str = "USD"
    category: str = ""
    grade: str | None = Field(default=None, max_length=1)
    grade_rule: str = ""
    answers: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    graded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    graded_by: str = ""
    disposition: str = Field(default="", max_length=24)
    disposition_rule: str = ""
    destination_location_id: int | None = Field(default=None, foreign_key="location.id")
    tote: str = ""
    lpn: str = Field(default="", index=True, max_length=32)
    recovery_minor: int = 0
    put_away_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution: str = Field(default="", max_length=16)  # refund | store_credit | exchange | keep_it | none
    resolution_detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReturnPhoto(SQLModel, table=True):
    __tablename__ = "return_photo"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="return_unit.id", index=True)
    path: str  # relative to settings.media_dir
    content_type: str = Field(max_length=40)
    size_bytes: int
    taken_by: str = Field(default="", max_length=80)
    caption: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReturnHold(SQLModel, table=True):
    """A return stopped for a manager's review, with the evidence that stopped it."""

    __tablename__ = "return_hold"
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    rma_id: int = Field(foreign_key="return_authorisation.id", index=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    signals: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="open", max_length=16, index=True)  # open | approved | rejected
    decided_by: str = ""
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MoneyMovement(SQLModel, table=True):
    """Money owed to a shopper for a return: the brand's systems pay it out on the webhook."""

    __tablename__ = "money_movement"
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    rma_id: int = Field(foreign_key="return_authorisation.id", index=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="return_unit.id")
    line_id: int | None = Field(default=None, foreign_key="return_line.id")
    shopper_id: int | None = Field(default=None, foreign_key="shopper.id", index=True)
    kind: str = Field(max_length=16)  # refund | store_credit
    amount_minor: int
    currency: str = Field(max_length=3)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SharedFraudSignal(SQLModel, table=True):
    """A return held at a merchant that shares the warehouse's fraud signal: the shopper's keyed
    fingerprints only (wms/returns/fingerprints.py), never their e-mail, address, order or return."""

    __tablename__ = "shared_fraud_signal"
    __table_args__ = (Index("ix_shared_fraud_signal_lookup", "warehouse_id", "fingerprint"),)
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id")
    merchant_id: int = Field(foreign_key="merchant.id")
    kind: str = Field(max_length=16)  # email | address
    fingerprint: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
