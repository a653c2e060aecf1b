"""Print jobs from the outbox: labels rendered in each printer's language, printed by the device spooler.

A "print" outbox row (`{"label": "shipping_label" | "return_label" | "grade_tag", "printer": url,
...label data}`) is a job of `devices.printers.spooler`: this module is the spooler's
`PrintJobStore` on the outbox table, the mapping from a row's payload to `labels` data, and the
recording of printer and job changes on the Device rows and the live dashboard.

Row states are the job states: pending = queued, printing = handed to the printer and not yet
confirmed, delivered = printed, dead = failed (never printable: no printer named, data a label
refuses), cancelled. A job waits, pending, for as long as its printer is out of paper or offline:
faults are not attempts, and a print job is never given up on because its printer was down.

Each printer is driven by one server process at a time: a process sends a printer's jobs only
while it holds that printer's lease (renewed while it has open jobs); if it dies, another takes
the printer over when the lease runs out and resends the job that was in flight (the spooler's
at-least-once rule).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col, select

from devices.printers.jobs import JobState, PrintJob
from devices.printers.spooler import JobStateChanged, PrinterStateChanged, Spooler, SpoolEvent
from devices.printers.status import PrinterState
from labels.model import Address
from wms.db import Database, utcnow
from wms.identity.model import DeviceState
from wms.identity.tables import Device
from wms.inventory.tables import Warehouse
from wms.notify import wake
from wms.notify.config import PrintSpec
from wms.notify.model import MESSAGES, OPEN_STATES, MessageState
from wms.notify.print_labels import address_from, format_for, render_job
from wms.notify.tables import PrinterLease
from wms.platform.outbox import publish_live
from wms.platform.tables import OutboxMessage

log = logging.getLogger(__name__)

CHANNEL = "print"
OPEN_ROWS = OPEN_STATES
# A print row's state as the spooler's job state, and back.
JOB_STATE: dict[MessageState, JobState] = {
    MessageState.PENDING: "queued",
    MessageState.PRINTING: "printing",
    MessageState.DELIVERED: "printed",
    MessageState.DEAD: "failed",
    MessageState.CANCELLED: "cancelled",
}
ROW_STATE: dict[JobState, MessageState] = {
    "queued": MessageState.PENDING,
    "printed": MessageState.DELIVERED,
    "failed": MessageState.DEAD,
}


def _job_state(state: str) -> JobState:
    """The spooler's state for a row's; a state it does not know counts as failed."""
    try:
        return JOB_STATE[MessageState(state)]
    except ValueError:
        return "failed"


NO_PRINTER = "no printer was named for this label: the station has no printer configured"

# Device.state for each printer state, in the words the dashboard already shows for every device.
DEVICE_STATE: dict[PrinterState, DeviceState] = {
    "ready": DeviceState.CONNECTED,
    "busy": DeviceState.CONNECTED,
    "fault": DeviceState.FAULT,
    "offline": DeviceState.DISCONNECTED,
}


# --- the spooler's job store on the outbox ------------------------------------------------------


def _printer_of() -> Any:
    return OutboxMessage.payload["printer"].as_string()  # type: ignore[index]


@dataclass(frozen=True)
class _Row:
    """What a job is made from, read in one short transaction."""

    message_id: str
    printer_url: str
    state: str
    attempts: int
    last_error: str
    created_at: datetime
    payload: dict[str, Any]
    warehouse: Address | None


class OutboxPrintJobStore:
    """`devices.printers.jobs.PrintJobStore` on the outbox's print rows; job ids are message ids."""

    def __init__(
        self,
        db: Database,
        *,
        holder: str | None = None,
        lease_seconds: float = 15.0,
        clock: Callable[[], datetime] = utcnow,
        cache_size: int = 256,
    ) -> None:
        self.db = db
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = timedelta(seconds=lease_seconds)
        self.clock = clock
        self._held: dict[str, datetime] = {}  # printer URL -> our lease's expiry
        self._rendered: OrderedDict[str, bytes] = OrderedDict()
        self._cache_size = cache_size

    # --- leases -------------------------------------------------------------------------------

    def _take_lease(self, session: Session, url: str, now: datetime) -> bool:
        lease = session.get(PrinterLease, url, with_for_update=True)
        if lease is None:
            try:
                with session.begin_nested():
                    session.add(
                        PrinterLease(printer_url=url, holder=self.holder, expires_at=now + self.lease)
                    )
            except IntegrityError:
                return False  # another process took it this instant
            expiry = now + self.lease
        elif lease.holder == self.holder or lease.expires_at <= now:
            if lease.holder != self.holder or lease.expires_at - now < self.lease * 0.7:
                lease.holder, lease.expires_at = self.holder, now + self.lease
                session.add(lease)
            expiry = lease.expires_at
        else:
            self._held.pop(url, None)
            return False
        # Stop sending a little before the lease runs out, in case it cannot be renewed in time.
        self._held[url] = expiry - self.lease / 10
        return True

    def holds(self, url: str) -> bool:
        """Whether this process may send to the printer now."""
        expiry = self._held.get(url)
        return expiry is not None and expiry > self.clock()

    def release(self) -> None:
        """Give our printers back at once (on a clean stop) instead of when the leases run out."""

        def work(session: Session) -> None:
            session.execute(
                update(PrinterLease)
                .where(col(PrinterLease.holder) == self.holder)
                .values(expires_at=self.clock() - timedelta(seconds=1))
            )

        self._held.clear()
        self.db.write(work)

    # --- reading rows ---------------------------------------------------------------------------

    def _row(self, session: Session, message: OutboxMessage) -> _Row:
        warehouse = session.get(Warehouse, message.warehouse_id) if message.warehouse_id else None
        address = None
        if warehouse is not None and warehouse.address:
            with contextlib.suppress(ValueError):
                address = address_from(warehouse.address, name=warehouse.name)
        payload = dict(message.payload or {})
        return _Row(
            message_id=message.message_id,
            printer_url=str(payload.get("printer") or ""),
            state=message.state,
            attempts=message.attempts,
            last_error=message.last_error,
            created_at=message.created_at,
            payload=payload,
            warehouse=address,
        )

    def _bytes(self, row: _Row) -> bytes:
        cached = self._rendered.get(row.message_id)
        if cached is not None:
            self._rendered.move_to_end(row.message_id)
            return cached
        if row.warehouse is None and row.payload.get("label") == "shipping_label":
            raise ValueError("the warehouse has no address to print as the sender")
        rendered = render_job(
            row.payload,
            row.printer_url,
            warehouse=row.warehouse or Address("Kaeru", ("-",), "-", "", "US"),
            today=row.created_at.date(),
        )
        self._rendered[row.message_id] = rendered
        while len(self._rendered) > self._cache_size:
            self._rendered.popitem(last=False)
        return rendered

    def _job(self, row: _Row, payload: bytes) -> PrintJob:
        return PrintJob(
            id=row.message_id,
            printer_url=row.printer_url,
            format=format_for(row.printer_url),
            payload=payload,
            created=row.created_at,
            attempts=row.attempts,
            state=_job_state(row.state),
            last_error=row.last_error or None,
        )

    def _open_row(self, session: Session, job_id: str) -> OutboxMessage | None:
        message = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.message_id == job_id, OutboxMessage.channel == CHANNEL)
            .with_for_update()
        ).first()
        return message if message is not None and message.state in OPEN_ROWS else None

    # --- PrintJobStore (sync bodies run in worker threads) ----------------------------------------

    def _printers(self) -> list[str]:
        printer = _printer_of()
        open_rows = (OutboxMessage.channel == CHANNEL, col(OutboxMessage.state).in_(OPEN_ROWS))
        with self.db.read() as session:  # most polls find nothing to do: no write transaction for them
            found = set(session.exec(select(printer).where(*open_rows).distinct()).all())
        now = self.clock()
        if not found:
            return []
        if (
            None not in found
            and "" not in found
            and all(self._held.get(url, now) - now > self.lease * 0.6 for url in found)
        ):
            return sorted(str(url) for url in found)

        def work(session: Session) -> list[str]:
            for message in session.exec(
                select(OutboxMessage).where(*open_rows, or_(printer.is_(None), printer == ""))
            ):
                self._finish(session, message, MessageState.DEAD, NO_PRINTER)
            urls = session.exec(select(printer).where(*open_rows).distinct()).all()
            return [url for url in sorted(u for u in urls if u) if self._take_lease(session, url, now)]

        return self.db.write(work)

    def _next_job(self, printer_url: str) -> PrintJob | None:
        while self.holds(printer_url):
            with self.db.read() as session:
                message = session.exec(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.channel == CHANNEL,
                        col(OutboxMessage.state).in_(OPEN_ROWS),
                        _printer_of() == printer_url,
                    )
                    .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
                    .limit(1)
                ).first()
                if message is None:
                    return None
                row = self._row(session, message)
            try:
                return self._job(row, self._bytes(row))
            except ValueError as error:
                self._fail(row.message_id, f"cannot print: {error}")
        return None

    def _fail(self, job_id: str, reason: str) -> None:
        def work(session: Session) -> None:
            message = self._open_row(session, job_id)
            if message is not None:
                self._finish(session, message, MessageState.DEAD, reason)

        self.db.write(work)

    def _finish(self, session: Session, message: OutboxMessage, state: MessageState, reason: str) -> None:
        message.state = MESSAGES.move(message.state, state, what=f"print job {message.message_id}")
        message.last_error = reason
        session.add(message)
        publish_live(
            session,
            topic="print.job",
            warehouse_id=message.warehouse_id,
            payload=job_event(message, JOB_STATE[state], reason),
        )

    def _get(self, job_id: str) -> PrintJob | None:
        with self.db.read() as session:
            message = session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.message_id == job_id, OutboxMessage.channel == CHANNEL
                )
            ).first()
            if message is None:
                return None
            row = self._row(session, message)
        try:
            payload = self._bytes(row)
        except ValueError:
            payload = b""  # it will be failed with the reason when it comes up
        return self._job(row, payload)

    def _claim(self, job_id: str) -> PrintJob | None:
        def work(session: Session) -> _Row | None:
            message = self._open_row(session, job_id)
            if message is None:
                return None
            lease = session.get(PrinterLease, str((message.payload or {}).get("printer") or ""))
            if lease is None or lease.holder != self.holder or lease.expires_at <= self.clock():
                return None  # another process drives this printer now
            message.state = MESSAGES.move(message.state, MessageState.PRINTING, what=f"print job {job_id}")
            message.attempts += 1
            session.add(message)
            session.flush()
            return self._row(session, message)

        row = self.db.write(work)
        return None if row is None else self._job(row, self._bytes(row))

    def _settle(self, job_id: str, state: JobState, error: str | None) -> PrintJob | None:
        if state not in ROW_STATE:
            raise ValueError(f"a spooler settles a job as printed, failed or queued, not {state!r}")

        def work(session: Session) -> _Row | None:
            message = self._open_row(session, job_id)
            if message is None:
                return None
            message.state = MESSAGES.move(message.state, ROW_STATE[state], what=f"print job {job_id}")
            message.last_error = error or ""
            if state == "printed":
                message.delivered_at = self.clock()
            session.add(message)
            session.flush()
            return self._row(session, message)

        row = self.db.write(work)
        if row is None:
            return None
        return self._job(row, self._rendered.get(job_id, b""))

    def _note(self, job_id: str, error: str | None) -> None:
        def work(session: Session) -> None:
            session.execute(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.message_id) == job_id,
                    col(OutboxMessage.state).in_(OPEN_ROWS),
                )
                .values(last_error=error or "")
            )

        self.db.write(work)

    async def printers(self) -> list[str]:
        """Printers with open jobs that this process holds (taking free or lapsed leases)."""
        return await asyncio.to_thread(self._printers)

    async def next_job(self, printer_url: str) -> PrintJob | None:
        return await asyncio.to_thread(self._next_job, printer_url)

    async def get(self, job_id: str) -> PrintJob | None:
        return await asyncio.to_thread(self._get, job_id)

    async def claim(self, job_id: str) -> PrintJob | None:
        return await asyncio.to_thread(self._claim, job_id)

    async def settle(self, job_id: str, state: JobState, error: str | None = None) -> PrintJob | None:
        return await asyncio.to_thread(self._settle, job_id, state, error)

    async def note(self, job_id: str, error: str | None) -> None:
        await asyncio.to_thread(self._note, job_id, error)


