"""What a return, a parcel, a unit, a hold and a checklist look like to the screens, the shopper and the API.

Views of one object read through the session's identity map (the scan path stays cheap); views of
many load their rows once per page through `queries.rows_of`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from devices.scan import RMA_TOKEN_PREFIX
from wms import i18n
from wms.inventory.tables import Item, Location
from wms.merchants.service import brand_facts
from wms.returns import queries
from wms.returns.queries import ReturnRows
from wms.returns.rules import OUTCOMES, REASONS, ReturnsConfig
from wms.returns.tables import ReturnAuthorisation, ReturnHold, ReturnLine, ReturnParcel, ReturnUnit


def rma_code(rma: ReturnAuthorisation) -> str:
    return f"RMA-{rma.number}"


def qr_payload(rma: ReturnAuthorisation) -> str:
    return f"{RMA_TOKEN_PREFIX}{rma.token}"


def unit_view(session: Session, unit: ReturnUnit) -> dict[str, Any]:
    item = session.get(Item, unit.item_id) if unit.item_id else None
    destination = (
        session.get(Location, unit.destination_location_id) if unit.destination_location_id else None
    )
    return unit_shown(unit, item, destination)


def unit_shown(unit: ReturnUnit, item: Item | None, destination: Location | None) -> dict[str, Any]:
    return {
        "id": unit.id,
        "parcel": unit.parcel_id,
        "sku": item.sku if item else None,
        "name": item.name if item else unit.description,
        "category": unit.category,
        "serial": unit.serial,
        "scanned": unit.scanned,
        "match": unit.match,
        "match_message": i18n.say(unit.match_message),
        "status": unit.status,
        "grade": unit.grade,
        "grade_rule": unit.grade_rule,
        "answers": unit.answers,
        "disposition": unit.disposition,
        "disposition_rule": unit.disposition_rule,
        "location": destination.code if destination else None,
        "tote": unit.tote,
        "lpn": unit.lpn,
        "value_minor": unit.value_minor,
        "recovery_minor": unit.recovery_minor,
        "currency": unit.currency,
        "resolution": unit.resolution or None,
        "resolution_detail": unit.resolution_detail,
        "put_away_at": unit.put_away_at.isoformat() if unit.put_away_at else None,
    }


def rma_view(session: Session, rma: ReturnAuthorisation, *, staff: bool = True) -> dict[str, Any]:
    return rma_views(session, [rma], staff=staff)[0]


def rma_views(
    session: Session, rmas: Sequence[ReturnAuthorisation], *, staff: bool = True
) -> list[dict[str, Any]]:
    """Views of several returns for the cost of one (see `queries.rows_of`)."""
    rows = queries.rows_of(session, rmas, staff=staff)
    return [_rma_shown(rma, rows, staff=staff) for rma in rmas]


def _line_shown(line: ReturnLine, rows: ReturnRows) -> dict[str, Any]:
    item = rows.items[line.item_id]
    exchange = rows.items.get(line.exchange_item_id) if line.exchange_item_id else None
    exchange_order = rows.orders.get(line.exchange_order_id) if line.exchange_order_id else None
    return {
        "id": line.id,
        "sku": item.sku,
        "name": item.name,
        "quantity": line.quantity,
        "received": line.received,
        "resolved": line.resolved,
        "reason": line.reason,
        "reason_text": line.reason_text,
        "outcome": line.outcome,
        "keep_it": line.keep_it,
        "exchange_sku": exchange.sku if exchange else None,
        "exchange_order": exchange_order.number if exchange_order else None,
        "unit_price_minor": line.unit_price_minor,
        "quoted_minor": line.quoted_minor,
    }


def _rma_shown(rma: ReturnAuthorisation, rows: ReturnRows, *, staff: bool) -> dict[str, Any]:
    rma_id = rma.id or 0
    order = rows.orders.get(rma.order_id) if rma.order_id else None
    merchant = rows.merchants.get(rma.merchant_id)
    view: dict[str, Any] = {
        "number": rma.number,
        "merchant": merchant.code if merchant else "",
        "brand": (merchant.profile.get("brand") or {}).get("name", merchant.name) if merchant else "",
        "code": rma_code(rma),
        "qr_payload": qr_payload(rma),
        "token": rma.token,
        "kind": rma.kind,
        "status": rma.status,
        "order": order.number if order else None,
        "currency": rma.currency,
        "return_by": rma.return_by,
        "carrier": rma.return_carrier,
        "tracking_number": rma.return_tracking_number,
        "created_at": rma.created_at,
        "received_at": rma.received_at,
        "lines": [_line_shown(line, rows) for line in rows.lines.get(rma_id, [])],
        "money": [
            {"kind": m.kind, "amount_minor": m.amount_minor, "currency": m.currency, "at": m.created_at}
            for m in rows.money.get(rma_id, [])
        ],
    }
    if staff:
        units = rows.units.get(rma_id, [])
        view |= {
            "channel": rma.channel,
            "trust_score": rma.trust_score,
            "trust_tier": rma.trust_tier,
            "instant_refund": rma.instant_refund,
            "hold_signals": rma.hold_signals,
            "outside_window": rma.outside_window,
            "units": [
                unit_shown(
                    u,
                    rows.items.get(u.item_id) if u.item_id else None,
                    rows.locations.get(u.destination_location_id) if u.destination_location_id else None,
                )
                for u in units
            ],
            "holds": [hold_view(h) for h in rows.holds.get(rma_id, [])],
        }
    return view


def hold_view(hold: ReturnHold) -> dict[str, Any]:
    return {
        "id": hold.id,
        "status": hold.status,
        "signals": hold.signals,
        "evidence": hold.evidence,
        "decided_by": hold.decided_by or None,
        "decided_at": hold.decided_at,
        "note": hold.note,
        "created_at": hold.created_at,
    }


def held_view(hold: ReturnHold, rma: ReturnAuthorisation) -> dict[str, Any]:
    """A hold in the managers' list, with what identifies its return."""
    return {**hold_view(hold), "rma": rma_code(rma), "order_id": rma.order_id, "trust_score": rma.trust_score}


