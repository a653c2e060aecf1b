"""Device health as a value: what a station reports about each of its devices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

HealthState = Literal["connected", "disconnected", "fault"]


@dataclass(frozen=True)
class DeviceHealth:
    """The state of one device at one moment, with when it last produced a value."""

    device: str
    url: str
    state: HealthState
    detail: str = ""
    last_seen: datetime | None = None  # when the device last sent a value (scan, weight, tag)
    # The device works but something needs a person: `detail` says what (e.g. a setting to change).
    warning: bool = False
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
