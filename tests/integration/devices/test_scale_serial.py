"""The MT-SICS scale driver against the scale simulator over a real pty."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import serial

from devices.errors import DeviceDisconnected
from devices.health import DeviceHealth
from devices.scale import SerialScale, Weight
from simulators.scale import ScaleSimulator


class Received:
    def __init__(self) -> None:
        self.events: list[Any] = []
        self.changed = asyncio.Event()

    async def __call__(self, event: Any) -> None:
        self.events.append(event)
        self.changed.set()

    @property
    def weights(self) -> list[Weight]:
        return [e for e in self.events if isinstance(e, Weight)]

    @property
    def health(self) -> list[DeviceHealth]:
        return [e for e in self.events if isinstance(e, DeviceHealth)]

    async def until(self, predicate: Any, within: float = 3.0) -> None:
        async with asyncio.timeout(within):
            while not predicate(self):
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
async def scale(tmp_path: Path) -> AsyncIterator[ScaleSimulator]:
    simulator = ScaleSimulator(tmp_path / "scale-1", settle=0.4, noise_grams=4)
    await simulator.start()
    serving = asyncio.create_task(simulator.serve())
    yield simulator
    serving.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await serving
    simulator.close()


@contextlib.asynccontextmanager
async def weighing(scale: ScaleSimulator) -> AsyncIterator[tuple[Received, asyncio.Task[None]]]:
    received = Received()
    driver = SerialScale(scale.url() + "&interval=0.05&timeout=0.5", device_id="scale-1")
    task = asyncio.create_task(driver.run(received))
    try:
        yield received, task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, DeviceDisconnected):
            await task
        await driver.close()


async def test_an_empty_scale_reads_a_stable_zero(scale: ScaleSimulator) -> None:
    async with weighing(scale) as (received, _):
        await received.until(lambda r: r.weights)
    first = received.weights[0]
    assert (first.grams, first.exact_grams, first.stable, first.device) == (0, Decimal(0), True, "scale-1")


async def test_a_placed_parcel_is_first_unstable_then_stable_at_its_weight(scale: ScaleSimulator) -> None:
    async with weighing(scale) as (received, _):
        await received.until(lambda r: r.weights)
        scale.place(1250)
        await received.until(lambda r: r.weights[-1].stable and r.weights[-1].grams == 1250)
    after_place = received.weights[1:]
    assert [w.stable for w in after_place] == [False, True]


async def test_removing_the_parcel_settles_back_at_zero(scale: ScaleSimulator) -> None:
    scale.place(800)
    async with weighing(scale) as (received, _):
        await received.until(lambda r: r.weights and r.weights[-1].stable and r.weights[-1].grams == 800)
        scale.remove()
        await received.until(lambda r: r.weights[-1].stable and r.weights[-1].grams == 0)


async def test_an_overload_is_a_fault_health_event_cleared_by_the_next_weight(scale: ScaleSimulator) -> None:
    async with weighing(scale) as (received, _):
        await received.until(lambda r: r.weights)
        scale.place(40_000)
        await received.until(lambda r: any(getattr(e, "state", None) == "fault" for e in r.events))
        scale.place(500)
        await received.until(lambda r: r.weights[-1].stable and r.weights[-1].grams == 500)
    health = [(e.state, e.detail) for e in received.events if isinstance(e, DeviceHealth)]
    assert health[1:] == [("fault", "overload"), ("connected", "weighing")]


async def test_unplugging_the_scale_raises_device_disconnected(scale: ScaleSimulator) -> None:
    async with weighing(scale) as (received, task):
        await received.until(lambda r: r.weights)
        scale.port.unplug()
        with pytest.raises(DeviceDisconnected):
            async with asyncio.timeout(2):
                await task


def ask(path: Path, command: bytes) -> bytes:
    with serial.Serial(str(path), 9600, timeout=2) as port:
        port.write(command)
        return port.read_until(b"\n")


async def test_the_simulator_answers_s_with_the_stable_weight_once_settled(scale: ScaleSimulator) -> None:
    scale.place(321)
    answer = await asyncio.to_thread(ask, scale.link, b"S\r\n")
    assert answer == b"S S      321.0 g\r\n"


async def test_the_simulator_answers_an_unknown_command_with_a_syntax_error(scale: ScaleSimulator) -> None:
    assert await asyncio.to_thread(ask, scale.link, b"XYZ\r\n") == b"ES\r\n"


async def test_a_tenth_of_a_gram_reaches_the_driver_from_the_simulated_scale(scale: ScaleSimulator) -> None:
    # Before: the simulator answered whole grams and the driver rounded (1234.5 g -> 1234.0 g).
    async with weighing(scale) as (received, _task):
        scale.place(1234.5)
        await received.until(lambda r: r.weights and r.weights[-1].stable and r.weights[-1].grams != 0)
    assert (received.weights[-1].exact_grams, received.weights[-1].grams) == (Decimal("1234.5"), 1234)
