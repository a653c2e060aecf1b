"""Shopper-side use cases: the tracking page's facts, delivery claims, orders from the brand's Shopify store,
and after-delivery messages (review requests, replenishment reminders) with their unsubscribe link."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from babel.numbers import get_currency_precision
from sqlalchemy import func
from sqlmodel import Session, col, select

from wms.context import Kaeru
from wms.db import utcnow
from wms.errors import Conflict, Invalid, NotFound
from wms.fulfilment import service as fulfilment
from wms.fulfilment.model import check_carton_weight
from wms.fulfilment.tables import Carton, CartonItem, Order, OrderLine, Shipment, Shopper, TrackingEvent
from wms.identity.model import Principal
from wms.inventory.tables import Item, Location, Quant, Warehouse
from wms.platform import audit
from wms.platform.notify import notify_shopper
from wms.returns import service as returns
from wms.returns.tables import ReturnAuthorisation
from wms.shopper import model
from wms.shopper.config import ShopperConfig
from wms.shopper.tables import (
    DeliveryClaim,
    MessageSubscription,
    ScheduledMessage,
    ShopifyWebhookReceipt,
)

CONFIG_KEY = "shopper"


def config_of(kaeru: Kaeru) -> ShopperConfig:
    config = kaeru.extras.get(CONFIG_KEY)
    if config is None:
        raise RuntimeError(
            "the shopper configuration is not loaded: wms.shopper.plugin.configure was not run"
        )
    return config  # type: ignore[no-any-return]


def order_by_token(session: Session, token: str) -> Order:
    """The order a tracking link opens (the returns area's lookup: one rule for every shopper link)."""
    return returns.order_by_token(session, token)


def latest_shipment(session: Session, order: Order) -> Shipment | None:
    return session.exec(
        select(Shipment).where(Shipment.order_id == order.id).order_by(col(Shipment.id).desc())
    ).first()


def _lines_with_items(session: Session, order: Order) -> list[tuple[OrderLine, Item]]:
    rows = session.exec(
        select(OrderLine, Item)
        .join(Item, col(Item.id) == col(OrderLine.item_id))
        .where(OrderLine.order_id == order.id)
        .order_by(col(OrderLine.id))
    ).all()
    return [(line, item) for line, item in rows]


# --- the tracking page's facts -------------------------------------------------------------------


def tracking_view(session: Session, kaeru: Kaeru, order: Order) -> dict[str, Any]:
    """What the tracking page shows: the order, its timeline, the estimate and the ways forward."""
    from wms.shopper import edd

    shipments = list(
        session.exec(select(Shipment).where(Shipment.order_id == order.id).order_by(col(Shipment.id)))
    )
    timeline: list[dict[str, Any]] = [{"kind": "ordered", "at": order.created_at, "location": ""}]
    for shipment in shipments:
        if shipment.shipped_at:
            timeline.append({"kind": "shipped", "at": shipment.shipped_at, "location": ""})
        for event in session.exec(select(TrackingEvent).where(TrackingEvent.shipment_id == shipment.id)):
            timeline.append(
                {
                    "kind": event.kind,
                    "at": event.at,
                    "location": event.location,
                    "description": event.description,
                }
            )
    timeline.sort(key=lambda e: e["at"], reverse=True)
    estimate = None
    if order.status not in ("delivered", "cancelled"):
        try:
            estimate = edd.order_estimate(session, edd.brain_of(kaeru).state, order)
        except Invalid:
            estimate = None
        latest = shipments[-1] if shipments else None
        if estimate is not None and latest is not None and latest.estimated_delivery:
            estimate["on"] = latest.estimated_delivery.isoformat()
    eligibility = returns.order_eligibility(session, returns.config_of(kaeru), order)
    claims = session.exec(
        select(DeliveryClaim).where(DeliveryClaim.order_id == order.id).order_by(col(DeliveryClaim.id))
    ).all()
    rmas = session.exec(
        select(ReturnAuthorisation)
        .where(ReturnAuthorisation.order_id == order.id)
        .order_by(col(ReturnAuthorisation.id))
    ).all()
    shopper = session.get(Shopper, order.shopper_id)
    return {
        "order": order,
        "shopper": shopper,
        "lines": [
            {"sku": item.sku, "name": item.name, "quantity": line.quantity}
            for line, item in _lines_with_items(session, order)
        ],
        "shipments": shipments,
        "timeline": timeline,
        "estimate": estimate,
        "returnable": eligibility.eligible,
        "return_message": eligibility.message,
        "claimable": any(s.shipped_at for s in shipments),
        "claims": [claim_view(c) for c in claims],
        "returns": [{"number": r.number, "token": r.token, "status": r.status} for r in rmas],
    }


# --- delivery claims -----------------------------------------------------------------------------


def free_stock(session: Session, item_id: int, warehouse_id: int) -> int:
    return int(
        session.exec(
            select(func.coalesce(func.sum(Quant.quantity - Quant.reserved), 0))
            .join(Location, col(Location.id) == col(Quant.location_id))
            .where(
                Quant.item_id == item_id,
                Quant.condition == "new",
                Location.warehouse_id == warehouse_id,
                col(Location.kind).in_(["pick", "storage"]),
            )
        ).one()
    )


def claim_code(claim: DeliveryClaim) -> str:
    return f"CLM-{claim.number}"


def claim_view(claim: DeliveryClaim, *, staff: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {
        "number": claim_code(claim),
        "kind": claim.kind,
        "status": claim.status,
        "resolution": claim.resolution,
        "reason": claim.reason,
        "lines": claim.lines,
        "currency": claim.currency,
        "amount_minor": claim.amount_minor,
        "created_at": claim.created_at,
        "resolved_at": claim.resolved_at,
    }
    if staff:
        view |= {
            "evidence": claim.evidence,
            "signals": claim.signals,
            "note": claim.note,
            "decided_by": claim.decided_by,
            "order_id": claim.order_id,
            "shopper_id": claim.shopper_id,
            "reship_order_id": claim.reship_order_id,
        }
    return view


def _claimed_units(kind: str, asked: dict[str, int], shipped: dict[str, int]) -> dict[str, int]:
    if kind == "not_received":
        return {sku: units for sku, units in shipped.items() if units > 0}
    if not asked:
        raise Invalid("say which items are affected, and how many")
    for sku, units in asked.items():
        if sku not in shipped:
            raise Invalid(f"{sku} is not in this order's parcel", sku=sku)
        if units <= 0 or units > shipped[sku]:
            raise Invalid(f"{sku}: between 1 and {shipped[sku]} units were shipped", sku=sku)
    return dict(asked)


def gather_evidence(
    session: Session,
    kaeru: Kaeru,
    order: Order,
    shipment: Shipment,
    *,
    kind: str,
    claimed: dict[str, int],
    value_minor: int,
) -> model.ClaimEvidence:
    """Everything Kaeru knows about the parcel and the shopper, without asking anyone."""
    delivered = session.exec(
        select(TrackingEvent)
        .where(TrackingEvent.shipment_id == shipment.id, TrackingEvent.kind == "delivered")
        .order_by(col(TrackingEvent.at))
    ).first()
    carton = session.get(Carton, shipment.carton_id)
    packed: dict[str, int] = {}
    serials: dict[str, list[str]] = {}
    weights: dict[str, int] = {}
    if carton is not None:
        rows = session.exec(
            select(CartonItem, Item)
            .join(Item, col(Item.id) == col(CartonItem.item_id))
            .where(CartonItem.carton_id == carton.id)
        ).all()
        for row, item in rows:
            packed[item.sku] = packed.get(item.sku, 0) + row.quantity
            weights[item.sku] = item.weight_g
            if row.serial:
                serials.setdefault(item.sku, []).append(row.serial)
    shipping = kaeru.site.shipping
    # The same weight rule the pack station closed the carton under.
    check = check_carton_weight(
        item_weights_g=[weights[sku] for sku, units in packed.items() for _ in range(units)],
        tare_g=shipping.carton_tare_g,
        measured_g=carton.weight_g or 0 if carton else 0,
        tolerance_pct=shipping.weight_tolerance_pct,
        tolerance_min_g=shipping.weight_tolerance_min_g,
    )
    expected, tolerance = check.expected_g, check.tolerance_g
    earlier = session.exec(
        select(DeliveryClaim.resolution).where(DeliveryClaim.shopper_id == order.shopper_id)
    ).all()
    trust = returns.assess_trust(session, returns.config_of(kaeru), order.shopper_id)
    due = shipment.estimated_delivery or order.promised_date
    return model.ClaimEvidence(
        kind=kind,
        delivered_at=delivered.at if delivered else shipment.delivered_at,
        delivered_where=delivered.location if delivered else "",
        packed_weight_g=carton.weight_g if carton else None,
        expected_weight_g=expected,
        weight_tolerance_g=tolerance,
        packed_units=packed,
        packed_serials={sku: tuple(values) for sku, values in serials.items()},
        claimed_units=claimed,
        prior_claims=len(earlier),
        prior_claims_denied=sum(1 for r in earlier if r == "deny"),
        trust_score=trust.score,
        trust_tier=trust.tier.name,
        claim_value_minor=value_minor,
        days_past_estimate=model.days_between(due, utcnow().date()) if due else None,
    )


def file_claim(
    session: Session, kaeru: Kaeru, order: Order, *, kind: str, lines: dict[str, int], note: str = ""
) -> DeliveryClaim:
    """The shopper's claim from the tracking page: gather the evidence, then settle it or hold it."""
    if kind not in model.CLAIM_KINDS:
        raise Invalid(f"unknown claim {kind!r}: one of {', '.join(model.CLAIM_KINDS)}")
    shipment = session.exec(
        select(Shipment)
        .where(Shipment.order_id == order.id, col(Shipment.shipped_at).is_not(None))
        .order_by(col(Shipment.id).desc())
    ).first()
    if shipment is None:
        raise Conflict("this order has not been handed to the carrier yet, so there is nothing to claim for")
    if session.exec(
        select(DeliveryClaim.id).where(
            DeliveryClaim.order_id == order.id, col(DeliveryClaim.status).in_(["open", "review"])
        )
    ).first():
        raise Conflict("a claim for this order is already being looked at")
    priced = {item.sku: (line, item) for line, item in _lines_with_items(session, order)}
    shipped = {sku: line.shipped for sku, (line, _) in priced.items()}
    claimed = _claimed_units(kind, lines, shipped)
    value = sum(priced[sku][0].unit_price_minor * units for sku, units in claimed.items())
    evidence = gather_evidence(session, kaeru, order, shipment, kind=kind, claimed=claimed, value_minor=value)
    rules = config_of(kaeru).claims
    in_stock = all(
        free_stock(session, priced[sku][1].id or 0, order.warehouse_id) >= units
        for sku, units in claimed.items()
    )
    decision = model.decide_claim(
        evidence,
        model.ClaimRulesValues(
            rules.trusted_min_score, rules.max_prior_claims, rules.max_auto_value_minor, rules.lost_after_days
        ),
        in_stock=in_stock,
    )
    claim = DeliveryClaim(
        warehouse_id=order.warehouse_id,
        order_id=order.id or 0,
        shipment_id=shipment.id,
        shopper_id=order.shopper_id,
        kind=kind,
        lines=claimed,
        note=note.strip()[:1000],
        evidence=evidence.as_dict(),
        signals=list(decision.signals),
        currency=order.currency,
    )
    session.add(claim)
    session.flush()
    claim.number = str(1000 + (claim.id or 0))
    audit.record(
        session,
        None,
        action="claim.filed",
        object_type="claim",
        object_id=claim_code(claim),
        warehouse_id=order.warehouse_id,
        kind=kind,
        order=order.number,
        signals=list(decision.signals),
    )
    if decision.status == "review":
        claim.status = "review"
        claim.reason = decision.reason
        session.add(claim)
        return claim
    assert decision.resolution is not None
    return settle(
        session, kaeru, claim, resolution=decision.resolution, reason=decision.reason, principal=None
    )


def settle(
    session: Session,
    kaeru: Kaeru,
    claim: DeliveryClaim,
    *,
    resolution: str,
    reason: str,
    principal: Principal | None,
) -> DeliveryClaim:
    """Carry out a claim's resolution (a replacement order, a refund or a denial) and tell the shopper."""
    if resolution not in model.RESOLUTIONS:
        raise Invalid(f"a claim is settled by one of {', '.join(model.RESOLUTIONS)}")
    order = session.get(Order, claim.order_id)
    assert order is not None
    shopper = session.get(Shopper, claim.shopper_id)
    assert shopper is not None
    prices = {item.sku: line.unit_price_minor for line, item in _lines_with_items(session, order)}
    if resolution == "reship":
        warehouse = session.get(Warehouse, order.warehouse_id)
        assert warehouse is not None
        new = fulfilment.NewOrder(
            number=f"{order.number}-{claim_code(claim)}",
            shopper_email=shopper.email,
            shopper_name=shopper.name,
            shopper_locale=shopper.locale,
            ship_to=dict(order.ship_to),
            carrier=order.carrier,
            service=order.service,
            currency=order.currency,
            channel="claim",
            external_id=f"claim:{claim.id}",
            lines=[fulfilment.NewLine(sku, units, 0) for sku, units in claim.lines.items()],
        )
        reship = fulfilment.create_order(
            session, principal=principal, warehouse=warehouse, new=new, site=kaeru.site
        )
        claim.reship_order_id = reship.id
    elif resolution == "refund":
        claim.amount_minor = sum(prices.get(sku, 0) * units for sku, units in claim.lines.items())
    claim.status = "resolved"
    claim.resolution = resolution
    claim.reason = reason
    claim.decided_by = principal.key if principal else "auto"
    claim.resolved_at = utcnow()
    session.add(claim)
    audit.record(
        session,
        principal,
        action="claim.resolved",
        object_type="claim",
        object_id=claim_code(claim),
        warehouse_id=claim.warehouse_id,
        resolution=resolution,
        reason=reason,
    )
    reship_order = session.get(Order, claim.reship_order_id) if claim.reship_order_id else None
    context = fulfilment.order_context(session, order) | {
        "claim": {
            "number": claim_code(claim),
            "kind": claim.kind,
            "outcome": resolution,
            "amount_minor": claim.amount_minor,
            "currency": claim.currency,
            "note": reason_text(reason, shopper.locale),
            "reship_order": reship_order.number if reship_order else None,
            "reship_tracking_token": reship_order.tracking_token if reship_order else None,
        }
    }
    notify_shopper(
        session,
        topic="claim.resolved",
        shopper=shopper,
        context=context,
        warehouse_id=claim.warehouse_id,
        dedupe_key=f"claim.resolved:{claim.id}",
    )
    return claim


def reason_text(reason: str, locale: str) -> str:
    """A claim reason in the shopper's words (free text from a manager is passed through)."""
    from wms.shopper.pages import translate

    text = translate(locale, f"claim_reason.{reason}")
    return reason if text == f"claim_reason.{reason}" else text


def claim_by_number(session: Session, principal: Principal, number: str) -> DeliveryClaim:
    claim = session.exec(
        select(DeliveryClaim).where(DeliveryClaim.number == number.removeprefix("CLM-"))
    ).first()
    if claim is None or not principal.sees_warehouse(claim.warehouse_id):
        raise NotFound(f"no claim {number}")
    return claim


def decide(
    session: Session, kaeru: Kaeru, principal: Principal, claim: DeliveryClaim, *, resolution: str, note: str
) -> DeliveryClaim:
    """A manager settles a claim held for review."""
    if claim.status != "review":
        raise Conflict(f"{claim_code(claim)} is {claim.status}; only a claim held for review can be decided")
    if resolution == "deny" and not note.strip():
        raise Invalid("say why the claim is denied: the shopper is told the reason")
    return settle(
        session,
        kaeru,
        claim,
        resolution=resolution,
        reason=note.strip() or "manager_decision",
        principal=principal,
    )


# --- orders from the brand's Shopify store -------------------------------------------------------


def _exponents(currency: str) -> dict[str, int]:
    try:
        return {currency: int(get_currency_precision(currency))}
    except (KeyError, ValueError):
        return {}


def import_shopify_order(
    session: Session, kaeru: Kaeru, *, webhook_id: str, shop_domain: str, payload: Any
) -> tuple[Order, bool]:
    """Import one orders/create webhook; a webhook already received returns its order (second: True)."""
    receipt = session.exec(
        select(ShopifyWebhookReceipt).where(ShopifyWebhookReceipt.webhook_id == webhook_id)
    ).first()
    if receipt is not None:
        order = session.get(Order, receipt.order_id) if receipt.order_id else None
        if order is None:
            raise Conflict(f"webhook {webhook_id} was received before but its order is gone")
        return order, True
    config = config_of(kaeru).shopify
    currency = str(payload.get("currency", "")).upper() if isinstance(payload, dict) else ""
    try:
        mapped = model.map_shopify_order(
            payload, prefix=config.order_prefix, exponent_of=_exponents(currency)
        )
    except model.MalformedOrder as exc:
        raise Invalid(f"not a usable Shopify order: {exc}") from exc
    warehouse = session.exec(select(Warehouse).where(Warehouse.code == config.warehouse)).one()
    choice = config.shipping.get(mapped.shipping_code)
    new = fulfilment.NewOrder(
        number=mapped.number,
        shopper_email=mapped.email,
        shopper_name=mapped.name,
        shopper_locale=mapped.locale,
        ship_to=mapped.ship_to,
        currency=mapped.currency,
        channel="shopify",
        external_id=mapped.external_id,
        carrier=choice.carrier if choice else "",
        service=choice.service if choice else "",
        lines=[fulfilment.NewLine(line.sku, line.quantity, line.unit_price_minor) for line in mapped.lines],
    )
    try:
        order = fulfilment.create_order(
            session, principal=None, warehouse=warehouse, new=new, site=kaeru.site
        )
    except NotFound as exc:
        raise Invalid(f"not a usable Shopify order: {exc.message}") from exc
    session.add(ShopifyWebhookReceipt(webhook_id=webhook_id, shop_domain=shop_domain, order_id=order.id))
    session.flush()
    return order, False


# --- after delivery: review requests, replenishment reminders, unsubscribe ------------------------


def subscription_of(session: Session, shopper_id: int) -> MessageSubscription:
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
        audit.record(
            session, None, action="shopper.unsubscribed", object_type="shopper", object_id=row.shopper_id
        )
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
        kind="review",
        dedupe_key=f"review:{order.id}",
        due_at=model.review_due(shipment.delivered_at, delay),
        **common,
    )
    for line, item in _lines_with_items(session, order):
        if item.consumable_days:
            _schedule(
                session,
                kind="replenishment",
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
    if row.kind == "review":
        context["review_url"] = after.review_url.format(order=order.number) if after.review_url else ""
        return "review.requested", context
    item = session.get(Item, row.item_id)
    assert item is not None
    context["item"] = {"sku": item.sku, "name": item.name}
    context["reorder_url"] = after.reorder_url.format(sku=item.sku) if after.reorder_url else ""
    return "replenishment.reminder", context


def send_due(kaeru: Kaeru, *, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send every after-delivery message that is due (skipping shoppers who unsubscribed)."""
    moment = now or utcnow()

    def work(session: Session) -> dict[str, int]:
        rows = session.exec(
            select(ScheduledMessage)
            .where(ScheduledMessage.status == "pending", ScheduledMessage.due_at <= moment)
            .order_by(col(ScheduledMessage.due_at), col(ScheduledMessage.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        counts = {"sent": 0, "skipped": 0}
        for row in rows:
            shopper = session.get(Shopper, row.shopper_id)
            order = session.get(Order, row.order_id)
            subscription = subscription_of(session, row.shopper_id)
            if shopper is None or order is None or subscription.unsubscribed_at is not None:
                row.status = "skipped"
            else:
                topic, context = _message_context(session, kaeru, row, order, subscription.token)
                notify_shopper(
                    session,
                    topic=topic,
                    shopper=shopper,
                    context=context,
                    warehouse_id=row.warehouse_id,
                    dedupe_key=f"{row.kind}:{row.id}",
                )
                row.status = "sent"
            row.done_at = utcnow()
            counts[row.status] += 1
            session.add(row)
        return counts

    return kaeru.db.write(work)
