"""The serial scanner driver reading the scanner simulator over a real pty."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from devices.errors import DeviceDisconnected
from devices.framing import Framing
from devices.health import DeviceHealth
from devices.scan import GS, Scan
from devices.serial_scanner import SerialScanner
from simulators.scanner import ScannerSimulator, parse_script

DATAMATRIX = "]d2010950600013435210LOT1" + GS + "17261231"


class Received:
    """What a driver emitted, with a way to wait for a number of scans."""

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
    def health(self) -> list[DeviceHealth]:
        return [e for e in self.events if isinstance(e, DeviceHealth)]

    async def wait_for(self, count: int, within: float = 3.0) -> list[Scan]:
        async with asyncio.timeout(within):
            while len(self.scans) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.scans


@contextlib.asynccontextmanager
async def reading(sim: ScannerSimulator, url: str | None = None) -> AsyncIterator[Received]:
    """Run the driver on the simulator's port while the block runs."""
    received = Received()
    driver = SerialScanner(url or sim.url(), device_id="scanner-1")
    task = asyncio.create_task(driver.run(received))
    try:
        async with asyncio.timeout(2):
            await sim.port.wait_for_host()
        yield received
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, DeviceDisconnected):
            await task
        await driver.close()


@pytest.fixture
async def make_sim(tmp_path: Path) -> AsyncIterator[Any]:
    made: list[ScannerSimulator] = []

    async def make(framing: Framing | None = None) -> ScannerSimulator:
        sim = ScannerSimulator(tmp_path / f"scanner-{len(made)}", framing, host_timeout=3)
        await sim.start()
        made.append(sim)
        return sim

    yield make
    for sim in made:
        sim.close()


@pytest.mark.parametrize("terminator", ["cr", "lf", "crlf"])
async def test_a_scan_framed_with_each_terminator_arrives_whole(make_sim: Any, terminator: str) -> None:
    sim = await make_sim(Framing(terminator=terminator))  # type: ignore[arg-type]
    async with reading(sim) as received:
        await sim.scan("]C0LOC-A-01-02")
        await sim.scan("]E05901234123457")
        scans = await received.wait_for(2)
    assert [(s.kind, s.code or s.gtin) for s in scans] == [
        ("location", "A-01-02"),
        ("gtin", "05901234123457"),
    ]


async def test_prefix_and_suffix_are_removed_from_the_scan(make_sim: Any) -> None:
    sim = await make_sim(Framing(terminator="cr", prefix=b"\x02", suffix=b"\x03"))
    async with reading(sim) as received:
        await sim.scan("]C0LPN-00012345")
        (scan,) = await received.wait_for(1)
    assert (scan.kind, scan.code, scan.raw) == ("lpn", "00012345", "]C0LPN-00012345")


async def test_the_aim_id_tells_the_symbology_of_a_gs1_datamatrix(make_sim: Any) -> None:
    sim = await make_sim(Framing(aim=True))
    async with reading(sim) as received:
        await sim.scan(DATAMATRIX)
        (scan,) = await received.wait_for(1)
    assert (scan.symbology, scan.gtin, scan.lot, str(scan.expiry)) == (
        "]d2",
        "09506000134352",
        "LOT1",
        "2026-12-31",
    )


async def test_a_scanner_without_aim_ids_still_yields_the_gs1_meaning(make_sim: Any) -> None:
    sim = await make_sim(Framing(aim=False))
    async with reading(sim) as received:
        await sim.scan(DATAMATRIX)  # the simulator leaves the AIM id out, as the scanner would
        (scan,) = await received.wait_for(1)
    assert (scan.symbology, scan.gtin, scan.lot) == (None, "09506000134352", "LOT1")


async def test_a_gs_substitute_inside_gs1_data_is_read_as_gs(make_sim: Any) -> None:
    sim = await make_sim(Framing(gs_substitute="~"))
    async with reading(sim) as received:
        await sim.port.wait_for_host()
        await sim.port.write(b"]d2010950600013435210LOT1~17261231\r\n")
        (scan,) = await received.wait_for(1)
    assert (scan.lot, str(scan.expiry)) == ("LOT1", "2026-12-31")


async def test_a_gs1_string_without_gs_separators_is_read_when_the_variable_field_is_last(
    make_sim: Any,
) -> None:
    sim = await make_sim()
    async with reading(sim) as received:
        await sim.scan("]d2010950600013435217261231" + "10LOT1")
        (scan,) = await received.wait_for(1)
    assert (scan.gtin, scan.lot, str(scan.expiry)) == ("09506000134352", "LOT1", "2026-12-31")


async def test_garbled_bytes_are_recorded_as_an_unknown_scan_with_the_bytes_kept(make_sim: Any) -> None:
    sim = await make_sim()
    async with reading(sim) as received:
        await sim.garbled(b"\xff\xfeAB\x01")
        await sim.scan("]C0ORD-1001")
        garbled, order = await received.wait_for(2)
    assert (garbled.kind, garbled.raw, order.kind) == ("unknown", "\\xff\\xfeAB\x01", "order")


async def test_a_line_sent_in_two_pieces_is_one_scan(make_sim: Any) -> None:
    sim = await make_sim()
    async with reading(sim) as received:
        await sim.partial("]C0RMA-4711", pause=0.1)
        await sim.scan("]C0ORD-1")
        first, second = await received.wait_for(2)
    assert (first.kind, first.code, second.code) == ("rma", "4711", "1")


async def test_a_duplicate_scan_arrives_twice_as_the_scanner_sent_it(make_sim: Any) -> None:
    sim = await make_sim()
    async with reading(sim) as received:
        await sim.play(parse_script("]C0LPN-1\n@duplicate\n"))
        scans = await received.wait_for(2)
    assert [s.code for s in scans] == ["1", "1"]


async def test_pulling_the_scanner_raises_device_disconnected(make_sim: Any) -> None:
    sim = await make_sim()
    received = Received()
    driver = SerialScanner(sim.url(), device_id="scanner-1")
    task = asyncio.create_task(driver.run(received))
    async with asyncio.timeout(2):
        await sim.port.wait_for_host()
    sim.port.unplug()
    with pytest.raises(DeviceDisconnected):
        async with asyncio.timeout(2):
            await task


async def test_a_line_cut_by_the_unplug_is_recorded_as_unknown_before_the_disconnect(make_sim: Any) -> None:
    sim = await make_sim()
    received = Received()
    driver = SerialScanner(sim.url(), device_id="scanner-1")
    task = asyncio.create_task(driver.run(received))
    async with asyncio.timeout(2):
        await sim.port.wait_for_host()
    await sim.scan("]C0LPN-1")
    await sim.cut("]C0LPN-2")
    await sim.port.drain()
    sim.port.unplug()
    with pytest.raises(DeviceDisconnected):
        async with asyncio.timeout(2):
            await task
    whole, cut = received.scans
    assert (whole.code, cut.kind, cut.error) == ("1", "unknown", "partial scan cut by disconnect")


async def test_opening_a_port_that_is_not_there_raises_device_disconnected(tmp_path: Path) -> None:
    driver = SerialScanner(f"serial://{tmp_path}/no-such-port", device_id="scanner-1")
    with pytest.raises(DeviceDisconnected):
        await driver.run(Received())
