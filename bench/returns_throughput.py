"""Returns processed per minute through the HTTP API by one station and by ten, on SQLite and PostgreSQL,
and grade-request -> outbox-row latency.

A real server (uvicorn in a subprocess) serves a seeded site; each simulated station is a thread with
its own device token doing what a returns station does per parcel: scan the RMA QR, scan the item,
post the checklist answers (grade), scan the grade tag and the location (put-away), close the parcel.
A separate poller reads the outbox like the relay does and notes when each unit's "return.graded"
email row becomes visible; the latency is measured from the moment the grade request was sent.
Baseline in the same run: GET /healthz (one SELECT 1) through the same server and clients.

Run: .venv/bin/python bench/returns_throughput.py   (PostgreSQL admin URL from KAERU_TEST_PG)
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlmodel import SQLModel, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import wms.tables  # noqa: E402,F401 - the whole schema
from kaeru_config.settings import Settings  # noqa: E402
from kaeru_config.site import load_site  # noqa: E402
from wms.context import Kaeru  # noqa: E402
from wms.db import Database  # noqa: E402
from wms.fulfilment import service as fulfilment  # noqa: E402
from wms.fulfilment.tables import Carton, CartonItem, Order, OrderLine, Shipment, Shopper  # noqa: E402
from wms.identity.model import Principal  # noqa: E402
from wms.identity.service import issue_device_token  # noqa: E402
from wms.identity.tables import Device, Station  # noqa: E402
from wms.inventory.service import Actor, Receipt, item_by_sku, location_by_code, receive  # noqa: E402
from wms.inventory.tables import Item, Warehouse  # noqa: E402
from wms.merchants.service import default_merchant  # noqa: E402
from wms.platform.tables import OutboxMessage  # noqa: E402
from wms.returns import plugin as returns_plugin  # noqa: E402
from wms.returns import service as returns  # noqa: E402
from wms.seed import gtin13  # noqa: E402
from wms.site import apply_site  # noqa: E402

PG_ADMIN_URL = os.environ.get("KAERU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
STATIONS = 10
ONE_STATION_RETURNS = 25
PER_STATION_RETURNS = 6
# Each run stops at its time budget even if parcels are left (the figures are per minute).
RUN_SECONDS = 6.0
SKUS = 10
UNITS_PER_ORDER = 30
LIKE_NEW = {"tags_attached": "yes", "worn": "no", "stains": "none", "odour": "no", "damage": "no"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the site ---------------------------------------------------------------------------------


def seed(kaeru: Kaeru, returns_needed: int) -> tuple[list[str], list[str]]:
    """Items, shipped orders, authorised returns and ten station agents; (QR payloads, agent tokens)."""
    kaeru.db.write(lambda s: apply_site(s, kaeru.site))
    returns_plugin.configure(kaeru)

    def catalogue(session: Any) -> None:
        warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
        who = Principal(kind="user", role="manager", warehouse_id=warehouse.id, name="bench")
        for n in range(SKUS):
            item = Item(
                merchant_id=default_merchant(session).id or 0,
                sku=f"BENCH-TEE-{n}",
                gtin=gtin13("0614141", 70000 + n),
                name=f"Bench tee {n}",
                category="apparel",
                weight_g=250,
                price_minor=4000,
            )
            session.add(item)
            session.flush()
            receipt = Receipt(
                item=item,
                quantity=UNITS_PER_ORDER + 5,
                location=location_by_code(session, warehouse.id, f"A-{n + 1:02d}-1"),
            )
            receive(session, receipt, warehouse=warehouse, actor=Actor(who))
        returns_station = location_by_code(session, warehouse.id, "RET-1")
        for n in range(STATIONS):
            station = Station(
                warehouse_id=warehouse.id,
                code=f"BENCH-RET-{n:02d}",
                kind="returns",
                location_id=returns_station.id,
            )
            session.add(station)
            session.flush()
            session.add(
                Device(
                    warehouse_id=warehouse.id,
                    code=f"BENCH-RET-{n:02d}-AGENT",
                    kind="agent",
                    station_id=station.id,
                )
            )
            session.add(
                Device(
                    warehouse_id=warehouse.id,
                    code=f"BENCH-RET-{n:02d}-PRINTER",
                    kind="printer",
                    station_id=station.id,
                    url="tcp://127.0.0.1:9100",
                )
            )

    kaeru.db.write(catalogue)
    orders = []
    per_order = UNITS_PER_ORDER // 3  # a third of what each shopper bought comes back: no serial returner
    for n in range((returns_needed + per_order - 1) // per_order):
        orders.append(kaeru.db.write(lambda s, n=n: _ship(s, kaeru, n)))
    payloads: list[str] = []
    for order_number in orders:
        count = min(per_order, returns_needed - len(payloads))
        payloads.extend(
            kaeru.db.write(
                lambda s, number=order_number, count=count: [
                    _authorise(s, kaeru, number) for _ in range(count)
                ]
            )
        )
    tokens = []
    for n in range(STATIONS):

        def token(session: Any, n: int = n) -> str:
            device = session.exec(select(Device).where(Device.code == f"BENCH-RET-{n:02d}-AGENT")).one()
            return issue_device_token(session, device)

        tokens.append(kaeru.db.write(token))
    return payloads, tokens


def _ship(session: Any, kaeru: Kaeru, n: int) -> str:
    """A delivered order written straight into the tables (the forward flow is not what is measured here)."""
    warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
    merchant_id = default_merchant(session).id or 0
    shopper = Shopper(merchant_id=merchant_id, email=f"bench{n}@example.com", name=f"Bench shopper {n}")
    session.add(shopper)
    session.flush()
    item = item_by_sku(session, f"BENCH-TEE-{n % SKUS}")
    now = datetime.now(UTC)
    order = Order(
        warehouse_id=warehouse.id,
        merchant_id=merchant_id,
        number=f"BENCH-{n}",
        shopper_id=shopper.id,
        status="delivered",
        carrier="UPS",
        service="GROUND",
        tracking_token=secrets.token_urlsafe(24),
    )
    session.add(order)
    session.flush()
    line = OrderLine(
        order_id=order.id,
        item_id=item.id,
        quantity=UNITS_PER_ORDER,
        shipped=UNITS_PER_ORDER,
        packed=UNITS_PER_ORDER,
        picked=UNITS_PER_ORDER,
        unit_price_minor=item.price_minor,
    )
    carton = Carton(
        order_id=order.id, sscc=f"{n:018d}", status="shipped", weight_g=UNITS_PER_ORDER * 250 + 180
    )
    session.add_all([line, carton])
    session.flush()
    session.add(
        CartonItem(carton_id=carton.id, order_line_id=line.id, item_id=item.id, quantity=UNITS_PER_ORDER)
    )
    session.add(
        Shipment(
            order_id=order.id,
            carton_id=carton.id,
            carrier="UPS",
            tracking_number=f"1ZBENCH{n:08d}",
            status="delivered",
            shipped_at=now,
            delivered_at=now,
        )
    )
    return order.number


def _authorise(session: Any, kaeru: Kaeru, number: str) -> str:
    order = session.exec(select(Order).where(Order.number == number)).one()
    line = fulfilment.order_lines(session, order.id)[0]
    rma = returns.authorise(
        session,
        kaeru=kaeru,
        principal=None,
        order=order,
        channel="shopper",
        lines=[returns.NewReturnLine(order_line_id=line.id, sku=None, quantity=1, reason="size_too_small")],
    )
    return returns.qr_payload(rma)


# --- the server and the stations ----------------------------------------------------------------


class Server:
    """`kaeru` served by uvicorn in a subprocess on an ephemeral port."""

    def __init__(self, settings_env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **settings_env, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [
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
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited: {self.process.stderr.read().decode() if self.process.stderr else ''}"
                )
        raise RuntimeError("server did not start within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


class StationWorker(threading.Thread):
    """One returns station working through its parcels."""

    def __init__(self, url: str, token: str, payloads: list[str], sent: dict[int, float]) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        self.payloads, self.sent = payloads, sent
        self.request_ms: list[float] = []
        self.done = 0
        self.error: str | None = None
        self.deadline = time.perf_counter() + RUN_SECONDS

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        start = time.perf_counter()
        response = self.client.post(path, json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
        self.request_ms.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        return response.json()  # type: ignore[no-any-return]

    def scan(self, raw: str) -> dict[str, Any]:
        return self._post("/api/v1/scans", {"raw": raw})["data"]

    def run(self) -> None:
        try:
            self.client.put("/api/v1/devices/assignment", json={"mode": "returns"}).raise_for_status()
            for payload in self.payloads:
                if time.perf_counter() > self.deadline:
                    break
                parcel = self.scan(payload)["parcel"]
                unit = self.scan(f"]E0{self.item_gtin(parcel)}")["units"][0]
                self.sent[unit["id"]] = time.perf_counter()
                graded = self._post(f"/api/v1/returns/units/{unit['id']}/grade", {"answers": LIKE_NEW})
                self.scan(f"LPN-{graded['lpn']}")
                self.scan(f"LOC-{graded['location']}")
                self._post(f"/api/v1/returns/parcels/{parcel['id']}/close", {})
                self.done += 1
        except Exception as exc:  # report the first failure of this station in the figures
            self.error = str(exc)
        finally:
            self.client.close()

    def item_gtin(self, parcel: dict[str, Any]) -> str:
        sku = parcel["expected"][0]["sku"]
        return gtin13("0614141", 70000 + int(sku.rsplit("-", 1)[1]))[1:]


class OutboxWatcher(threading.Thread):
    """Polls the outbox like the relay does and notes when each graded unit's email row appears."""

    def __init__(self, db: Database) -> None:
        super().__init__(daemon=True)
        self.db, self.seen, self.stop_flag = db, {}, threading.Event()
        self.seen: dict[int, float]

    def run(self) -> None:
        # Rows commit out of id order under concurrency: look at every graded-unit email, not only new ids.
        while not self.stop_flag.is_set():
            with self.db.read() as session:
                rows = session.exec(
                    select(OutboxMessage.payload).where(
                        OutboxMessage.channel == "email", OutboxMessage.topic == "return.graded"
                    )
                ).all()
            now = time.perf_counter()
            for payload in rows:
                self.seen.setdefault(payload["context"]["unit"]["id"], now)
            time.sleep(0.002)


