"""Delivery claims: a shopper reports a parcel lost, damaged or wrong; Kaeru gathers its own evidence,
settles the claim at once (replacement, refund or denial) or holds it for a manager, who decides."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from wms.context import Kaeru
from wms.db import utcnow
from wms.errors import Conflict, Invalid, NotFound
from wms.fulfilment import service as fulfilment
from wms.fulfilment.model import WeightCheck, check_carton_weight
from wms.fulfilment.tables import Carton, CartonItem, Order, OrderLine, Shipment, Shopper, TrackingEvent
from wms.identity.model import Principal
from wms.inventory.tables import Item, Location, Quant, Warehouse
from wms.returns import service as returns
from wms.shopper import model
from wms.shopper.config import config_of
from wms.shopper.effects import EFFECTS
from wms.shopper.events import ClaimFiled, ClaimResolved
from wms.shopper.model import CLAIMS, ClaimKind, ClaimStatus, Resolution
from wms.shopper.queries import last_shipped, lines_with_items
from wms.shopper.tables import DeliveryClaim
from wms.shopper.views import claim_code

OPEN_STATES = (ClaimStatus.OPEN, ClaimStatus.REVIEW)


def free_stock(session: Session, item_id: int, warehouse_id: int) -> int:
    """New units of an item free to send as a replacement, in the warehouse's pick and storage places."""
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


def _claimed_units(kind: str, asked: dict[str, int], shipped: dict[str, int]) -> dict[str, int]:
    if kind == ClaimKind.NOT_RECEIVED:
        return {sku: units for sku, units in shipped.items() if units > 0}
    if not asked:
        raise Invalid("say which items are affected, and how many")
    for sku, units in asked.items():
        if sku not in shipped:
            raise Invalid("{sku} is not in this order's parcel", sku=sku)
        if units <= 0 or units > shipped[sku]:
            raise Invalid("{sku}: between 1 and {shipped} units were shipped", shipped=shipped[sku], sku=sku)
    return dict(asked)


@dataclass(frozen=True)
class _Packed:
    """What the packer scanned into the carton, and what each SKU weighs."""

    units: dict[str, int]
    serials: dict[str, list[str]]
    weights: dict[str, int]


def _packed(session: Session, carton: Carton | None) -> _Packed:
    packed = _Packed({}, {}, {})
    if carton is None:
        return packed
    rows = session.exec(
        select(CartonItem, Item)
        .join(Item, col(Item.id) == col(CartonItem.item_id))
        .where(CartonItem.carton_id == carton.id)
    ).all()
    for row, item in rows:
        packed.units[item.sku] = packed.units.get(item.sku, 0) + row.quantity
        packed.weights[item.sku] = item.weight_g
        if row.serial:
            packed.serials.setdefault(item.sku, []).append(row.serial)
    return packed


def _weight_check(kaeru: Kaeru, carton: Carton | None, packed: _Packed) -> WeightCheck:
    """The same weight rule the pack station closed the carton under."""
    shipping = kaeru.site.shipping
    return check_carton_weight(
        item_weights_g=[packed.weights[sku] for sku, units in packed.units.items() for _ in range(units)],
        tare_g=shipping.carton_tare_g,
        measured_g=carton.weight_g or 0 if carton else 0,
        tolerance_pct=shipping.weight_tolerance_pct,
        tolerance_min_g=shipping.weight_tolerance_min_g,
    )


def _delivered_scan(session: Session, shipment: Shipment) -> TrackingEvent | None:
    return session.exec(
        select(TrackingEvent)
        .where(TrackingEvent.shipment_id == shipment.id, TrackingEvent.kind == "delivered")
        .order_by(col(TrackingEvent.at))
    ).first()


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
    delivered = _delivered_scan(session, shipment)
    carton = session.get(Carton, shipment.carton_id)
    packed = _packed(session, carton)
    check = _weight_check(kaeru, carton, packed)
    earlier = session.exec(
        select(DeliveryClaim.resolution).where(DeliveryClaim.shopper_id == order.shopper_id)
    ).all()
    trust = returns.assess_trust(session, returns.config_of(kaeru, order.merchant_id), order.shopper_id)
    due = shipment.estimated_delivery or order.promised_date
    return model.ClaimEvidence(
        kind=kind,
        delivered_at=delivered.at if delivered else shipment.delivered_at,
        delivered_where=delivered.location if delivered else "",
        packed_weight_g=carton.weight_g if carton else None,
        expected_weight_g=check.expected_g,
        weight_tolerance_g=check.tolerance_g,
        packed_units=packed.units,
        packed_serials={sku: tuple(values) for sku, values in packed.serials.items()},
        claimed_units=claimed,
        prior_claims=len(earlier),
        prior_claims_denied=sum(1 for r in earlier if r == Resolution.DENY),
        trust_score=trust.score,
        trust_tier=trust.tier.name,
        claim_value_minor=value_minor,
        days_past_estimate=model.days_between(due, utcnow().date()) if due else None,
    )


