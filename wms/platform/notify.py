"""Telling the shopper and the brand's systems: one call writes an email and a webhook to the outbox.

Email payload: {"template": topic, "to": address, "name": shopper name, "locale": "en|ja|uk|...",
"context": {...}}; webhook payload: {"type": topic, "data": {...}}. The relay in wms/notify renders
and delivers them after commit.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from wms.fulfilment.tables import Shopper
from wms.platform.outbox import enqueue


def notify_shopper(
    session: Session,
    *,
    topic: str,
    shopper: Shopper,
    context: dict[str, Any],
    warehouse_id: int | None,
    dedupe_key: str | None = None,
) -> None:
    """Queue the shopper's email and the brand's webhook for one event of their order or return."""
    base_id = dedupe_key or None
    enqueue(
        session,
        channel="email",
        topic=topic,
        payload={
            "template": topic,
            "to": shopper.email,
            "name": shopper.name,
            "locale": shopper.locale,
            "shopper_id": shopper.id,
            "merchant_id": shopper.merchant_id,
            "context": context,
        },
        warehouse_id=warehouse_id,
        merchant_id=shopper.merchant_id,
        message_id=f"email:{base_id}" if base_id else None,
    )
    enqueue(
        session,
        channel="webhook",
        topic=topic,
        payload={
            "type": topic,
            "merchant_id": shopper.merchant_id,
            "data": {"shopper": {"id": shopper.id, "email": shopper.email}, **context},
        },
        warehouse_id=warehouse_id,
        merchant_id=shopper.merchant_id,
        message_id=f"webhook:{base_id}" if base_id else None,
    )
