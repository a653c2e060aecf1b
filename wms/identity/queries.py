"""Reads of staff accounts, devices, stations and the audit trail, scoped to the caller's warehouse.
Each list is one statement whatever its length."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from wms.errors import Forbidden, NotFound
from wms.identity.model import Principal
from wms.identity.tables import Device, Station, User
from wms.platform.tables import AuditEntry


def users(session: Session, *, limit: int = 500, after: int | None = None) -> Sequence[User]:
    """Staff accounts by id (a keyset page)."""
    statement = select(User).order_by(col(User.id)).limit(limit)
    if after is not None:
        statement = statement.where(col(User.id) > after)
    return session.exec(statement).all()


def devices(
    session: Session, principal: Principal, *, limit: int = 500, after: str | None = None
) -> Sequence[tuple[Device, Station | None]]:
    """Devices with their station (if any), by code (a keyset page: `after` a device's code)."""
    statement = select(Device, Station).join(Station, col(Station.id) == col(Device.station_id), isouter=True)
    if principal.warehouse_id is not None:
        statement = statement.where(Device.warehouse_id == principal.warehouse_id)
    if after is not None:
        statement = statement.where(col(Device.code) > after)
    return session.exec(statement.order_by(col(Device.code)).limit(limit)).all()


def station(session: Session, principal: Principal, code: str) -> tuple[Station, Sequence[Device]]:
    found = session.exec(select(Station).where(Station.code == code)).first()
    if found is None or not principal.sees_warehouse(found.warehouse_id):
        raise NotFound(f"no station {code!r}")
    return found, session.exec(select(Device).where(Device.station_id == found.id)).all()


def audit_entries(
    session: Session,
    principal: Principal,
    *,
    object_type: str | None,
    object_id: str | None,
    limit: int,
    after: int | None = None,
) -> Sequence[AuditEntry]:
    """The newest entries first, at most `limit` (1..1000); `after`: older than that entry."""
    if principal.merchant_ids is not None:
        # The trail is the floor's, of every merchant's objects: not for one merchant's people.
        raise Forbidden("the audit trail covers every merchant of the floor: ask a manager of the warehouse")
    statement = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(min(max(limit, 1), 1000))
    if after is not None:
        statement = statement.where(col(AuditEntry.id) < after)
    if principal.warehouse_id is not None:
        statement = statement.where(AuditEntry.warehouse_id == principal.warehouse_id)
    if object_type:
        statement = statement.where(AuditEntry.object_type == object_type)
    if object_id:
        statement = statement.where(AuditEntry.object_id == object_id)
    return session.exec(statement).all()
