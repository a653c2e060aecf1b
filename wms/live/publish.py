"""From the outbox to the bus: the relay's "live" channel, and the channel name of each warehouse."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

import psycopg
from redis.exceptions import RedisError

from wms.live.bus import Bus
from wms.notify.channel import Outgoing
from wms.notify.model import DeliveryFailed, Retry

ALL_WAREHOUSES = "kaeru_live_all"


def warehouse_channel(warehouse_id: int | None) -> str:
    """One bus channel per warehouse; events of no warehouse go to every dashboard."""
    return ALL_WAREHOUSES if warehouse_id is None else f"kaeru_live_wh_{warehouse_id}"


def encode_event(message: Outgoing) -> str:
    event: dict[str, Any] = {
        "id": message.message_id,
        "topic": message.topic,
        "payload": message.payload,
        "at": message.created_at.astimezone(UTC).isoformat(),
        "warehouse_id": message.warehouse_id,
    }
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), default=str)


class LiveChannel:
    """Delivers outbox "live" rows by publishing them on the bus, a claimed batch at a time."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    async def deliver(self, message: Outgoing) -> None:
        failure = (await self.deliver_many([message]))[0]
        if failure is not None:
            raise failure

    async def deliver_many(self, messages: list[Outgoing]) -> list[DeliveryFailed | None]:
        items = [(warehouse_channel(m.warehouse_id), encode_event(m)) for m in messages]
        try:
            await self.bus.publish_many(items)
        except (OSError, RedisError, psycopg.Error) as exc:
            failure = Retry(f"live bus {self.bus.url}: {exc}")
            return [failure for _ in messages]
        return [None for _ in messages]
