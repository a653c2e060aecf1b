"""`make run`: a working warehouse on the embedded default (SQLite) for a newcomer.

Applies migrations and the site configuration and loads the demo data once; then starts, together,
the server (uvicorn, a child process), the site's simulated devices (scanners and scales on ptys at
the configured paths, printers on their ports with a page each), a mailbox catching the shoppers'
emails, a station agent per station that has input devices (child processes, each with its own
device token), and the simulated floor at a lively speed. Ctrl-C (or SIGTERM) stops everything;
children are also told to stop if this process dies.

Settings (environment): KAERU_PORT (8000), KAERU_HOST, KAERU_SMTP_PORT (the mailbox, 8025),
KAERU_MAILBOX_PORT (its page, 8026), KAERU_PRINTER_PAGES_PORT (first printer page, 8101; 0 any),
KAERU_FLOOR (1; 0 leaves the floor still), KAERU_FLOOR_SPEED (1800), KAERU_FLOOR_ORDERS_PER_DAY (48),
KAERU_FLOOR_SEED (7), KAERU_DEMO_DIR (var/demo: agent queues and logs), KAERU_DEMO_SUMMARY_SECONDS (60).

The terminal shows what a newcomer needs and nothing that scrolls it away: the banner (URLs and
logins) once everything is up, then one line of the floor's figures per KAERU_DEMO_SUMMARY_SECONDS.
The floor's narration and every process's log go to files in KAERU_DEMO_DIR (named in the banner);
errors are shown on the terminal as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kaeru_config.settings import ROOT, Settings, get_settings

if TYPE_CHECKING:
    from datetime import datetime

    from simulators.floor import Floor, FloorStats

log = logging.getLogger("simulators.demo")
SCREENS = (
    ("returns station", "/ui/returns"),
    ("pack station", "/ui/pack"),
    ("picker", "/ui/pick"),
    ("floor dashboard", "/ui/dashboard"),
)
FLOOR_LOG = "floor.log"
SERVER_LOG = "server.log"


class PortTaken(Exception):
    pass


class ServerDidNotStart(Exception):
    pass


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class DemoPlan:
    settings: Settings
    host: str
    port: int
    mailbox_port: int
    pages_port: int | None
    floor: bool
    speed: float
    orders_per_day: float
    seed: int
    demo_dir: Path
    summary_seconds: float = 60.0
    agent_tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"


def plan_from_env(settings: Settings) -> DemoPlan:
    env = os.environ
    pages = int(env.get("KAERU_PRINTER_PAGES_PORT", "8101"))
    return DemoPlan(
        settings=settings,
        host=env.get("KAERU_HOST", "127.0.0.1"),
        port=int(env.get("KAERU_PORT", "8000")),
        mailbox_port=int(env.get("KAERU_MAILBOX_PORT", "8026")),
        pages_port=None if pages < 0 else pages,
        floor=env.get("KAERU_FLOOR", "1") not in ("0", "no", "false"),
        speed=float(env.get("KAERU_FLOOR_SPEED", "1800")),
        orders_per_day=float(env.get("KAERU_FLOOR_ORDERS_PER_DAY", "48")),
        seed=int(env.get("KAERU_FLOOR_SEED", "7")),
        demo_dir=Path(env.get("KAERU_DEMO_DIR", str(ROOT / "var" / "demo"))),
        summary_seconds=float(env.get("KAERU_DEMO_SUMMARY_SECONDS", "60")),
    )


def ports_needed(plan: DemoPlan, site: object) -> list[tuple[int, str]]:
    """Every fixed port the demo will listen on, with what for (0 = any free port, not listed)."""
    needed = [
        (plan.port, "the Kaeru server, KAERU_PORT"),
        (plan.settings.smtp_port, "the mailbox's SMTP, KAERU_SMTP_PORT"),
        (plan.mailbox_port, "the mailbox page, KAERU_MAILBOX_PORT"),
    ]
    printers = 0
    for station in site.stations:  # type: ignore[attr-defined]
        for device in station.devices:
            scheme = device.url.partition("://")[0]
            if scheme in ("tcp", "escpos+tcp", "llrp"):
                port = urlsplit(device.url).port
                if port:
                    needed.append((port, f"{device.code} in the site configuration"))
                if scheme != "llrp" and plan.pages_port:
                    needed.append(
                        (
                            plan.pages_port + printers,
                            f"the label page of {device.code}, KAERU_PRINTER_PAGES_PORT",
                        )
                    )
                printers += scheme != "llrp"
    return [(port, what) for port, what in needed if port]


def check_ports(host: str, needed: list[tuple[int, str]]) -> None:
    """Fail with a clear message naming the first port something else holds."""
    for port, what in needed:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                raise PortTaken(
                    f"port {port} ({what}) is already in use: stop what holds it, or choose another port"
                ) from None


def prepare_database(plan: DemoPlan) -> tuple[object, dict[str, str]]:
    """Migrate, apply the site, seed the demo once; issue each station agent a device token."""
    from sqlmodel import select

    from devices.agent.model import input_devices
    from wms.context import Kaeru
    from wms.identity.service import issue_device_token
    from wms.identity.tables import Device
    from wms.migrations.runner import upgrade
    from wms.seed import seed_demo
    from wms.site import apply_site

    settings = plan.settings
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    kaeru = Kaeru.from_settings(settings)
    kaeru.db.write(lambda s: apply_site(s, kaeru.site))
    report = kaeru.db.write(lambda s: seed_demo(s, kaeru.site))
    if report.items:
        print(f"demo data loaded: {report.items} items, {report.units} units, {report.orders} orders")
    stations = [s.code for s in kaeru.site.stations if input_devices((d.code, d.url) for d in s.devices)[0]]

    def issue(session: object) -> dict[str, str]:
        tokens = {}
        for code in stations:
            device = session.exec(select(Device).where(Device.code == f"{code}-AGENT")).first()  # type: ignore[attr-defined]
            if device is not None:
                tokens[code] = issue_device_token(session, device, label="make run")  # type: ignore[arg-type]
        return tokens

    tokens = kaeru.db.write(issue)
    site = kaeru.site
    kaeru.db.dispose()
    return site, tokens


def _die_with_parent() -> None:
    """In the child: be sent SIGTERM when the demo process dies, however it dies (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process


async def spawn(name: str, args: list[str], env: dict[str, str], log_file: Path | None = None) -> Child:
    # A quick local open, handed to the child and closed once it has its own copy.
    out = open(log_file, "ab") if log_file else None  # noqa: SIM115, ASYNC230
    try:
        process = await asyncio.create_subprocess_exec(
            *args,
            env=env,
            stdout=out,
            stderr=out,
            stdin=asyncio.subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    finally:
        if out is not None:
            out.close()
    return Child(name, process)


async def stop_children(children: list[Child], grace: float = 8.0) -> None:
    """SIGTERM each child (newest first), then SIGKILL whoever has not gone after `grace` seconds."""
    for child in reversed(children):
        if child.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in reversed(children):
        try:
            async with asyncio.timeout(max(0.1, deadline - time.monotonic())):
                await child.process.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                child.process.kill()
            await child.process.wait()


async def wait_until_healthy(base: str, server: Child, within: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.returncode is not None:
                raise RuntimeError(f"the server stopped at start (exit {server.process.returncode})")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the server did not answer {base}/healthz within {within:.0f} s")


def banner(plan: DemoPlan, printers: dict[str, str | None], mailbox: str | None, left_out: list[str]) -> str:
    from wms.seed import DEMO_PASSWORD

    rows = [(name, f"{plan.base}{path}") for name, path in SCREENS]
    rows += [("API docs", f"{plan.base}/docs"), ("health", f"{plan.base}/healthz")]
    rows += [(f"printer {code}", url) for code, url in printers.items() if url]
    if mailbox:
        rows.append(("shoppers' mailbox", mailbox))
    rows += [("floor narration", str(plan.demo_dir / FLOOR_LOG))]
    rows += [("server log", str(plan.demo_dir / SERVER_LOG))]
    width = max(len(name) for name, _ in rows) + 2
    rule = "=" * 72
    lines = [f"\n{rule}", f"Kaeru is running on {plan.base}", ""]
    lines += [f"  {name:<{width}}{where}" for name, where in rows]
    lines += [
        "",
        f"Sign in as admin, manager, associate, packer, picker or receiver — password {DEMO_PASSWORD!r}",
    ]
    if plan.floor:
        lines.append(
            f"The simulated floor works at {plan.speed:g}x ({plan.orders_per_day:g} orders a day); "
            f"its figures follow every {plan.summary_seconds:g} s."
        )
    if left_out:
        lines.append("Not simulated: " + "; ".join(left_out))
    lines += ["Ctrl-C stops everything.", rule]
    return "\n".join(lines)


def summary_line(now: datetime, stats: FloorStats) -> str:
    """One line of the floor's figures so far (the terminal's per-minute report)."""
    return (
        f"[{now:%a %H:%M}] orders {stats.orders_placed} · lines picked {stats.lines_picked} · "
        f"cartons {stats.cartons_closed} · shipped {stats.shipped} · delivered {stats.delivered} · "
        f"returns {stats.returns_requested} "
        f"(received {stats.parcels_received}, graded {stats.units_graded}) · "
        f"refused {stats.refusals} · errors {stats.errors}"
    )


async def report_every(seconds: float, floor: Floor) -> None:
    while True:
        await asyncio.sleep(seconds)
        print(summary_line(floor.clock.now(), floor.stats), flush=True)


async def run(plan: DemoPlan, site_config: object) -> int:
    from simulators.floor import Floor, FloorOptions, station_kinds
    from simulators.mailbox import MailboxServer
    from simulators.site import SimulatedSite

    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    plan.demo_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ) | {
        "KAERU_DATABASE_URL": plan.settings.database_url,
        "KAERU_BASE_URL": plan.base,
        "KAERU_SMTP_HOST": "127.0.0.1",
        "KAERU_SMTP_PORT": str(plan.settings.smtp_port),
        "KAERU_CONFIG_DIR": str(plan.settings.config_dir),
        "PYTHONUNBUFFERED": "1",
    }
    carrier = _simulated_carrier(env)
    site = SimulatedSite(site_config, pages_port=plan.pages_port)  # type: ignore[arg-type]
    mailbox = MailboxServer(smtp_port=plan.settings.smtp_port, web_port=plan.mailbox_port)
    children: list[Child] = []
    floor_task: asyncio.Task[object] | None = None
    reporter: asyncio.Task[None] | None = None
    try:
        await site.start()
        await mailbox.start()
        server = await spawn(
            "server",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "wms.app:create_app",
                "--factory",
                "--host",
                plan.host,
                "--port",
                str(plan.port),
                "--log-level",
                "warning",
            ],
            env,
            log_file=plan.demo_dir / SERVER_LOG,
        )
        children.append(server)
        try:
            await wait_until_healthy(plan.base, server)
        except RuntimeError as exc:
            raise ServerDidNotStart(f"{exc}; its last words:\n{_tail(plan.demo_dir / SERVER_LOG)}") from None
        for station, token in plan.agent_tokens.items():
            queue = plan.demo_dir / "agent" / f"{station}.queue.sqlite"
            queue.parent.mkdir(parents=True, exist_ok=True)
            children.append(
                await spawn(
                    f"agent {station}",
                    [
                        sys.executable,
                        "-m",
                        "devices.agent",
                        "run",
                        "--station",
                        station,
                        "--server",
                        plan.base,
                        "--queue",
                        str(queue),
                        "--heartbeat",
                        "10",
                        "--retry-cap",
                        "2",
                    ],
                    env | {"KAERU_AGENT_TOKEN": token},
                    log_file=plan.demo_dir / f"agent-{station}.log",
                )
            )
        print(
            banner(plan, {c: p.page_url for c, p in site.printers.items()}, mailbox.web_url, site.left_out),
            flush=True,
        )
        if plan.floor:
            floor = Floor(
                FloorOptions(
                    server=plan.base,
                    speed=plan.speed,
                    orders_per_day=plan.orders_per_day,
                    seed=plan.seed,
                    timezone=_timezone(site_config),
                ),
                stations=site.station_inputs(),
                station_kinds=station_kinds(site_config),
            )
            floor_task = asyncio.create_task(floor.run(), name="floor")
            reporter = asyncio.create_task(report_every(plan.summary_seconds, floor), name="summary")
        watched = [asyncio.create_task(c.process.wait(), name=c.name) for c in children]
        stop_wait = asyncio.create_task(stopping.wait())
        done, _ = await asyncio.wait([stop_wait, *watched], return_when=asyncio.FIRST_COMPLETED)
        for task in (stop_wait, *watched):
            task.cancel()
        if stop_wait not in done:
            ended = next(c for c, t in zip(children, watched, strict=True) if t in done)
            print(
                f"{ended.name} stopped unexpectedly (exit {ended.process.returncode}); stopping the demo",
                file=sys.stderr,
            )
            return 1
        print("stopping ...", flush=True)
        return 0
    finally:
        if reporter is not None:
            reporter.cancel()
        if floor_task is not None:
            floor_task.cancel()
            with contextlib.suppress(BaseException):
                await floor_task
        await stop_children(children)
        await site.stop()
        await mailbox.stop()
        if carrier is not None:
            carrier.stop()


# The simulated carrier's accounts for the demo (UPS and USPS, through karrio's own connectors).
DEMO_CARRIER_ACCOUNTS = {
    "UPS": {"client_id": "kaeru-demo", "client_secret": "demo-secret", "account_number": "KAE123"},
    "USPS": {
        "client_id": "kaeru-demo",
        "client_secret": "demo-secret",
        "account_number": "1000001",
        "CRID": "56982563",
        "MID": "900123456",
        "manifest_MID": "900123456",
    },
}


def _simulated_carrier(env: dict[str, str]) -> Any:
    """The simulated carrier (UPS and USPS APIs, 300-800 ms a call) that the demo's labels are bought
    from, unless KAERU_CARRIER_URL names real carriers' servers. Sets the server's carrier settings."""
    if env.get("KAERU_CARRIER_URL"):
        return None
    from simulators.carrier import CarrierSimulator

    carrier = CarrierSimulator().start()
    env["KAERU_CARRIER_URL"] = carrier.url
    env["KAERU_CARRIER_ACCOUNTS"] = json.dumps(DEMO_CARRIER_ACCOUNTS)
    return carrier


def _timezone(site_config: object) -> str:
    warehouses = getattr(site_config, "warehouses", [])
    return getattr(warehouses[0], "timezone", "UTC") if warehouses else "UTC"


def log_to_files(plan: DemoPlan) -> None:
    """Everything this process says (the floor's narration above all) to KAERU_DEMO_DIR/floor.log;
    only errors to the terminal as well."""
    plan.demo_dir.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(plan.demo_dir / FLOOR_LOG, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    to_terminal = logging.StreamHandler(sys.stderr)
    to_terminal.setLevel(logging.ERROR)
    logging.basicConfig(level=logging.INFO, handlers=[to_file, to_terminal], force=True)
    for noisy in ("httpx", "alembic", "mail.log", "simulators.site", "simulators.llrp"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main() -> int:
    settings = get_settings()
    plan = plan_from_env(settings)
    log_to_files(plan)
    from kaeru_config.site import load_site
    from simulators.site import PortTaken as SitePortTaken

    try:
        check_ports(plan.host, ports_needed(plan, load_site(settings.config_dir)))
    except PortTaken as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    site, plan.agent_tokens = prepare_database(plan)
    try:
        return asyncio.run(run(plan, site))
    except (PortTaken, SitePortTaken, ServerDidNotStart) as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
