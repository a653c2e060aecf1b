"""Redis pub/sub and PostgreSQL LISTEN/NOTIFY: an event published on one connection reaches another."""

from __future__ import annotations

import asyncio
import uuid

from tests.polling import eventually
from wms.live.bus import Bus, Event

REDIS = "redis://127.0.0.1:6379/0"
PROBE = "probe"


class Heard:
    """A subscriber's callback that keeps probes apart from the events a test is about."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[Event] = asyncio.Queue()
        self.probed: set[str] = set()

    def __call__(self, event: Event) -> None:
        if event.message == PROBE:
            self.probed.add(event.channel)
        else:
            self.events.put_nowait(event)

    async def subscribed(self, publisher: Bus, *channels: str) -> None:
        """Until the server routes each channel to this subscriber (probes published until heard)."""

        async def all_heard() -> bool:
            for channel in set(channels) - self.probed:
                await publisher.publish(channel, PROBE)
            return self.probed >= set(channels)

        await eventually(all_heard, every=0.05, what=f"subscriptions to {channels} in place")


async def _round_trip(url: str) -> Event:
    publisher, subscriber = Bus(url), Bus(url)
    heard = Heard()
    received = heard.events
    try:
        async with subscriber.subscribe(["kaeru_live_wh_1"], heard):
            await heard.subscribed(publisher, "kaeru_live_wh_1")
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
    heard = Heard()
    received = heard.events
    try:
        async with ours.subscribe(["kaeru_live_wh_1"], heard):
            await heard.subscribed(ours, "kaeru_live_wh_1")
            await theirs.publish("kaeru_live_wh_1", "not for us")
            await ours.publish("kaeru_live_wh_1", "for us")
            assert (await asyncio.wait_for(received.get(), 2)).message == "for us"
            await asyncio.sleep(0.2)  # the other namespace's event would have arrived by now
            assert received.empty()
    finally:
        await ours.disconnect()
        await theirs.disconnect()


async def test_subscribers_joining_at_once_on_redis_all_hear_their_channels() -> None:
    """Ten dashboards subscribing at the same moment: none of their channels is left unheard."""
    url = f"{REDIS}?namespace=t{uuid.uuid4().hex[:8]}"
    bus, publisher = Bus(url), Bus(url)
    heard: set[str] = set()
    listening = Heard()
    done = asyncio.Event()

    def hear(event: Event) -> None:
        listening(event)
        if event.message != PROBE:
            heard.add(event.message)

    async def dashboard(channel: str) -> None:
        async with bus.subscribe([channel, "kaeru_live_all"], hear):
            await done.wait()

    channels = [f"kaeru_live_wh_{n}" for n in range(10)]
    try:
        joined = asyncio.gather(*(dashboard(channel) for channel in channels))
        await listening.subscribed(publisher, *channels)
        for n in range(10):
            await publisher.publish(f"kaeru_live_wh_{n}", f"scan {n}")
        await eventually(lambda: len(heard) == 10, what="every dashboard heard its scan")
        done.set()
        await joined
    finally:
        await publisher.disconnect()
        await bus.disconnect()
    assert heard == {f"scan {n}" for n in range(10)}
