"""Claiming: a relay takes the oldest due messages of its own channels, a batch at a time, and leases them."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from wms.context import Kaeru
from wms.db import utcnow
from wms.notify.config import RelaySpec
from wms.notify.model import RetryPolicy
from wms.notify.relay import Relay
from wms.platform.tables import OutboxMessage


class _Bus:
    async def deliver(self, message: object) -> None:  # never called: these tests only claim
        raise AssertionError("not delivering here")


def test_a_claim_takes_the_oldest_due_messages_of_its_channels_and_leases_them(kaeru: Kaeru) -> None:
    now = utcnow()
    rows = [  # inserted newest first, so that the row ids run against the due times
        OutboxMessage(
            message_id=f"live-{n:02}",
            channel="live",
            topic="scan",
            payload={"n": n},
            next_attempt_at=now - timedelta(seconds=n),
        )
        for n in range(30)
    ]
    rows += [
        OutboxMessage(
            message_id="later", channel="live", topic="scan", next_attempt_at=now + timedelta(hours=1)
        ),
        OutboxMessage(message_id="email", channel="email", topic="order.shipped", next_attempt_at=now),
        OutboxMessage(
            message_id="done", channel="live", topic="scan", state="delivered", next_attempt_at=now
        ),
    ]
    kaeru.db.write(lambda s: s.add_all(rows))
    clock = [now]
    relay = Relay(
        kaeru.db,
        {"live": _Bus()},  # type: ignore[dict-item]
        policy=RetryPolicy(5),
        spec=RelaySpec(lease_seconds=30),
        clock=lambda: clock[0],
    )

    first = relay.claim(10)
    assert sorted(m.message_id for m in first) == [f"live-{n:02}" for n in range(20, 30)]  # the oldest ten
    assert {m.attempts for m in first} == {1}
    assert next(m for m in first if m.message_id == "live-25").payload == {"n": 25}
    rest = relay.claim(100)
    assert sorted(m.message_id for m in rest) == [f"live-{n:02}" for n in range(20)]
    assert relay.claim(100) == []  # all leased; not due, not ours and delivered ones are never taken

    with kaeru.db.read() as session:
        leased = session.exec(select(OutboxMessage).where(col(OutboxMessage.message_id) == "live-00")).one()
    assert leased.attempts == 1
    assert leased.state == "pending"
    assert leased.next_attempt_at == now + timedelta(seconds=30)

    clock[0] = now + timedelta(seconds=31)  # the leases ran out: the messages are taken again
    again = relay.claim(100)
    assert len(again) == 30
    assert {m.attempts for m in again} == {2}
