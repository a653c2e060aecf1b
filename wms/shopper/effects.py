"""What each shopper-side event writes: its audit row and the shopper's email and webhook (outbox rows,
in the use case's transaction; docs/architecture.md, Side effects)."""

from __future__ import annotations

from wms.fulfilment.service import order_context, shipment_context
from wms.fulfilment.tables import Order
from wms.platform.effects import EffectMap, Effects
from wms.shopper.events import (
    AfterDeliveryMessageDue,
    ClaimFiled,
    ClaimResolved,
    DelayForeseen,
    ShopperUnsubscribed,
)
from wms.shopper.views import claim_code, reason_text


def claim_filed(fx: Effects, event: ClaimFiled) -> None:
    fx.audit(
        "claim.filed",
        "claim",
        claim_code(event.claim),
        warehouse_id=event.order.warehouse_id,
        kind=event.claim.kind,
        order=event.order.number,
        signals=list(event.signals),
    )


def claim_resolved(fx: Effects, event: ClaimResolved) -> None:
    claim = event.claim
    fx.audit(
        "claim.resolved",
        "claim",
        claim_code(claim),
        warehouse_id=claim.warehouse_id,
        resolution=claim.resolution,
        reason=claim.reason,
    )
    reship = fx.session.get(Order, claim.reship_order_id) if claim.reship_order_id else None
    context = order_context(fx.session, event.order) | {
        "claim": {
            "number": claim_code(claim),
            "kind": claim.kind,
            "outcome": claim.resolution,
            "amount_minor": claim.amount_minor,
            "currency": claim.currency,
            "note": reason_text(claim.reason, event.shopper.locale),
            "reship_order": reship.number if reship else None,
            "reship_tracking_token": reship.tracking_token if reship else None,
        }
    }
    fx.notify_shopper(
        "claim.resolved",
        event.shopper,
        context,
        warehouse_id=claim.warehouse_id,
        dedupe_key=f"claim.resolved:{claim.id}",
    )


def shopper_unsubscribed(fx: Effects, event: ShopperUnsubscribed) -> None:
    fx.audit("shopper.unsubscribed", "shopper", event.shopper_id, warehouse_id=None)


def after_delivery_message_due(fx: Effects, event: AfterDeliveryMessageDue) -> None:
    message = event.message
    fx.notify_shopper(
        event.topic,
        event.shopper,
        event.context,
        warehouse_id=message.warehouse_id,
        dedupe_key=f"{message.kind}:{message.id}",
    )


def delay_foreseen(fx: Effects, event: DelayForeseen) -> None:
    context = order_context(fx.session, event.order) | {
        "shipment": shipment_context(event.shipment),
        "delay": {
            "expected_on": event.expected_on,
            "reason": event.reason,
            "probability": event.probability,
        },
    }
    fx.notify_shopper(
        "order.delayed",
        event.shopper,
        context,
        warehouse_id=event.order.warehouse_id,
        dedupe_key=event.dedupe_key,
    )


EFFECTS = EffectMap(
    "shopper",
    {
        ClaimFiled: claim_filed,
        ClaimResolved: claim_resolved,
        ShopperUnsubscribed: shopper_unsubscribed,
        AfterDeliveryMessageDue: after_delivery_message_due,
        DelayForeseen: delay_foreseen,
    },
)
