"""`sim`: start simulated devices from the command line (mounted as `kaeru sim ...`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
from pathlib import Path
from typing import Annotated

import typer

from devices.framing import Framing
from simulators.floor import DEMO_PASSWORD
from simulators.hid_scale import HidScaleSimulator
from simulators.scale import ScaleSimulator
from simulators.scanner import ScannerSimulator, parse_script

SIM_DIR = Path("/tmp/kaeru-sim")  # noqa: S108 - where simulated ports appear by default

app = typer.Typer(help="Simulated warehouse hardware speaking the real wire protocols.", no_args_is_help=True)


@app.command()
def scanner(
    link: Annotated[Path, typer.Option(help="Stable path the port appears at.")] = SIM_DIR / "scanner-1",
    script: Annotated[Path | None, typer.Option(help="Script of scans and faults to play.")] = None,
    random_scans: Annotated[bool, typer.Option("--random", help="Send random scans.")] = False,
    rate: Annotated[float, typer.Option(help="Random scans per second.")] = 1.0,
    count: Annotated[int | None, typer.Option(help="Stop after this many random scans.")] = None,
    faults: Annotated[float, typer.Option(help="Share of random steps that are faults.")] = 0.0,
    terminator: Annotated[str, typer.Option(help="cr, lf or crlf.")] = "crlf",
    aim: Annotated[bool, typer.Option(help="Send AIM symbology ids.")] = True,
    prefix: Annotated[str, typer.Option(help="Bytes before each scan (\\xNN escapes allowed).")] = "",
    suffix: Annotated[str, typer.Option(help="Bytes before the terminator.")] = "",
    gs: Annotated[str | None, typer.Option(help="Send this instead of GS inside GS1 data.")] = None,
    baud: Annotated[int | None, typer.Option(help="Pace bytes as on a line of this speed.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for random scans.")] = None,
) -> None:
    """A serial barcode scanner on a pty at LINK."""
    if (script is None) == (not random_scans):
        raise typer.BadParameter("give either --script FILE or --random")
    framing = Framing.from_options(
        {
            "terminator": terminator,
            "aim": "1" if aim else "0",
            "prefix": _unescape(prefix),
            "suffix": _unescape(suffix),
            **({"gs": _unescape(gs)} if gs else {}),
        }
    )
    steps = parse_script(script.read_text(encoding="utf-8")) if script else None
    sim = ScannerSimulator(link, framing, baud=baud, rng=random.Random(seed))

    async def main() -> None:
        await sim.start()
        typer.echo(f"scanner at {link} -> {sim.port.slave_name}; read it with {sim.url()}")
        try:
            if steps is not None:
                await sim.play(steps)
                await sim.port.drain()
            else:
                await sim.run_random(rate, count, faults)
                await sim.port.drain()
        finally:
            sim.close()

    _run(main())


@app.command()
def scale(
    link: Annotated[Path, typer.Option(help="Stable path the port appears at.")] = SIM_DIR / "scale-1",
    settle: Annotated[float, typer.Option(help="Seconds until a new load reads stable.")] = 0.6,
    noise: Annotated[float, typer.Option(help="Grams of noise while settling.")] = 3.0,
    capacity: Annotated[int, typer.Option(help="Grams above which the scale reports overload.")] = 30_000,
    weight: Annotated[float, typer.Option(help="Grams on the platter at start.")] = 0.0,
    usb_hid: Annotated[
        bool, typer.Option("--usb-hid", help="A USB HID POS (postal) scale sending reports, not MT-SICS.")
    ] = False,
    unit: Annotated[str, typer.Option(help="With --usb-hid: the unit it reports in (g, oz, lb, kg).")] = "g",
) -> None:
    """A scale on a pty at LINK (MT-SICS, or USB HID POS with --usb-hid). Type `place GRAMS` or
    `remove` on stdin."""
    sim = (
        HidScaleSimulator(link, unit=unit, settle=settle, noise_grams=noise, capacity_grams=capacity)
        if usb_hid
        else ScaleSimulator(link, settle=settle, noise_grams=noise, capacity_grams=capacity)
    )
    sim.place(weight)

    async def main() -> None:
        await sim.start()
        typer.echo(f"scale at {link} -> {sim.port.slave_name}; read it with {sim.url()}")
        serving = asyncio.create_task(sim.serve())
        try:
            while line := await asyncio.to_thread(sys.stdin.readline):
                command, _, argument = line.strip().partition(" ")
                if command == "place" and argument:
                    sim.place(float(argument))
                elif command == "remove":
                    sim.remove()
                elif command:
                    typer.echo("commands: place GRAMS | remove")
            await serving  # stdin closed: keep answering until interrupted
        finally:
            serving.cancel()
            sim.close()

    _run(main())


def _unescape(text: str) -> str:
    """`\\x02` -> STX, one byte per character (as URL options carry bytes)."""
    return text.encode("latin-1").decode("unicode_escape")


def _run(main: object) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main)  # type: ignore[arg-type]


@app.command()
def floor(
    server: Annotated[str, typer.Option(help="Base URL of the Kaeru server.")] = "http://127.0.0.1:8000",
    speed: Annotated[float, typer.Option(help="Simulated seconds per real second.")] = 1800.0,
    duration: Annotated[float | None, typer.Option(help="Stop after this many real seconds.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of every decision the floor makes.")] = 7,
    orders_per_day: Annotated[float, typer.Option(help="Orders the site receives in a day.")] = 48.0,
    more_returns: Annotated[float, typer.Option(help="Multiply the categories' return rates.")] = 1.0,
    devices: Annotated[
        bool,
        typer.Option(
            help="Put the stations' scanners and scales on ptys at their configured paths "
            "(run each station's agent to read them); otherwise send their scans directly."
        ),
    ] = False,
    config: Annotated[Path | None, typer.Option(help="Configuration directory holding site.yaml.")] = None,
    password: Annotated[str, typer.Option(help="The staff accounts' password.")] = DEMO_PASSWORD,
) -> None:
    """Drive a believable day of orders, picks, packs, deliveries and returns through the API."""
    import logging

    from kaeru_config.settings import get_settings
    from kaeru_config.site import load_site
    from simulators.floor import Floor, FloorOptions, station_kinds
    from simulators.site import SimulatedSite

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    site_config = load_site(config or get_settings().config_dir)
    timezone = site_config.warehouses[0].timezone if site_config.warehouses else "UTC"
    options = FloorOptions(
        server=server,
        speed=speed,
        duration=duration,
        seed=seed,
        orders_per_day=orders_per_day,
        more_returns=more_returns,
        password=password,
        timezone=timezone,
        warehouse=site_config.warehouses[0].code if site_config.warehouses else "WH1",
    )

    async def main() -> None:
        site = (
            SimulatedSite(site_config, pages_port=None, only=("serial", "scale+serial")) if devices else None
        )
        try:
            if site is not None:
                await site.start()
            stations = site.station_inputs() if site is not None else None
            stats = await Floor(options, stations=stations, station_kinds=station_kinds(site_config)).run()
            typer.echo(json.dumps(stats.summary()))
        finally:
            if site is not None:
                await site.stop()

    _run(main())


@app.command()
def site(  # noqa: C901 - predates the complexity limit
    config: Annotated[Path | None, typer.Option(help="Configuration directory holding site.yaml.")] = None,
    pages_port: Annotated[int, typer.Option(help="First printer page's port (0 any free, -1 none).")] = 8101,
) -> None:
    """Every device simulator the site configuration names, at its URL. On stdin:
    `scan DEVICE TEXT`, `place DEVICE GRAMS`, `remove DEVICE`."""
    from kaeru_config.settings import get_settings
    from kaeru_config.site import load_site
    from simulators.site import SimulatedSite

    site_config = load_site(config or get_settings().config_dir)
    running = SimulatedSite(site_config, pages_port=None if pages_port < 0 else pages_port)

    async def main() -> None:  # noqa: C901 - predates the complexity limit
        await running.start()
        try:
            for code, scanner in running.scanners.items():
                typer.echo(f"scanner {code}: {scanner.url()}")
            for code, scale in running.scales.items():
                typer.echo(f"scale {code}: {scale.url()}")
            for code, printer in running.printers.items():
                typer.echo(f"printer {code}: {printer.simulator.url}  page {printer.page_url or '-'}")
            for code, url in running.readers.items():
                typer.echo(f"RFID reader {code}: {url}")
            for note in running.left_out:
                typer.echo(f"not simulated: {note}")
            while line := await asyncio.to_thread(sys.stdin.readline):
                command, _, rest = line.strip().partition(" ")
                device, _, argument = rest.partition(" ")
                if command == "scan" and device in running.scanners and argument:
                    await running.scanners[device].scan(argument)
                elif command == "place" and device in running.scales and argument:
                    running.scales[device].place(float(argument))
                elif command == "remove" and device in running.scales:
                    running.scales[device].remove()
                elif command:
                    typer.echo("commands: scan DEVICE TEXT | place DEVICE GRAMS | remove DEVICE")
            await asyncio.Event().wait()  # stdin closed: keep serving until interrupted
        finally:
            await running.stop()

    _run(main())


@app.command()
def mailbox(
    smtp_port: Annotated[int, typer.Option(help="SMTP port Kaeru sends to (KAERU_SMTP_PORT).")] = 8025,
    web_port: Annotated[int, typer.Option(help="Port of the page listing the messages.")] = 8026,
) -> None:
    """A local SMTP server keeping the shoppers' emails, with a page listing them."""
    from simulators.mailbox import MailboxServer

    server = MailboxServer(smtp_port=smtp_port, web_port=web_port)

    async def main() -> None:
        await server.start()
        typer.echo(f"SMTP on 127.0.0.1:{server.smtp_port}; messages at {server.web_url}")
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    _run(main())


_PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


@app.command(context_settings=_PASS_THROUGH, add_help_option=False)
def rfid(ctx: typer.Context) -> None:
    """A simulated LLRP RFID reader (options: see `kaeru sim rfid --help`)."""
    from simulators.llrp import main

    main(list(ctx.args))


@app.command(context_settings=_PASS_THROUGH, add_help_option=False)
def camera(ctx: typer.Context) -> None:
    """Write a camera scene with rendered barcodes (options: see `kaeru sim camera --help`)."""
    from simulators.camera import main

    main(list(ctx.args))


def _printers() -> typer.Typer:
    from simulators.printers.cli import app as printers

    return printers


app.add_typer(_printers(), name="printer", help="Simulated label and receipt printers.")


@app.command()
def carrier(
    port: Annotated[
        int, typer.Option(help="Port on 127.0.0.1 (the carriers' APIs under /ups and /usps).")
    ] = 8110,
    latency_min_ms: Annotated[int, typer.Option(help="Fastest answer, in ms.")] = 300,
    latency_max_ms: Annotated[int, typer.Option(help="Slowest answer, in ms.")] = 800,
    timeouts: Annotated[float, typer.Option(help="Share of calls that hang (a carrier timeout).")] = 0.0,
    errors: Annotated[float, typer.Option(help="Share of calls answered 5xx.")] = 0.0,
    rate_limits: Annotated[float, typer.Option(help="Share of calls answered 429.")] = 0.0,
    seed: Annotated[int | None, typer.Option(help="Seed for latency and faults.")] = None,
) -> None:
    """A simulated carrier: UPS's and USPS's REST APIs as karrio's connectors call them. Point Kaeru at
    it with KAERU_CARRIER_URL=http://127.0.0.1:PORT."""
    import threading

    from simulators.carrier import CarrierSimulator, SimConfig

    config = SimConfig(latency_min_ms, latency_max_ms, timeouts, errors, rate_limits, seed=seed)
    sim = CarrierSimulator(config, port=port).start()
    typer.echo(f"simulated carrier (UPS, USPS) at {sim.url}; KAERU_CARRIER_URL={sim.url}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sim.stop()
