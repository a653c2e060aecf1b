"""Scan ingest over HTTP on SQLite and PostgreSQL, next to a bare FastAPI endpoint in the same run.

Figures: sustained scans/s with N concurrent simulated handhelds (closed loop), latency p50/p99 at a
fixed 200 scans/s (open loop), and batch replay of a 100,000-scan offline queue. Each server runs in
its own uvicorn process; the load comes from this process over loopback.

    .venv/bin/python bench/scan_ingest.py [--seconds 6] [--rounds 3] [--handhelds 32] [--replay 100000]

The bare endpoint and each backend take turns for --rounds rounds (the machine is shared and noisy);
the figure is the median of each round's ratio against the bare run just before it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlmodel import SQLModel, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import wms.tables  # noqa: E402,F401
from kaeru_config.site import load_site  # noqa: E402
from wms.db import Database  # noqa: E402
from wms.identity.service import issue_device_token  # noqa: E402
from wms.identity.tables import Device  # noqa: E402
from wms.inventory.ledger import Actor, Movement, move  # noqa: E402
from wms.inventory.tables import Item, Location, Warehouse  # noqa: E402
from wms.merchants.service import default_merchant  # noqa: E402
from wms.site import apply_site  # noqa: E402

PG_ADMIN = os.environ.get("KAERU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(target: str, env: dict[str, str], workers: int = 1) -> Iterator[str]:
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="kaeru-bench-server-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            target,
            "--factory" if target.endswith("create_app") else "--no-access-log",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(base + "/docs", timeout=1)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"server did not start: {Path(log.name).read_text()[-2000:]}") from None
            time.sleep(0.2)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(10)
        tail = Path(log.name).read_text()[-3000:]
        if "Traceback" in tail or "ERROR" in tail:
            print(f"server log {log.name}:\n{tail}", file=sys.stderr)


def prepare(url: str, handhelds: int) -> tuple[list[str], list[str]]:
    """A configured site with stock, and one device token per simulated handheld."""
    db = Database(url)
    SQLModel.metadata.create_all(db.engine)
    site = load_site(ROOT / "config")

    def work(session: Any) -> tuple[list[str], list[str]]:
        apply_site(session, site)
        warehouse = session.exec(select(Warehouse)).first()
        locations = session.exec(select(Location).where(Location.kind == "storage")).all()[:40]
        item = Item(
            merchant_id=default_merchant(session).id or 0,
            sku="BENCH",
            name="Bench item",
            gtin="09506000134352",
            weight_g=100,
        )
        session.add(item)
        session.flush()
        for loc in locations:
            receipt = Movement(
                warehouse_id=warehouse.id,
                item=item,
                quantity=5,
                from_location_id=None,
                to_location_id=loc.id,
                reason="receive",
            )
            move(session, receipt, Actor(None))
        tokens = []
        for n in range(handhelds):
            device = Device(warehouse_id=warehouse.id, code=f"BENCH-HH-{n}", kind="handheld")
            session.add(device)
            session.flush()
            tokens.append(issue_device_token(session, device))
        return tokens, [f"LOC-{loc.code}" for loc in locations]

    result = db.write(work)
    db.dispose()
    return result


async def closed_loop(base: str, tokens: list[str], codes: list[str], seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def handheld(token: str, offset: int) -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            n = offset
            while time.perf_counter() < stop:
                n += 1
                start = time.perf_counter()
                r = await client.post(
                    "/api/v1/scans",
                    json={"raw": codes[n % len(codes)]},
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
                )
                latencies.append(time.perf_counter() - start)
                if r.status_code != 200:
                    errors += 1

    began = time.perf_counter()
    await asyncio.gather(*(handheld(t, i) for i, t in enumerate(tokens)))
    elapsed = time.perf_counter() - began
    return summary(latencies, elapsed, errors)


async def open_loop(
    base: str, tokens: list[str], codes: list[str], rate: float, seconds: float
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    clients = [httpx.AsyncClient(base_url=base, timeout=30) for _ in tokens]
    # Handhelds keep their connection open all shift: each is connected before the clock starts, so
    # that 32 connections opened at once are not counted as the first scans' latency.
    await asyncio.gather(*(client.get("/docs") for client in clients))

    async def one(n: int) -> None:
        nonlocal errors
        client, token = clients[n % len(clients)], tokens[n % len(tokens)]
        start = time.perf_counter()
        try:
            r = await client.post(
                "/api/v1/scans",
                json={"raw": codes[n % len(codes)]},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
            )
        except httpx.HTTPError:
            errors += 1  # timed out: counted, with the time it was given as its latency
            latencies.append(time.perf_counter() - start)
            return
        latencies.append(time.perf_counter() - start)
        if r.status_code != 200:
            errors += 1

    tasks = []
    began = time.perf_counter()
    total = int(rate * seconds)
    for n in range(total):
        target = began + n / rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    for c in clients:
        await c.aclose()
    return summary(latencies, elapsed, errors)


@contextmanager
def load_generator_without_gc() -> Iterator[None]:
    """The load generator's own garbage collections (60-80 ms here) would stall every request in flight
    and show up as the server's latency: none run during a timed run."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def summary(latencies: list[float], elapsed: float, errors: int) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": errors,
        "per_second": round(len(ordered) / elapsed, 1),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


