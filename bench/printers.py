"""Printer path figures: spooler throughput to a simulated Zebra against raw TCP, and simulator rendering.

Run: .venv/bin/python bench/printers.py   (about half a minute; prints one JSON object)

- raw_tcp_labels_per_second: baseline, all formats written down one connection, one `~HS` at the
  end to see the buffer drained (no per-job bookkeeping).
- spooler_jobs_per_second: the same labels as durable jobs (SQLite, WAL, synchronous=FULL), each
  claimed, sent and confirmed by `~HS` before the next one, as in production.
- zpl_render / escpos_render: how fast the simulators turn a job into a PNG.
A 6-inch label at 6 in/s is about one label per second: that is the printer's physical limit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from escpos.printer import Dummy

from devices.printers.driver import open_printer
from devices.printers.jobs import SqlitePrintJobStore
from devices.printers.spooler import Spooler
from devices.printers.zpl import ZplPrinter
from simulators.printers.escpos_commands import EscposParser
from simulators.printers.receipt import render_receipt
from simulators.printers.zpl import ZplPrinterSimulator, render_label

JOBS = 200
LABEL = (
    b"^XA^PW812^LL1218^FO50,50^A0N,40,40^FDShip to: Kaeru returns^FS"
    b"^FO50,150^BY3^BCN,150,Y,N,N^FDLPN-%06d^FS^FO50,400^BQN,2,6^FDMA,RMA:tok-123^FS^XZ"
)


async def raw_tcp(count: int) -> float:
    async with ZplPrinterSimulator(render=False) as zebra:
        printer = ZplPrinter(zebra.url, timeout=5)
        started = time.perf_counter()
        await printer.send(b"".join(LABEL % n for n in range(count)))
        while True:  # polling is what a host does: the printer only answers ~HS
            if (await printer.host_status()).to_printer_status().drained:
                break
            await asyncio.sleep(0.001)
        elapsed = time.perf_counter() - started
        await printer.close()
        assert len(zebra.shelf) == count
    return count / elapsed


async def spooled(count: int, confirm_interval: float) -> float:
    with tempfile.TemporaryDirectory() as directory:
        store = SqlitePrintJobStore(Path(directory) / "jobs.sqlite")
        async with ZplPrinterSimulator(render=False) as zebra:
            for n in range(count):
                await store.submit(zebra.url, "zpl", LABEL % n)
            spooler = Spooler(
                store,
                open_driver=lambda url: open_printer(url, timeout=2),
                poll_interval=0.01,
                confirm_interval=confirm_interval,
            )
            started = time.perf_counter()
            task = asyncio.create_task(spooler.run())
            await zebra.shelf.wait_for(count, within=300)
            while True:  # the last job's settle lands just after its label
                if not await store.printers():
                    break
                await asyncio.sleep(0.005)
            elapsed = time.perf_counter() - started
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        store.close()
    return count / elapsed


def per_second(work: object, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        work(n)  # type: ignore[operator]
    return count / (time.perf_counter() - started)


def receipt_bytes() -> bytes:
    printer = Dummy()
    printer.set(align="center", bold=True)
    printer.text("Kaeru return receipt\n")
    printer.set_with_default()
    printer.text("RMA-100234  2 items\n")
    printer.barcode("{BRMA-100234", "CODE128", function_type="B")
    printer.qr("RMA:7f3a9c", native=True, size=6)
    printer.cut()
    return bytes(printer.output)


def render_escpos(data: bytes) -> bytes:
    parser = EscposParser()
    return render_receipt([*parser.feed(data), *parser.flush()])


async def main() -> dict[str, object]:
    logging.getLogger("escpos").setLevel(logging.ERROR)
    receipt = receipt_bytes()
    return {
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "jobs": JOBS,
        "raw_tcp_labels_per_second": round(await raw_tcp(JOBS), 1),
        "spooler_jobs_per_second_confirm_poll_10ms": round(await spooled(JOBS, 0.01), 1),
        "spooler_jobs_per_second_confirm_poll_200ms_default": round(await spooled(50, 0.2), 1),
        "zpl_render_labels_per_second": round(per_second(lambda n: render_label(LABEL % n), 50), 1),
        "escpos_render_receipts_per_second": round(per_second(lambda n: render_escpos(receipt), 50), 1),
        "thermal_printer_limit_labels_per_second": 1.0,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))
