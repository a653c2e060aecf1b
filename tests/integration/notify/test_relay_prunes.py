"""The outbox does not grow without end: a relay deletes what its channels no longer keep."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select

from tests.integration.notify.conftest import Hooks, make_relay
from wms.context import Kaeru
from wms.db import utcnow
from wms.notify.config import RelaySpec
from wms.notify.model import Retry
from wms.platform.outbox import enqueue
from wms.platform.tables import OutboxMessage


def _row(name: str, *, channel: str = "email", state: str, age_hours: float) -> OutboxMessage:
    at = utcnow() - timedelta(hours=age_hours)
    return OutboxMessage(
        message_id=name,
        channel=channel,
        topic="order.shipped",
        payload={},
        state=state,
        created_at=at,
        delivered_at=at if state == "delivered" else None,
    )


def _left(kaeru: Kaeru) -> list[str]:
    with kaeru.db.read() as session:
        return list(session.exec(select(OutboxMessage.message_id).order_by(col(OutboxMessage.id))))


def _add(kaeru: Kaeru, rows: list[OutboxMessage]) -> None:
    kaeru.db.write(lambda s: s.add_all(rows))


def test_delivered_rows_go_after_their_keeping_time_in_batches_and_nothing_else_goes(kaeru: Kaeru) -> None:
    _add(
        kaeru,
        [_row(f"old-{n}", state="delivered", age_hours=30) for n in range(5)]
        + [
            _row("recent", state="delivered", age_hours=1),
            _row("dead-old", state="dead", age_hours=500),
            _row("pending-old", state="pending", age_hours=30),
            _row("print-old", channel="print", state="delivered", age_hours=30),  # the spooler's
        ],
    )
    relay = make_relay(kaeru, spec=RelaySpec(keep_delivered_hours=24, keep_dead_hours=None, prune_batch=2))
    assert relay.prune() == 5
    assert _left(kaeru) == ["recent", "dead-old", "pending-old", "print-old"]
    assert relay.prune() == 0


def test_dashboard_events_go_once_delivered_and_dead_ones_after_an_hour(kaeru: Kaeru) -> None:
    _add(
        kaeru,
        [
            _row("shown", channel="live", state="delivered", age_hours=0),
            _row("dead-recent", channel="live", state="dead", age_hours=0.5),
            _row("dead-old", channel="live", state="dead", age_hours=2),
            _row("due", channel="live", state="pending", age_hours=2),
        ],
    )
    relay = make_relay(kaeru, spec=RelaySpec(keep_delivered_hours=0, keep_dead_hours=1))
    relay.channels = {"live": relay.channels["webhook"]}  # any channel object: only the name counts here
    assert relay.prune() == 2
    assert _left(kaeru) == ["dead-recent", "due"]


async def test_a_running_relay_prunes_what_it_delivered(kaeru: Kaeru, hooks: tuple[Hooks, str]) -> None:
    receiver, url = hooks
    spec = RelaySpec(poll_seconds=0.05, keep_delivered_hours=0, prune_every_seconds=0.1)
    relay = make_relay(kaeru, hook_url=url, spec=spec)
    kaeru.db.write(lambda s: enqueue(s, channel="webhook", topic="order.shipped", payload={"order": "W-9"}))
    running = asyncio.create_task(relay.run())
    try:
        began = time.monotonic()
        while _left(kaeru):
            assert time.monotonic() - began < 10, "the delivered rows were not pruned"
            await asyncio.sleep(0.05)
        assert len(receiver.requests) == 1
    finally:
        relay.stop()
        await asyncio.wait_for(running, 10)


def test_a_relay_that_keeps_nothing_delivered_deletes_each_row_as_it_settles_it(kaeru: Kaeru) -> None:
    _add(kaeru, [_row(name, state="pending", age_hours=0) for name in ("shown", "failed", "taken-over")])
    relay = make_relay(kaeru, spec=RelaySpec(keep_delivered_hours=0, lease_seconds=30))
    shown, failed, taken_over = relay.claim(10)
    # Its lease ran out and another relay claimed it again: that relay's attempt settles it, not ours.
    kaeru.db.write(
        lambda s: s.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == taken_over.id)
            .values(attempts=OutboxMessage.attempts + 1)
        )
    )
    relay.settle([(shown, None), (failed, Retry("connection refused")), (taken_over, None)])
    with kaeru.db.read() as session:
        left = {m.message_id: m for m in session.exec(select(OutboxMessage))}
    assert sorted(left) == ["failed", "taken-over"]  # no prune ran: the settle itself deleted "shown"
    assert left["failed"].state == "pending"
    assert left["failed"].last_error == "connection refused"
    assert (left["taken-over"].state, left["taken-over"].attempts) == ("pending", 2)


def test_a_relay_that_keeps_delivered_rows_marks_them_delivered(kaeru: Kaeru) -> None:
    _add(kaeru, [_row("sent", state="pending", age_hours=0)])
    relay = make_relay(kaeru, spec=RelaySpec(keep_delivered_hours=24))
    relay.settle([(message, None) for message in relay.claim(10)])
    with kaeru.db.read() as session:
        sent = session.exec(select(OutboxMessage)).one()
    assert sent.state == "delivered"
    assert sent.delivered_at is not None
