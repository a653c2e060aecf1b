"""What the relay hands a channel: a claimed outbox message as a plain value, and the channel contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Outgoing:
    """One claimed outbox message; `attempts` counts this attempt."""

    id: int
    message_id: str
    channel: str
    topic: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    warehouse_id: int | None


class Channel(Protocol):
    async def deliver(self, message: Outgoing) -> None:
        """Deliver or raise `wms.notify.model.DeliveryFailed` (Retry or Poison)."""


class FanOut(Protocol):
    def split(self, message: Outgoing) -> list[tuple[str, dict[str, Any]]] | None:
        """Child messages (message id, payload) to deliver instead of this one; None to deliver it as is."""
