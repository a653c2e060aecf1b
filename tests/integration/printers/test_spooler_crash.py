"""A spooler process killed with SIGKILL loses no job: the next one prints it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from devices.printers.jobs import SqlitePrintJobStore
from devices.printers.spooler import MAY_BE_DUPLICATE
from simulators.printers.faults import Faults
from simulators.printers.zpl import ZplPrinterSimulator
from tests.polling import eventually

LABEL = b"^XA^FO50,50^BY2^BCN,100,Y,N,N^FD(00)106141412345678908^FS^XZ"
ROOT = Path(__file__).resolve().parents[3]


def start_spooler(db: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devices.printers",
            "spool",
            "--db",
            str(db),
            "--poll",
            "0.05",
            "--retry-base",
            "0.05",
            "--retry-cap",
            "0.2",
        ],
        cwd=ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
async def processes() -> AsyncIterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


async def until(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    await eventually(check, within=within, what="the spooler's job did not get there")


def kill(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=5)


async def test_killing_the_spooler_with_a_job_queued_loses_nothing(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    db, log = tmp_path / "jobs.sqlite", tmp_path / "spooler.log"
    store = SqlitePrintJobStore(db)
    async with ZplPrinterSimulator(faults=Faults(paper_out=True)) as zebra:
        job = await store.submit(zebra.url, "zpl", LABEL)
        processes.append(start_spooler(db, log))

        async def waiting_on_paper() -> bool:
            current = await store.get(job.id)
            return current is not None and (current.last_error or "").startswith("waiting")

        await until(waiting_on_paper)
        kill(processes[-1])
        await zebra.set_faults(paper_out=False)
        await asyncio.sleep(0.3)
        assert len(zebra.shelf) == 0

        processes.append(start_spooler(db, log))

        async def printed() -> bool:
            current = await store.get(job.id)
            return current is not None and current.state == "printed"

        await until(printed)
        assert [label.raw for label in zebra.shelf] == [LABEL]
    store.close()


async def test_a_job_killed_between_send_and_confirm_is_sent_again_and_flagged_as_a_possible_duplicate(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    db, log = tmp_path / "jobs.sqlite", tmp_path / "spooler.log"
    store = SqlitePrintJobStore(db)
    async with ZplPrinterSimulator(faults=Faults(slow_seconds=0.5)) as zebra:
        job = await store.submit(zebra.url, "zpl", LABEL)
        processes.append(start_spooler(db, log))

        async def in_the_printer() -> bool:
            current = await store.get(job.id)
            return (
                current is not None
                and current.state == "printing"
                and zebra.host_status().formats_in_buffer == 1
            )

        await until(in_the_printer)
        kill(processes[-1])
        processes.append(start_spooler(db, log))

        async def printed() -> bool:
            current = await store.get(job.id)
            return current is not None and current.state == "printed"

        await until(printed)
        await zebra.shelf.wait_for(2, within=5)
        final = await store.get(job.id)
        assert final is not None
        assert final.attempts == 2
        events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        assert any(event.get("error") == MAY_BE_DUPLICATE for event in events)
    store.close()
