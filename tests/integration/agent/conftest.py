"""A real Kaeru server (in a thread, or in a process that can be stopped and started again on the
same port and SQLite file), a station's agent token, and an agent process whose log can be read."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from sqlmodel import SQLModel, col, select

import wms.tables  # noqa: F401 - every table on the metadata
from devices.agent.agent import AgentOptions, StationAgent
from devices.agent.queue import DurableQueue
from devices.agent.sender import ServerLink
from devices.supervisor import Backoff, DeviceSpec
from kaeru_config.settings import ROOT
from kaeru_config.site import load_site
from tests import polling
from wms.context import Kaeru
from wms.db import Database
from wms.identity.service import issue_device_token
from wms.identity.tables import Device, Station
from wms.platform.tables import ScanRecord
from wms.site import apply_site

STATION = "RET-1"
AGENT = "RET-1-AGENT"


@dataclass
class Site:
    """The server's database as the tests look into it, and the station agent's token."""

    db: Database
    agent_token: str
    agent_device_id: int

    def recorded(self) -> list[str]:
        """Raw text of every scan the server recorded from the agent, in the order it recorded them."""
        with self.db.read() as session:
            rows = session.exec(
                select(ScanRecord)
                .where(ScanRecord.device_id == self.agent_device_id)
                .order_by(col(ScanRecord.id))
            )
            return [row.raw for row in rows]

    def device(self, code: str) -> Device:
        with self.db.read() as session:
            return session.exec(select(Device).where(Device.code == code)).one()

    def station(self, code: str = STATION) -> Station:
        with self.db.read() as session:
            return session.exec(select(Station).where(Station.code == code)).one()


def prepare(db: Database) -> Site:
    """Apply the site configuration and issue the station agent's token."""
    db.write(lambda s: apply_site(s, load_site(ROOT / "config")))

    def token(session):  # type: ignore[no-untyped-def]
        device = session.exec(select(Device).where(Device.code == AGENT)).one()
        return issue_device_token(session, device, label="test"), device.id

    agent_token, device_id = db.write(token)
    return Site(db=db, agent_token=agent_token, agent_device_id=device_id)


@pytest.fixture
def sqlite_site(tmp_path: Path) -> Iterator[Site]:
    """A site on a SQLite file that a server process can open (and reopen after a restart)."""
    db = Database(f"sqlite:///{tmp_path / 'kaeru.db'}")
    SQLModel.metadata.create_all(db.engine)
    yield prepare(db)
    db.dispose()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """`uvicorn wms.app:create_app` in a child process, stoppable and restartable on the same port."""

    def __init__(self, database_url: str, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "KAERU_DATABASE_URL": database_url,
            "KAERU_ENVIRONMENT": "test",
            "KAERU_RUN_RELAY": "false",
            "KAERU_MEDIA_DIR": str(workdir / "media"),
        }
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "wms.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        log = (self.workdir / "server.log").open("ab")
        self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60  # a loaded CI machine takes long to import the whole server
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {(self.workdir / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the server did not start within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture
def server(sqlite_site: Site, tmp_path: Path) -> Iterator[ServerProcess]:
    """The server in a child process (started; stop and start it again at will)."""
    process = ServerProcess(str(sqlite_site.db.engine.url), tmp_path)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def thread_server(sqlite_site: Site, tmp_path: Path) -> Iterator[str]:
    """The server in a thread of the test process (quicker to start); yields its URL."""
    from kaeru_config.settings import Settings
    from tests.live_server import serve
    from wms.app import create_app
    from wms.context import Kaeru

    settings = Settings(
        environment="test",
        database_url=str(sqlite_site.db.engine.url),
        config_dir=ROOT / "config",
        media_dir=tmp_path / "media",
        run_relay=False,
    )
    kaeru = Kaeru(settings=settings, site=load_site(settings.config_dir), db=Database(settings.database_url))
    with serve(create_app(settings, kaeru=kaeru)) as url:
        yield url
    kaeru.db.dispose()


FAST = AgentOptions(batch_size=50, heartbeat=0.2, retry=Backoff(initial=0.05, cap=0.3))


@pytest.fixture
def site(kaeru: Kaeru) -> Site:
    """The site on each backend in turn (the suite's `kaeru` fixture), with the agent's token."""
    return prepare(kaeru.db)


@pytest.fixture
def server_url(kaeru: Kaeru, site: Site) -> Iterator[str]:
    """The server in a thread of the test process, on that site's database."""
    from tests.live_server import serve
    from wms.app import create_app

    with serve(create_app(kaeru.settings, kaeru=kaeru)) as url:
        yield url


@contextlib.asynccontextmanager
async def agent_for(
    devices: list[DeviceSpec], queue: Path, url: str, token: str
) -> AsyncIterator[StationAgent]:
    """The station agent running in this process with these devices, until the block ends."""
    durable = DurableQueue(queue)
    link = ServerLink(url, token, timeout=5)
    agent = StationAgent(STATION, devices, durable, link, options=FAST)
    task = asyncio.create_task(agent.run())
    try:
        yield agent
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await link.aclose()
        durable.close()


def closed_port_url() -> str:
    """A URL where nothing listens: a server that is down."""
    return f"http://127.0.0.1:{free_port()}"


def agent_config(directory: Path, devices: list[dict[str, str]]) -> Path:
    """A configuration directory whose station RET-1 has these devices (the server's stays as it is)."""
    site = yaml.safe_load((ROOT / "config" / "site.yaml").read_text(encoding="utf-8"))
    for station in site["stations"]:
        if station["code"] == STATION:
            station["devices"] = devices
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "site.yaml").write_text(yaml.safe_dump(site), encoding="utf-8")
    return directory


QUEUED = re.compile(r"queued #(\d+) scan (\S+) (.*)$")


class AgentProcess:
    """`python -m devices.agent run` in a child process; its log says what it acknowledged."""

    def __init__(self, *, server: str, token: str, queue: Path, config: Path, log: Path) -> None:
        self.args = [
            sys.executable,
            "-m",
            "devices.agent",
            "run",
            "--station",
            STATION,
            "--server",
            server,
            "--queue",
            str(queue),
            "--config",
            str(config),
            "--retry-cap",
            "0.3",
            "--batch",
            "50",
        ]
        self.env = {**os.environ, "KAERU_AGENT_TOKEN": token}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.args, env=self.env, cwd=ROOT, stdout=log, stderr=log)

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind runs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def acknowledged(self) -> list[str]:
        """Keys of the scans the agent logged as queued (written after the fsync'd commit), in order."""
        if not self.log.exists():
            return []
        return [
            m.group(2)
            for line in self.log.read_text(errors="replace").splitlines()
            if (m := QUEUED.search(line))
        ]


def queued_scans(path: Path) -> list[tuple[str, str]]:
    """(key, raw) of every scan in a queue file, in queue order, read without taking it over."""
    with DurableQueue(path, owner=False) as queue:
        return [(r.entry.key, r.entry.body["raw"]) for r in queue.history() if r.entry.kind == "scan"]


def pending_in(path: Path) -> int:
    with DurableQueue(path, owner=False) as queue:
        return queue.count("pending")


async def eventually(check: Callable[[], bool], within: float = 30.0, message: str = "") -> None:
    """Wait until `check()` holds (polling; the things checked live in other processes and files)."""
    await polling.eventually(
        check, within=within, every=0.05, what=message or "condition not met", in_thread=True
    )
