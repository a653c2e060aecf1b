"""What a dashboard shows the moment it connects, computed from the database.

Other areas add their own figures by appending to SNAPSHOT_PARTS (name, fn(session, warehouse_id));
the returns area's backlog is read from its tables when they exist and it registered nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, inspect
from sqlmodel import Session, SQLModel, col, select

from wms.areas import area_module
from wms.db import utcnow
from wms.fulfilment.tables import Order
from wms.identity.tables import Device, Station
from wms.platform.tables import ScanRecord

SnapshotPart = Callable[[Session, int], Any]
SNAPSHOT_PARTS: list[tuple[str, SnapshotPart]] = []
MINUTES = 15


def scans_per_minute(
    session: Session, warehouse_id: int, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Scans received in each of the last 15 minutes, oldest first."""
    end = now or utcnow()
    start = end - timedelta(minutes=MINUTES)
    rows = session.exec(
        select(ScanRecord.received_at, ScanRecord.outcome).where(
            ScanRecord.warehouse_id == warehouse_id, col(ScanRecord.received_at) > start
        )
    ).all()
    totals, rejected = [0] * MINUTES, [0] * MINUTES
    for received_at, outcome in rows:
        index = min(MINUTES - 1, int((received_at - start).total_seconds() // 60))
        totals[index] += 1
        if outcome == "rejected":
            rejected[index] += 1
    return [
        {
            "minute": (start + timedelta(minutes=i + 1)).isoformat(),
            "total": totals[i],
            "rejected": rejected[i],
        }
        for i in range(MINUTES)
    ]


def orders_by_state(session: Session, warehouse_id: int) -> dict[str, int]:
    rows = session.exec(
        select(Order.status, func.count()).where(Order.warehouse_id == warehouse_id).group_by(Order.status)
    ).all()
    return {status: int(count) for status, count in rows}


def device_health(session: Session, warehouse_id: int) -> list[dict[str, Any]]:
    stations = {
        s.id: s.code for s in session.exec(select(Station).where(Station.warehouse_id == warehouse_id))
    }
    devices = session.exec(
        select(Device).where(Device.warehouse_id == warehouse_id).order_by(col(Device.code))
    )
    return [
        {
            "device": d.code,
            "kind": d.kind,
            "station": stations.get(d.station_id),
            "state": d.state,
            "detail": d.state_detail,
            "last_seen": d.last_seen.isoformat() if d.last_seen else None,
        }
        for d in devices
    ]


def _returns_tables() -> list[type[SQLModel]]:
    module = area_module("wms.returns.tables") if area_module("wms.returns") is not None else None
    if module is None:
        return []
    return [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, SQLModel)
        and hasattr(obj, "__table__")
        and obj.__module__ == module.__name__
    ]


def returns_backlog(session: Session, warehouse_id: int) -> dict[str, Any] | None:
    """Returns by stage, read from the returns area's main table (one with warehouse_id and status)."""
    for table in _returns_tables():
        columns = {c.key for c in inspect(table).columns}
        if {"warehouse_id", "status"} <= columns and "return" in table.__name__.lower():
            status, warehouse = table.__table__.c.status, table.__table__.c.warehouse_id  # type: ignore[attr-defined]
            rows = session.exec(
                select(status, func.count()).where(warehouse == warehouse_id).group_by(status)
            ).all()
            return {"table": table.__tablename__, "by_stage": {str(s): int(n) for s, n in rows}}
    return None


def snapshot(session: Session, warehouse_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "scans_per_minute": scans_per_minute(session, warehouse_id, now=now),
        "orders_by_state": orders_by_state(session, warehouse_id),
        "devices": device_health(session, warehouse_id),
        "returns": None,
    }
    for name, part in SNAPSHOT_PARTS:
        data[name] = part(session, warehouse_id)
    if data["returns"] is None:
        data["returns"] = returns_backlog(session, warehouse_id)
    return data