def parcel_view(session: Session, parcel: ReturnParcel, *, locale: str = "en") -> dict[str, Any]:
    rma = queries.rma_of(session, parcel)
    units = queries.parcel_units(session, parcel.id or 0)
    expected = [
        {"sku": queries.item(session, line.item_id).sku, "quantity": line.quantity, "received": line.received}
        for line in queries.rma_lines(session, rma.id or 0)
        if not line.keep_it
    ]
    brand = brand_facts(session, rma.merchant_id)
    return {
        "id": parcel.id,
        "merchant": brand.get("code", ""),
        "brand": brand.get("name", ""),
        "status": parcel.status,
        "rma": rma_code(rma),
        "rma_kind": rma.kind,
        "rma_status": rma.status,
        "found_by": parcel.found_by,
        "weight_g": parcel.weight_g,
        "expected_weight_g": parcel.expected_weight_g,
        "weight_verdict": parcel.weight_verdict,
        "hold_signals": rma.hold_signals,
        "expected": expected,
        "units": [unit_view(session, u) for u in units],
    }


def rubric_view(config: ReturnsConfig, category: str, locale: str) -> dict[str, Any]:
    rubric = config.rubric_for(category)
    return {
        "category": rubric.category,
        "questions": [
            {"id": q.id, "text": i18n.said(q.text, i18n.current(locale)), "answers": q.answers}
            for q in rubric.questions
        ],
    }


def policy_view(config: ReturnsConfig) -> dict[str, Any]:
    """The policy's numbers, for the portal and the station screen."""
    p = config.policy
    return {
        "reasons": list(REASONS),
        "outcomes": list(OUTCOMES),
        "window_days": p.window_days,
        "arrive_within_days": p.arrive_within_days,
        "final_sale_returnable": p.final_sale_returnable,
        "store_credit_bonus_percent": p.store_credit_bonus_percent,
        "merchant_fault_reasons": p.merchant_fault_reasons,
        "restocking_fees": [f.model_dump() for f in p.restocking_fees],
        "grade_deduction_percent": p.grade_deduction_percent,
        "keep_it": p.keep_it.model_dump() if p.keep_it else None,
        "trust_tiers": [t.model_dump() for t in p.trust.tiers],
    }
