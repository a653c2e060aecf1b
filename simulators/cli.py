"""`sim`: start simulated devices from the command line (mounted as `kaeru sim ...`)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
from pathlib import Path
from typing import Annotated

import typer

from devices.framing import Framing
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
) -> None:
    """An MT-SICS serial scale on a pty at LINK. Type `place GRAMS` or `remove` on stdin."""
    sim = ScaleSimulator(link, settle=settle, noise_grams=noise, capacity_grams=capacity)
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
