"""Redis pub/sub and PostgreSQL LISTEN/NOTIFY: an event published on one connection reaches another."""

from __future__ import annotations

import asyncio
import uuid

from wms.live.bus import Bus, Event

REDIS = "redis://127.0.0.1:6379/0"


async def _round_trip(url: str) -> Event:
    publisher, subscriber = Bus(url), Bus(url)
    received: asyncio.Queue[Event] = asyncio.Queue()
    try:
        async with subscriber.subscribe(["kaeru_live_wh_1"], received.put_nowait):
            await asyncio.sleep(0.3)  # the subscription is in place on the server
            await publisher.publish("kaeru_live_wh_1", '{"topic": "scan"}')
            return await asyncio.wait_for(received.get(), 2)
    finally:
        await publisher.disconnect()
        await subscriber.disconnect()


async def test_an_event_crosses_redis_between_two_bus_connections() -> None:
    event = await _round_trip(f"{REDIS}?namespace=t{uuid.uuid4().hex[:8]}")
    assert event == Event("kaeru_live_wh_1", '{"topic": "scan"}')


async def test_an_event_crosses_postgresql_notify_between_two_bus_connections(pg_database: str) -> None:
    url = pg_database.replace("postgresql://", "postgres://", 1)
    event = await _round_trip(f"{url}?namespace=t{uuid.uuid4().hex[:8]}")
    assert event == Event("kaeru_live_wh_1", '{"topic": "scan"}')


async def test_namespaces_on_one_redis_server_do_not_hear_each_other() -> None:
    ours, theirs = (
        Bus(f"{REDIS}?namespace=a{uuid.uuid4().hex[:8]}"),
        Bus(f"{REDIS}?namespace=b{uuid.uuid4().hex[:8]}"),
    )
    received: asyncio.Queue[Event] = asyncio.Queue()
    try:
        async with ours.subscribe(["kaeru_live_wh_1"], received.put_nowait):
            await asyncio.sleep(0.3)
            await theirs.publish("kaeru_live_wh_1", "not for us")
            await ours.publish("kaeru_live_wh_1", "for us")
            assert (await asyncio.wait_for(received.get(), 2)).message == "for us"
            await asyncio.sleep(0.2)
            assert received.empty()
    finally:
        await ours.disconnect()
        await theirs.disconnect()


async def test_subscribers_joining_at_once_on_redis_all_hear_their_channels() -> None:
    """Ten dashboards subscribing at the same moment: none of their channels is left unheard."""
    url = f"{REDIS}?namespace=t{uuid.uuid4().hex[:8]}"
    bus, publisher = Bus(url), Bus(url)
    heard: set[str] = set()

    async def dashboard(channel: str) -> None:
        async with bus.subscribe([channel, "kaeru_live_all"], lambda event: heard.add(event.message)):
            await asyncio.sleep(1.0)

    try:
        joined = asyncio.gather(*(dashboard(f"kaeru_live_wh_{n}") for n in range(10)))
        await asyncio.sleep(0.4)
        for n in range(10):
            await publisher.publish(f"kaeru_live_wh_{n}", f"scan {n}")
        await joined
    finally:
        await publisher.disconnect()
        await bus.disconnect()
    assert heard == {f"scan {n}" for n in range(10)}
