"""Fraud holds: signals found at intake stop a return's refund until a manager approves or rejects it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from wms.context import Kaeru
from wms.db import utcnow
from wms.errors import Conflict, Forbidden
from wms.identity.model import Principal
from wms.returns import events, model, queries
from wms.returns.effects import EFFECTS
from wms.returns.model import HOLD, RMA, HoldStatus, RmaStatus
from wms.returns.queries import config_of
from wms.returns.resolution import complete_if_done, resolve_unit
from wms.returns.shared_signal import record_held
from wms.returns.tables import ReturnAuthorisation, ReturnHold
from wms.returns.views import rma_code


@dataclass(frozen=True)
class Evidence:
    """Fraud signals found about a return, and what showed them (kept on the hold for the reviewer)."""

    signals: list[str]
    facts: dict[str, Any] = field(default_factory=dict)


def raise_signals(
    session: Session,
    *,
    kaeru: Kaeru,
    principal: Principal | None,
    rma: ReturnAuthorisation,
    evidence: Evidence,
) -> ReturnHold | None:
    """Record fraud signals; those the policy holds on stop the refund until a manager decides."""
    new = [s for s in evidence.signals if s not in rma.hold_signals]
    if not new:
        return None
    rma.hold_signals = [*rma.hold_signals, *new]
    session.add(rma)
    holding = model.hold_reasons(config_of(kaeru, rma.merchant_id).policy.fraud, new)
    if not holding or rma.status in (RmaStatus.REJECTED, RmaStatus.CANCELLED):
        return None
    hold = session.exec(
        select(ReturnHold).where(ReturnHold.rma_id == rma.id, ReturnHold.status == HoldStatus.OPEN)
    ).first()
    opened = hold is None
    if hold is None:
        record_held(session, kaeru, rma)
        hold = ReturnHold(warehouse_id=rma.warehouse_id, merchant_id=rma.merchant_id, rma_id=rma.id or 0)
    hold.signals = [*hold.signals, *[s for s in holding if s not in hold.signals]]
    hold.evidence = {**hold.evidence, **{f"{s}": evidence.facts for s in holding}}
    session.add(hold)
    rma.status = RMA.move(rma.status, RmaStatus.ON_HOLD, what=rma_code(rma))
    session.add(rma)
    session.flush()
    EFFECTS.record(session, principal, events.ReturnHeld(rma, hold, holding, opened, kaeru.settings.base_url))
    return hold


def decide_hold(
    session: Session, *, kaeru: Kaeru, principal: Principal, hold: ReturnHold, approve: bool, note: str = ""
) -> ReturnHold:
    """A manager's decision on a held return: approve (resolve as usual) or reject (no refund)."""
    if not principal.can("returns.review"):
        raise Forbidden("only a manager may decide a held return")
    session.refresh(hold, with_for_update=True)
    if hold.status != HoldStatus.OPEN:
        raise Conflict(
            "hold {id} was already {status} by {decided_by}",
            id=hold.id,
            status=hold.status,
            decided_by=hold.decided_by,
        )
    rma = queries.rma_of(session, hold)
    decided = HoldStatus.APPROVED if approve else HoldStatus.REJECTED
    hold.status = HOLD.move(hold.status, decided, what=f"hold {hold.id}")
    hold.decided_by, hold.decided_at, hold.note = principal.key, utcnow(), note.strip()
    session.add(hold)
    resolved = _release(session, kaeru, principal, rma) if approve else _reject(rma)
    EFFECTS.record(session, principal, events.HoldDecided(rma, hold, resolved, kaeru.settings.base_url))
    return hold


def _release(
    session: Session, kaeru: Kaeru, principal: Principal, rma: ReturnAuthorisation
) -> list[dict[str, Any]]:
    """Approved: the return goes back to where it was, and its graded units are resolved as usual."""
    back = RmaStatus.RECEIVED if rma.received_at else RmaStatus.AUTHORISED
    rma.status = RMA.move(rma.status, back, what=rma_code(rma))
    session.add(rma)
    resolved = []
    for unit in queries.rma_units(session, rma.id or 0):
        result = resolve_unit(session, kaeru=kaeru, principal=principal, rma=rma, unit=unit)
        if result is not None:
            resolved.append({"unit": unit.id, **result})
    complete_if_done(session, rma)
    return resolved


def _reject(rma: ReturnAuthorisation) -> list[dict[str, Any]]:
    rma.status = RMA.move(rma.status, RmaStatus.REJECTED, what=rma_code(rma))
    rma.completed_at = utcnow()
    return []
