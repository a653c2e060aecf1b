"""Dashboard fan-out: event commit -> received by each of 500 WebSocket clients, two server processes.

Run: .venv/bin/python bench/live_fanout.py [--clients 500] [--rate 200] [--seconds 30]
(about a minute and a half; at most two; prints one JSON object).

Two `uvicorn wms.app:create_app --factory` processes share a throwaway PostgreSQL database and a
namespaced Redis bus, each with its outbox relay; half the dashboards connect to each (from two
client processes, so the clients do not compete with this one). This process commits one live
event per transaction (an outbox row, as `wms.platform.outbox.publish_live` writes it) at a steady
rate; whichever relay claims it publishes it on Redis and both servers fan it out to their
dashboards, coalesced to at most 10 messages a second per dashboard as in production.
Latency = received by the dashboard - commit returned, for every (event, dashboard) pair.

Baseline, in the same run: the same events published straight onto the Redis bus (no outbox, no
relay) at the same rate, received by the same dashboards: the cost of the fan-out alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psycopg
from sqlmodel import SQLModel

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("KAERU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = "redis://127.0.0.1:6379/0"
TOPIC = "bench.tick"  # no coalescing rule: every event reaches every dashboard one by one
DEADLINE = 115.0  # the whole run, seconds


# --- the dashboards (a child process per server) ------------------------------------------------


async def dashboards(url: str, token: str, count: int, events: int, out: Path, deflate: bool = True) -> None:
    """Connect `count` dashboards, note when each sees each event, save the times when stdin closes."""
    from websockets.asyncio.client import ClientConnection, connect

    received = np.full((count, events), np.nan)
    live = url.replace("http://", "ws://") + f"/api/v1/live?token={token}"

    async def open_one() -> ClientConnection:
        client = await connect(
            live,
            max_size=None,
            ping_interval=None,
            open_timeout=60,
            compression="deflate" if deflate else None,  # browsers ask for permessage-deflate
        )
        snapshot = json.loads(await client.recv())
        assert snapshot["type"] == "snapshot", snapshot
        return client

    clients: list[ClientConnection] = []
    for start in range(0, count, 25):
        clients += await asyncio.gather(*(open_one() for _ in range(min(25, count - start))))
    print("ready", flush=True)
    closed: list[int] = []

    async def read(index: int, client: ClientConnection) -> None:
        try:
            async for message in client:
                now = time.time()
                for event in json.loads(message).get("events", ()):
                    if event.get("topic") == TOPIC:
                        received[index, event["payload"]["seq"]] = now
        except Exception:  # a dropped dashboard is counted, not fatal
            closed.append(index)
        else:
            closed.append(index)

    readers = [asyncio.create_task(read(i, c)) for i, c in enumerate(clients)]
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for reader in readers:
        reader.cancel()
    for client in clients:
        client.transport.abort()
    np.save(out, received)
    print(json.dumps({"closed_by_server": len(closed)}), flush=True)


# --- the floor ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def throwaway_database() -> Iterator[tuple[str, str]]:
    """A PostgreSQL database with the demo site and a manager; yields (URL, manager token)."""
    import wms.tables  # noqa: F401 - every table on the metadata
    from kaeru_config.site import load_site
    from wms.db import Database
    from wms.identity.service import add_user, issue_user_token
    from wms.site import apply_site

    name = f"kaeru_fanout_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        db = Database(url)
        SQLModel.metadata.create_all(db.engine)
        site = load_site(ROOT / "config")
        db.write(lambda s: apply_site(s, site))

        def manager(session):  # type: ignore[no-untyped-def]
            user = add_user(session, username="manager", role="manager", password="x" * 12, warehouse_id=1)
            return issue_user_token(session, user)

        token = db.write(manager)
        db.dispose()
        yield url, token
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def two_servers(database_url: str, bus_url: str, logs: Path) -> Iterator[list[str]]:
    env = {
        **os.environ,
        "KAERU_ENVIRONMENT": "test",
        "KAERU_DATABASE_URL": database_url,
        "KAERU_LIVE_BUS_URL": bus_url,
        "KAERU_RUN_RELAY": "true",
        "KAERU_MEDIA_DIR": str(logs / "media"),
        "KAERU_DB_POOL_SIZE": "10",
    }
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "wms.app:create_app", "--factory"),
                *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
            ],
            cwd=ROOT,
            env=env,
            stdout=(logs / f"server-{port}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, process in zip(urls, processes, strict=True):
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server {url} did not start; see {logs}")
                with suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                time.sleep(0.1)
        yield urls
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


def steady(rate: float, seconds: float) -> Iterator[int]:
    start, n = time.monotonic(), 0
    while (due := start + n / rate) < start + seconds:
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        yield n
        n += 1


def event_json(seq: int) -> str:
    return json.dumps(
        {"id": f"direct-{seq}", "topic": TOPIC, "payload": {"seq": seq}, "at": "", "warehouse_id": 1},
        separators=(",", ":"),
    )


def through_redis_only(bus_url: str, first: int, count: int, rate: float) -> dict[int, float]:
    """The baseline: events published straight onto the bus."""
    from wms.live.bus import Bus
    from wms.live.publish import warehouse_channel

    async def run() -> dict[int, float]:
        bus, sent = Bus(bus_url), {}
        for n in steady(rate, count / rate):
            await bus.publish(warehouse_channel(1), event_json(first + n))
            sent[first + n] = time.time()
        await bus.disconnect()
        return sent

    return asyncio.run(run())


def through_outbox(database_url: str, first: int, count: int, rate: float) -> dict[int, float]:
    """The run: one committed outbox row per event, relayed by the servers (commits from 4 threads)."""
    from wms.db import Database
    from wms.platform.outbox import publish_live

    db, committed = Database(database_url, pool_size=4), {}

    def commit(seq: int) -> None:
        db.write(lambda s: publish_live(s, topic=TOPIC, payload={"seq": seq}, warehouse_id=1))
        committed[seq] = time.time()

    with ThreadPoolExecutor(4) as pool:
        for n in steady(rate, count / rate):
            pool.submit(commit, first + n)
    db.dispose()
    return committed


@contextmanager
def backlog_sampler(database_url: str) -> Iterator[list[int]]:
    """Live events committed but not yet relayed onto the bus, sampled twice a second."""
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        with psycopg.connect(database_url, autocommit=True) as conn:
            while not stop.wait(0.5):
                row = conn.execute(
                    "SELECT count(*) FROM outboxmessage WHERE channel = 'live' AND state = 'pending'"
                ).fetchone()
                samples.append(int(row[0]) if row else 0)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join(5)


def figures(received: np.ndarray, sent: dict[int, float]) -> dict[str, Any]:
    seqs = np.array(sorted(sent))
    at = np.array([sent[s] for s in seqs])
    times = received[:, seqs] - at  # dashboards x events
    got = times[~np.isnan(times)] * 1000
    expected = times.size
    if not got.size:
        return {"expected": expected, "received": 0}
    return {
        "expected": int(expected),
        "received": int(got.size),
        "p50_ms": round(float(np.percentile(got, 50)), 1),
        "p90_ms": round(float(np.percentile(got, 90)), 1),
        "p99_ms": round(float(np.percentile(got, 99)), 1),
        "max_ms": round(float(got.max()), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rate", type=float, default=200.0, help="events committed per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--baseline-seconds", type=float, default=5.0)
    parser.add_argument(
        "--no-deflate", action="store_true", help="dashboards that do not ask for permessage-deflate"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)  # settings in the env
    args = parser.parse_args()
    if args.worker:
        job = json.loads(os.environ["KAERU_FANOUT_WORKER"])
        asyncio.run(
            dashboards(
                job["url"], job["token"], job["count"], job["events"], Path(job["out"]), job["deflate"]
            )
        )
        return

    began, load_before = time.monotonic(), os.getloadavg()
    baseline_events = int(args.rate * args.baseline_seconds)
    run_events = int(args.rate * args.seconds)
    total = baseline_events + run_events
    bus_url = f"{REDIS}?namespace=fanout{uuid.uuid4().hex[:8]}"
    result: dict[str, Any] = {
        "bench": "live_fanout",
        "clients": args.clients,
        "rate_per_s": args.rate,
        "seconds": args.seconds,
        "permessage_deflate": not args.no_deflate,
    }
    with tempfile.TemporaryDirectory() as directory, throwaway_database() as (database_url, token):
        logs = Path(directory)
        with two_servers(database_url, bus_url, logs) as urls:
            result["servers_started_s"] = round(time.monotonic() - began, 1)
            split = [args.clients // 2, args.clients - args.clients // 2]
            workers = [
                subprocess.Popen(
                    [sys.executable, __file__, "--worker"],
                    env={
                        **os.environ,
                        "KAERU_FANOUT_WORKER": json.dumps(
                            {
                                "url": url,
                                "token": token,
                                "count": n,
                                "events": total,
                                "out": str(logs / f"w{i}.npy"),
                                "deflate": not args.no_deflate,
                            }
                        ),
                    },
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for i, (url, n) in enumerate(zip(urls, split, strict=True))
            ]
            connecting = time.monotonic()
            for worker in workers:
                assert worker.stdout is not None
                if worker.stdout.readline().strip() != "ready":
                    raise RuntimeError("a dashboard client process did not connect its dashboards")
            result["dashboards_connected_s"] = round(time.monotonic() - connecting, 1)
            time.sleep(1.0)  # every subscription settled on Redis
            sent_direct = through_redis_only(bus_url, 0, baseline_events, args.rate)
            time.sleep(1.0)
            streaming = time.monotonic()
            with backlog_sampler(database_url) as backlog:
                committed = through_outbox(database_url, baseline_events, run_events, args.rate)
                result["achieved_rate_per_s"] = round(len(committed) / (time.monotonic() - streaming), 1)
            result["outbox_backlog_max_rows"] = max(backlog, default=0)
            result["outbox_backlog_at_end_rows"] = backlog[-1] if backlog else 0
            time.sleep(min(5.0, max(0.5, DEADLINE - (time.monotonic() - began) - 10)))  # the last events land
            notes = []
            for worker in workers:
                assert worker.stdin is not None
                assert worker.stdout is not None
                worker.stdin.close()
                notes.append(json.loads(worker.stdout.readline() or "{}"))
                worker.wait(15)
            received = np.vstack([np.load(logs / f"w{i}.npy") for i in range(len(workers))])
    result["kaeru"] = figures(received, committed)
    result["kaeru"]["per_server"] = [
        figures(received[: split[0]], committed),
        figures(received[split[0] :], committed),
    ]
    result["baseline_redis_only"] = figures(received, sent_direct)
    result["dashboards_closed_by_server"] = sum(n.get("closed_by_server", 0) for n in notes)
    result["elapsed_s"] = round(time.monotonic() - began, 1)
    result["machine"] = {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
