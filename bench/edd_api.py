"""EDD answers per second through the storefront HTTP API (POST /api/v1/edd), next to a bare FastAPI endpoint
taking the same body, served the same way (uvicorn in a process of its own on 127.0.0.1) in the same run.

One answer = every configured service's estimate for one cart and destination postal code, with the
catalogue check and the live pick backlog read from the database (SQLite here). Prints one JSON object.

    .venv/bin/python bench/edd_api.py [--seconds 8] [--clients 4]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")

bare = FastAPI()


class _Line(BaseModel):
    sku: str
    quantity: int = 1


class _Destination(BaseModel):
    country: str
    postal_code: str = ""


class _Cart(BaseModel):
    destination: _Destination
    lines: list[_Line]
    confidence: float | None = None


@bare.post("/api/v1/edd")
def bare_edd(body: _Cart) -> dict[str, Any]:
    """The baseline: validate the same body, answer a fixed estimate."""
    return {
        "warehouse": "WH1",
        "destination": body.destination.model_dump(),
        "estimates": [
            {
                "carrier": "UPS",
                "service": "GROUND",
                "on": "2025-03-14",
                "earliest": "2025-03-12",
                "latest": "2025-03-14",
                "confidence": body.confidence or 0.9,
            }
        ],
    }


def _prepare(workdir: Path) -> tuple[str, str]:
    """A Kaeru database: the site, a catalogue with stock, open orders (a backlog) and an integrator token."""
    sys.path.insert(0, str(ROOT))
    from sqlmodel import SQLModel

    import wms.tables  # noqa: F401
    from kaeru_config.settings import Settings
    from wms.context import Kaeru
    from wms.fulfilment.service import NewLine, NewOrder, create_order
    from wms.identity.service import add_user, issue_user_token
    from wms.inventory.ledger import Actor, Movement, move
    from wms.inventory.service import location_by_code, warehouse_by_code
    from wms.inventory.tables import Item
    from wms.merchants.service import default_merchant
    from wms.site import apply_site

    url = f"sqlite:///{workdir / 'kaeru.db'}"
    kaeru = Kaeru.from_settings(
        Settings(environment="test", database_url=url, run_relay=False, media_dir=workdir / "media")
    )
    SQLModel.metadata.create_all(kaeru.db.engine)
    kaeru.db.write(lambda s: apply_site(s, kaeru.site))

    def seed(session: Any) -> str:
        warehouse = warehouse_by_code(session, None, "WH1")
        shelf = location_by_code(session, warehouse.id or 0, "A-01-1")
        for n in range(20):
            item = Item(
                merchant_id=default_merchant(session).id or 0,
                sku=f"SKU-{n:02d}",
                name=f"Item {n}",
                weight_g=200,
                price_minor=2500,
            )
            session.add(item)
            session.flush()
            receipt = Movement(
                warehouse_id=warehouse.id or 0,
                item=item,
                quantity=500,
                from_location_id=None,
                to_location_id=shelf.id,
                reason="receipt",
            )
            move(session, receipt, Actor(None))
        for n in range(200):  # a pick backlog for the estimate to read
            create_order(
                session,
                principal=None,
                warehouse=warehouse,
                site=kaeru.site,
                new=NewOrder(
                    number=f"B-{n}",
                    merchant_id=default_merchant(session).id or 0,
                    shopper_email=f"s{n}@example.com",
                    ship_to={"country": "US", "postal_code": "10001"},
                    lines=[NewLine(f"SKU-{n % 20:02d}", 1)],
                ),
            )
        user = add_user(
            session,
            username="storefront",
            role="integrator",
            password="storefront-password-1",
            warehouse_id=None,
        )
        return issue_user_token(session, user)

    token = kaeru.db.write(seed)
    kaeru.db.dispose()
    return url, token


def _serve(target: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                *target,
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--log-level",
                "info",
                "--no-access-log",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        found = LISTENING.search(log.read_text(errors="replace"))
        if found:
            return server, f"http://127.0.0.1:{found.group(1)}"
        if server.poll() is not None:
            break
        time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"server did not start: {log.read_text(errors='replace')[-2000:]}")


def _bodies(count: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    return [
        {
            "destination": {"country": "US", "postal_code": f"{rng.randrange(100, 99999):05d}"},
            "lines": [
                {"sku": f"SKU-{rng.randrange(20):02d}", "quantity": rng.randint(1, 3)}
                for _ in range(rng.randint(1, 4))
            ],
            "confidence": rng.choice([0.8, 0.9, 0.95]),
        }
        for _ in range(count)
    ]


def _load(base: str, token: str, seconds: float, clients: int) -> dict[str, Any]:
    bodies = _bodies(500)
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = [0.0]
    began = [0.0]

    def go() -> None:  # runs once every client is warmed up, before any is released
        began[0] = time.perf_counter()
        stop_at[0] = began[0] + seconds

    start = threading.Barrier(clients, action=go)

    def client(offset: int) -> None:
        mine: list[float] = []
        bad = 0
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            http.post("/api/v1/edd", json=bodies[0])  # warm the connection
            start.wait()
            i = offset
            while time.perf_counter() < stop_at[0]:
                began = time.perf_counter()
                answer = http.post("/api/v1/edd", json=bodies[i % len(bodies)])
                mine.append(time.perf_counter() - began)
                bad += answer.status_code != 200 or not answer.json()["estimates"]
                i += 1
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    threads = [threading.Thread(target=client, args=(n * 37,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began[0]
    ordered = sorted(latencies)
    return {
        "answers": len(latencies),
        "answers_per_s": round(len(latencies) / elapsed, 1),
        "failures": failures[0],
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95)] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url, token = _prepare(workdir)
        env = {
            "KAERU_DATABASE_URL": url,
            "KAERU_ENVIRONMENT": "test",
            "KAERU_RUN_RELAY": "false",
            "KAERU_MEDIA_DIR": str(workdir / "media"),
        }
        results: dict[str, Any] = {}
        for name, target in (
            ("bare_fastapi", ["edd_api:bare", "--app-dir", str(ROOT / "bench")]),
            ("kaeru_storefront_edd", ["wms.app:create_app", "--factory"]),
        ):
            server, base = _serve(target, env, workdir / f"{name}.log")
            try:
                results[name] = _load(base, token, args.seconds, args.clients)
            finally:
                server.terminate()
                server.wait(timeout=15)
    results["ratio_kaeru_to_bare"] = round(
        results["kaeru_storefront_edd"]["answers_per_s"] / results["bare_fastapi"]["answers_per_s"], 3
    )
    print(
        json.dumps(
            {
                "benchmark": "edd_api",
                "seconds": args.seconds,
                "clients": args.clients,
                "database": "sqlite",
                "what": "POST /api/v1/edd: each service's estimate for a cart and postal code",
                **results,
                "machine": {
                    "platform": platform.platform(),
                    "cpu_count": os.cpu_count(),
                    "python": platform.python_version(),
                    "load_average": os.getloadavg(),
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
