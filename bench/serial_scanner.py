"""Serial scanner driver: scans/s through a pty before anything is dropped.

A scanner process (forked, so it does not share the driver's CPU time slice) sends numbered GS1
DataMatrix scans at a target rate; the real SerialScanner driver reads them through the pty and
parses each with biip. The rate doubles until a scan is lost, duplicated or reordered, or the
scanner cannot send on time. Lost means: the pty was full (the host did not keep up) or, with a
baud rate, the scanner's send buffer overflowed because the line is too slow.

A pty does not enforce a baud rate, so for 9600 and 115200 the scanner paces its bytes as a UART
would (10 bits per byte); "none" is the pty at full speed, which measures the driver itself. The
baseline, measured in the same run, is a bare reader (os.read and split on CR LF, no pyserial, no
parsing) on the same unpaced pty.

Run: .venv/bin/python bench/serial_scanner.py
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from devices.framing import Framing, encode_scan
from devices.scan import GS, Scan
from devices.serial_scanner import SerialScanner
from simulators.pty import PtyLink

STEP_SECONDS = 1.0
FIRST_RATE = 5
MAX_RATE = 102_400
SEND_BUFFER_SECONDS = 0.1  # a scanner holds this much unsent output before it drops scans


def frame(n: int) -> bytes:
    return encode_scan(f"]d2010950600013435221{n:010d}{GS}10LOT1{GS}17261231", Framing())


def scanner_process(link: PtyLink, rate: float, baud: int | None, results: multiprocessing.Queue) -> None:
    """Send numbered scans at `rate` for STEP_SECONDS; report how many were sent and dropped."""
    deadline = time.monotonic() + 5
    while not link.host_ready():
        if time.monotonic() > deadline:
            results.put((0, 0, "host never opened the port"))
            return
        time.sleep(0.002)
    sent = dropped = 0
    count = max(1, int(rate * STEP_SECONDS))
    start = time.monotonic()
    line_free_at = start
    for n in range(count):
        due = start + n / rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        elif now - due > 0.5:
            results.put((sent, dropped, f"the scanner process fell behind at scan {n}"))
            return
        data = frame(n)
        if baud:
            begin = max(time.monotonic(), line_free_at)
            if begin - due > SEND_BUFFER_SECONDS:
                dropped += 1
                continue
            line_free_at = begin + len(data) * 10 / baud
            wait = line_free_at - time.monotonic()
            if wait > 0:
                time.sleep(wait)  # the bytes are on the wire until the last stop bit
        taken = link.try_write(data)
        if taken == 0:
            dropped += 1
            continue
        while taken < len(data):  # never leave half a frame: finish it even if the host is slow
            taken += link.try_write(data[taken:])
            if time.monotonic() - due > 0.5:
                results.put((sent, dropped + 1, "the host stopped reading mid-frame"))
                return
        sent += 1
    results.put((sent, dropped, ""))


async def read_with_driver(link: Path, expected: int, results: multiprocessing.Queue) -> list[int]:
    got: list[int] = []

    async def emit(event: object) -> None:
        if isinstance(event, Scan):
            got.append(int(event.serial or -1))

    driver = SerialScanner(f"serial://{link}?baud=115200", device_id="bench")
    task = asyncio.create_task(driver.run(emit))
    report = await asyncio.to_thread(results.get, True, STEP_SECONDS * 4 + 10)
    sent = report[0]
    async with asyncio.timeout(5):
        while len(got) < sent:  # noqa: ASYNC110 - waiting for the driver to catch up
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await driver.close()
    results.put(report)
    return got


async def read_bare(link: Path, expected: int, results: multiprocessing.Queue) -> list[int]:
    """Baseline: read the port with os.read and split lines, nothing else."""
    import termios
    import tty

    fd = os.open(link, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    tty.setraw(fd)
    termios.tcflush(fd, termios.TCIFLUSH)  # the same "host opened and flushed" signal as pyserial
    loop = asyncio.get_running_loop()
    got: list[int] = []
    rest = b""
    readable = asyncio.Event()
    loop.add_reader(fd, readable.set)
    report_task = asyncio.ensure_future(asyncio.to_thread(results.get, True, STEP_SECONDS * 4 + 10))
    try:
        while True:
            if report_task.done() and len(got) >= report_task.result()[0]:
                break
            try:
                async with asyncio.timeout(1):
                    await readable.wait()
            except TimeoutError:
                if report_task.done():
                    break
                continue
            readable.clear()
            try:
                rest += os.read(fd, 65536)
            except BlockingIOError:
                continue
            *lines, rest = rest.split(b"\r\n")
            got.extend(int(line[21:31]) for line in lines)
    finally:
        loop.remove_reader(fd)
        os.close(fd)
    results.put(await report_task)
    return got


async def one_step(reader: str, rate: float, baud: int | None, workdir: Path) -> dict[str, object]:
    link = PtyLink(workdir / f"scanner-{reader}-{rate}-{baud}")
    link.plug()
    results: multiprocessing.Queue = multiprocessing.get_context("fork").Queue()
    sender = multiprocessing.get_context("fork").Process(
        target=scanner_process, args=(link, rate, baud, results)
    )
    sender.start()
    started = time.monotonic()
    try:
        read = read_with_driver if reader == "driver" else read_bare
        got = await read(link.link, int(rate * STEP_SECONDS), results)
        sent, dropped, problem = results.get(timeout=5)
    finally:
        sender.join(5)
        link.close()
    elapsed = time.monotonic() - started
    print(f"{reader} baud={baud} rate={rate}: sent {sent} got {len(got)} {problem}", file=sys.stderr)
    in_order = got == sorted(got) and len(set(got)) == len(got)
    lost = dropped + max(0, sent - len(set(got)))
    return {
        "rate": rate,
        "sent": sent,
        "received": len(got),
        "lost": lost,
        "in_order_no_duplicates": in_order,
        "problem": problem,
        "ok": not problem and lost == 0 and in_order and sent == int(rate * STEP_SECONDS),
        "seconds": round(elapsed, 2),
    }


async def ramp(reader: str, baud: int | None, workdir: Path) -> dict[str, object]:
    steps = []
    best = 0.0
    rate = float(FIRST_RATE)
    while rate <= MAX_RATE:
        step = await one_step(reader, rate, baud, workdir)
        steps.append(step)
        if not step["ok"]:
            break
        best = rate
        rate *= 2
    base = best
    for factor in (1.25, 1.5, 1.75):  # between the last good rate and the first bad one
        if not base:
            break
        step = await one_step(reader, base * factor, baud, workdir)
        steps.append(step)
        if not step["ok"]:
            break
        best = base * factor
    return {"highest_lossless_scans_per_s": best, "steps": steps}


def main() -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kaeru-bench-") as tmp:
        workdir = Path(tmp)
        figures = {
            "driver_pty_unpaced": asyncio.run(ramp("driver", None, workdir)),
            "driver_baud_115200": asyncio.run(ramp("driver", 115_200, workdir)),
            "driver_baud_9600": asyncio.run(ramp("driver", 9_600, workdir)),
            "baseline_bare_reader_pty_unpaced": asyncio.run(ramp("bare", None, workdir)),
        }
    frame_bytes = len(frame(0))
    print(
        json.dumps(
            {
                "bench": "serial_scanner",
                "scan": "GS1 DataMatrix ]d2 with GTIN, serial, lot, expiry; CR LF",
                "frame_bytes": frame_bytes,
                "line_limit_scans_per_s": {
                    "115200": round(115_200 / 10 / frame_bytes, 1),
                    "9600": round(9_600 / 10 / frame_bytes, 1),
                },
                "step_seconds": STEP_SECONDS,
                "rates_doubling_from": FIRST_RATE,
                "highest_lossless_scans_per_s": {
                    name: value["highest_lossless_scans_per_s"] for name, value in figures.items()
                },
                "details": figures,
                "machine": {
                    "platform": platform.platform(),
                    "cpu_count": os.cpu_count(),
                    "python": sys.version.split()[0],
                },
                "wall_seconds": round(time.monotonic() - started, 1),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
