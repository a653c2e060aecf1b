"""The print spooler against the simulated Zebra: faults, confirmation, cancelling, events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from devices.printers.driver import Printer, open_printer
from devices.printers.jobs import PrintJob, SqlitePrintJobStore
from devices.printers.spooler import JobStateChanged, PrinterStateChanged, Spooler, SpoolEvent
from simulators.printers.escpos import EscposPrinterSimulator
from simulators.printers.faults import Faults
from simulators.printers.zpl import ZplPrinterSimulator
from tests.polling import eventually

LABEL = b"^XA^FO50,50^BY2^BCN,100,Y,N,N^FDLPN-0001^FS^XZ"


def quick_zpl(url: str) -> Printer:
    """Drivers as the spooler opens them, with a short ~HS timeout for ZPL printers."""
    return open_printer(url, timeout=0.2) if url.startswith("tcp://") else open_printer(url)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlitePrintJobStore]:
    jobs = SqlitePrintJobStore(tmp_path / "jobs.sqlite")
    yield jobs
    jobs.close()


@pytest.fixture
def events() -> list[SpoolEvent]:
    return []


@pytest.fixture
async def spooling(
    store: SqlitePrintJobStore, events: list[SpoolEvent]
) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    async def record(event: SpoolEvent) -> None:
        events.append(event)

    spooler = Spooler(
        store,
        emit=record,
        open_driver=quick_zpl,
        poll_interval=0.05,
        confirm_interval=0.05,
        retry_base=0.05,
        retry_cap=0.2,
    )
    task: list[asyncio.Task[None]] = []

    async def start() -> None:
        task.append(asyncio.create_task(spooler.run()))

    yield start
    for running in task:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def until(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    await eventually(check, within=within, what="the spooler's job did not get there")


async def job_is(store: SqlitePrintJobStore, job: PrintJob, state: str) -> bool:
    current = await store.get(job.id)
    return current is not None and current.state == state


async def test_a_job_sent_while_the_printer_is_out_of_paper_is_printed_once_after_the_paper_is_back(
    store: SqlitePrintJobStore, spooling: Callable[[], Awaitable[None]]
) -> None:
    async with ZplPrinterSimulator(faults=Faults(paper_out=True)) as zebra:
        job = await store.submit(zebra.url, "zpl", LABEL)
        await spooling()

        async def waiting() -> bool:
            current = await store.get(job.id)
            return current is not None and (current.last_error or "").startswith("waiting")

        await until(waiting)
        await asyncio.sleep(0.3)
        assert len(zebra.shelf) == 0
        assert await job_is(store, job, "queued")

        await zebra.set_faults(paper_out=False)
        await until(lambda: job_is(store, job, "printed"))
        await asyncio.sleep(0.3)  # time enough for a duplicate to show up
        assert len(zebra.shelf) == 1
        printed = await store.get(job.id)
        assert printed is not None
        assert printed.attempts == 1


async def test_a_job_in_the_printer_when_the_paper_runs_out_is_not_sent_again(
    store: SqlitePrintJobStore, spooling: Callable[[], Awaitable[None]]
) -> None:
    async with ZplPrinterSimulator(faults=Faults(slow_seconds=0.4)) as zebra:
        job = await store.submit(zebra.url, "zpl", LABEL)
        await spooling()
        await until(lambda: job_is(store, job, "printing"))
        await zebra.set_faults(paper_out=True)

        async def explained() -> bool:
            current = await store.get(job.id)
            return current is not None and "in the printer" in (current.last_error or "")

        await until(explained)
        current = await store.get(job.id)
        assert current is not None
        assert current.state == "printing"

        await zebra.set_faults(paper_out=False)
        await until(lambda: job_is(store, job, "printed"))
        assert len(zebra.shelf) == 1
        printed = await store.get(job.id)
        assert printed is not None
        assert printed.attempts == 1


async def test_a_job_cancelled_while_the_printer_is_faulted_never_prints(
    store: SqlitePrintJobStore, spooling: Callable[[], Awaitable[None]]
) -> None:
    async with ZplPrinterSimulator(faults=Faults(head_open=True)) as zebra:
        doomed = await store.submit(zebra.url, "zpl", LABEL)
        kept = await store.submit(zebra.url, "zpl", LABEL.replace(b"0001", b"0002"))
        await spooling()
        await asyncio.sleep(0.2)
        assert await store.cancel(doomed.id) is not None
        await zebra.set_faults(head_open=False)
        await until(lambda: job_is(store, kept, "printed"))
        assert [label.raw for label in zebra.shelf] == [LABEL.replace(b"0001", b"0002")]
        assert await job_is(store, doomed, "cancelled")


async def test_jobs_for_one_printer_come_out_in_the_order_they_were_queued(
    store: SqlitePrintJobStore, spooling: Callable[[], Awaitable[None]]
) -> None:
    async with ZplPrinterSimulator() as zebra:
        labels = [LABEL.replace(b"0001", f"{n:04d}".encode()) for n in range(1, 6)]
        for label in labels:
            await store.submit(zebra.url, "zpl", label)
        await spooling()
        await zebra.shelf.wait_for(5, within=5)
        assert [label.raw for label in zebra.shelf] == labels


async def test_a_job_in_a_format_the_printer_does_not_speak_fails_with_a_reason(
    store: SqlitePrintJobStore, spooling: Callable[[], Awaitable[None]]
) -> None:
    async with ZplPrinterSimulator() as zebra:
        job = await store.submit(zebra.url, "pdf", b"%PDF-1.4")
        await spooling()
        await until(lambda: job_is(store, job, "failed"))
        failed = await store.get(job.id)
        assert failed is not None
        assert "does not print pdf" in (failed.last_error or "")
        assert len(zebra.shelf) == 0


async def test_a_job_for_a_printer_url_no_driver_speaks_fails(
    store: SqlitePrintJobStore, spooling: Callable[[], Awaitable[None]]
) -> None:
    job = await store.submit("lpd://somewhere/queue", "zpl", LABEL)
    await spooling()
    await until(lambda: job_is(store, job, "failed"))


async def test_the_dashboard_hears_the_printer_fault_and_the_job_going_through(
    store: SqlitePrintJobStore, spooling: Callable[[], Awaitable[None]], events: list[SpoolEvent]
) -> None:
    async with ZplPrinterSimulator(faults=Faults(paper_out=True, silent_when_faulted=False)) as zebra:
        job = await store.submit(zebra.url, "zpl", LABEL)
        await spooling()
        await asyncio.sleep(0.2)
        await zebra.set_faults(paper_out=False)
        await until(lambda: job_is(store, job, "printed"))
        printer_states = [(e.state, e.faults) for e in events if isinstance(e, PrinterStateChanged)]
        job_states = [e.state for e in events if isinstance(e, JobStateChanged)]
        assert printer_states[:2] == [("fault", frozenset({"paper_out"})), ("ready", frozenset())]
        assert job_states == ["printing", "printed"]


async def test_a_receipt_queued_while_the_receipt_printer_is_out_of_paper_prints_once_when_it_is_back(
    store: SqlitePrintJobStore, spooling: Callable[[], Awaitable[None]]
) -> None:
    async with EscposPrinterSimulator(faults=Faults(paper_out=True)) as receipts:
        job = await store.submit(receipts.url, "escpos", b"\x1bt\x00ORD-1001 packed\n\x1bd\x03\x1dV\x00")
        await spooling()
        await asyncio.sleep(0.3)
        assert await job_is(store, job, "queued")
        await receipts.set_faults(paper_out=False)
        await until(lambda: job_is(store, job, "printed"))
        await asyncio.sleep(0.2)
        assert [receipt.text for receipt in receipts.shelf] == ["ORD-1001 packed"]


async def test_an_idle_spooler_lets_go_of_the_zebra_connection(
    store: SqlitePrintJobStore, spooling: Callable[[], Awaitable[None]]
) -> None:
    async with ZplPrinterSimulator() as zebra:
        job = await store.submit(zebra.url, "zpl", LABEL)
        await spooling()
        await until(lambda: job_is(store, job, "printed"))
        await asyncio.sleep(0.3)
        assert zebra.connections == 0


async def test_a_job_queued_later_for_a_printer_without_a_driver_fails_too(
    store: SqlitePrintJobStore, spooling: Callable[[], Awaitable[None]]
) -> None:
    first = await store.submit("lpd://somewhere/queue", "zpl", LABEL)
    await spooling()
    await until(lambda: job_is(store, first, "failed"))
    later = await store.submit("lpd://somewhere/queue", "zpl", LABEL)
    await until(lambda: job_is(store, later, "failed"))