# --- what the floor sees ---------------------------------------------------------------------------


def job_event(
    message: OutboxMessage, state: str, error: str | None, attempts: int | None = None
) -> dict[str, Any]:
    """The live `print.job` payload: which label, for what, on which printer, and how it stands."""
    payload = message.payload or {}
    event: dict[str, Any] = {
        "job": message.message_id,
        "label": payload.get("label"),
        "printer": payload.get("printer"),
        "state": state,
        "attempts": message.attempts if attempts is None else attempts,
        "error": error or "",
    }
    for key in ("order", "sscc", "lpn", "rma_number"):
        if payload.get(key):
            event[key] = payload[key]
    return event


class PrintEvents:
    """The spooler's `emit`: printer changes onto Device rows and the dashboard; job changes too."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def __call__(self, event: SpoolEvent) -> None:
        try:
            await asyncio.to_thread(self.db.write, lambda session: self.record(session, event))
        except SQLAlchemyError as error:  # the dashboard catching up later must not stop printing
            log.warning("could not record %s: %s", type(event).__name__, error)

    def record(self, session: Session, event: SpoolEvent) -> None:
        if isinstance(event, PrinterStateChanged):
            self._printer(session, event)
        elif isinstance(event, JobStateChanged):
            self._job(session, event)

    def _printer(self, session: Session, event: PrinterStateChanged) -> None:
        state = DEVICE_STATE[event.state]
        devices = session.exec(select(Device).where(Device.url == event.printer_url)).all()
        for device in devices:
            device.state, device.state_detail, device.last_seen = state, event.detail, utcnow()
            session.add(device)
            publish_live(
                session,
                topic="device.health",
                warehouse_id=device.warehouse_id,
                payload={"device": device.code, "kind": device.kind, "state": state, "detail": event.detail},
            )
        status = {
            "printer": event.printer_url,
            "devices": [device.code for device in devices],
            "state": event.state,
            "faults": sorted(event.faults),
            "detail": event.detail,
        }
        warehouses: list[int | None] = [*sorted({device.warehouse_id for device in devices})] or [None]
        for warehouse_id in warehouses:
            publish_live(session, topic="printer.status", warehouse_id=warehouse_id, payload=status)

    def _job(self, session: Session, event: JobStateChanged) -> None:
        message = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.message_id == event.job_id, OutboxMessage.channel == CHANNEL
            )
        ).first()
        if message is None:
            return
        publish_live(
            session,
            topic="print.job",
            warehouse_id=message.warehouse_id,
            payload=job_event(message, event.state, event.error, event.attempts),
        )


# --- running it with the server -----------------------------------------------------------------------


def build_spooler(db: Database, spec: PrintSpec, *, store: OutboxPrintJobStore | None = None) -> Spooler:
    return Spooler(
        store or OutboxPrintJobStore(db, lease_seconds=spec.lease_seconds),
        emit=PrintEvents(db),
        poll_interval=spec.poll_seconds,
        confirm_interval=spec.confirm_seconds,
        retry_base=spec.retry_base_seconds,
        retry_cap=spec.retry_cap_seconds,
    )


async def start_printing(db: Database, spec: PrintSpec) -> Callable[[], Awaitable[None]]:
    """Run the spooler in this process until the returned `stop()`; woken by every local outbox commit."""
    spooler = build_spooler(db, spec)
    store = spooler.store
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(spooler.run(), name="print spooler")

    def nudge() -> None:  # called from whichever thread committed
        if not loop.is_closed():
            loop.call_soon_threadsafe(spooler.wake)

    unregister = wake.register(nudge, {"print"})

    async def stop() -> None:
        unregister()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if isinstance(store, OutboxPrintJobStore):
            with contextlib.suppress(SQLAlchemyError):
                await asyncio.to_thread(store.release)

    return stop
