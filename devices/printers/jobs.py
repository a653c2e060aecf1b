"""Print jobs and where they wait: the `PrintJobStore` protocol and a durable SQLite store.

A job's life: queued -> printing -> printed, or cancelled by an operator at any point before it is
printed, or failed when it can never print (no driver for its URL, a format the printer does not
speak). `printing` means "handed to the printer, not yet confirmed".

The spooler needs only the six methods of `PrintJobStore`. The server implements them on its
outbox table; `SqlitePrintJobStore` implements them in a local file for a station that spools
on its own (and adds `submit`, `cancel` and `jobs` for its command line).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

JobState = Literal["queued", "printing", "printed", "failed", "cancelled"]
JobFormat = Literal["zpl", "escpos", "pdf"]
OPEN_STATES: tuple[JobState, ...] = ("queued", "printing")
FINAL_STATES: tuple[JobState, ...] = ("printed", "failed", "cancelled")


@dataclass(frozen=True)
class PrintJob:
    """One job for one printer: bytes already rendered by labels/."""

    id: str
    printer_url: str
    format: JobFormat
    payload: bytes
    created: datetime
    attempts: int = 0  # how many times it was handed to the printer
    state: JobState = "queued"
    last_error: str | None = None


class PrintJobStore(Protocol):
    """Where the spooler takes jobs from and records what happened to them.

    Implementations must make `claim` and `settle` atomic and durable before they return: the
    spooler relies on a claimed job being seen as `printing` after a crash.
    """

    async def printers(self) -> list[str]:
        """The URLs of printers that have open (queued or printing) jobs."""
        ...

    async def next_job(self, printer_url: str) -> PrintJob | None:
        """The oldest open job for this printer, or None."""
        ...

    async def get(self, job_id: str) -> PrintJob | None: ...

    async def claim(self, job_id: str) -> PrintJob | None:
        """Mark an open job `printing` and count an attempt; None if it is no longer open."""
        ...

    async def settle(self, job_id: str, state: JobState, error: str | None = None) -> PrintJob | None:
        """Move an open job to `state` (printed, failed, or back to queued); None if not open."""
        ...

    async def note(self, job_id: str, error: str | None) -> None:
        """Record why an open job is waiting (printer out of paper, ...) without moving it."""
        ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS print_jobs (
    id TEXT PRIMARY KEY,
    printer_url TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('zpl', 'escpos', 'pdf')),
    payload BLOB NOT NULL,
    created TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'printing', 'printed', 'failed', 'cancelled')),
    last_error TEXT,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS print_jobs_open ON print_jobs (printer_url, state, created);
"""


def _job(row: tuple[object, ...]) -> PrintJob:
    job_id, printer_url, job_format, payload, created, attempts, state, last_error = row
    return PrintJob(
        id=str(job_id),
        printer_url=str(printer_url),
        format=job_format,  # type: ignore[arg-type]  # guarded by the table's CHECK
        payload=bytes(payload),  # type: ignore[call-overload]
        created=datetime.fromisoformat(str(created)),
        attempts=int(attempts),  # type: ignore[call-overload]
        state=state,  # type: ignore[arg-type]
        last_error=None if last_error is None else str(last_error),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()


class SqlitePrintJobStore:
    """Print jobs in a SQLite file (WAL, synchronous=FULL): a claimed job survives power loss."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._db.execute(sql, parameters).fetchall()

    async def _call(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        return await asyncio.to_thread(self._run, sql, parameters)

    async def submit(
        self, printer_url: str, job_format: JobFormat, payload: bytes, *, job_id: str | None = None
    ) -> PrintJob:
        """Queue a job; submitting the same `job_id` twice keeps the first (idempotent)."""
        new_id = job_id or uuid.uuid4().hex
        now = _now()
        await self._call(
            "INSERT INTO print_jobs (id, printer_url, format, payload, created, updated)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            (new_id, printer_url, job_format, payload, now, now),
        )
        job = await self.get(new_id)
        if job is None:  # inserted (or already there) just above, and jobs are never deleted here
            raise LookupError(f"print job {new_id} vanished right after it was queued")
        return job

    async def printers(self) -> list[str]:
        rows = await self._call(
            "SELECT DISTINCT printer_url FROM print_jobs WHERE state IN ('queued', 'printing')"
            " ORDER BY printer_url"
        )
        return [str(row[0]) for row in rows]

    async def next_job(self, printer_url: str) -> PrintJob | None:
        rows = await self._call(
            "SELECT id, printer_url, format, payload, created, attempts, state, last_error"
            " FROM print_jobs WHERE printer_url = ? AND state IN ('queued', 'printing')"
            " ORDER BY created, rowid LIMIT 1",
            (printer_url,),
        )
        return _job(rows[0]) if rows else None

    async def get(self, job_id: str) -> PrintJob | None:
        rows = await self._call(
            "SELECT id, printer_url, format, payload, created, attempts, state, last_error"
            " FROM print_jobs WHERE id = ?",
            (job_id,),
        )
        return _job(rows[0]) if rows else None

    async def jobs(self, *, state: JobState | None = None) -> list[PrintJob]:
        if state is None:
            rows = await self._call(
                "SELECT id, printer_url, format, payload, created, attempts, state, last_error"
                " FROM print_jobs ORDER BY created, rowid"
            )
        else:
            rows = await self._call(
                "SELECT id, printer_url, format, payload, created, attempts, state, last_error"
                " FROM print_jobs WHERE state = ? ORDER BY created, rowid",
                (state,),
            )
        return [_job(row) for row in rows]

    async def claim(self, job_id: str) -> PrintJob | None:
        rows = await self._call(
            "UPDATE print_jobs SET state = 'printing', attempts = attempts + 1, updated = ?"
            " WHERE id = ? AND state IN ('queued', 'printing')"
            " RETURNING id, printer_url, format, payload, created, attempts, state, last_error",
            (_now(), job_id),
        )
        return _job(rows[0]) if rows else None

    async def settle(self, job_id: str, state: JobState, error: str | None = None) -> PrintJob | None:
        if state not in ("printed", "failed", "queued"):
            raise ValueError(f"a spooler settles a job as printed, failed or queued, not {state!r}")
        rows = await self._call(
            "UPDATE print_jobs SET state = ?, last_error = ?, updated = ?"
            " WHERE id = ? AND state IN ('queued', 'printing')"
            " RETURNING id, printer_url, format, payload, created, attempts, state, last_error",
            (state, error, _now(), job_id),
        )
        return _job(rows[0]) if rows else None

    async def note(self, job_id: str, error: str | None) -> None:
        await self._call(
            "UPDATE print_jobs SET last_error = ?, updated = ?"
            " WHERE id = ? AND state IN ('queued', 'printing')",
            (error, _now(), job_id),
        )

    async def cancel(self, job_id: str, reason: str = "cancelled by operator") -> PrintJob | None:
        """An operator stops a job that has not been printed; None if it already finished."""
        rows = await self._call(
            "UPDATE print_jobs SET state = 'cancelled', last_error = ?, updated = ?"
            " WHERE id = ? AND state IN ('queued', 'printing')"
            " RETURNING id, printer_url, format, payload, created, attempts, state, last_error",
            (reason, _now(), job_id),
        )
        return _job(rows[0]) if rows else None
