"""Station agent: how fast a backlog left by an outage drains into the server, and what it costs to
acknowledge an event durably.

A real Kaeru server (uvicorn in a child process, SQLite file) and the real agent (its durable queue
and sender, no devices). Figures:
- replay: a 10,000-event backlog of scans sent in order through the batch endpoint, events/s, for
  batch sizes 100 and 500;
- baseline in the same run: the same kind of events one request each (POST /api/v1/scans), events/s;
- acknowledgement: events/s the durable queue takes with one fsync'd commit per event (the agent's
  mode) — the ceiling of one station's ingest while the disk is the limit.

The replay is cut after --budget seconds (default 60) so the run stays bounded on a slow or busy
machine; the JSON then says "completed": false and gives the rate over what was settled.

Run: .venv/bin/python bench/agent_replay.py [--events 10000] [--batch 500] [--single 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlmodel import SQLModel, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import wms.tables  # noqa: E402, F401 - every table on the metadata
from devices.agent.agent import AgentOptions, StationAgent  # noqa: E402
from devices.agent.queue import DurableQueue  # noqa: E402
from devices.agent.sender import ServerLink  # noqa: E402
from devices.supervisor import Backoff  # noqa: E402
from kaeru_config.site import load_site  # noqa: E402
from wms.db import Database  # noqa: E402
from wms.identity.service import issue_device_token  # noqa: E402
from wms.identity.tables import Device  # noqa: E402
from wms.site import apply_site  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(db_path: Path) -> str:
    db = Database(f"sqlite:///{db_path}")
    SQLModel.metadata.create_all(db.engine)
    db.write(lambda s: apply_site(s, load_site(ROOT / "config")))

    def token(session):  # type: ignore[no-untyped-def]
        device = session.exec(select(Device).where(Device.code == "RET-1-AGENT")).one()
        return issue_device_token(session, device, label="bench")

    issued: str = db.write(token)
    db.dispose()
    return issued


def start_server(db_path: Path, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "KAERU_DATABASE_URL": f"sqlite:///{db_path}",
        "KAERU_ENVIRONMENT": "test",
        "KAERU_RUN_RELAY": "false",
        "KAERU_MEDIA_DIR": str(workdir / "media"),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "wms.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def scan_body(n: int, run: str) -> dict[str, object]:
    # Half look-ups of a real location (accepted), half license plates the site does not know
    # (recorded and refused with 404): both are recorded, as every scan is.
    raw = "]C0LOC-RET-1" if n % 2 else f"]C0LPN-{run}{n:07d}"
    return {"raw": raw, "scanned_at": None, "epc": None}


async def replay(
    url: str, token: str, queue_path: Path, events: int, batch: int, run: str, budget: float
) -> dict[str, object]:
    with DurableQueue(queue_path) as queue:
        queue.put_many([("scan", scan_body(n, run)) for n in range(events)])
        link = ServerLink(url, token, timeout=60)
        options = AgentOptions(batch_size=batch, heartbeat=3600, retry=Backoff(initial=0.05, cap=0.5))
        agent = StationAgent("RET-1", [], queue, link, options=options)
        started = time.perf_counter()
        sender = asyncio.create_task(agent.deliver_forever())
        # The queue lives in SQLite: polling its count is the measurement.
        while queue.count() > 0 and time.perf_counter() - started < budget:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
        await link.aclose()
        settled = queue.count("delivered") + queue.count("rejected")
        order = [r.entry.seq for r in queue.history() if r.state != "pending"]
    # Settled strictly in queue order: a prefix of the backlog, with no gap.
    assert order == list(range(1, settled + 1)), "the backlog was not settled in order"
    return {
        "backlog": events,
        "settled": settled,
        "completed": settled == events,
        "batch": batch,
        "seconds": round(elapsed, 3),
        "events_per_s": round(settled / elapsed, 1),
    }


async def one_by_one(url: str, token: str, events: int) -> dict[str, float]:
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        started = time.perf_counter()
        for n in range(events):
            response = await client.post(
                "/api/v1/scans", json=scan_body(n, "S"), headers={"Idempotency-Key": f"single-{n}"}
            )
            assert response.status_code in (200, 404), response.text
        elapsed = time.perf_counter() - started
    return {"events": events, "seconds": round(elapsed, 3), "events_per_s": round(events / elapsed, 1)}


def acknowledgements(queue_path: Path, events: int) -> dict[str, float]:
    with DurableQueue(queue_path) as queue:
        started = time.perf_counter()
        for n in range(events):
            queue.put("scan", scan_body(n, "A"))
        elapsed = time.perf_counter() - started
    return {
        "events": events,
        "seconds": round(elapsed, 3),
        "events_per_s": round(events / elapsed, 1),
        "ms_per_event": round(elapsed / events * 1000, 2),
    }


def main() -> None:
    logging.getLogger("devices.agent").setLevel(logging.ERROR)  # 404s for unknown plates are expected here
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000, help="backlog size for each replay")
    parser.add_argument("--batch", type=int, default=500, help="scans per batch request")
    parser.add_argument("--single", type=int, default=100, help="events sent one request each (baseline)")
    parser.add_argument("--acks", type=int, default=200, help="events acknowledged one fsync each")
    parser.add_argument(
        "--budget", type=float, default=60, help="seconds the replay may take before it is cut"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kaeru-agent-bench-") as tmp:
        work = Path(tmp)
        token = prepare(work / "kaeru.db")
        server, url = start_server(work / "kaeru.db", work)
        try:
            results: dict[str, object] = {
                "replay_through_batch_endpoint": asyncio.run(
                    replay(url, token, work / "q.sqlite", args.events, args.batch, "B", args.budget)
                ),
                "baseline_one_request_per_event": asyncio.run(one_by_one(url, token, args.single)),
                "acknowledge_fsync_per_event": acknowledgements(work / "acks.sqlite", args.acks),
            }
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=15)
    results["machine"] = {
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_average": os.getloadavg()[0],
        "database": "SQLite file (server in a child process)",
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
