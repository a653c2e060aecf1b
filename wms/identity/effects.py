"""What each identity event writes: its audit row, in the use case's transaction."""

from __future__ import annotations

from wms.identity.events import DeviceTokenIssued, UserAdded
from wms.platform.effects import EffectMap, Effects


def user_added(fx: Effects, event: UserAdded) -> None:
    # No warehouse named: the row takes the admin's own (None for an admin of every warehouse).
    fx.audit("user.added", "user", event.username, warehouse_id=None, role=event.role)


def device_token_issued(fx: Effects, event: DeviceTokenIssued) -> None:
    fx.audit("device.token_issued", "device", event.device_code, warehouse_id=event.warehouse_id)


EFFECTS = EffectMap("identity", {UserAdded: user_added, DeviceTokenIssued: device_token_issued})
