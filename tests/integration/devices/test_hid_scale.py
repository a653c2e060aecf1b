"""The USB HID POS scale driver reading the HID scale simulator's reports over a real pty."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from devices.errors import DeviceDisconnected
from devices.registry import open_driver
from simulators.hid_scale import HidScaleSimulator
from tests.integration.devices.test_scale_serial import Received


@contextlib.asynccontextmanager
async def weighing(scale: HidScaleSimulator) -> AsyncIterator[tuple[Received, asyncio.Task[None]]]:
    await scale.start()
    serving = asyncio.create_task(scale.serve())
    received = Received()
    driver = open_driver(scale.url(), device_id="pack-scale")
    task = asyncio.create_task(driver.run(received))
    try:
        yield received, task
    finally:
        for running in (task, serving):
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError, DeviceDisconnected):
                await running
        scale.close()


def settled_at(grams: int) -> Any:
    return lambda r: r.weights and r.weights[-1].stable and r.weights[-1].grams == grams


async def test_a_parcel_on_a_hid_scale_in_tenths_of_a_gram_arrives_exact(tmp_path: Path) -> None:
    scale = HidScaleSimulator(tmp_path / "hid-scale", unit="g", exponent=-1, settle=0.3, noise_grams=2)
    async with weighing(scale) as (received, _):
        scale.place(1234.5)
        await received.until(settled_at(1234))
    assert received.weights[-1].exact_grams == Decimal("1234.5")
    assert any(not w.stable for w in received.weights)  # it moved before it settled


async def test_a_us_postal_scale_in_tenths_of_an_ounce_gives_grams(tmp_path: Path) -> None:
    scale = HidScaleSimulator(tmp_path / "hid-scale", unit="oz", exponent=-1, settle=0.2, noise_grams=0)
    async with weighing(scale) as (received, _):
        scale.place(348.7)  # 12.3 oz
        await received.until(settled_at(349))
    assert received.weights[-1].exact_grams == Decimal("348.6991344375")


async def test_an_overloaded_hid_scale_is_a_fault_then_weighs_again(tmp_path: Path) -> None:
    scale = HidScaleSimulator(tmp_path / "hid-scale", settle=0.1, noise_grams=0, capacity_grams=5000)
    async with weighing(scale) as (received, _):
        scale.place(6000)
        await received.until(lambda r: any(h.state == "fault" for h in r.health))
        scale.place(800)
        await received.until(settled_at(800))
    assert [h.detail for h in received.health if h.state == "fault"] == ["overload"]


async def test_unplugging_the_hid_scale_disconnects_the_driver(tmp_path: Path) -> None:
    scale = HidScaleSimulator(tmp_path / "hid-scale", settle=0.1, noise_grams=0)
    async with weighing(scale) as (received, task):
        await received.until(lambda r: r.weights)
        scale.port.unplug()
        with pytest.raises(DeviceDisconnected):
            await asyncio.wait_for(task, 2)
