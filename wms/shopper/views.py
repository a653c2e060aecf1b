"""How a delivery claim is shown: its CLM- number, its facts for the shopper (and more for staff), and
its reason in the shopper's words."""

from __future__ import annotations

from typing import Any

from wms.shopper.pages import translate
from wms.shopper.tables import DeliveryClaim


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


def reason_text(reason: str, locale: str) -> str:
    """A claim reason in the shopper's words (free text from a manager is passed through)."""
    text = translate(locale, f"claim_reason.{reason}")
    return reason if text == f"claim_reason.{reason}" else text
