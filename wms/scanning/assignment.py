"""What each scanning device is working on (its mode and task), and which warehouse it scans in.

A device's assignment decides where its next scan is routed (docs/architecture.md, "How a scan
travels"); screens and scan handlers move it on with `assign`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, select

from wms.db import Direct, utcnow
from wms.errors import Invalid, NotFound
from wms.identity.model import Principal
from wms.inventory.tables import Warehouse
from wms.platform.tables import DeviceAssignment

MODES = {"idle", "pick", "pack", "returns", "receive", "putaway"}
_ASSIGNMENT = select(DeviceAssignment).where(DeviceAssignment.actor == bindparam("actor"))
_a = DeviceAssignment.__table__  # type: ignore[attr-defined]
_MODE = Direct(core_select(_a.c.mode).where(_a.c.actor == bindparam("actor")))


def mode_of(session: Session, principal: Principal) -> str:
    """What the caller's device is doing (idle when it was never assigned), without loading the row."""
    session.flush()  # a step earlier in this transaction may have moved it on
    mode = _MODE.scalar(session.connection(), {"actor": principal.key})
    return mode or "idle"


def assignment_for(session: Session, principal: Principal) -> DeviceAssignment:
    """The caller's assignment; looked up once per transaction (a replayed batch routes thousands)."""
    known = session.info.setdefault("kaeru_assignments", {})
    if principal.key in known:
        cached = session.get(DeviceAssignment, known[principal.key])
        if cached is not None:
            return cached
    assignment = session.exec(_ASSIGNMENT, params={"actor": principal.key}).first()
    if assignment is None:
        assignment = DeviceAssignment(actor=principal.key, user_id=principal.user_id)
        session.add(assignment)
        session.flush()
    known[principal.key] = assignment.id
    return assignment


def assign(
    session: Session,
    principal: Principal,
    *,
    mode: str,
    ref_type: str = "",
    ref_id: str = "",
    state: dict[str, Any] | None = None,
) -> DeviceAssignment:
    """Point the caller's scans at a task (or back to idle)."""
    if mode not in MODES:
        raise Invalid("unknown mode {mode!r}; one of {names}", mode=mode, names=", ".join(sorted(MODES)))
    assignment = assignment_for(session, principal)
    assignment.mode, assignment.ref_type, assignment.ref_id = mode, ref_type, ref_id
    assignment.state = state or {}
    assignment.updated_at = utcnow()
    session.add(assignment)
    return assignment


def resume_or_assign(
    session: Session, principal: Principal, *, mode: str, ref_type: str = "", ref_id: str = ""
) -> DeviceAssignment:
    """The same mode asked for again without a task (a reloaded screen): the work in hand carries on.
    Anything else points the caller's scans anew."""
    current = assignment_for(session, principal)
    if current.mode == mode and not ref_type and not ref_id:
        return current
    return assign(session, principal, mode=mode, ref_type=ref_type, ref_id=ref_id)


def warehouse_of(principal: Principal, session: Session) -> int:
    if principal.warehouse_id is not None:
        return principal.warehouse_id
    # admins scanning: the first warehouse
    warehouse = session.exec(select(Warehouse).order_by(Warehouse.id)).first()  # type: ignore[arg-type]
    if warehouse is None:
        raise NotFound("no warehouse is set up yet")
    return warehouse.id or 0
