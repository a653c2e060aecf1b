"""Read windows that follow the Gen2 session, end to end: simulator -> LLRP (sllurp) -> windows.

The simulator models Gen2 inventoried flags: in S2 a powered tag answers once and keeps quiet while
the field powers it (its flag decays only `persistence_s` after the field goes off).
"""

from __future__ import annotations

import asyncio
import contextlib

from devices.rfid.llrp import LlrpReader
from devices.rfid.tags import TagRead
from simulators.llrp import LlrpReaderSimulator, RadioSettings, sample_tags

TAGS = sample_tags(6, antennas=1)
EPCS = TAGS[1]


async def simulator(persistence_s: float = 2.0) -> LlrpReaderSimulator:
    settings = RadioSettings(antennas=1, round_s=0.02, miss_rate=0.0, persistence_s=persistence_s, seed=3)
    sim = LlrpReaderSimulator(tags=TAGS, settings=settings)
    await sim.start()
    return sim


@contextlib.asynccontextmanager
async def reading(reader: LlrpReader):  # type: ignore[no-untyped-def]
    events: list[TagRead] = []

    async def emit(event: TagRead) -> None:
        events.append(event)

    task = asyncio.create_task(reader.run(emit))
    try:
        yield events
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_in_session_2_a_tag_that_stays_in_the_field_is_never_reported_gone() -> None:
    # Before: the default gone_ms=3000 reported every stationary S2 tag gone after 3 s.
    sim = await simulator()
    try:
        async with reading(LlrpReader(f"{sim.url}?session=2&report_ms=50", device_id="d")) as events:
            await asyncio.sleep(4.5)
        assert sorted(e.epc for e in events if e.presence == "arrived") == sorted(EPCS)
        assert [e for e in events if e.presence == "gone"] == []
        assert sim.stats.reads == len(EPCS)  # each tag answered once: S2 as the simulator models it
    finally:
        await sim.stop()


async def test_in_session_2_a_refresh_finds_the_tag_that_left_and_keeps_the_others() -> None:
    sim = await simulator(persistence_s=0.5)
    query = "session=2&report_ms=50&window_ms=500&refresh_ms=1500&refresh_off_ms=800"
    try:
        async with reading(LlrpReader(f"{sim.url}?{query}", device_id="d")) as events:
            await asyncio.sleep(1.0)
            sim.field.remove(EPCS[0])  # the carton with this tag leaves the portal
            await asyncio.sleep(3.5)
        gone = [e.epc for e in events if e.presence == "gone"]
        arrived = [e.epc for e in events if e.presence == "arrived"]
        assert gone == [EPCS[0]]
        assert sorted(arrived) == sorted(EPCS)  # no tag re-arrived after the refresh
    finally:
        await sim.stop()


async def test_in_session_0_a_tag_that_leaves_is_gone_after_the_default_three_seconds() -> None:
    sim = await simulator()
    try:
        async with reading(LlrpReader(f"{sim.url}?session=0&report_ms=50", device_id="d")) as events:
            await asyncio.sleep(0.8)
            sim.field.remove(EPCS[0])
            await asyncio.sleep(2.5)
            early = [e.epc for e in events if e.presence == "gone"]
            await asyncio.sleep(1.2)
        assert (early, [e.epc for e in events if e.presence == "gone"]) == ([], [EPCS[0]])
    finally:
        await sim.stop()
