"""What happens to staff accounts and device tokens that the audit trail keeps (wms.identity.effects)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UserAdded:
    username: str
    role: str


@dataclass(frozen=True)
class DeviceTokenIssued:
    device_code: str
    warehouse_id: int
