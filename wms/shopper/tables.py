"""Delivery claims, Shopify webhook receipts, message subscriptions and scheduled after-delivery messages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from wms.db import UTCDateTime, utcnow


class DeliveryClaim(SQLModel, table=True):
    """A shopper's claim that a parcel never came, came damaged, or came with a wrong or missing item."""

    __tablename__ = "delivery_claim"
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    number: str = Field(default="", max_length=24, index=True)  # shown as CLM-<number>
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    shipment_id: int | None = Field(default=None, foreign_key="shipment.id")
    shopper_id: int = Field(foreign_key="shopper.id", index=True)
    kind: str = Field(max_length=24)  # not_received | damaged_in_transit | wrong_item | missing_item
    # sku -> units claimed
    lines: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str = ""
    # open -> review -> resolved; resolved directly when decided automatically
    status: str = Field(default="open", max_length=16, index=True)
    resolution: str = Field(default="", max_length=16)  # reship | refund | deny
    reason: str = ""
    decided_by: str = Field(default="", max_length=80)  # "auto" or the manager's principal key
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    signals: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    currency: str = "USD"
    amount_minor: int = 0  # refunded
    reship_order_id: int | None = Field(default=None, foreign_key="sales_order.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ShopifyWebhookReceipt(SQLModel, table=True):
    """One accepted Shopify webhook, by its X-Shopify-Webhook-Id: a re-delivery imports nothing twice."""

    __tablename__ = "shopify_webhook_receipt"
    id: int | None = Field(default=None, primary_key=True)
    webhook_id: str = Field(unique=True, index=True, max_length=100)
    topic: str = Field(default="orders/create", max_length=40)
    shop_domain: str = Field(default="", max_length=200)
    merchant_id: int | None = Field(default=None, foreign_key="merchant.id")
    order_id: int | None = Field(default=None, foreign_key="sales_order.id")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MessageSubscription(SQLModel, table=True):
    """A shopper's standing for marketing messages (review requests, reminders) and unsubscribe token."""

    __tablename__ = "message_subscription"
    id: int | None = Field(default=None, primary_key=True)
    shopper_id: int = Field(foreign_key="shopper.id", unique=True, index=True)
    token: str = Field(unique=True, index=True, max_length=64)  # the link {base_url}/u/{token}; unguessable
    unsubscribed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ScheduledMessage(SQLModel, table=True):
    """A message due later: a review request after delivery, or a reminder when a consumable runs out."""

    __tablename__ = "scheduled_message"
    __table_args__ = (UniqueConstraint("dedupe_key"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)  # review | replenishment
    dedupe_key: str = Field(max_length=120)
    shopper_id: int = Field(foreign_key="shopper.id", index=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    item_id: int | None = Field(default=None, foreign_key="item.id")
    warehouse_id: int | None = None
    merchant_id: int | None = Field(default=None, foreign_key="merchant.id")
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    status: str = Field(default="pending", max_length=16, index=True)  # pending | sent | skipped
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TransitCount(SQLModel, table=True):
    """Delivered shipments counted per lane key, ship month and transit days: what delivery estimates are
    learned from (wms/shopper/learning.py), added to as deliveries come in instead of reloading a year."""

    __tablename__ = "transit_count"
    __table_args__ = (UniqueConstraint("lane", "month", "days"),)
    id: int | None = Field(default=None, primary_key=True)
    lane: str = Field(max_length=200)  # wms.delivery.transit.LaneKey, joined by "|"
    month: date  # the first day of the ship date's month
    days: int
    count: int = 0


class LearningMark(SQLModel, table=True):
    """How far learning has read: the last delivered tracking event counted."""

    __tablename__ = "learning_mark"
    name: str = Field(primary_key=True, max_length=64)
    last_event_id: int = 0
    learned_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
