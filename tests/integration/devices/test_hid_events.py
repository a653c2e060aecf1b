"""The wedge-scanner driver reading real `struct input_event` records from a file.

/dev/uinput does not exist where these tests run, so no virtual keyboard can be made; a FIFO
carries the kernel's event records instead, read by the same code that reads /dev/input/eventN.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from devices.errors import DeviceDisconnected
from devices.health import DeviceHealth
from devices.hid import HidScanner, keystrokes, load_layout
from devices.scan import GS, Scan

# linux/input.h on 64-bit: struct input_event { struct timeval time; __u16 type; __u16 code; __s32 value; }
KERNEL_INPUT_EVENT = struct.Struct("=qqHHi")


def records(events: list[tuple[int, int, int]]) -> bytes:
    return b"".join(KERNEL_INPUT_EVENT.pack(1_700_000_000, 1000 * n, *ev) for n, ev in enumerate(events))


class Received:
    def __init__(self) -> None:
        self.events: list[Any] = []
        self.changed = asyncio.Event()

    async def __call__(self, event: Any) -> None:
        self.events.append(event)
        self.changed.set()

    @property
    def scans(self) -> list[Scan]:
        return [x for x in self.events if isinstance(x, Scan)]

    async def wait_for(self, count: int) -> list[Scan]:
        async with asyncio.timeout(3):
            while len(self.scans) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.scans


@contextlib.asynccontextmanager
async def wedge(fifo: Path, query: str) -> AsyncIterator[tuple[Received, asyncio.Task[None], int]]:
    """The driver reading `fifo`, and the writing end of it."""
    received = Received()
    driver = HidScanner(f"hid://{fifo}?{query}", device_id="wedge-1")
    task = asyncio.create_task(driver.run(received))
    writer = -1
    async with asyncio.timeout(2):
        while writer < 0:
            try:
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO until the driver has opened its end
                await asyncio.sleep(0.005)
    try:
        yield received, task, writer
    finally:
        with contextlib.suppress(OSError):
            os.close(writer)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, DeviceDisconnected):
            await task
        await driver.close()


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "event-kbd"
    os.mkfifo(path)
    return path


async def test_key_event_records_become_scans_through_the_configured_layout(fifo: Path) -> None:
    de = load_layout("de")
    async with wedge(fifo, "layout=de&grab=0") as (received, _, writer):
        os.write(writer, records(keystrokes("]C0LPN-YZ01", de) + keystrokes("]C0LOC-A-01", de)))
        lpn, loc = await received.wait_for(2)
    assert (lpn.kind, lpn.code, loc.kind, loc.code) == ("lpn", "YZ01", "location", "A-01")


async def test_a_record_split_across_writes_is_reassembled(fifo: Path) -> None:
    us = load_layout("us")
    data = records(keystrokes("]d2010950600013435210LOT1" + GS + "17261231", us))
    async with wedge(fifo, "layout=us&grab=0") as (received, _, writer):
        os.write(writer, data[:37])
        await asyncio.sleep(0.05)
        os.write(writer, data[37:])
        (scan,) = await received.wait_for(1)
    assert (scan.gtin, scan.lot, str(scan.expiry)) == ("09506000134352", "LOT1", "2026-12-31")


async def test_the_driver_reports_connected_before_any_scan(fifo: Path) -> None:
    async with wedge(fifo, "grab=0") as (received, _, writer):
        os.write(writer, records(keystrokes("1", load_layout("us"))))
        await received.wait_for(1)
    assert isinstance(received.events[0], DeviceHealth)
    assert received.events[0].state == "connected"


async def test_the_end_of_the_event_stream_is_a_disconnect_with_the_partial_scan_kept(fifo: Path) -> None:
    async with wedge(fifo, "grab=0") as (received, task, writer):
        os.write(writer, records(keystrokes("]C0LPN-12", load_layout("us"), enter=False)))
        await asyncio.sleep(0.05)
        os.close(writer)
        with pytest.raises(DeviceDisconnected):
            async with asyncio.timeout(2):
                await task
    (partial,) = received.scans
    assert (partial.kind, partial.raw, partial.error) == (
        "unknown",
        "]C0LPN-12",
        "partial scan cut by disconnect",
    )


async def test_grabbing_something_that_is_not_an_input_device_fails_as_a_disconnect(fifo: Path) -> None:
    driver = HidScanner(f"hid://{fifo}?grab=1", device_id="wedge-1")
    with pytest.raises(DeviceDisconnected, match="cannot grab"):
        await driver.run(Received())


async def test_an_input_device_that_is_not_there_is_a_disconnect(tmp_path: Path) -> None:
    driver = HidScanner(f"hid://{tmp_path}/event99", device_id="wedge-1")
    with pytest.raises(DeviceDisconnected, match="cannot open"):
        await driver.run(Received())
