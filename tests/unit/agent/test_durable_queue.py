"""The agent's durable queue: order, durability across reopening, keys, settling, one owner."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest

from devices.agent.model import Settled
from devices.agent.queue import DurableQueue, QueueLocked


def scan(n: int) -> dict[str, object]:
    return {"raw": f"]C0LPN-{n:05d}", "scanned_at": "2026-11-23T09:30:00+00:00", "epc": None}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "RET-1.queue.sqlite"


def test_events_come_out_in_the_order_they_were_put(path: Path) -> None:
    with DurableQueue(path) as queue:
        for n in range(1, 21):
            queue.put("scan", scan(n))
        assert [e.body["raw"] for e in queue.pending()] == [scan(n)["raw"] for n in range(1, 21)]


def test_events_put_together_keep_their_order_and_each_get_a_key(path: Path) -> None:
    with DurableQueue(path) as queue:
        queue.put("scan", scan(1))
        together = queue.put_many([("scan", scan(n)) for n in (2, 3, 4)])
        assert [e.body["raw"] for e in queue.pending()] == [scan(n)["raw"] for n in (1, 2, 3, 4)]
        assert queue.pending()[1:] == together
        assert len({e.key for e in together}) == 3


def test_pending_returns_at_most_the_limit_oldest_first(path: Path) -> None:
    with DurableQueue(path) as queue:
        for n in range(1, 11):
            queue.put("scan", scan(n))
        assert [e.body["raw"] for e in queue.pending(limit=3)] == [scan(n)["raw"] for n in (1, 2, 3)]


def test_queued_events_are_still_there_after_the_file_is_closed_and_reopened(path: Path) -> None:
    with DurableQueue(path) as queue:
        put = [queue.put("scan", scan(n)) for n in range(1, 6)]
    with DurableQueue(path) as queue:
        assert queue.pending() == put


def test_the_idempotency_key_made_at_enqueue_is_the_one_read_back_after_reopening(path: Path) -> None:
    with DurableQueue(path) as queue:
        first = queue.put("scan", scan(1))
    uuid.UUID(first.key, version=4)
    with DurableQueue(path) as queue:
        assert [e.key for e in queue.pending()] == [first.key]
        assert [e.key for e in queue.pending()] == [first.key]  # reading again (a retry) keeps it


def test_every_event_gets_its_own_key(path: Path) -> None:
    with DurableQueue(path) as queue:
        keys = {queue.put("scan", scan(n)).key for n in range(30)}
    assert len(keys) == 30


def test_a_delivered_event_is_no_longer_pending(path: Path) -> None:
    with DurableQueue(path) as queue:
        first, second = queue.put("scan", scan(1)), queue.put("scan", scan(2))
        queue.settle([Settled(first.seq, "delivered", 200, "accepted")])
        assert queue.pending() == [second]
        assert (queue.count("pending"), queue.count("delivered")) == (1, 1)


def test_a_refused_event_is_kept_with_the_servers_answer_and_not_sent_again(path: Path) -> None:
    with DurableQueue(path) as queue:
        refused = queue.put("scan", scan(1))
        queue.settle([Settled(refused.seq, "rejected", 422, "scan the tote at RET-1")])
    with DurableQueue(path) as queue:
        assert queue.pending() == []
        [record] = queue.history(state="rejected")
        assert (record.entry.key, record.status, record.answer) == (
            refused.key,
            422,
            "scan the tote at RET-1",
        )


def test_a_settled_event_is_not_settled_again_by_a_late_answer(path: Path) -> None:
    with DurableQueue(path) as queue:
        event = queue.put("scan", scan(1))
        queue.settle([Settled(event.seq, "delivered", 200, "accepted")])
        queue.settle([Settled(event.seq, "rejected", 422, "late")])
        [record] = queue.history()
        assert (record.state, record.status) == ("delivered", 200)


def test_pruning_forgets_old_delivered_events_but_never_pending_or_refused_ones(path: Path) -> None:
    with DurableQueue(path) as queue:
        entries = [queue.put("scan", scan(n)) for n in range(1, 11)]
        queue.settle([Settled(e.seq, "delivered", 200, "") for e in entries[:6]])
        queue.settle([Settled(entries[6].seq, "rejected", 404, "unknown")])
        assert queue.prune(keep_delivered=2) == 4
        assert [(r.entry.seq, r.state) for r in queue.history()] == [
            (5, "delivered"),
            (6, "delivered"),
            (7, "rejected"),
            (8, "pending"),
            (9, "pending"),
            (10, "pending"),
        ]


def test_sequence_numbers_are_never_reused_after_pruning(path: Path) -> None:
    with DurableQueue(path) as queue:
        entries = [queue.put("scan", scan(n)) for n in range(1, 4)]
        queue.settle([Settled(e.seq, "delivered", 200, "") for e in entries])
        queue.prune(keep_delivered=0)
    with DurableQueue(path) as queue:
        assert queue.put("scan", scan(4)).seq == 4


def test_a_second_agent_cannot_open_a_queue_file_in_use(path: Path) -> None:
    with DurableQueue(path), pytest.raises(QueueLocked, match="another agent"):
        DurableQueue(path)


def test_the_queue_file_is_free_again_once_its_owner_closes_it(path: Path) -> None:
    DurableQueue(path).close()
    with DurableQueue(path) as queue:
        assert queue.count() == 0


def test_a_reader_can_look_into_a_queue_file_its_agent_is_using(path: Path) -> None:
    with DurableQueue(path) as queue:
        queue.put("scan", scan(1))
        with DurableQueue(path, owner=False) as reader:
            assert reader.count() == 1


def test_concurrent_producers_and_a_consumer_deliver_every_event_once_in_each_producers_order(
    path: Path,
) -> None:
    producers, per_producer = 4, 50
    delivered: list[dict[str, object]] = []
    done_producing = threading.Event()
    with DurableQueue(path) as queue:

        def produce(p: int) -> None:
            for n in range(per_producer):
                queue.put("scan", {"raw": f"P{p}-{n:04d}", "scanned_at": None, "epc": None})

        def consume() -> None:
            while True:
                batch = queue.pending(limit=25)
                if not batch:
                    if done_producing.is_set() and queue.count() == 0:
                        return
                    continue
                delivered.extend(e.body for e in batch)
                queue.settle([Settled(e.seq, "delivered", 200, "") for e in batch])

        consumer = threading.Thread(target=consume)
        consumer.start()
        threads = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done_producing.set()
        consumer.join(timeout=30)
        assert not consumer.is_alive()
        assert queue.count("delivered") == producers * per_producer

    raws = [str(body["raw"]) for body in delivered]
    assert len(raws) == len(set(raws)) == producers * per_producer
    for p in range(producers):
        mine = [r for r in raws if r.startswith(f"P{p}-")]
        assert mine == [f"P{p}-{n:04d}" for n in range(per_producer)]
