"""The print spooler: one worker per printer, jobs kept until the printer confirms them.

For each printer URL a worker takes the oldest open job from a `PrintJobStore` and:
1. asks the printer's status, and while it is faulted (paper out, head open, paused, offline,
   silent) waits with exponential backoff, noting the reason on the job;
2. claims the job (state `printing`, attempts + 1, durable), then sends the bytes;
3. polls until the printer confirms the job came out (ZPL: `~HS` shows the buffer drained;
   ESC/POS: `DLE EOT` status healthy after the send; CUPS: the job is completed), and only then
   marks it `printed`. A printer faulting mid-job keeps the job `printing`: it is in the printer
   and comes out when the fault is cleared, so it is not sent again.
An operator may cancel a job at any point before it is printed; the worker stops waiting for it.

Delivery is at-least-once. A job found `printing` when a worker starts was sent by a spooler that
stopped before the printer confirmed it; whether the label came out is unknowable (a ZPL printer
has no job ids, and its buffer is empty both after printing and after a power cycle), so it is
sent again and the event says it may be a duplicate. For shipping labels a duplicate is a
nuisance the packer throws away; a lost label is a carton that does not ship. The window is kept
small: the job is claimed only once the printer reports ready, right before the bytes go out.

Status events (printer state changes, job state changes) go to an `emit` callback, for the
floor dashboard.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from devices.errors import DeviceDisconnected, DeviceError, DeviceFault
from devices.printers.driver import Printer, Sent, open_printer
from devices.printers.jobs import JobState, PrintJob, PrintJobStore
from devices.printers.status import NO_ANSWER, OFFLINE, PrinterState, PrinterStatus, unreachable

log = logging.getLogger(__name__)

MAY_BE_DUPLICATE = "resent after a restart: the printer may have printed it already"


@dataclass(frozen=True)
class PrinterStateChanged:
    """A printer went ready, busy, faulted or offline."""

    printer_url: str
    state: PrinterState
    faults: frozenset[str]
    detail: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class JobStateChanged:
    """A print job moved (queued, printing, printed, failed, cancelled) or got a new reason."""

    job_id: str
    printer_url: str
    state: JobState
    attempts: int
    error: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


SpoolEvent = PrinterStateChanged | JobStateChanged
EmitSpoolEvent = Callable[[SpoolEvent], Awaitable[None]]


async def _discard(event: SpoolEvent) -> None:
    return None


def retry_delay(attempt: int, *, base: float, cap: float, draw: Callable[[], float] = random.random) -> float:
    """Seconds to wait before asking a faulted printer again: exponential, full jitter, floor `base`.

    The floor keeps a fleet of workers from hammering a printer that is out of paper; the jitter
    keeps them from asking in step.
    """
    ceiling = min(cap, base * (2 ** max(0, attempt)))
    return base + (max(base, ceiling) - base) * draw()


def status_for_error(error: DeviceError) -> PrinterStatus:
    """The printer status a driver error amounts to, when no status answer is available."""
    if isinstance(error, DeviceDisconnected):
        return unreachable(str(error), fault=OFFLINE)
    return unreachable(str(error), fault=NO_ANSWER)


class Spooler:
    """Prints jobs from `store`, one worker per printer URL (given, or found in the store)."""

    def __init__(
        self,
        store: PrintJobStore,
        *,
        emit: EmitSpoolEvent | None = None,
        printers: Iterable[str] = (),
        open_driver: Callable[[str], Printer] = open_printer,
        poll_interval: float = 0.5,
        confirm_interval: float = 0.2,
        retry_base: float = 0.5,
        retry_cap: float = 30.0,
    ) -> None:
        self.store = store
        self.emit = emit or _discard
        self.open_driver = open_driver
        self.poll_interval = poll_interval
        self.confirm_interval = confirm_interval
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self._configured = list(printers)
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._wakeups: dict[str, asyncio.Event] = {}
        self._printer_states: dict[str, tuple[PrinterState, frozenset[str]]] = {}

    def wake(self) -> None:
        """New jobs were queued: look for them now rather than at the next poll."""
        for event in self._wakeups.values():
            event.set()

    async def run(self) -> None:
        """Serve printers until cancelled; printers with new jobs get a worker within a poll."""
        try:
            while True:
                urls = [*self._configured, *await self.store.printers()]
                for url in urls:
                    worker = self._workers.get(url)
                    if worker is not None and not worker.done():
                        continue
                    if worker is not None and not worker.cancelled() and worker.exception() is not None:
                        log.error("print worker for %s stopped: %r; restarting", url, worker.exception())
                    self._wakeups.setdefault(url, asyncio.Event())
                    self._workers[url] = asyncio.create_task(self._serve(url), name=f"spool {url}")
                await asyncio.sleep(self.poll_interval)
        finally:
            workers = list(self._workers.values())
            for worker in workers:
                worker.cancel()
            if workers:
                _, stuck = await asyncio.wait(workers, timeout=5)
                for worker in stuck:
                    log.error("print worker %s did not stop within 5 s", worker.get_name())
            self._workers.clear()

    async def _serve(self, url: str) -> None:
        try:
            driver = self.open_driver(url)
        except DeviceError as error:
            await self._fail_all(url, str(error))
            return
        busy = False
        try:
            while True:
                job = await self.store.next_job(url)
                if job is None:
                    if busy:  # let go of the printer: a Zebra serves one connection at a time
                        await driver.close()
                        busy = False
                    await self._idle(url)
                    continue
                busy = True
                try:
                    await self.print_job(driver, job)
                except (DeviceError, OSError, ValueError) as error:
                    # A driver bug or a store hiccup must not stop the printer's queue.
                    log.exception("printing job %s on %s", job.id, url)
                    await self.store.note(job.id, f"spooler error: {error}")
                    await asyncio.sleep(self.retry_cap)
        finally:
            await driver.close()

    async def _idle(self, url: str) -> None:
        wakeup = self._wakeups[url]
        # asyncio.timeout, not wait_for: Python 3.11's wait_for can lose a cancellation.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.poll_interval):
                await wakeup.wait()
        wakeup.clear()

    async def _fail_all(self, url: str, error: str) -> None:
        while (job := await self.store.next_job(url)) is not None:
            failed = await self.store.settle(job.id, "failed", error)
            if failed is not None:
                await self._job_event(failed)

    async def _job_event(self, job: PrintJob, error: str | None = None) -> None:
        await self.emit(
            JobStateChanged(
                job_id=job.id,
                printer_url=job.printer_url,
                state=job.state,
                attempts=job.attempts,
                error=error if error is not None else job.last_error,
            )
        )

    async def _printer_event(self, url: str, status: PrinterStatus) -> None:
        key = (status.state, status.faults)
        if self._printer_states.get(url) != key:
            self._printer_states[url] = key
            await self.emit(PrinterStateChanged(url, status.state, status.faults, status.detail))

    async def _still_open(self, job_id: str) -> bool:
        current = await self.store.get(job_id)
        return current is not None and current.state in ("queued", "printing")

    def _delay(self, attempt: int) -> float:
        return retry_delay(attempt, base=self.retry_base, cap=self.retry_cap)

    async def print_job(self, driver: Printer, job: PrintJob) -> None:
        """Take one job through wait-ready, claim, send and confirm (or stop if it is cancelled)."""
        resumed = job.state == "printing"
        if job.format not in driver.formats:
            failed = await self.store.settle(
                job.id, "failed", f"printer {job.printer_url} does not print {job.format}"
            )
            if failed is not None:
                await self._job_event(failed)
            return
        attempt = 0
        while True:
            status = await driver.status()
            await self._printer_event(job.printer_url, status)
            if status.ready:
                break
            await self.store.note(job.id, f"waiting: {status.detail}")
            if not await self._still_open(job.id):
                return
            await asyncio.sleep(self._delay(attempt))
            attempt += 1
        claimed = await self.store.claim(job.id)
        if claimed is None:
            return  # cancelled while we waited
        await self._job_event(claimed, MAY_BE_DUPLICATE if resumed else None)
        try:
            sent = await driver.send(claimed.payload)
        except DeviceError as error:
            requeued = await self.store.settle(job.id, "queued", f"send failed: {error}")
            await self._printer_event(job.printer_url, status_for_error(error))
            if requeued is not None:
                await self._job_event(requeued)
            await asyncio.sleep(self._delay(attempt))
            return
        await self._confirm(driver, claimed, sent)

    async def _confirm(self, driver: Printer, job: PrintJob, sent: Sent) -> None:
        attempt = polls = 0
        waiting_on: str | None = None
        while True:
            try:
                if await driver.printed(sent):
                    break
                # Ask again soon, then every confirm_interval: a label takes about a second.
                pause = min(self.confirm_interval, 0.01 * 2**polls)
                polls += 1
            except (DeviceFault, DeviceDisconnected) as error:
                await self._printer_event(job.printer_url, status_for_error(error))
                reason = f"in the printer, waiting for it to print: {error}"
                if reason != waiting_on:
                    waiting_on = reason
                    await self.store.note(job.id, reason)
                    await self._job_event(job, reason)
                pause = self._delay(attempt)
                attempt += 1
            if not await self._still_open(job.id):
                return
            await asyncio.sleep(pause)
        await self._printer_event(job.printer_url, PrinterStatus(state="ready", detail="ready"))
        printed = await self.store.settle(job.id, "printed")
        if printed is not None:
            await self._job_event(printed)
