"""Reading the scan record: the latest scans of the caller's warehouse, in one statement."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from wms.identity.model import Principal
from wms.platform.tables import ScanRecord


def recent_scans(
    session: Session, principal: Principal, *, limit: int, after: int | None = None
) -> list[dict[str, Any]]:
    """Scans, newest first (a keyset page: `after` a scan's id)."""
    statement = select(ScanRecord).order_by(col(ScanRecord.id).desc()).limit(min(max(limit, 1), 500))
    if after is not None:
        statement = statement.where(col(ScanRecord.id) < after)
    if principal.warehouse_id is not None:
        statement = statement.where(ScanRecord.warehouse_id == principal.warehouse_id)
    return [r.model_dump(mode="json") for r in session.exec(statement)]
