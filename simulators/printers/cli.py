"""`kaeru sim printer ...`: run the simulated printers and their web page, switch their faults.

kaeru sim printer serve --zpl-port 9100 --escpos-port 9101 --web-port 8099
kaeru sim printer fault zpl paper_out=on --web http://127.0.0.1:8099
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import httpx
import typer

from simulators.printers.escpos import EscposPrinterSimulator
from simulators.printers.faults import Faults, updated
from simulators.printers.shelf import Shelf
from simulators.printers.web import Switchable, WebPage
from simulators.printers.zpl import ZplPrinterSimulator

app = typer.Typer(help="Simulated label and receipt printers.", no_args_is_help=True)


@dataclass(frozen=True)
class Running:
    """Where the simulators listen, once started."""

    zpl_url: str | None
    escpos_url: str | None
    escpos_serial_url: str | None
    web_url: str | None


async def serve(
    *,
    host: str = "127.0.0.1",
    zpl_port: int | None = 9100,
    escpos_port: int | None = 9101,
    escpos_serial: bool = False,
    web_port: int | None = 8099,
    directory: Path | None = None,
    faults: Faults | None = None,
    ready: Callable[[Running], Awaitable[None]] | None = None,
) -> None:
    """Run the chosen simulators (a port of None leaves one out) and the page until cancelled."""
    shelf = Shelf(directory)
    printers: list[Switchable] = []
    zebra = receipts = None
    if zpl_port is not None:
        zebra = ZplPrinterSimulator(shelf=shelf, faults=faults)
        await zebra.start(host, zpl_port)
        printers.append(zebra)
    if escpos_port is not None:
        receipts = EscposPrinterSimulator(shelf=shelf, faults=faults)
        await receipts.start(host, escpos_port)
        if escpos_serial:
            await receipts.start_serial()
        printers.append(receipts)
    page = None
    if web_port is not None:
        page = WebPage(shelf, printers)
        page.bind(host, web_port)
    running = Running(
        zpl_url=zebra.url if zebra else None,
        escpos_url=receipts.url if receipts else None,
        escpos_serial_url=receipts.serial_url if receipts and escpos_serial else None,
        web_url=page.url if page else None,
    )
    try:
        if ready is not None:
            await ready(running)
        if page is not None:
            await page.serve()
        else:
            await asyncio.Event().wait()
    finally:
        for printer in (zebra, receipts):
            if printer is not None:
                await printer.stop()


async def _announce(running: Running) -> None:
    typer.echo(json.dumps({key: value for key, value in running.__dict__.items() if value}), nl=True)


def _run_until_signalled(coroutine: Awaitable[None]) -> None:
    async def main() -> None:
        task = asyncio.ensure_future(coroutine)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(main())


def _initial_faults(settings: list[str]) -> Faults:
    changes: dict[str, object] = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        changes[name.replace("-", "_")] = value or "on"
    try:
        return updated(Faults(), changes)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    zpl_port: Annotated[int, typer.Option(help="ZPL printer TCP port (0 = any free, -1 = none)")] = 9100,
    escpos_port: Annotated[int, typer.Option(help="ESC/POS printer TCP port (0 = any, -1 = none)")] = 9101,
    escpos_serial: Annotated[bool, typer.Option(help="also put the ESC/POS printer on a pty")] = False,
    web_port: Annotated[int, typer.Option(help="web page port (0 = any free, -1 = none)")] = 8099,
    out: Annotated[Path | None, typer.Option(help="also save every label's PNG and bytes here")] = None,
    fault: Annotated[
        list[str], typer.Option(help="start with a fault, e.g. paper_out, slow_seconds=2 (repeatable)")
    ] = [],  # noqa: B006
) -> None:
    """Run the simulated printers and their web page until stopped; prints their URLs as JSON."""

    def port(value: int) -> int | None:
        return None if value < 0 else value

    _run_until_signalled(
        serve(
            host=host,
            zpl_port=port(zpl_port),
            escpos_port=port(escpos_port),
            escpos_serial=escpos_serial,
            web_port=port(web_port),
            directory=out,
            faults=_initial_faults(fault),
            ready=_announce,
        )
    )


@app.command("fault")
def fault_command(
    printer: Annotated[str, typer.Argument(help="simulator name: zpl or escpos")],
    settings: Annotated[
        list[str], typer.Argument(help="switches like paper_out=on head_open=off slow_seconds=2")
    ],
    web: Annotated[str, typer.Option(help="the simulators' web page")] = "http://127.0.0.1:8099",
) -> None:
    """Switch faults on a running simulator (through its web page)."""
    changes: dict[str, str] = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        changes[name.replace("-", "_")] = value or "on"
    response = httpx.post(f"{web.rstrip('/')}/api/printers/{printer}/faults", json=changes, timeout=5)
    if response.status_code != 200:
        typer.echo(response.text, err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(response.json()))


def main() -> None:
    """`python -m simulators.printers`."""
    app()
