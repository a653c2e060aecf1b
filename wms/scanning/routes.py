"""Where a scan goes: the whole routing table, by what the scanning device is working on.

A device's mode is set by the screen or step that gave it work (`wms.scanning.assignment.assign`).
Modes that change things run in a savepoint (a refused step undoes its effects, the scan stays
recorded); modes that only answer need neither the savepoint nor the assignment row. A mode listed
in neither table answers as an idle device does: what the thing is and where its stock is.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from devices.scan import Scan
from wms.context import Kaeru
from wms.fulfilment import scans as fulfilment
from wms.fulfilment.model import StepResult
from wms.identity.model import Principal
from wms.inventory import scans as inventory
from wms.platform.tables import DeviceAssignment
from wms.returns import scans as returns
from wms.scanning.lookup import look_up

Handler = Callable[[Session, Kaeru, Principal, DeviceAssignment, Scan], StepResult]
Reader = Callable[[Session, Kaeru, Principal, Scan], StepResult]

# Scans that change things: the handler may move the device's assignment on.
CHANGING: dict[str, Handler] = {
    "pick": fulfilment.pick,
    "pack": fulfilment.pack,
    "returns": returns.returns_scan,
    "receive": inventory.receive_scan,
    "putaway": inventory.putaway_scan,
}
# What a caller must hold to scan in each mode (wms.identity.model: a role's permissions, or a device's
# station's): a pick handheld put into "returns" mode is refused, not routed to the returns flow.
MODE_PERMISSIONS: dict[str, str] = {
    "pick": "scan.pick",
    "pack": "scan.pack",
    "returns": "scan.returns",
    "receive": "scan.receive",
    "putaway": "scan.receive",
}


def permission_for(mode: str) -> str:
    return MODE_PERMISSIONS.get(mode, "scan")


# Scans that only answer.
ANSWERING: dict[str, Reader] = {
    "idle": look_up,
}
