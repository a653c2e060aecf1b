"""After delivery: a review request and replenishment reminders scheduled when a parcel arrives, sent
when due to shoppers who have not unsubscribed, and the unsubscribe link that stops them."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from wms.context import Kaeru
from wms.db import utcnow
from wms.errors import NotFound
from wms.fulfilment import service as fulfilment
from wms.fulfilment.tables import Order, Shipment, Shopper
from wms.inventory.tables import Item
from wms.shopper import model
from wms.shopper.config import config_of
from wms.shopper.effects import EFFECTS
from wms.shopper.events import AfterDeliveryMessageDue, ShopperUnsubscribed
from wms.shopper.model import MESSAGES, MessageKind, MessageStatus
from wms.shopper.queries import lines_with_items
from wms.shopper.tables import MessageSubscription, ScheduledMessage


def subscription_of(session: Session, shopper_id: int) -> MessageSubscription:
    """The shopper's subscription, made (subscribed, with a fresh unsubscribe token) on first need."""
    row = session.exec(
        select(MessageSubscription).where(MessageSubscription.shopper_id == shopper_id)
    ).first()
    if row is None:
        row = MessageSubscription(shopper_id=shopper_id, token=secrets.token_urlsafe(24))
        session.add(row)
        session.flush()
    return row


def subscription_by_token(session: Session, token: str) -> MessageSubscription:
    row = (
        session.exec(select(MessageSubscription).where(MessageSubscription.token == token)).first()
        if token
        else None
    )
    if row is None or not secrets.compare_digest(row.token, token):
        raise NotFound("this unsubscribe link is not known: check the address in your email")
    return row


def unsubscribe(session: Session, token: str) -> MessageSubscription:
    """Stop review requests and reminders to this shopper, from now on (idempotent)."""
    row = subscription_by_token(session, token)
    if row.unsubscribed_at is None:
        row.unsubscribed_at = utcnow()
        session.add(row)
        EFFECTS.record(session, None, ShopperUnsubscribed(row.shopper_id))
    return row


def _schedule(session: Session, **fields: Any) -> None:
    if session.exec(
        select(ScheduledMessage.id).where(ScheduledMessage.dedupe_key == fields["dedupe_key"])
    ).first():
        return
    session.add(ScheduledMessage(**fields))


def schedule_after_delivery(session: Session, kaeru: Kaeru, shipment: Shipment) -> None:
    """Once delivered: a review request after the configured days, and a reminder per consumable item."""
    if shipment.status != "delivered" or shipment.delivered_at is None:
        return
    order = session.get(Order, shipment.order_id)
    if order is None or order.channel == "claim":
        return
    delay = config_of(kaeru).after_delivery.review_delay_days
    common = {"shopper_id": order.shopper_id, "order_id": order.id or 0, "warehouse_id": order.warehouse_id}
    _schedule(
        session,
        kind=MessageKind.REVIEW,
        dedupe_key=f"review:{order.id}",
        due_at=model.review_due(shipment.delivered_at, delay),
        **common,
    )
    for line, item in lines_with_items(session, order):
        if item.consumable_days:
            _schedule(
                session,
                kind=MessageKind.REPLENISHMENT,
                dedupe_key=f"replenishment:{order.id}:{item.id}",
                item_id=item.id,
                due_at=model.replenishment_due(
                    shipment.delivered_at, consumable_days=item.consumable_days, quantity=line.quantity
                ),
                **common,
            )


def _message_context(
    session: Session, kaeru: Kaeru, row: ScheduledMessage, order: Order, token: str
) -> tuple[str, dict[str, Any]]:
    after = config_of(kaeru).after_delivery
    base = kaeru.settings.base_url.rstrip("/")
    context: dict[str, Any] = fulfilment.order_context(session, order) | {
        "unsubscribe_token": token,
        "unsubscribe_url": f"{base}/u/{token}",
    }
    if row.kind == MessageKind.REVIEW:
        context["review_url"] = after.review_url.format(order=order.number) if after.review_url else ""
        return "review.requested", context
    item = session.get(Item, row.item_id)
    if item is None:
        raise NotFound(f"the item of scheduled message {row.id} is gone")
    context["item"] = {"sku": item.sku, "name": item.name}
    context["reorder_url"] = after.reorder_url.format(sku=item.sku) if after.reorder_url else ""
    return "replenishment.reminder", context


def _send(session: Session, kaeru: Kaeru, row: ScheduledMessage) -> MessageStatus:
    """Send one due message, or skip it when the shopper unsubscribed (or the order or shopper is gone)."""
    shopper = session.get(Shopper, row.shopper_id)
    order = session.get(Order, row.order_id)
    subscription = subscription_of(session, row.shopper_id)
    if shopper is None or order is None or subscription.unsubscribed_at is not None:
        return MESSAGES.move(row.status, MessageStatus.SKIPPED)
    topic, context = _message_context(session, kaeru, row, order, subscription.token)
    EFFECTS.record(session, None, AfterDeliveryMessageDue(row, shopper, topic, context))
    return MESSAGES.move(row.status, MessageStatus.SENT)


def send_due(kaeru: Kaeru, *, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send every after-delivery message that is due (skipping shoppers who unsubscribed)."""
    moment = now or utcnow()

    def work(session: Session) -> dict[str, int]:
        rows = session.exec(
            select(ScheduledMessage)
            .where(ScheduledMessage.status == MessageStatus.PENDING, ScheduledMessage.due_at <= moment)
            .order_by(col(ScheduledMessage.due_at), col(ScheduledMessage.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        counts = {MessageStatus.SENT.value: 0, MessageStatus.SKIPPED.value: 0}
        for row in rows:
            row.status = _send(session, kaeru, row)
            row.done_at = utcnow()
            counts[row.status] += 1
            session.add(row)
        return counts

    return kaeru.db.write(work)
