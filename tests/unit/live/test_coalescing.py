"""Merging events for one dashboard client: counters, latest state, kept events, the bound, the pace."""

from __future__ import annotations

import json
from typing import Any

from wms.live.coalesce import Coalescer, send_delay


def _event(topic: str, **payload: Any) -> dict[str, Any]:
    return {"topic": topic, "payload": payload, "at": "2025-03-01T12:00:00+00:00"}


def test_scans_are_counted_by_outcome() -> None:
    pending = Coalescer()
    for outcome in ("accepted", "accepted", "rejected"):
        pending.add(_event("scan", outcome=outcome, device="HH-1"))
    update = pending.take()
    assert update is not None
    assert update["counts"] == {"scan": {"total": 3, "accepted": 2, "rejected": 1}}
    assert update["events"] == []


def test_only_the_latest_health_of_each_device_is_kept() -> None:
    pending = Coalescer()
    pending.add(_event("device.health", device="RET-1-PRINTER", state="fault", detail="paper out"))
    pending.add(_event("device.health", device="RET-1-SCANNER", state="connected"))
    pending.add(_event("device.health", device="RET-1-PRINTER", state="connected", detail=""))
    update = pending.take()
    assert update is not None
    states = {e["payload"]["device"]: e["payload"]["state"] for e in update["latest"]["device.health"]}
    assert states == {"RET-1-PRINTER": "connected", "RET-1-SCANNER": "connected"}


def test_topics_without_a_rule_are_kept_one_by_one_in_order() -> None:
    pending = Coalescer()
    pending.add(_event("return.on_hold", rma="RMA-1"))
    pending.add(_event("return.on_hold", rma="RMA-2"))
    update = pending.take()
    assert update is not None
    assert [e["payload"]["rma"] for e in update["events"]] == ["RMA-1", "RMA-2"]


def test_taking_empties_the_pending_update() -> None:
    pending = Coalescer()
    pending.add(_event("scan", outcome="accepted"))
    assert pending.take() is not None
    assert pending.take() is None
    assert len(pending) == 0


def test_a_thousand_scans_take_one_slot() -> None:
    pending = Coalescer(max_pending=3)
    assert all(pending.add(_event("scan", outcome="accepted")) for _ in range(1000))
    assert len(pending) == 1


def test_a_client_too_far_behind_is_reported() -> None:
    pending = Coalescer(max_pending=2)
    assert pending.add(_event("return.on_hold", rma="RMA-1"))
    assert pending.add(_event("return.on_hold", rma="RMA-2"))
    assert not pending.add(_event("return.on_hold", rma="RMA-3"))


def test_sends_are_paced_to_the_rate_limit() -> None:
    assert round(send_delay(now=10.0, last_sent=9.95, max_per_second=10), 6) == 0.05
    assert send_delay(now=10.0, last_sent=9.0, max_per_second=10) == 0.0


def test_the_update_sent_as_text_says_what_the_merged_update_says() -> None:
    events = [
        _event("scan", outcome="accepted"),
        _event("device.health", device="RET-1-PRINTER", state="fault", detail="out of paper"),
        _event("return.on_hold", rma="RMA-1", note="Серійний номер не збігається"),
    ]
    as_dicts, as_text = Coalescer(), Coalescer()
    for event in events:
        as_dicts.add(event)
        as_text.add(event, json.dumps(event, ensure_ascii=False))  # the bus's text, shared by all clients
    message = as_text.take_message("2025-03-01T12:00:01+00:00")
    assert message is not None
    assert json.loads(message) == {**(as_dicts.take() or {}), "at": "2025-03-01T12:00:01+00:00"}
    assert as_text.take_message("later") is None
