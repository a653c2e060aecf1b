"""Pulling a simulated serial scanner mid-stream, with the supervisor reconnecting the real driver."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from devices.health import DeviceHealth
from devices.scan import Scan
from devices.supervisor import Supervisor
from simulators.scanner import ScannerSimulator


class Received:
    def __init__(self) -> None:
        self.events: list[Any] = []
        self.changed = asyncio.Event()

    async def __call__(self, event: Any) -> None:
        self.events.append(event)
        self.changed.set()

    @property
    def scans(self) -> list[Scan]:
        return [e for e in self.events if isinstance(e, Scan)]

    @property
    def states(self) -> list[str]:
        return [e.state for e in self.events if isinstance(e, DeviceHealth)]

    async def wait_for(self, count: int, within: float = 5.0) -> list[Scan]:
        async with asyncio.timeout(within):
            while len(self.scans) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.scans


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[ScannerSimulator]:
    simulator = ScannerSimulator(tmp_path / "scanner-1", host_timeout=5)
    await simulator.start()
    yield simulator
    simulator.close()


@contextlib.asynccontextmanager
async def supervised(sim: ScannerSimulator) -> AsyncIterator[Received]:
    received = Received()
    supervisor = Supervisor({"scanner-1": sim.url()}, received)
    task = asyncio.create_task(supervisor.run())
    try:
        yield received
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def lpns(first: int, last: int) -> list[str]:
    return [f"]C0LPN-{n:05d}" for n in range(first, last + 1)]


async def reconnect_seconds(sim: ScannerSimulator, unplugged_for: float) -> float:
    """Unplug, wait, re-plug; return how long the driver took to have the port open again."""
    await sim.port.drain()
    sim.port.unplug()
    await asyncio.sleep(unplugged_for)
    sim.port.plug()
    replugged = time.monotonic()
    async with asyncio.timeout(5):
        await sim.port.wait_for_host()
    return time.monotonic() - replugged


async def test_the_driver_reconnects_within_two_seconds_of_the_replug(sim: ScannerSimulator) -> None:
    async with supervised(sim):
        async with asyncio.timeout(3):
            await sim.port.wait_for_host()
        assert await reconnect_seconds(sim, unplugged_for=1.5) < 2.0


async def test_no_complete_scan_is_lost_or_duplicated_across_an_unplug(sim: ScannerSimulator) -> None:
    async with supervised(sim) as received:
        for text in lpns(1, 30):
            await sim.scan(text)
        await reconnect_seconds(sim, unplugged_for=0.6)
        for text in lpns(31, 60):
            await sim.scan(text)
        scans = await received.wait_for(60)
        await asyncio.sleep(0.2)  # a duplicate would arrive now
    assert [s.raw for s in received.scans] == lpns(1, 60)
    assert len(scans) == 60


async def test_the_unplug_and_replug_are_reported_as_health_events(sim: ScannerSimulator) -> None:
    async with supervised(sim) as received:
        await sim.scan("]C0LPN-00001")
        await received.wait_for(1)
        await reconnect_seconds(sim, unplugged_for=0.3)
        await sim.scan("]C0LPN-00002")
        await received.wait_for(2)
    assert received.states == ["connected", "disconnected", "connected"]


async def test_a_line_cut_by_the_unplug_is_recorded_as_unknown_and_the_next_scan_is_whole(
    sim: ScannerSimulator,
) -> None:
    async with supervised(sim) as received:
        await sim.scan("]C0LPN-00001")
        await sim.cut("]C0LPN-00002")
        await reconnect_seconds(sim, unplugged_for=0.3)
        await sim.scan("]C0LPN-00003")
        scans = await received.wait_for(3)
    assert [(s.kind, s.raw) for s in scans] == [
        ("lpn", "]C0LPN-00001"),
        ("unknown", "]C0LPN-"),  # the first half of the 14-byte frame
        ("lpn", "]C0LPN-00003"),
    ]