def run_stations(url: str, tokens: list[str], batches: list[list[str]], db: Database) -> dict[str, Any]:
    sent: dict[int, float] = {}
    watcher = OutboxWatcher(db)
    watcher.start()
    stations = [StationWorker(url, token, batch, sent) for token, batch in zip(tokens, batches, strict=False)]
    start = time.perf_counter()
    for station in stations:
        station.start()
    for station in stations:
        station.join()
    elapsed = time.perf_counter() - start
    time.sleep(0.1)
    watcher.stop_flag.set()
    watcher.join()
    done = sum(s.done for s in stations)
    latencies = sorted((watcher.seen[u] - t) * 1000 for u, t in sent.items() if u in watcher.seen)
    requests = sorted(ms for s in stations for ms in s.request_ms)
    return {
        "stations": len(stations),
        "returns": done,
        "seconds": round(elapsed, 2),
        "returns_per_minute": round(done / elapsed * 60, 1),
        "requests_per_return": 6,
        "request_ms": {"p50": _pct(requests, 50), "p99": _pct(requests, 99)},
        "grade_request_to_outbox_row_ms": {
            "n": len(latencies),
            "p50": _pct(latencies, 50),
            "p99": _pct(latencies, 99),
        },
        "errors": [s.error for s in stations if s.error],
    }


