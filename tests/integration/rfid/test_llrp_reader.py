"""The llrp:// driver against the LLRP reader simulator over a real TCP socket."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import pytest

from devices.errors import DeviceDisconnected, DeviceFault
from devices.rfid.llrp import LlrpReader
from devices.rfid.tags import TagRead
from simulators.llrp import LlrpReaderSimulator, RadioSettings, sample_tags

TAGS = sample_tags(12, antennas=2)
ALL_EPCS = {epc for epcs in TAGS.values() for epc in epcs}


@pytest.fixture
async def simulator() -> AsyncIterator[LlrpReaderSimulator]:
    sim = LlrpReaderSimulator(
        tags=TAGS, settings=RadioSettings(antennas=2, round_s=0.02, duplicates=3, miss_rate=0.0, seed=7)
    )
    await sim.start()
    yield sim
    await sim.stop()


async def collect(reader: LlrpReader, seconds: float) -> list[TagRead]:
    events: list[TagRead] = []

    async def emit(event: TagRead) -> None:
        events.append(event)

    task = asyncio.create_task(reader.run(emit))
    await asyncio.sleep(seconds)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return events


def url(sim: LlrpReaderSimulator, query: str) -> str:
    return f"{sim.url}?{query}"


async def test_the_reader_reports_every_simulated_tag_as_arrived_once(simulator: LlrpReaderSimulator) -> None:
    reader = LlrpReader(url(simulator, "antennas=1,2&session=0&report_ms=100"), device_id="dock-rfid")
    events = await collect(reader, 1.5)
    arrivals = [e.epc for e in events if e.presence == "arrived"]
    assert sorted(arrivals) == sorted(ALL_EPCS)


async def test_in_session_0_many_reads_become_one_report_per_tag_per_window(
    simulator: LlrpReaderSimulator,
) -> None:
    reader = LlrpReader(url(simulator, "antennas=1,2&session=0&report_ms=100&window_ms=500"), device_id="d")
    events = await collect(reader, 1.6)
    per_tag = {epc: sum(1 for e in events if e.epc == epc) for epc in ALL_EPCS}
    assert simulator.stats.reads > 5 * len(ALL_EPCS)
    assert max(per_tag.values()) <= 4  # 1.6 s of 0.5 s windows: at most one report in each


async def test_a_present_report_counts_the_reads_folded_into_it(simulator: LlrpReaderSimulator) -> None:
    reader = LlrpReader(url(simulator, "antennas=1,2&session=0&report_ms=100&window_ms=500"), device_id="d")
    events = await collect(reader, 1.3)
    present = [e for e in events if e.presence == "present"]
    assert present
    assert all(e.seen_count > 1 for e in present)


async def test_reported_tags_carry_gtin_serial_antenna_and_rssi(simulator: LlrpReaderSimulator) -> None:
    reader = LlrpReader(url(simulator, "antennas=1,2&report_ms=100"), device_id="dock-rfid")
    events = await collect(reader, 1.0)
    first = next(e for e in events if e.epc == TAGS[1][0])
    assert (first.gtin, first.serial, first.antenna, first.device) == ("80614141123458", "1", 1, "dock-rfid")
    assert first.peak_rssi is not None


async def test_a_tag_taken_away_is_reported_gone(simulator: LlrpReaderSimulator) -> None:
    reader = LlrpReader(url(simulator, "antennas=1,2&session=0&report_ms=100&gone_ms=600"), device_id="d")
    events: list[TagRead] = []

    async def emit(event: TagRead) -> None:
        events.append(event)

    task = asyncio.create_task(reader.run(emit))
    await asyncio.sleep(0.8)
    taken = TAGS[2][0]
    simulator.field.remove(taken)
    await asyncio.sleep(1.2)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert [e.epc for e in events if e.presence == "gone"] == [taken]


async def test_the_reader_going_away_raises_device_disconnected(simulator: LlrpReaderSimulator) -> None:
    reader = LlrpReader(url(simulator, "antennas=1&report_ms=100"), device_id="d")

    async def emit(event: TagRead) -> None:
        return None

    task = asyncio.create_task(reader.run(emit))
    await asyncio.sleep(0.5)
    await simulator.drop_connection()
    with pytest.raises(DeviceDisconnected):
        await asyncio.wait_for(task, timeout=3)


async def test_an_unreachable_reader_raises_device_disconnected() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reader = LlrpReader(f"llrp://127.0.0.1:{port}", device_id="d")

    async def emit(event: TagRead) -> None:
        return None

    with pytest.raises(DeviceDisconnected, match="cannot reach"):
        await asyncio.wait_for(reader.run(emit), timeout=5)


async def test_asking_for_an_antenna_the_reader_lacks_raises_device_fault(
    simulator: LlrpReaderSimulator,
) -> None:
    reader = LlrpReader(url(simulator, "antennas=1,7"), device_id="d")

    async def emit(event: TagRead) -> None:
        return None

    with pytest.raises(DeviceFault, match=r"antennas 1\.\.2"):
        await asyncio.wait_for(reader.run(emit), timeout=5)


async def test_closing_the_driver_releases_the_reader_for_the_next_client(
    simulator: LlrpReaderSimulator,
) -> None:
    first = LlrpReader(url(simulator, "antennas=1"), device_id="d")
    await collect(first, 0.5)
    await asyncio.sleep(0.1)
    assert not simulator.connected
    # session 0: the tags answer again at once (in S2 they would stay quiet for their persistence time)
    second = await collect(LlrpReader(url(simulator, "antennas=1&session=0"), device_id="d"), 0.8)
    assert {e.epc for e in second} == set(TAGS[1])
