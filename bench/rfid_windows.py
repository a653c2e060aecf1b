"""RFID read windows: raw reads/s one core de-duplicates, and end to end through LLRP.

1. windows: a synthetic Gen2 S0 stream (200 tags, every tag re-read at every hop) fed straight
   into ReadWindows.observe, against a bare dict counter as the baseline in the same run;
2. llrp: the LLRP reader simulator and the llrp:// driver (sllurp) in one process on loopback:
   TagReportData entries/s and raw reads/s (their TagSeenCount) that reach the windows.

Fixed readers send ~700-1,500 reads/s (PRODUCT.md). Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import random
import sys
import time

from devices.rfid.llrp import LlrpReader
from devices.rfid.tags import TagRead
from devices.rfid.windows import ReadWindows
from simulators.llrp import LlrpReaderSimulator, RadioSettings, sample_tags

READER_PEAK = 1500


def synthetic_stream(n: int, tags: int = 200) -> list[tuple[str, int, float]]:
    rng = random.Random(1)
    epcs = [epc for group in sample_tags(tags, antennas=1).values() for epc in group]
    return [(rng.choice(epcs), rng.randint(1, 4), float(rng.randint(-75, -35))) for _ in range(n)]


def bench_windows(seconds: float = 3.0) -> dict[str, float]:
    stream = synthetic_stream(200_000)
    rate = READER_PEAK  # simulated arrival times as a reader at peak would send them
    windows = ReadWindows(device="bench", window_s=1.0, gone_after_s=3.0)
    events = reads = 0
    start = time.perf_counter()
    t0 = 1_700_000_000.0
    while time.perf_counter() - start < seconds:
        for epc, antenna, rssi in stream:
            events += len(windows.observe(epc, t0 + reads / rate, antenna=antenna, rssi=rssi))
            reads += 1
    windows_rate = reads / (time.perf_counter() - start)

    counts: dict[str, int] = {}
    base = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds / 2:
        for epc, _, _ in stream:
            counts[epc] = counts.get(epc, 0) + 1
            base += 1
    baseline_rate = base / (time.perf_counter() - start)
    return {
        "raw_reads_per_s": round(windows_rate),
        "headroom_vs_1500_reads_per_s": round(windows_rate / READER_PEAK, 1),
        "tag_reads_emitted": events,
        "baseline_dict_counter_reads_per_s": round(baseline_rate),
    }


async def bench_llrp(seconds: float = 6.0, tags: int = 600) -> dict[str, float]:
    settings = RadioSettings(antennas=1, round_s=0.02, duplicates=2, miss_rate=0.05, seed=1)
    sim = LlrpReaderSimulator(tags=sample_tags(tags, antennas=1), settings=settings)
    await sim.start()
    reader = LlrpReader(f"{sim.url}?antennas=1&session=0&report_ms=50&window_ms=1000", device_id="bench")
    entries = raw = 0
    original = reader._observe

    async def counting_observe(report, now, emit):  # type: ignore[no-untyped-def]
        nonlocal entries, raw
        entries += 1
        raw += int(report.get("TagSeenCount", 1))
        await original(report, now, emit)

    reader._observe = counting_observe  # type: ignore[method-assign]
    emitted: list[TagRead] = []

    async def emit(event: TagRead) -> None:
        emitted.append(event)

    task = asyncio.create_task(reader.run(emit))
    await asyncio.sleep(1.5)  # connect, configure, first reports
    e0, r0, s0, t0 = entries, raw, sim.stats.reads, time.perf_counter()
    await asyncio.sleep(seconds)
    elapsed = time.perf_counter() - t0
    result = {
        "tags_in_field": tags,
        "simulator_reads_per_s": round((sim.stats.reads - s0) / elapsed),
        "tag_report_entries_per_s_through_sllurp": round((entries - e0) / elapsed),
        "raw_reads_per_s_reaching_windows": round((raw - r0) / elapsed),
        "distinct_tags_arrived": len({e.epc for e in emitted if e.presence == "arrived"}),
    }
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await sim.stop()
    return result


def main() -> None:
    result = {
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_average_1m": os.getloadavg()[0],
        },
        "reader_peak_reads_per_s": READER_PEAK,
        "windows": bench_windows(),
        "llrp_end_to_end": asyncio.run(bench_llrp()),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
