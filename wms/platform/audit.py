"""The audit trail: who did what, from which device, to which object."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from wms.identity.model import Principal
from wms.platform.tables import AuditEntry


def record(
    session: Session,
    principal: Principal | None,
    *,
    action: str,
    object_type: str,
    object_id: object,
    warehouse_id: int | None = None,
    **details: Any,
) -> None:
    """Append one audit entry in the caller's transaction."""
    session.add(
        AuditEntry(
            actor=principal.key if principal else "system",
            device_id=principal.device_id if principal else None,
            warehouse_id=warehouse_id
            if warehouse_id is not None
            else (principal.warehouse_id if principal else None),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            details=details,
        )
    )
