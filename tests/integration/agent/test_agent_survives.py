"""The station agent as a process (`python -m devices.agent run`) against a server process it can
lose: scans queue on disk while the server is down, arrive once each and in order when it is back,
and a SIGKILLed agent loses no scan it had acknowledged (queued on disk)."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devices.agent.queue import DurableQueue
from simulators.scanner import ScannerSimulator
from tests.integration.agent.conftest import (
    AgentProcess,
    ServerProcess,
    Site,
    agent_config,
    closed_port_url,
    eventually,
    queued_scans,
)


@pytest.fixture
async def scanner(tmp_path: Path) -> AsyncIterator[ScannerSimulator]:
    simulator = ScannerSimulator(tmp_path / "ret-1-scanner")
    await simulator.start()
    yield simulator
    simulator.close()


def lpns(first: int, last: int) -> list[str]:
    return [f"]C0LPN-{n:05d}" for n in range(first, last + 1)]


def pending_scans(queue: Path) -> int:
    with DurableQueue(queue, owner=False) as durable:
        return sum(1 for r in durable.history(state="pending") if r.entry.kind == "scan")


def is_subsequence(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(item in rest for item in part)


@pytest.fixture
def make_agent(tmp_path: Path, scanner: ScannerSimulator, sqlite_site: Site):  # type: ignore[no-untyped-def]
    """Agent processes of station RET-1 sharing one queue file and one log."""
    config = agent_config(
        tmp_path / "agent-config", [{"code": "RET-1-SCANNER", "kind": "scanner", "url": scanner.url()}]
    )
    started: list[AgentProcess] = []

    def make(server: str, token: str | None = None) -> AgentProcess:
        agent = AgentProcess(
            server=server,
            token=token or sqlite_site.agent_token,
            queue=tmp_path / "RET-1.queue.sqlite",
            config=config,
            log=tmp_path / "agent.log",
        )
        started.append(agent)
        return agent

    yield make
    for agent in started:
        agent.stop()


async def test_while_the_server_is_down_scans_queue_on_disk_and_after_its_restart_arrive_once_each_in_order(
    sqlite_site: Site,
    server: ServerProcess,
    scanner: ScannerSimulator,
    make_agent,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    queue = tmp_path / "RET-1.queue.sqlite"
    agent = make_agent(server.url)
    agent.start()
    for text in lpns(1, 5):
        await scanner.scan(text)
    await eventually(
        lambda: sqlite_site.recorded() == lpns(1, 5), within=45, message="first scans not recorded"
    )

    await asyncio.to_thread(server.stop)
    for text in lpns(6, 25):
        await scanner.scan(text)
    await eventually(lambda: pending_scans(queue) == 20, message="scans did not queue on disk")
    await asyncio.sleep(1.0)  # the agent keeps retrying meanwhile; nothing may be lost or settled
    assert pending_scans(queue) == 20
    assert sqlite_site.recorded() == lpns(1, 5)

    await asyncio.to_thread(server.start)  # same port, same SQLite file
    await eventually(lambda: len(sqlite_site.recorded()) >= 25, within=45, message="backlog not replayed")
    await asyncio.sleep(0.5)  # a duplicate would arrive now
    assert sqlite_site.recorded() == lpns(1, 25)
    assert pending_scans(queue) == 0


async def test_a_sigkilled_agent_loses_no_acknowledged_scan_and_sends_none_twice(
    sqlite_site: Site,
    thread_server: str,
    scanner: ScannerSimulator,
    make_agent,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    queue = tmp_path / "RET-1.queue.sqlite"
    first = make_agent(thread_server)
    first.start()

    async def stream() -> None:
        for text in lpns(1, 150):
            await scanner.scan(text)
            await asyncio.sleep(0.01)

    streaming = asyncio.create_task(stream())
    await eventually(
        lambda: len(first.acknowledged()) >= 40, within=45, message="agent acknowledged too little"
    )
    first.kill()  # mid-stream: scans arriving, batches in flight
    acknowledged = first.acknowledged()
    on_disk = queued_scans(queue)
    # What the agent logged as acknowledged is on disk, in the same order (logged after the commit).
    assert [key for key, _ in on_disk][: len(acknowledged)] == acknowledged

    second = make_agent(thread_server)
    second.start()
    async with asyncio.timeout(30):
        await streaming
        await scanner.port.drain()
    await eventually(
        lambda: pending_scans(queue) == 0 and len(sqlite_site.recorded()) == len(queued_scans(queue)),
        within=60,
        message="the queue did not drain",
    )
    await asyncio.sleep(0.5)  # a duplicate would arrive now

    recorded = sqlite_site.recorded()
    assert recorded == [raw for _, raw in queued_scans(queue)]  # every acknowledged scan, once, in order
    assert recorded[: len(on_disk)] == [raw for _, raw in on_disk]
    assert len(set(recorded)) == len(recorded)
    assert is_subsequence(recorded, scanner.sent)
    assert len(recorded) > len(on_disk)  # the restarted agent went on reading the scanner


async def test_an_agent_killed_while_the_server_is_down_sends_its_whole_backlog_once_the_server_is_back(
    sqlite_site: Site,
    thread_server: str,
    scanner: ScannerSimulator,
    make_agent,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    queue = tmp_path / "RET-1.queue.sqlite"
    first = make_agent(closed_port_url())  # the server is down
    first.start()
    for text in lpns(1, 30):
        await scanner.scan(text)
    await eventually(lambda: len(first.acknowledged()) == 30, within=45, message="scans not acknowledged")
    first.kill()
    assert [raw for _, raw in queued_scans(queue)] == lpns(1, 30)
    assert pending_scans(queue) == 30

    make_agent(thread_server).start()  # the server is back (the restarted agent may be told another address)
    await eventually(lambda: len(sqlite_site.recorded()) >= 30, within=45, message="backlog not replayed")
    await asyncio.sleep(0.5)
    assert sqlite_site.recorded() == lpns(1, 30)


def test_a_refused_token_stops_the_agent_with_a_clear_message_and_keeps_the_queue(
    sqlite_site: Site,
    thread_server: str,
    make_agent,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    queue = tmp_path / "RET-1.queue.sqlite"
    with DurableQueue(queue) as durable:
        durable.put("scan", {"raw": "]C0LPN-00001", "scanned_at": None, "epc": None})
    agent = make_agent(thread_server, token="not-a-token")
    agent.start()
    assert agent.process is not None
    try:
        code = agent.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("the agent kept running with a refused token")
    log = agent.log.read_text()
    assert code == 3
    assert "refused the agent's token (401)" in log
    assert "kaeru token issue --device RET-1-AGENT" in log
    assert pending_scans(queue) == 1
    assert sqlite_site.recorded() == []


async def test_a_stopped_agent_tells_the_server_it_is_gone_and_exits_cleanly(
    sqlite_site: Site,
    thread_server: str,
    make_agent,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_agent(thread_server)
    agent.start()
    await eventually(lambda: sqlite_site.device("RET-1-AGENT").state == "connected", within=45)
    await asyncio.to_thread(agent.stop)  # SIGTERM
    assert agent.process is not None
    assert agent.process.returncode == 0
    gone = sqlite_site.device("RET-1-AGENT")
    assert (gone.state, gone.state_detail) == ("disconnected", "agent stopped")
