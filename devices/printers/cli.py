"""`kaeru printer ...`: run a station's local print spooler, queue and cancel jobs, ask a printer.

The typer app is named `app` so the main command line can mount it; `python -m devices.printers`
runs it on its own.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from devices.printers.driver import open_printer
from devices.printers.jobs import JobFormat, SqlitePrintJobStore
from devices.printers.spooler import Spooler, SpoolEvent

app = typer.Typer(help="Printers: the local print spooler and printer status.", no_args_is_help=True)

DbOption = Annotated[Path, typer.Option("--db", help="SQLite file holding the station's print jobs")]


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, default=lambda item: sorted(item) if isinstance(item, frozenset) else str(item))


async def _print_event(event: SpoolEvent) -> None:
    sys.stdout.write(_json({"event": type(event).__name__, **asdict(event)}) + "\n")
    sys.stdout.flush()


async def _spool(db: Path, printers: list[str], poll: float, retry_base: float, retry_cap: float) -> None:
    store = SqlitePrintJobStore(db)
    spooler = Spooler(
        store,
        emit=_print_event,
        printers=printers,
        poll_interval=poll,
        retry_base=retry_base,
        retry_cap=retry_cap,
    )
    task = asyncio.create_task(spooler.run())
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        pass
    finally:
        store.close()


@app.command()
def spool(
    db: DbOption,
    printer: Annotated[list[str], typer.Option(help="printer URL to serve even with no jobs")] = [],  # noqa: B006
    poll: Annotated[float, typer.Option(help="seconds between looks for new jobs")] = 0.5,
    retry_base: Annotated[float, typer.Option(help="first wait (s) while a printer is faulted")] = 0.5,
    retry_cap: Annotated[float, typer.Option(help="longest wait (s) while a printer is faulted")] = 30.0,
) -> None:
    """Print queued jobs until stopped (SIGINT/SIGTERM); events are printed as JSON lines."""
    asyncio.run(_spool(db, printer, poll, retry_base, retry_cap))


@app.command()
def submit(
    db: DbOption,
    printer: Annotated[str, typer.Option(help="printer URL, e.g. tcp://10.0.0.5:9100")],
    file: Annotated[Path, typer.Argument(help="rendered job: ZPL, ESC/POS or PDF bytes")],
    job_format: Annotated[str, typer.Option("--format", help="zpl, escpos or pdf")] = "zpl",
    job_id: Annotated[str | None, typer.Option(help="idempotency: the same id is queued once")] = None,
) -> None:
    """Queue a job for a printer."""
    if job_format not in ("zpl", "escpos", "pdf"):
        raise typer.BadParameter("format must be zpl, escpos or pdf")
    fmt: JobFormat = job_format  # type: ignore[assignment]

    async def go() -> None:
        store = SqlitePrintJobStore(db)
        try:
            job = await store.submit(printer, fmt, file.read_bytes(), job_id=job_id)
        finally:
            store.close()
        typer.echo(job.id)

    asyncio.run(go())


@app.command()
def jobs(db: DbOption) -> None:
    """List jobs with their state, attempts and last error."""

    async def go() -> None:
        store = SqlitePrintJobStore(db)
        try:
            for job in await store.jobs():
                row = {key: value for key, value in asdict(job).items() if key != "payload"}
                typer.echo(_json({**row, "bytes": len(job.payload)}))
        finally:
            store.close()

    asyncio.run(go())


@app.command()
def cancel(db: DbOption, job_id: str) -> None:
    """Cancel a job that has not been printed yet."""

    async def go() -> bool:
        store = SqlitePrintJobStore(db)
        try:
            return await store.cancel(job_id) is not None
        finally:
            store.close()

    if not asyncio.run(go()):
        typer.echo(f"job {job_id} is not waiting to print (unknown, printed, failed or cancelled)", err=True)
        raise typer.Exit(1)


@app.command()
def status(url: str) -> None:
    """Ask a printer for its status now."""

    async def go() -> dict[str, Any]:
        printer = open_printer(url)
        try:
            return asdict(await printer.status())
        finally:
            await printer.close()

    typer.echo(_json(asyncio.run(go())))