def baseline(url: str, threads: int, seconds: float = 1.0) -> dict[str, Any]:
    """GET /healthz as fast as `threads` clients can: what the server does with no work."""
    counts = [0] * threads
    stop = time.perf_counter() + seconds

    def hammer(index: int) -> None:
        with httpx.Client(base_url=url) as client:
            while time.perf_counter() < stop:
                client.get("/healthz").raise_for_status()
                counts[index] += 1

    workers = [threading.Thread(target=hammer, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return {"threads": threads, "requests_per_second": round(sum(counts) / seconds, 1)}


def _pct(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1], 2)


def bench_backend(name: str, url: str, workdir: Path) -> dict[str, Any]:
    db = Database(url, pool_size=5)
    SQLModel.metadata.create_all(db.engine)
    settings = Settings(environment="test", database_url=url, media_dir=workdir / "media", run_relay=False)
    kaeru = Kaeru(settings=settings, site=load_site(settings.config_dir), db=db)
    needed = ONE_STATION_RETURNS + STATIONS * PER_STATION_RETURNS
    started = time.perf_counter()
    payloads, tokens = seed(kaeru, needed)
    seeded = time.perf_counter() - started
    print(f"{name}: seeded {len(payloads)} returns in {seeded:.1f} s", file=sys.stderr, flush=True)
    server = Server(
        {
            "KAERU_ENVIRONMENT": "test",
            "KAERU_DATABASE_URL": url,
            "KAERU_RUN_RELAY": "false",
            "KAERU_MEDIA_DIR": str(workdir / "media"),
            "KAERU_DB_POOL_SIZE": "20",
        }
    )
    try:
        base = {"one_client": baseline(server.url, 1), "ten_clients": baseline(server.url, STATIONS)}
        print(f"{name}: baseline {base}", file=sys.stderr, flush=True)
        one = run_stations(server.url, tokens[:1], [payloads[:ONE_STATION_RETURNS]], db)
        print(f"{name}: one station {one['returns_per_minute']}/min", file=sys.stderr, flush=True)
        rest = payloads[ONE_STATION_RETURNS:]
        ten = run_stations(server.url, tokens, [rest[i::STATIONS] for i in range(STATIONS)], db)
    finally:
        server.stop()
        db.dispose()
    return {
        "backend": name,
        "seed_seconds": round(seeded, 1),
        "baseline_healthz": base,
        "one_station": one,
        "ten_stations": ten,
    }


def with_postgres(work: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    name = f"kaeru_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        return work(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results.append(bench_backend("sqlite", f"sqlite:///{work / 'bench.db'}", work))
        results.append(with_postgres(lambda url: bench_backend("postgresql", url, work)))
    print(
        json.dumps(
            {
                "bench": "returns_throughput",
                "machine": {
                    "platform": platform.platform(),
                    "cpu_count": os.cpu_count(),
                    "python": platform.python_version(),
                },
                "flow_per_return": [
                    "scan RMA QR",
                    "scan item",
                    "POST grade",
                    "scan grade tag",
                    "scan location",
                    "close parcel",
                ],
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