def _claimable_shipment(session: Session, order: Order) -> Shipment:
    """The parcel a claim is about; refused while nothing was shipped or another claim is open."""
    shipment = last_shipped(session, order)
    if shipment is None:
        raise Conflict("this order has not been handed to the carrier yet, so there is nothing to claim for")
    if session.exec(
        select(DeliveryClaim.id).where(
            DeliveryClaim.order_id == order.id, col(DeliveryClaim.status).in_(OPEN_STATES)
        )
    ).first():
        raise Conflict("a claim for this order is already being looked at")
    return shipment


def _decide(
    session: Session, kaeru: Kaeru, order: Order, evidence: model.ClaimEvidence, items: dict[str, Item]
) -> model.ClaimDecision:
    rules = config_of(kaeru).claims
    in_stock = all(
        free_stock(session, items[sku].id or 0, order.warehouse_id) >= units
        for sku, units in evidence.claimed_units.items()
    )
    return model.decide_claim(
        evidence,
        model.ClaimRulesValues(
            rules.trusted_min_score, rules.max_prior_claims, rules.max_auto_value_minor, rules.lost_after_days
        ),
        in_stock=in_stock,
    )


def file_claim(
    session: Session, kaeru: Kaeru, order: Order, *, kind: str, lines: dict[str, int], note: str = ""
) -> DeliveryClaim:
    """The shopper's claim from the tracking page: gather the evidence, then settle it or hold it."""
    if kind not in model.CLAIM_KINDS:
        raise Invalid("unknown claim {kind!r}: one of {names}", kind=kind, names=", ".join(model.CLAIM_KINDS))
    shipment = _claimable_shipment(session, order)
    priced: dict[str, tuple[OrderLine, Item]] = {
        item.sku: (line, item) for line, item in lines_with_items(session, order)
    }
    claimed = _claimed_units(kind, lines, {sku: line.shipped for sku, (line, _) in priced.items()})
    value = sum(priced[sku][0].unit_price_minor * units for sku, units in claimed.items())
    evidence = gather_evidence(session, kaeru, order, shipment, kind=kind, claimed=claimed, value_minor=value)
    decision = _decide(session, kaeru, order, evidence, {sku: item for sku, (_, item) in priced.items()})
    claim = DeliveryClaim(
        warehouse_id=order.warehouse_id,
        merchant_id=order.merchant_id,
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
    EFFECTS.record(session, None, ClaimFiled(claim, order, decision.signals))
    if decision.resolution is None:  # held for a manager
        claim.status = CLAIMS.move(claim.status, decision.status, what=claim_code(claim))
        claim.reason = decision.reason
        session.add(claim)
        return claim
    return settle(
        session, kaeru, claim, resolution=decision.resolution, reason=decision.reason, principal=None
    )


@dataclass(frozen=True)
class _Parties:
    order: Order
    shopper: Shopper


def _reship(
    session: Session, kaeru: Kaeru, claim: DeliveryClaim, parties: _Parties, principal: Principal | None
) -> Order:
    """A replacement order for the claimed units, at no charge."""
    order, shopper = parties.order, parties.shopper
    warehouse = session.get(Warehouse, order.warehouse_id)
    if warehouse is None:
        raise NotFound("the warehouse of order {number} is gone", number=order.number)
    new = fulfilment.NewOrder(
        number=f"{order.number}-{claim_code(claim)}",
        merchant_id=order.merchant_id,
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
    return fulfilment.create_order(
        session, principal=principal, warehouse=warehouse, new=new, site=kaeru.site
    )


def _parties(session: Session, claim: DeliveryClaim) -> _Parties:
    order = session.get(Order, claim.order_id)
    shopper = session.get(Shopper, claim.shopper_id)
    if order is None or shopper is None:
        raise NotFound("the order or shopper of {claim_code} is gone", claim_code=claim_code(claim))
    return _Parties(order, shopper)


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
        raise Invalid("a claim is settled by one of {names}", names=", ".join(model.RESOLUTIONS))
    parties = _parties(session, claim)
    if resolution == Resolution.RESHIP:
        claim.reship_order_id = _reship(session, kaeru, claim, parties, principal).id
    elif resolution == Resolution.REFUND:
        prices = {item.sku: line.unit_price_minor for line, item in lines_with_items(session, parties.order)}
        claim.amount_minor = sum(prices.get(sku, 0) * units for sku, units in claim.lines.items())
    claim.status = CLAIMS.move(claim.status, ClaimStatus.RESOLVED, what=claim_code(claim))
    claim.resolution = resolution
    claim.reason = reason
    claim.decided_by = principal.key if principal else "auto"
    claim.resolved_at = utcnow()
    session.add(claim)
    EFFECTS.record(session, principal, ClaimResolved(claim, parties.order, parties.shopper))
    return claim


def decide(
    session: Session, kaeru: Kaeru, principal: Principal, claim: DeliveryClaim, *, resolution: str, note: str
) -> DeliveryClaim:
    """A manager settles a claim held for review."""
    if claim.status != ClaimStatus.REVIEW:
        raise Conflict(
            "{claim_code} is {status}; only a claim held for review can be decided",
            claim_code=claim_code(claim),
            status=claim.status,
        )
    if resolution == Resolution.DENY and not note.strip():
        raise Invalid("say why the claim is denied: the shopper is told the reason")
    return settle(
        session,
        kaeru,
        claim,
        resolution=resolution,
        reason=note.strip() or "manager_decision",
        principal=principal,
    )
