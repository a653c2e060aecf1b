"""RFID read windows: raw reads/s one core de-duplicates, and end to end through LLRP.

1. windows: a synthetic Gen2 S0 stream (200 tags, every tag re-read at every hop) fed straight
   into ReadWindows.observe, against a bare dict counter as the baseline in the same run;
2. llrp: the LLRP reader simulator in its own process (a reader is its own machine) and the
   llrp:// driver (sllurp) here, on loopback: TagReportData entries/s and raw reads/s (their
   TagSeenCount) that reach the windows, at the driver's default report interval (200 ms) and at
   a short one (50 ms: four times the entries for the same reads). A dock portal of 32 readers at
   full speed (~1,500 reads/s each) needs ~50,000 raw reads/s.

Fixed readers send ~700-1,500 reads/s (PRODUCT.md). Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import random
import sys
import time
from multiprocessing.connection import Connection

from devices.errors import DeviceDisconnected
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


def _serve_simulator(conn: Connection, tags: int, settings: RadioSettings) -> None:
    """Child process: run the reader simulator, send its port, answer "reads?" until "stop"."""

    async def serve() -> None:
        sim = LlrpReaderSimulator(tags=sample_tags(tags, antennas=settings.antennas), settings=settings)
        await sim.start()
        conn.send(sim.port)
        loop = asyncio.get_running_loop()
        while True:
            request = await loop.run_in_executor(None, conn.recv)
            if request == "stop":
                break
            conn.send(sim.stats.reads)
        await sim.stop()

    asyncio.run(serve())


async def bench_llrp(
    seconds: float = 5.0, tags: int = 1000, report_ms: int = 200, duplicates: int = 6
) -> dict[str, float]:
    # S0 at full speed: every tag answers at each hop, 1 + up to `duplicates` reads per 20 ms round.
    settings = RadioSettings(antennas=1, round_s=0.02, duplicates=duplicates, miss_rate=0.05, seed=1)
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve_simulator, args=(child, tags, settings), daemon=True
    )
    process.start()
    port = parent.recv()

    def simulator_reads() -> int:
        parent.send("reads?")
        return int(parent.recv())

    url = f"llrp://127.0.0.1:{port}?antennas=1&session=0&report_ms={report_ms}&window_ms=1000"
    reader = LlrpReader(url, device_id="bench")
    emitted: list[TagRead] = []

    async def emit(event: TagRead) -> None:
        emitted.append(event)

    task = asyncio.create_task(reader.run(emit))
    await asyncio.sleep(1.5)  # connect, configure, first reports
    r0, s0, t0, c0 = reader.reads_folded, simulator_reads(), time.perf_counter(), time.process_time()
    await asyncio.sleep(seconds)
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0
    raw = reader.reads_folded - r0
    result = {
        "tags_in_field": tags,
        "report_ms": report_ms,
        "simulator_reads_per_s": round((simulator_reads() - s0) / elapsed),
        "raw_reads_per_s_reaching_windows": round(raw / elapsed),
        "driver_cpu_share_of_one_core": round(cpu / elapsed, 2),
        "raw_reads_per_driver_cpu_s": round(raw / cpu) if cpu else 0,
        "distinct_tags_arrived": len({e.epc for e in emitted if e.presence == "arrived"}),
    }
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError, DeviceDisconnected):
        # sllurp's thread may still be decoding a backlog; do not wait on it for ever
        await asyncio.wait_for(asyncio.shield(task), 10)
    parent.send("stop")
    process.join(5)
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
        "llrp_end_to_end": [asyncio.run(bench_llrp(report_ms=ms)) for ms in (200, 50)],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
