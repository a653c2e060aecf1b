"""The supervisor's decisions: backoff, health changes, and how it treats each driver outcome.

Drivers here are hand-written fakes registered under a `fake://` scheme; the real serial driver is
supervised over a pty in tests/integration/devices/test_supervisor_replug.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from devices.errors import DeviceDisconnected, DeviceFault
from devices.health import DeviceHealth
from devices.scan import parse_scan
from devices.supervisor import Backoff, DeviceSpec, Supervisor, backoff_delay, health_changed

SCHEMES = {"fake": f"{__name__}:ScriptedDriver"}
FAST = Backoff(initial=0.001, cap=0.005)


class ScriptedDriver:
    """Each run plays the next outcome: an exception to raise, or a scan text to emit then wait."""

    outcomes: ClassVar[list[Any]] = []
    runs: ClassVar[int] = 0
    closed: ClassVar[int] = 0

    def __init__(self, url: str, *, device_id: str, **options: Any) -> None:
        self.device_id = device_id

    async def run(self, emit: Callable[[Any], Awaitable[None]]) -> None:
        ScriptedDriver.runs += 1
        outcome = ScriptedDriver.outcomes.pop(0) if ScriptedDriver.outcomes else None
        if isinstance(outcome, BaseException):
            raise outcome
        if isinstance(outcome, str):
            await emit(parse_scan(outcome, device=self.device_id))
        await asyncio.Event().wait()

    async def close(self) -> None:
        ScriptedDriver.closed += 1


def play(*outcomes: Any) -> None:
    ScriptedDriver.outcomes = list(outcomes)
    ScriptedDriver.runs = 0
    ScriptedDriver.closed = 0


async def supervise_until(
    predicate: Callable[[list[Any]], bool], url: str = "fake://one", within: float = 2.0
) -> list[Any]:
    events: list[Any] = []
    done = asyncio.Event()

    async def collect(event: Any) -> None:
        events.append(event)
        if predicate(events):
            done.set()

    supervisor = Supervisor([DeviceSpec("dev-1", url)], collect, backoff=FAST, schemes=SCHEMES)
    task = asyncio.create_task(supervisor.run())
    try:
        async with asyncio.timeout(within):
            await done.wait()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return events


def states(events: list[Any]) -> list[str]:
    return [e.state for e in events if isinstance(e, DeviceHealth)]


def test_backoff_grows_exponentially_until_the_cap() -> None:
    backoff = Backoff(initial=0.1, factor=2, cap=1.0, jitter=0.0)
    assert [backoff_delay(n, backoff, random.Random(1)) for n in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]


def test_jitter_keeps_the_delay_between_half_and_all_of_the_ceiling() -> None:
    backoff = Backoff(initial=0.1, factor=2, cap=1.0, jitter=0.5)
    delays = [backoff_delay(10, backoff, random.Random(seed)) for seed in range(200)]
    assert min(delays) >= 0.5
    assert max(delays) <= 1.0
    assert len(set(delays)) > 100


def test_a_repeated_state_is_not_news_but_a_new_fault_reason_is() -> None:
    at = datetime.now(UTC)
    down = DeviceHealth("d", "u", "disconnected", "cannot open", at=at)
    assert not health_changed(down, DeviceHealth("d", "u", "disconnected", "went away", at=at))
    fault = DeviceHealth("d", "u", "fault", "overload", at=at)
    assert health_changed(fault, DeviceHealth("d", "u", "fault", "head open", at=at))


async def test_values_are_forwarded_after_a_connected_event() -> None:
    play("]C0LOC-A-01")
    events = await supervise_until(lambda ev: any(getattr(e, "kind", None) == "location" for e in ev))
    assert [type(e).__name__ for e in events] == ["DeviceHealth", "Scan"]
    assert states(events) == ["connected"]


async def test_a_device_that_keeps_failing_to_open_is_reported_disconnected_once() -> None:
    play(
        DeviceDisconnected("no port"),
        DeviceDisconnected("no port"),
        DeviceDisconnected("no port"),
        "]C0ORD-1",
    )
    events = await supervise_until(lambda ev: any(getattr(e, "kind", None) == "order" for e in ev))
    assert states(events) == ["disconnected", "connected"]
    assert ScriptedDriver.runs == 4


async def test_every_failed_run_closes_its_driver() -> None:
    play(DeviceDisconnected("no port"), DeviceDisconnected("no port"), "]C0ORD-1")
    await supervise_until(lambda ev: any(getattr(e, "kind", None) == "order" for e in ev))
    assert ScriptedDriver.closed >= 2


async def test_a_device_fault_is_reported_as_fault_with_its_reason() -> None:
    play(DeviceFault("scale overloaded"))
    events = await supervise_until(lambda ev: "fault" in states(ev))
    health = [e for e in events if isinstance(e, DeviceHealth)][-1]
    assert (health.state, health.detail) == ("fault", "scale overloaded")


async def test_a_driver_bug_is_a_fault_and_the_device_is_retried() -> None:
    play(RuntimeError("boom"), "]C0ORD-7")
    events = await supervise_until(lambda ev: any(getattr(e, "kind", None) == "order" for e in ev))
    assert states(events) == ["fault", "connected"]


async def test_a_url_with_no_driver_is_a_fault_and_is_not_retried() -> None:
    play()
    events = await supervise_until(lambda ev: "fault" in states(ev), url="nosuch://x")
    await asyncio.sleep(0.02)
    assert ScriptedDriver.runs == 0
    assert "no driver for nosuch://" in events[0].detail


async def test_the_device_health_remembers_when_the_device_was_last_seen() -> None:
    play("]C0LOC-A-01", DeviceDisconnected("gone"))
    events: list[Any] = []
    seen = asyncio.Event()

    async def collect(event: Any) -> None:
        events.append(event)
        seen.set()

    supervisor = Supervisor([DeviceSpec("dev-1", "fake://one")], collect, backoff=FAST, schemes=SCHEMES)
    scan_at = None
    task = asyncio.create_task(supervisor.run())
    async with asyncio.timeout(2):
        while scan_at is None:
            await seen.wait()
            seen.clear()
            scan_at = next((e.at for e in events if not isinstance(e, DeviceHealth)), None)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert supervisor.health["dev-1"].last_seen == scan_at


async def test_a_driver_that_runs_quietly_counts_as_connected() -> None:
    play(None)
    events = await supervise_until(lambda ev: "connected" in states(ev))
    assert events[0].detail == "running"
