"""The in-process bus: publish, subscribe, namespaces, and backends chosen by URL."""

from __future__ import annotations

import asyncio

import pytest

from wms.live.bus import (
    Bus,
    Event,
    MemoryBackend,
    PostgresBackend,
    RedisBackend,
    backend_for,
    split_namespace,
)


async def test_a_subscriber_receives_what_is_published_on_its_channel_only() -> None:
    bus = Bus("memory://")
    received: asyncio.Queue[Event] = asyncio.Queue()
    async with bus.subscribe(["kaeru_live_wh_1"], received.put_nowait):
        await bus.publish("kaeru_live_wh_2", "other warehouse")
        await bus.publish("kaeru_live_wh_1", "ours")
        event = await asyncio.wait_for(received.get(), 1)
    assert event == Event("kaeru_live_wh_1", "ours")
    assert received.empty()
    await bus.disconnect()


async def test_a_subscription_ends_with_its_block() -> None:
    bus = Bus("memory://")
    async with bus.subscribe(["c"], lambda event: None):
        assert bus.subscribers("c") == 1
    assert bus.subscribers("c") == 0
    await bus.disconnect()


async def test_one_failing_subscriber_does_not_starve_the_others() -> None:
    bus = Bus("memory://")
    received: asyncio.Queue[Event] = asyncio.Queue()

    def broken(event: Event) -> None:
        raise RuntimeError("subscriber defect")

    async with bus.subscribe(["c"], broken), bus.subscribe(["c"], received.put_nowait):
        await bus.publish("c", "one")
        await bus.publish("c", "two")
        assert (await asyncio.wait_for(received.get(), 1)).message == "one"
        assert (await asyncio.wait_for(received.get(), 1)).message == "two"
    await bus.disconnect()


def test_backends_are_chosen_by_url_scheme() -> None:
    assert isinstance(backend_for("memory://"), MemoryBackend)
    assert isinstance(backend_for("redis://127.0.0.1:6379/0"), RedisBackend)
    assert isinstance(backend_for("postgres://kaeru@127.0.0.1/kaeru"), PostgresBackend)


def test_an_unknown_scheme_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="redis://"):
        backend_for("kafka://broker:9092")


def test_a_namespace_in_the_url_keeps_sites_apart() -> None:
    assert split_namespace("redis://127.0.0.1:6379/0?namespace=site-a") == (
        "redis://127.0.0.1:6379/0",
        "site-a_",
    )
    assert split_namespace("memory://") == ("memory://", "")


async def test_every_local_subscriber_reads_the_same_decoded_event() -> None:
    bus = Bus("memory://")
    first: asyncio.Queue[Event] = asyncio.Queue()
    second: asyncio.Queue[Event] = asyncio.Queue()
    async with bus.subscribe(["c"], first.put_nowait), bus.subscribe(["c"], second.put_nowait):
        await bus.publish("c", '{"topic": "scan", "payload": {"outcome": "accepted"}}')
        one, other = await asyncio.wait_for(first.get(), 1), await asyncio.wait_for(second.get(), 1)
    assert one.data == {"topic": "scan", "payload": {"outcome": "accepted"}}
    assert one.data is other.data  # decoded once, however many dashboards this process serves
    await bus.disconnect()


def test_an_event_that_is_not_json_decodes_to_nothing() -> None:
    assert Event("c", "not json").data is None
