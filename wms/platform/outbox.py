"""Side effects are rows written in the caller's transaction; the relay delivers them after commit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from wms.platform.tables import OutboxMessage

CHANNELS = ("email", "webhook", "print", "live")


def enqueue(
    session: Session,
    *,
    channel: str,
    topic: str,
    payload: dict[str, Any],
    warehouse_id: int | None = None,
    message_id: str | None = None,
) -> OutboxMessage:
    """Record one side effect to be delivered once the surrounding transaction commits."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown outbox channel {channel!r}")
    message = OutboxMessage(
        message_id=message_id or str(uuid.uuid4()),
        channel=channel,
        topic=topic,
        payload=payload,
        warehouse_id=warehouse_id,
    )
    session.add(message)
    return message


def publish_live(session: Session, *, topic: str, payload: dict[str, Any], warehouse_id: int | None) -> None:
    """A live-dashboard event, delivered to the live bus by the relay after commit."""
    enqueue(session, channel="live", topic=topic, payload=payload, warehouse_id=warehouse_id)
