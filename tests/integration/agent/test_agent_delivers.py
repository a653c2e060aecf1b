"""The station agent, in process, between a simulated pty scanner/scale and a real Kaeru server
(uvicorn in a thread) — on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devices.agent.queue import DurableQueue
from devices.supervisor import DeviceSpec
from simulators.llrp import LlrpReaderSimulator, RadioSettings, sample_tags
from simulators.scale import ScaleSimulator
from simulators.scanner import ScannerSimulator
from tests.integration.agent.conftest import Site, agent_for, eventually


@pytest.fixture
async def scanner(tmp_path: Path) -> AsyncIterator[ScannerSimulator]:
    simulator = ScannerSimulator(tmp_path / "ret-1-scanner", host_timeout=10)
    await simulator.start()
    yield simulator
    simulator.close()


def lpns(first: int, last: int) -> list[str]:
    return [f"]C0LPN-{n:05d}" for n in range(first, last + 1)]


async def test_scans_read_from_the_pty_scanner_are_recorded_by_the_server_once_each_in_order(
    site: Site, server_url: str, scanner: ScannerSimulator, tmp_path: Path
) -> None:
    devices = [DeviceSpec("RET-1-SCANNER", scanner.url())]
    async with agent_for(devices, tmp_path / "q.sqlite", server_url, site.agent_token):
        for text in [*lpns(1, 20), "]E05901234123457", "]C0LOC-RET-1"]:
            await scanner.scan(text)
        await eventually(lambda: len(site.recorded()) >= 22)
        await asyncio.sleep(0.3)  # a duplicate would arrive now
    assert site.recorded() == [*lpns(1, 20), "]E05901234123457", "]C0LOC-RET-1"]


async def test_the_scanner_connecting_is_reported_to_the_server_as_its_health(
    site: Site, server_url: str, scanner: ScannerSimulator, tmp_path: Path
) -> None:
    devices = [DeviceSpec("RET-1-SCANNER", scanner.url())]
    async with agent_for(devices, tmp_path / "q.sqlite", server_url, site.agent_token):
        await eventually(lambda: site.device("RET-1-SCANNER").state == "connected")
    assert "ret-1-scanner" in site.device("RET-1-SCANNER").state_detail


async def test_the_agent_reports_its_own_heartbeat_with_its_backlog(
    site: Site, server_url: str, tmp_path: Path
) -> None:
    async with agent_for([], tmp_path / "q.sqlite", server_url, site.agent_token):
        await eventually(lambda: site.device("RET-1-AGENT").state == "connected")
    assert site.device("RET-1-AGENT").state_detail.startswith("agent of RET-1: 0 queued")


async def test_a_settled_weight_on_the_station_scale_reaches_the_station(
    site: Site, server_url: str, tmp_path: Path
) -> None:
    scale = ScaleSimulator(tmp_path / "ret-1-scale", settle=0.2, noise_grams=2)
    await scale.start()
    serving = asyncio.create_task(scale.serve())
    try:
        devices = [DeviceSpec("RET-1-SCALE", scale.url() + "&interval=0.05")]
        async with agent_for(devices, tmp_path / "q.sqlite", server_url, site.agent_token):
            await eventually(lambda: site.device("RET-1-SCALE").state == "connected")
            scale.place(1250)
            await eventually(
                lambda: (site.station().last_weight_g, site.station().last_weight_stable) == (1250, True)
            )
    finally:
        serving.cancel()
        scale.close()


async def test_a_scan_the_server_refuses_is_kept_as_refused_and_not_sent_again(
    site: Site, server_url: str, scanner: ScannerSimulator, tmp_path: Path
) -> None:
    queue = tmp_path / "q.sqlite"
    devices = [DeviceSpec("RET-1-SCANNER", scanner.url())]
    async with agent_for(devices, queue, server_url, site.agent_token):
        await scanner.scan("]C0LPN-NOSUCH")  # no such license plate: the server answers 404
        await scanner.scan("]C0LOC-RET-1")
        await eventually(lambda: len(site.recorded()) >= 2)
        await asyncio.sleep(0.5)  # a retry would arrive now
    assert site.recorded() == ["]C0LPN-NOSUCH", "]C0LOC-RET-1"]
    with DurableQueue(queue, owner=False) as durable:
        refused = durable.history(state="rejected")
        assert durable.count("pending") == 0
    assert [(r.entry.body["raw"], r.status) for r in refused] == [("]C0LPN-NOSUCH", 404)]
    assert "LPN-NOSUCH" in refused[0].answer


async def test_a_backlog_sent_again_after_its_answer_was_lost_is_recorded_once(
    site: Site, server_url: str, tmp_path: Path
) -> None:
    scans = [{"raw": raw, "scanned_at": None, "epc": None} for raw in lpns(1, 120)]
    with DurableQueue(tmp_path / "first.sqlite") as first:
        keys = [first.put("scan", body).key for body in scans]
    # The same backlog, same keys, in a second file: as if the agent died after the server applied
    # the batches but before it could mark them delivered.
    with DurableQueue(tmp_path / "again.sqlite") as again:
        for key, body in zip(keys, scans, strict=True):
            again.put("scan", body, key=key)
    answers = []
    for queue in ("first.sqlite", "again.sqlite"):
        async with agent_for([], tmp_path / queue, server_url, site.agent_token) as agent:
            await eventually(lambda a=agent: a.queue.count() == 0, within=45)  # type: ignore[misc]
        with DurableQueue(tmp_path / queue, owner=False) as durable:
            answers.append([(r.entry.key, r.status, r.answer) for r in durable.history()])
    assert site.recorded() == lpns(1, 120)
    assert answers[1] == answers[0]  # the second time round the server replayed its first answers
    assert [key for key, _, _ in answers[0]] == keys


async def test_a_batch_refused_as_a_whole_is_resent_scan_by_scan_and_only_the_bad_scan_is_refused(
    site: Site, server_url: str, tmp_path: Path
) -> None:
    too_long = "]C0" + "X" * 5000  # the server takes at most 4096 characters of scan text
    raws = [*lpns(1, 3), too_long, *lpns(5, 7)]
    with DurableQueue(tmp_path / "q.sqlite") as queue:
        queue.put_many([("scan", {"raw": raw, "scanned_at": None, "epc": None}) for raw in raws])
    async with agent_for([], tmp_path / "q.sqlite", server_url, site.agent_token) as agent:
        await eventually(lambda: agent.queue.count() == 0, within=45)
    with DurableQueue(tmp_path / "q.sqlite", owner=False) as queue:
        refused = [(r.entry.seq, r.status) for r in queue.history() if r.status == 422]
    assert refused == [(4, 422)]
    assert site.recorded() == [*lpns(1, 3), *lpns(5, 7)]


async def test_each_rfid_tag_arriving_at_the_reader_is_recorded_once_by_its_epc(
    site: Site, server_url: str, tmp_path: Path
) -> None:
    tags = sample_tags(8, antennas=2)
    epcs = {epc for on_antenna in tags.values() for epc in on_antenna}
    # Session 0: the reader reports every tag again at every round, several times over.
    reader = LlrpReaderSimulator(
        tags=tags, settings=RadioSettings(antennas=2, round_s=0.02, duplicates=3, miss_rate=0.0, seed=3)
    )
    await reader.start()
    try:
        devices = [
            DeviceSpec("RET-1-RFID", f"{reader.url}?antennas=1,2&session=0&report_ms=100&window_ms=300")
        ]
        async with agent_for(devices, tmp_path / "q.sqlite", server_url, site.agent_token):
            await eventually(lambda: len(site.recorded()) >= len(epcs), within=45)
            await asyncio.sleep(1.0)  # several more read windows: a repeated tag would be sent now
    finally:
        await reader.stop()
    recorded = site.recorded()
    assert sorted(recorded) == sorted(f"EPC:{epc}" for epc in epcs)
    assert reader.stats.reads > 3 * len(epcs)


async def test_a_scan_the_server_refuses_is_settled_and_the_rest_of_the_queue_goes_on_in_order(
    site: Site, server_url: str, tmp_path: Path
) -> None:
    # A NUL byte in a scan once answered 500 on PostgreSQL, for the whole batch: the agent retried
    # it forever and its queue stopped behind it. Now that scan alone is refused (422).
    queue_path = tmp_path / "q.sqlite"
    raws = ["]C0LPN-00001", "]C0LOC-P-01-1\x00", "]C0LPN-00002", "]C0LPN-00003"]
    queue = DurableQueue(queue_path)
    queue.put_many(("scan", {"raw": raw}) for raw in raws)
    queue.close()
    async with agent_for([], queue_path, server_url, site.agent_token) as agent:
        await eventually(lambda: agent.queue.count("pending") == 0)
        history = agent.queue.history()
    # unknown LPNs are recorded and answered 404 (settled, not retried), the NUL scan refused with 422
    assert [(r.entry.body["raw"], r.state, r.status) for r in history] == [
        ("]C0LPN-00001", "rejected", 404),
        ("]C0LOC-P-01-1\x00", "rejected", 422),
        ("]C0LPN-00002", "rejected", 404),
        ("]C0LPN-00003", "rejected", 404),
    ]
    assert "control characters" in history[1].answer
    assert site.recorded() == ["]C0LPN-00001", "]C0LPN-00002", "]C0LPN-00003"]