def replay(base: str, token: str, codes: list[str], total: int, chunk: int = 1000) -> dict[str, float]:
    began = time.perf_counter()
    sent = 0
    with httpx.Client(base_url=base, timeout=300) as client:
        while sent < total:
            n = min(chunk, total - sent)
            body = {
                "scans": [
                    {"raw": codes[(sent + i) % len(codes)], "idempotency_key": f"replay-{sent + i}"}
                    for i in range(n)
                ]
            }
            r = client.post("/api/v1/scans/batch", json=body, headers={"Authorization": f"Bearer {token}"})
            r.raise_for_status()
            sent += n
    elapsed = time.perf_counter() - began
    return {
        "scans": total,
        "seconds": round(elapsed, 1),
        "per_second": round(total / elapsed, 1),
        "chunk": chunk,
    }


@contextmanager
def kaeru_server(backend: str, args: argparse.Namespace) -> Iterator[tuple[str, list[str], list[str]]]:
    """A Kaeru server on a fresh database of `backend`: (base URL, device tokens, location codes)."""
    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"sqlite:///{tmp}/bench.db"
        else:
            name = f"kaeru_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
            stack.callback(_drop_database, name)
            url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        tokens, codes = prepare(url, args.handhelds + 1)
        env = {
            "KAERU_DATABASE_URL": url,
            "KAERU_ENVIRONMENT": "test",
            # As `kaeru serve` runs: the outbox relay delivers every scan's live event (its cost is part
            # of a scan's); several workers share one live bus.
            "KAERU_RUN_RELAY": "false" if args.no_relay else "true",
            "KAERU_LIVE_BUS_URL": "memory://"
            if args.workers == 1
            else (url if backend == "postgresql" else "redis://127.0.0.1:6379/15"),
        }
        base = stack.enter_context(server("wms.app:create_app", env, args.workers))
        asyncio.run(closed_loop(base, tokens[:4], codes, 1.0))  # warm-up
        yield base, tokens, codes


def _drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6, help="length of each closed- and open-loop run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds: bare, then each backend")
    parser.add_argument("--handhelds", type=int, default=32)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--replay", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-relay", action="store_true", help="leave the outbox relay out of the server")
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes, bare and Kaeru alike"
    )
    args = parser.parse_args()
    results: dict[str, Any] = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_at_start": os.getloadavg(),
        },
        "handhelds": args.handhelds,
        "workers": args.workers,
        "relay": not args.no_relay,
        "seconds": args.seconds,
        "rounds": args.rounds,
    }
    backends = [b for b in args.backends.split(",") if b]
    rate_key = f"open_loop_{int(args.rate)}_per_s"
    with contextlib.ExitStack() as stack:
        bare_base = stack.enter_context(server("bench.bare_app:app", {}, args.workers))
        asyncio.run(closed_loop(bare_base, ["bare"] * 4, ["LOC-A-01-1"], 1.0))
        targets: dict[str, tuple[str, list[str], list[str]]] = {
            "bare_fastapi": (bare_base, ["bare"] * (args.handhelds + 1), ["LOC-A-01-1"])
        }
        for backend in backends:
            targets[backend] = stack.enter_context(kaeru_server(backend, args))
        gc.collect()
        gc.freeze()  # what the load generator has built so far is not walked by its collections
        # The machine is shared and noisy: the bare baseline and each backend take turns, round after
        # round, and every round's ratio is taken against the bare run just before it.
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, (base, tokens, codes) in targets.items():
                with load_generator_without_gc():
                    closed = asyncio.run(closed_loop(base, tokens[: args.handhelds], codes, args.seconds))
                with load_generator_without_gc():
                    at_rate = asyncio.run(
                        open_loop(base, tokens[: args.handhelds], codes, args.rate, args.seconds)
                    )
                rounds[name].append({"closed_loop": closed, rate_key: at_rate})
        for name, runs in rounds.items():
            entry: dict[str, Any] = {
                "closed_loop_per_second_median": statistics.median(
                    r["closed_loop"]["per_second"] for r in runs
                ),
                f"{rate_key}_p50_ms_median": statistics.median(r[rate_key]["p50_ms"] for r in runs),
                f"{rate_key}_p99_ms_median": statistics.median(r[rate_key]["p99_ms"] for r in runs),
                "rounds": runs,
            }
            if name != "bare_fastapi":
                ratios = [
                    r["closed_loop"]["per_second"] / b["closed_loop"]["per_second"]
                    for r, b in zip(runs, rounds["bare_fastapi"], strict=True)
                ]
                entry["throughput_ratio_vs_bare_per_round"] = [round(x, 3) for x in ratios]
                entry["throughput_ratio_vs_bare_median"] = round(statistics.median(ratios), 3)
                base, tokens, codes = targets[name]
                if args.replay:
                    entry["batch_replay"] = replay(base, tokens[-1], codes, args.replay)
            results[name] = entry
    results["machine"]["load_avg_at_end"] = os.getloadavg()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
