"""A relay waits on a long poll, yet delivers the moment a transaction with an outbox row commits."""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest

from tests.integration.notify.conftest import Hooks, make_relay
from wms.context import Kaeru
from wms.notify import wake
from wms.notify.config import RelaySpec
from wms.platform.outbox import enqueue


async def test_a_committed_outbox_row_wakes_a_relay_that_would_otherwise_sleep_a_minute(
    kaeru: Kaeru, hooks: tuple[Hooks, str]
) -> None:
    receiver, url = hooks
    relay = make_relay(kaeru, hook_url=url, spec=RelaySpec(poll_seconds=60, lease_seconds=30))
    running = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.3)  # the relay has looked once and is now waiting out its poll
        began = time.monotonic()
        await asyncio.to_thread(
            kaeru.db.write,
            lambda s: enqueue(s, channel="webhook", topic="order.shipped", payload={"order": "W-1"}),
        )
        while not receiver.requests:
            assert time.monotonic() - began < 5, "the relay was not woken by the commit"
            await asyncio.sleep(0.02)
    finally:
        relay.stop()
        await asyncio.wait_for(running, 10)


async def test_a_rolled_back_outbox_row_wakes_nobody(kaeru: Kaeru) -> None:
    woken: list[int] = []
    unregister = wake.register(lambda: woken.append(1))
    try:

        def abandoned(session):  # type: ignore[no-untyped-def]
            enqueue(session, channel="live", topic="scan", payload={})
            raise RuntimeError("changed my mind")

        with pytest.raises(RuntimeError):
            kaeru.db.write(abandoned)
        kaeru.db.write(lambda s: None)  # a later commit without an outbox row
        assert woken == []
        kaeru.db.write(lambda s: enqueue(s, channel="live", topic="scan", payload={}))
        assert woken == [1]
    finally:
        unregister()


def test_a_relay_is_woken_only_by_rows_of_its_own_channels(kaeru: Kaeru) -> None:
    woken: list[str] = []
    unregister_email = wake.register(lambda: woken.append("email relay"), {"email", "webhook"})
    unregister_live = wake.register(lambda: woken.append("live relay"), {"live"})
    try:
        for _ in range(3):  # a floor's scans: live events only
            kaeru.db.write(lambda s: enqueue(s, channel="live", topic="scan", payload={}))
        assert woken == ["live relay"] * 3
        woken.clear()
        kaeru.db.write(lambda s: enqueue(s, channel="email", topic="order.shipped", payload={}))
        assert woken == ["email relay"]
    finally:
        unregister_email()
        unregister_live()


# SQLite has no cross-process signal (relays in other processes poll): PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_the_commit_notifies_relays_in_other_processes(kaeru: Kaeru) -> None:
    assert kaeru.db.dialect == "postgresql"
    wake.install()
    conninfo = kaeru.db.url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(conninfo, autocommit=True) as listener:
        listener.execute(f"LISTEN {wake.CHANNEL}")

        def both(session):  # type: ignore[no-untyped-def]
            enqueue(session, channel="live", topic="scan", payload={})
            enqueue(session, channel="email", topic="order.shipped", payload={})

        kaeru.db.write(both)
        heard = list(listener.notifies(timeout=5, stop_after=1))
        assert [(n.channel, n.payload) for n in heard] == [(wake.CHANNEL, "email,live")]
        # With a live relay in this process, only the channel nobody here delivers is announced.
        unregister = wake.register(lambda: None, {"live"})
        try:
            kaeru.db.write(lambda s: enqueue(s, channel="live", topic="scan", payload={}))
            kaeru.db.write(both)
            heard = list(listener.notifies(timeout=2, stop_after=1))
        finally:
            unregister()
    assert [(n.channel, n.payload) for n in heard] == [(wake.CHANNEL, "email")]


async def test_commits_while_a_look_is_already_due_wake_the_event_loop_once(kaeru: Kaeru) -> None:
    relay = make_relay(kaeru)
    relay._loop, relay._wake = asyncio.get_running_loop(), asyncio.Event()
    woken: list[int] = []
    real = relay._woken

    def counted() -> None:
        woken.append(1)
        real()

    relay._woken = counted  # type: ignore[method-assign]
    await asyncio.to_thread(lambda: [relay.nudge() for _ in range(200)])  # a burst of commits
    await asyncio.sleep(0.05)
    assert relay._wake.is_set()
    assert len(woken) == 1  # one trip to the event loop for the whole burst
    relay.nudge()  # the look is still due: nothing more to do
    await asyncio.sleep(0.05)
    assert len(woken) == 1
    relay._wake.clear()  # the relay claims ...
    await asyncio.to_thread(relay.nudge)  # ... and a commit after that wakes it again
    await asyncio.sleep(0.05)
    assert len(woken) == 2
    assert relay._wake.is_set()
