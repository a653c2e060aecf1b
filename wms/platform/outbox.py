"""Side effects are rows written in the caller's transaction; the relay delivers them after commit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from wms.db import Direct, utcnow
from wms.observability.propagation import carry_trace
from wms.platform.tables import OutboxMessage

CHANNELS = ("email", "webhook", "print", "live")
# The channels a session wrote outbox rows for, kept in its info: their relays are woken when it commits.
OUTBOX_WRITTEN = "kaeru_outbox_written"
_o = OutboxMessage.__table__  # type: ignore[attr-defined]
_INSERT = Direct(
    insert(_o),
    keys=(
        "message_id",
        "channel",
        "topic",
        "payload",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "warehouse_id",
        "merchant_id",
    ),
)


def enqueue(
    session: Session,
    *,
    channel: str,
    topic: str,
    payload: dict[str, Any],
    warehouse_id: int | None = None,
    message_id: str | None = None,
    merchant_id: int | None = None,
) -> str:
    """Record one side effect to be delivered once the surrounding transaction commits."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown outbox channel {channel!r}")
    now = utcnow()
    message_id = message_id or str(uuid.uuid4())
    # A Core insert: this runs on every scan, and the ORM's unit of work costs more than the write. It is
    # deferred: sent with the transaction's other appends, before anything else reads the table.
    _INSERT.defer(
        session.connection(),
        {
            "message_id": message_id,
            "channel": channel,
            "topic": topic,
            "payload": carry_trace(payload),  # the request's trace, for the relay's delivery span
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
            "warehouse_id": warehouse_id,
            "merchant_id": merchant_id,
        },
    )
    session.info.setdefault(OUTBOX_WRITTEN, set()).add(channel)
    return message_id


def publish_live(session: Session, *, topic: str, payload: dict[str, Any], warehouse_id: int | None) -> None:
    """A live-dashboard event, delivered to the live bus by the relay after commit."""
    enqueue(session, channel="live", topic=topic, payload=payload, warehouse_id=warehouse_id)
