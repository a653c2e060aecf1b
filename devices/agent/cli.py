"""`kaeru agent`: run a station agent, or look into its queue file."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from devices.agent.agent import AgentOptions, StationAgent, station_devices
from devices.agent.model import parse_overrides, summary
from devices.agent.queue import DurableQueue, QueueLocked
from devices.agent.sender import BadToken, NotKaeru, ServerLink
from devices.supervisor import Backoff, DeviceSpec

app = typer.Typer(
    help="The station agent: reads a station's devices and reports them to the server.", no_args_is_help=True
)
log = logging.getLogger("devices.agent")

EXIT_BAD_TOKEN = 3
EXIT_CONFIG = 2


def default_queue(station: str) -> Path:
    from kaeru_config.settings import ROOT

    return ROOT / "var" / "agent" / f"{station}.queue.sqlite"


@app.command()
def run(
    station: Annotated[str, typer.Option(help="Station code from config/site.yaml, e.g. RET-1.")],
    server: Annotated[str, typer.Option(help="Base URL of the Kaeru server.")] = "http://127.0.0.1:8000",
    token: Annotated[
        str | None,
        typer.Option(
            envvar="KAERU_AGENT_TOKEN", help="Device token: kaeru token issue --device <STATION>-AGENT"
        ),
    ] = None,
    queue: Annotated[
        Path | None, typer.Option(help="Queue file (default var/agent/<STATION>.queue.sqlite).")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="Configuration directory holding site.yaml.")] = None,
    device: Annotated[
        list[str] | None, typer.Option(help="CODE=URL: read this device at another URL (repeatable).")
    ] = None,
    batch: Annotated[
        int, typer.Option(min=1, max=5000, help="Scans per batch when replaying a backlog.")
    ] = 500,
    heartbeat: Annotated[float, typer.Option(help="Seconds between the agent's own health reports.")] = 30.0,
    retry_cap: Annotated[
        float, typer.Option(help="Longest wait, in seconds, between tries to reach the server.")
    ] = 10.0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every retry.")] = False,
) -> None:
    """Run the agent of one station until interrupted."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not token:
        typer.echo(
            f"no token: issue one with `kaeru token issue --device {station}-AGENT` and pass it with "
            "--token or KAERU_AGENT_TOKEN",
            err=True,
        )
        raise typer.Exit(EXIT_CONFIG)
    if config is None:
        from kaeru_config.settings import get_settings

        config = get_settings().config_dir
    try:
        devices, skipped = station_devices(config, station, parse_overrides(device or []))
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    path = queue or default_queue(station)
    try:
        durable = DurableQueue(path)
    except QueueLocked as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    for reason in skipped:
        log.info("not opened: %s", reason)
    for spec in devices:
        log.info("device %s at %s", spec.device_id, spec.url)
    log.info("queue %s: %d events waiting", path, durable.count())
    options = AgentOptions(
        batch_size=batch,
        heartbeat=heartbeat,
        retry=Backoff(initial=min(0.25, retry_cap), factor=2.0, cap=retry_cap, jitter=0.5),
    )
    try:
        asyncio.run(_serve(station, devices, durable, server, token, options))
    except BadToken as exc:
        typer.echo(
            f"{exc}. Issue a new one with `kaeru token issue --device {station}-AGENT` and pass it with "
            f"--token or KAERU_AGENT_TOKEN; the {durable.count()} queued events stay in {path} and will be "
            "sent then.",
            err=True,
        )
        raise typer.Exit(EXIT_BAD_TOKEN) from None
    except NotKaeru as exc:
        typer.echo(f"{exc} (--server {server}); the queued events stay in {path}.", err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    finally:
        durable.close()


async def _serve(
    station: str,
    devices: list[DeviceSpec],
    durable: DurableQueue,
    server: str,
    token: str,
    options: AgentOptions,
) -> None:
    link = ServerLink(server, token)
    agent = StationAgent(station, devices, durable, link, options=options)
    main = asyncio.current_task()
    if main is None:  # run() is always awaited inside asyncio.run()
        raise RuntimeError("the station agent must run inside an asyncio task")
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, main.cancel)
    try:
        await agent.run()
    except asyncio.CancelledError:
        log.info("stopping: %d events still queued in %s", durable.count(), durable.path)
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2):
                await link.say_goodbye()
    finally:
        await link.aclose()


@app.command()
def status(
    station: Annotated[str | None, typer.Option(help="Station code (for the default queue path).")] = None,
    queue: Annotated[Path | None, typer.Option(help="Queue file.")] = None,
    show: Annotated[int, typer.Option(help="How many pending and refused events to list.")] = 20,
) -> None:
    """What waits in an agent's queue, and what the server refused."""
    if queue is None and station is None:
        raise typer.BadParameter("give --station or --queue")
    path = queue or default_queue(station or "")
    if not path.exists():
        typer.echo(f"{path}: no queue file", err=True)
        raise typer.Exit(1)
    with DurableQueue(path, owner=False) as durable:
        counts = {state: durable.count(state) for state in ("pending", "delivered", "rejected")}
        typer.echo(f"{path}: " + ", ".join(f"{n} {state}" for state, n in counts.items()))
        for state in ("pending", "rejected"):
            for item in durable.history(state=state, limit=show):
                entry = item.entry
                answer = f" -> {item.status} {item.answer}" if item.status else ""
                typer.echo(
                    f"  #{entry.seq} {state} {entry.queued_at:%Y-%m-%d %H:%M:%S} {entry.kind} "
                    f"{summary(entry.kind, entry.body)}{answer}"
                )
