"""Cross-cutting records: idempotency keys, the outbox, the audit trail and every scan received."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from wms.db import UTCDateTime, utcnow


class IdempotencyRecord(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("client", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    client: str = Field(max_length=80)  # "device:12", "user:3": keys are scoped to the client
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    state: str = "done"  # written with the outcome, in the same transaction as the effect
    status_code: int | None = None
    response: Any = Field(default=None, sa_column=Column(JSON))
    # Kept for the retention period only: found by age, however many keys (0008).
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class OutboxMessage(SQLModel, table=True):
    """A side effect to deliver after commit: email, webhook, print job or live event."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True, index=True, max_length=200)
    channel: str = Field(max_length=16)  # email | webhook | print | live
    topic: str = Field(max_length=64)  # e.g. order.shipped, return.graded
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="pending")  # wms.notify.model.MessageState (pending, printing, ...)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    warehouse_id: int | None = None
    # Whose message it is: e-mails wear this merchant's brand, webhooks go to this merchant's endpoints.
    merchant_id: int | None = None


class AuditEntry(SQLModel, table=True):
    # One object's trail, newest first, found by index however long the audit (0004).
    __table_args__ = (Index("ix_auditentry_object", "object_type", "object_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=80)  # user:3, device:7, shopper:rma:12, system
    device_id: int | None = None
    warehouse_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=32)
    object_id: str = Field(max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ScanRecord(SQLModel, table=True):
    """Every scan that reached the server, understood or not."""

    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(index=True)
    device_id: int | None = Field(default=None, index=True)
    user_id: int | None = None
    scanned_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    raw: str
    kind: str = Field(max_length=16)
    mode: str = ""  # what the device was doing: pick | pack | returns | receive | putaway | idle
    outcome: str = Field(max_length=16)  # accepted | rejected | recorded
    message: str = ""


class ScanDay(SQLModel, table=True):
    """Scans counted per warehouse, UTC day, kind, mode and outcome: what raw scans leave behind when
    retention removes them (wms/platform/retention.py)."""

    __tablename__ = "scan_day"
    __table_args__ = (UniqueConstraint("warehouse_id", "day", "kind", "mode", "outcome"),)
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int
    day: date
    kind: str = Field(max_length=16)
    mode: str
    outcome: str = Field(max_length=16)
    count: int = 0


class DeviceAssignment(SQLModel, table=True):
    """What a device (or the person using it) is working on; scans are routed by it."""

    id: int | None = Field(default=None, primary_key=True)
    # "device:12" for a handheld or station agent, "user:3" for a person scanning on a screen.
    actor: str = Field(unique=True, max_length=80)
    mode: str = "idle"  # idle | pick | pack | returns | receive | putaway
    ref_type: str = ""
    ref_id: str = ""
    user_id: int | None = None
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
