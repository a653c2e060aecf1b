"""A relay that holds its claims (the live bus's, on PostgreSQL) delivers each batch inside the transaction
that locked it: nobody else takes those rows meanwhile, and a relay that dies mid-batch lets go of them."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlmodel import col, select

from wms.context import Kaeru
from wms.db import utcnow
from wms.notify.channel import Outgoing
from wms.notify.config import RelaySpec
from wms.notify.model import DeliveryFailed, Poison, Retry, RetryPolicy
from wms.notify.relay import Relay
from wms.platform.tables import OutboxMessage

HOLDING = RelaySpec(hold_while_delivering=True, keep_delivered_hours=0, poll_seconds=0.05)


class Board:
    """A channel that takes batches (as the live bus does); it can be made to wait or to refuse."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()
        self.failures: dict[str, DeliveryFailed] = {}

    async def deliver(self, message: Outgoing) -> None:
        raise AssertionError("this channel takes batches")

    async def deliver_many(self, messages: list[Outgoing]) -> list[DeliveryFailed | None]:
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        self.received += [m.message_id for m in messages]
        return [self.failures.get(m.message_id) for m in messages]


def _relay(kaeru: Kaeru, board: Board, spec: RelaySpec = HOLDING, clock: datetime | None = None) -> Relay:
    return Relay(
        kaeru.db,
        {"live": board},  # type: ignore[dict-item]
        policy=RetryPolicy(3, base_seconds=60),
        spec=spec,
        clock=(lambda: clock) if clock is not None else utcnow,
    )


def _events(kaeru: Kaeru, *names: str) -> None:
    kaeru.db.write(
        lambda s: s.add_all(
            [OutboxMessage(message_id=n, channel="live", topic="scan", payload={"n": n}) for n in names]
        )
    )


def _rows(kaeru: Kaeru) -> dict[str, OutboxMessage]:
    with kaeru.db.read() as session:
        return {m.message_id: m for m in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_held_batch_is_delivered_and_gone_in_one_transaction_and_no_other_relay_takes_it(
    kaeru: Kaeru,
) -> None:
    _events(kaeru, "a", "b", "c")
    board, other = Board(), Board()
    board.gate = asyncio.Event()
    relay = _relay(kaeru, board)
    assert relay.holds
    delivering = asyncio.create_task(relay.run_once())
    await asyncio.wait_for(board.started.wait(), 10)
    # Mid-delivery: the rows are still there, unleased, but locked — another relay skips them.
    assert {m.attempts for m in _rows(kaeru).values()} == {0}
    assert await _relay(kaeru, other).run_once() == 0
    assert _relay(kaeru, other, RelaySpec(lease_seconds=30)).claim(10) == []
    board.gate.set()
    assert await asyncio.wait_for(delivering, 10) == 3
    assert board.received == ["a", "b", "c"]
    assert _rows(kaeru) == {}  # delivered and kept no longer: deleted by the delivering transaction


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_relay_that_dies_mid_batch_lets_go_of_it_and_another_delivers_it(kaeru: Kaeru) -> None:
    _events(kaeru, "a", "b")
    dying = Board()
    dying.gate = asyncio.Event()  # never opened
    delivering = asyncio.create_task(_relay(kaeru, dying).run_once())
    await asyncio.wait_for(dying.started.wait(), 10)
    delivering.cancel()
    with pytest.raises(asyncio.CancelledError):
        await delivering
    rows = _rows(kaeru)
    assert [(m.state, m.attempts) for m in rows.values()] == [("pending", 0), ("pending", 0)]
    survivor = Board()
    assert await _relay(kaeru, survivor).run_once() == 2  # at once: no lease to run out
    assert survivor.received == ["a", "b"]
    assert _rows(kaeru) == {}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_held_attempt_that_fails_is_counted_and_retried_later_or_goes_dead(kaeru: Kaeru) -> None:
    _events(kaeru, "shown", "bus-down", "poison")
    board = Board()
    board.failures = {"bus-down": Retry("live bus refused the connection"), "poison": Poison("unreadable")}
    now = utcnow()
    assert await _relay(kaeru, board, clock=now).run_once() == 3
    rows = _rows(kaeru)
    assert sorted(rows) == ["bus-down", "poison"]
    retry, dead = rows["bus-down"], rows["poison"]
    assert (retry.state, retry.attempts) == ("pending", 1)
    assert retry.last_error == "live bus refused the connection"
    assert retry.next_attempt_at > now  # backed off
    assert (dead.state, dead.attempts, dead.last_error) == ("dead", 1, "poison: unreadable")
    assert await _relay(kaeru, Board(), clock=now).run_once() == 0  # nothing due yet


async def test_a_running_holding_relay_delivers_what_is_committed(kaeru: Kaeru) -> None:
    """On SQLite the relay leases instead (holding would stop every writer); on both it delivers."""
    board = Board()
    relay = _relay(kaeru, board)
    assert relay.holds == (kaeru.db.dialect == "postgresql")
    running = asyncio.create_task(relay.run())
    try:
        _events(kaeru, "a")
        _events(kaeru, "b", "c")
        for _ in range(200):
            if len(board.received) == 3 and not _rows(kaeru):
                break
            await asyncio.sleep(0.05)
        assert sorted(board.received) == ["a", "b", "c"]
        assert _rows(kaeru) == {}
    finally:
        relay.stop()
        await asyncio.wait_for(running, 10)
