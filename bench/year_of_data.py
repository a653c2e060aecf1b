"""A year of data: do the staff endpoints stay as fast on a PostgreSQL database holding a year of
history as on a fresh one?

Two PostgreSQL databases of their own (names prefixed kaeru_bench_year_), built in the same run by
the same generator: "year" at --orders (default 200,000 orders, 5 ledger rows per order, a graded
return unit per 4 orders, 2 audit rows per order, a year of timestamps, SKUs skewed: a few sell a lot,
most rarely) and "fresh" at a thousandth of it. Rows go in by COPY (psycopg), every column the model
has, defaults from the model. Then the app runs in-process on each (FastAPI TestClient, a manager's
token) and each endpoint is timed --rounds times after two warm-up calls. Figures, as JSON: p50 and
p99 in ms on each database, the ratio of the p50s (year / fresh) and the SQL statements per request.

Endpoints: orders (limit 50 and 500), orders page 100 deep (keyset cursor), returns (limit 50),
returns insight all time and last 30 days, the ledger of the rarest SKU, the audit trail of one order.

Then, on each database: the resident memory of real server processes (`kaeru serve`) once they have
learned delivery estimates (the leader counting every delivery of the year, a follower reading the
counts), against a process reloading the year's delivered shipments as every server did before; and
the retention job (`kaeru maintenance prune`'s work) over the year with config/retention.yaml.

Run: .venv/bin/python bench/year_of_data.py [--orders 200000] [--rounds 20] [--keep]
(needs PostgreSQL at KAERU_BENCH_PG, default postgresql://postgres@127.0.0.1:5432/postgres)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from sqlmodel import SQLModel, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

import wms.tables  # noqa: E402, F401 - every table on the metadata
from kaeru_config.settings import Settings  # noqa: E402
from kaeru_config.site import load_site  # noqa: E402
from tests.statements import statements_of  # noqa: E402
from wms.app import create_app  # noqa: E402
from wms.context import Kaeru  # noqa: E402
from wms.db import Database  # noqa: E402
from wms.fulfilment.tables import Carton, Order, OrderLine, Shipment, Shopper, TrackingEvent  # noqa: E402
from wms.identity.service import add_user, issue_user_token  # noqa: E402
from wms.inventory.tables import Item, LedgerEntry, Location, Warehouse  # noqa: E402
from wms.merchants.service import default_merchant  # noqa: E402
from wms.platform.tables import AuditEntry, IdempotencyRecord, ScanRecord  # noqa: E402
from wms.returns.tables import ReturnAuthorisation, ReturnLine, ReturnParcel, ReturnUnit  # noqa: E402
from wms.site import apply_site  # noqa: E402

PG_ADMIN_URL = os.environ.get("KAERU_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
OWNER: list[int] = []  # the default merchant's id, once the site is applied
NOW = datetime.now(UTC)
SKUS = 2000
GRADES = {"A": "restock_new", "B": "restock_open_box", "C": "liquidation", "D": "recycle"}
POSTAL_CODES = ["94105", "10001", "60601", "99501", "07030", "30301", "73301", "98101"]
REASONS = ["size_too_small", "size_too_big", "changed_mind", "defective", "not_as_described"]


def _url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


class Copier:
    """COPY rows of one model into its table: the given columns, the rest from the model's defaults."""

    def __init__(self, conn: psycopg.Connection, model: type[SQLModel]) -> None:
        table = model.__table__  # type: ignore[attr-defined]
        self.conn = conn
        self.table = table.name
        self.columns = [c.name for c in table.columns]
        self.defaults: dict[str, Any] = {}
        for name, field in model.model_fields.items():
            if name in self.columns:
                self.defaults[name] = field.get_default(call_default_factory=True)
        self.json = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
        if "merchant_id" in self.columns and self.defaults.get("merchant_id") is None and OWNER:
            self.defaults["merchant_id"] = OWNER[0]  # the year is the default merchant's

    def copy(self, rows: Iterable[dict[str, Any]]) -> int:
        count = 0
        names = ", ".join(f'"{c}"' for c in self.columns)
        with self.conn.cursor() as cur, cur.copy(f'COPY "{self.table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                values = []
                for column in self.columns:
                    value = row[column] if column in row else self.defaults.get(column)
                    values.append(Jsonb(value) if column in self.json else value)
                copy.write_row(values)
                count += 1
        return count


def _moment(rng: random.Random, days: float = 365) -> datetime:
    return NOW - timedelta(seconds=rng.random() * days * 86400)


def build(url: str, orders: int, seed: int) -> dict[str, Any]:
    """The schema, the site, and `orders` orders' worth of history; the rarest SKU and an order id."""
    db = Database(url)
    SQLModel.metadata.create_all(db.engine)
    site = load_site(ROOT / "config")
    db.write(lambda s: apply_site(s, site))
    with db.read() as session:
        warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
        OWNER[:] = [default_merchant(session).id or 0]
        locations = [
            loc.id for loc in session.exec(select(Location).where(Location.warehouse_id == warehouse.id))
        ]
    db.dispose()
    wid = warehouse.id or 0
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(SKUS)]  # Zipf-like: a few sell a lot, most rarely
    cum = list(_cumulative(weights))
    started = time.perf_counter()
    counts: dict[str, int] = {}
    with psycopg.connect(url) as conn:
        counts["item"] = Copier(conn, Item).copy(
            {
                "id": i + 1,
                "sku": f"SKU-{i + 1:05d}",
                "name": f"Item {i + 1}",
                "category": ("apparel", "home", "electronics")[i % 3],
                "price_minor": 1000 + (i % 50) * 100,
            }
            for i in range(SKUS)
        )
        shoppers = max(orders // 4, 1)
        counts["shopper"] = Copier(conn, Shopper).copy(
            {"id": i + 1, "email": f"shopper{i + 1}@example.com"} for i in range(shoppers)
        )
        created = sorted(_moment(rng) for _ in range(orders))
        counts["sales_order"] = Copier(conn, Order).copy(
            {
                "id": n + 1,
                "warehouse_id": wid,
                "number": f"Y-{n + 1}",
                "shopper_id": rng.randrange(shoppers) + 1,
                "status": "shipped" if created[n] < NOW - timedelta(days=3) else "reserved",
                "created_at": created[n],
                "tracking_token": uuid.UUID(int=rng.getrandbits(128)).hex,
                "ship_to": {"country": "US", "postal_code": rng.choice(POSTAL_CODES)},
                "carrier": "UPS",
                "service": "GROUND" if n % 5 else "NEXTDAY",
            }
            for n in range(orders)
        )
        order_items = [
            (n + 1, rng.choices(range(SKUS), cum_weights=cum)[0] + 1) for n in range(orders) for _ in range(2)
        ]
        counts["orderline"] = Copier(conn, OrderLine).copy(
            {"id": i + 1, "order_id": o, "item_id": item, "quantity": 1, "shipped": 1}
            for i, (o, item) in enumerate(order_items)
        )
        counts["ledgerentry"] = Copier(conn, LedgerEntry).copy(_ledger(rng, wid, locations, orders * 5, cum))
        counts.update(_returns(conn, rng, wid, orders, order_items))
        counts.update(_shipments(conn, rng, created))
        counts.update(_scans_and_keys(conn, rng, wid, orders * 2))
        counts["auditentry"] = Copier(conn, AuditEntry).copy(
            {
                "id": i + 1,
                "at": _moment(rng),
                "actor": "system",
                "warehouse_id": wid,
                "action": "order.created",
                "object_type": "order",
                "object_id": str(i // 2 + 1),
            }
            for i in range(orders * 2)
        )
        for table in (
            "item",
            "shopper",
            "sales_order",
            "orderline",
            "ledgerentry",
            "return_authorisation",
            "return_line",
            "return_parcel",
            "return_unit",
            "auditentry",
            "carton",
            "shipment",
            "trackingevent",
            "scanrecord",
            "idempotencyrecord",
        ):
            conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({name}, 'id'), (SELECT max(id) FROM {table}))"
                ).format(name=sql.Literal(f'"{table}"'), table=sql.Identifier(table))
            )
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")
    rarest = f"SKU-{SKUS:05d}"
    return {
        "rows": counts,
        "build_s": round(time.perf_counter() - started, 1),
        "rare_sku": rarest,
        "order_id": max(orders // 2, 1),
    }


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def _ledger(
    rng: random.Random, wid: int, locations: list[int], count: int, cum: list[float]
) -> Iterator[dict[str, Any]]:
    moments = sorted(_moment(rng) for _ in range(count))
    for i in range(count):
        item = rng.choices(range(SKUS), cum_weights=cum)[0] + 1
        if i < SKUS:
            item = i + 1  # every SKU received at least once (the rarest has a short history)
        yield {
            "id": i + 1,
            "at": moments[i],
            "warehouse_id": wid,
            "item_id": item,
            "to_location_id": rng.choice(locations),
            "quantity": 1,
            "reason": "receive" if i % 5 == 0 else "pick",
        }


def _returns(
    conn: psycopg.Connection, rng: random.Random, wid: int, orders: int, order_items: list[tuple[int, int]]
) -> dict[str, int]:
    """A return of one unit for one order in four, most graded, most of those put away."""
    returned = [order_items[2 * n] for n in range(0, orders, 4)]
    created = [_moment(rng) for _ in returned]
    counts = {
        "return_authorisation": Copier(conn, ReturnAuthorisation).copy(
            {
                "id": i + 1,
                "warehouse_id": wid,
                "number": f"R{i + 1}",
                "token": uuid.UUID(int=rng.getrandbits(128)).hex,
                "order_id": o,
                "status": "completed",
                "created_at": created[i],
            }
            for i, (o, _) in enumerate(returned)
        ),
        "return_line": Copier(conn, ReturnLine).copy(
            {"id": i + 1, "rma_id": i + 1, "item_id": item, "quantity": 1, "reason": rng.choice(REASONS)}
            for i, (_, item) in enumerate(returned)
        ),
        "return_parcel": Copier(conn, ReturnParcel).copy(
            {"id": i + 1, "warehouse_id": wid, "rma_id": i + 1, "scanned_at": created[i] + timedelta(days=3)}
            for i in range(len(returned))
        ),
    }

    def unit(i: int, item: int) -> dict[str, Any]:
        scanned = created[i] + timedelta(days=3)
        grade = rng.choice([None, "A", "B", "C", "D", "A", "B"])
        graded_at = scanned + timedelta(minutes=rng.uniform(1, 600)) if grade else None
        put_away = (
            graded_at + timedelta(minutes=rng.uniform(1, 1440)) if graded_at and rng.random() < 0.8 else None
        )
        return {
            "id": i + 1,
            "warehouse_id": wid,
            "parcel_id": i + 1,
            "rma_id": i + 1,
            "line_id": i + 1,
            "item_id": item,
            "match": "right_item",
            "status": "put_away" if put_away else "graded",
            "value_minor": 3000,
            "category": ("apparel", "home", "electronics")[item % 3],
            "grade": grade,
            "graded_at": graded_at,
            "disposition": GRADES[grade] if grade else "",
            "recovery_minor": rng.randrange(3001) if grade else 0,
            "put_away_at": put_away,
        }

    counts["return_unit"] = Copier(conn, ReturnUnit).copy(
        unit(i, item) for i, (_, item) in enumerate(returned)
    )
    return counts


def _shipments(conn: psycopg.Connection, rng: random.Random, created: list[datetime]) -> dict[str, int]:
    """A carton, a shipment and its delivered event for every order shipped (older than three days)."""
    shipped = [n for n, at in enumerate(created) if at < NOW - timedelta(days=3)]
    leaves = {n: created[n] + timedelta(hours=rng.uniform(2, 30)) for n in shipped}
    arrives = {
        n: leaves[n] + timedelta(days=rng.choice([1, 2, 2, 3, 3, 3, 4, 5]), hours=rng.uniform(0, 8))
        for n in shipped
    }
    return {
        "carton": Copier(conn, Carton).copy(
            {
                "id": i + 1,
                "order_id": n + 1,
                "sscc": f"{i + 1:018d}",
                "status": "closed",
                "created_at": leaves[n],
            }
            for i, n in enumerate(shipped)
        ),
        "shipment": Copier(conn, Shipment).copy(
            {
                "id": i + 1,
                "order_id": n + 1,
                "carton_id": i + 1,
                "carrier": "UPS",
                "service": "GROUND" if n % 5 else "NEXTDAY",
                "tracking_number": f"1Z{i + 1:016d}",
                "status": "delivered",
                "shipped_at": leaves[n],
                "delivered_at": arrives[n],
            }
            for i, n in enumerate(shipped)
        ),
        "trackingevent": Copier(conn, TrackingEvent).copy(
            {
                "id": i + 1,
                "shipment_id": i + 1,
                "at": arrives[n],
                "kind": "delivered",
                "external_id": f"d{i + 1}",
                "received_at": arrives[n],
            }
            for i, n in enumerate(sorted(shipped, key=lambda n: arrives[n]))
        ),
    }


def _scans_and_keys(conn: psycopg.Connection, rng: random.Random, wid: int, count: int) -> dict[str, int]:
    """A year of raw scans and of idempotency keys, for the retention job to work through."""
    moments = sorted(_moment(rng) for _ in range(count))
    return {
        "scanrecord": Copier(conn, ScanRecord).copy(
            {
                "id": i + 1,
                "warehouse_id": wid,
                "scanned_at": at,
                "received_at": at,
                "raw": f"LOC-A-{i % 40:02d}-1",
                "kind": "location",
                "mode": ("pick", "pack", "returns", "idle")[i % 4],
                "outcome": "accepted" if i % 9 else "rejected",
            }
            for i, at in enumerate(moments)
        ),
        "idempotencyrecord": Copier(conn, IdempotencyRecord).copy(
            {
                "id": i + 1,
                "client": f"device:{i % 200}",
                "key": uuid.UUID(int=rng.getrandbits(128)).hex,
                "request_hash": "0" * 64,
                "status_code": 200,
                "response": {},
                "created_at": at,
            }
            for i, at in enumerate(moments)
        ),
    }


def measure(url: str, facts: dict[str, Any], rounds: int) -> dict[str, dict[str, float]]:
    """p50/p99 (ms) and statements of each endpoint, on the app serving `url`."""
    settings = Settings(environment="test", database_url=url, config_dir=ROOT / "config", run_relay=False)
    kaeru = Kaeru(settings=settings, site=load_site(settings.config_dir), db=Database(url))
    with kaeru.db.read() as session:
        wid = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one().id

    def staff(session):  # type: ignore[no-untyped-def]
        user = add_user(
            session,
            username=f"bench{uuid.uuid4().hex[:6]}",
            role="manager",
            password="correct horse battery",
            warehouse_id=wid,
        )
        return issue_user_token(session, user)

    headers = {"Authorization": f"Bearer {kaeru.db.write(staff)}"}
    since = (NOW - timedelta(days=30)).isoformat().replace("+00:00", "Z")
    paths = {
        "orders limit=50": "/api/v1/orders?limit=50",
        "orders limit=500": "/api/v1/orders?limit=500",
        "orders page after a cursor": f"/api/v1/orders?limit=50&after={facts['order_id']}",
        "returns limit=50": "/api/v1/returns?limit=50",
        "insight all time": "/api/v1/insight/returns?warehouse=WH1",
        "insight last 30 days": f"/api/v1/insight/returns?warehouse=WH1&since={since}",
        "ledger of the rarest SKU": f"/api/v1/warehouses/WH1/ledger?sku={facts['rare_sku']}",
        "audit of one order": f"/api/v1/audit?object_type=order&object_id={facts['order_id']}",
    }
    figures: dict[str, dict[str, float]] = {}
    with TestClient(create_app(settings, kaeru=kaeru)) as client:
        for name, path in paths.items():
            figures[name] = _timed(kaeru, lambda p=path: _get(client, p, headers), rounds)
    kaeru.db.dispose()
    return figures


LEARNED = "delivery estimates learned from"


def _status_kb(pid: int) -> dict[str, int]:
    """Resident memory now and at its peak (kB), from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def _serve(url: str, port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "KAERU_DATABASE_URL": url,
        "KAERU_RUN_RELAY": "false",
        "KAERU_LOG_FORMAT": "text",
        "KAERU_CONFIG_DIR": str(ROOT / "config"),
    }
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "kaeru"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _until_learned(process: subprocess.Popen[str], timeout: float) -> tuple[float, str]:
    started = time.perf_counter()
    assert process.stdout is not None
    for line in process.stdout:
        if LEARNED in line:
            return time.perf_counter() - started, line.strip().rsplit(LEARNED, 1)[1]
        if time.perf_counter() - started > timeout:
            break
    raise RuntimeError(f"the server did not learn within {timeout} s (exit {process.poll()})")


def resident_memory(url: str, port: int) -> dict[str, Any]:
    """Two real server processes on the database: the first leads learning (counts every delivery from
    the start), the second only builds its model from the counts. Resident memory (MB) of each once it
    has learned and answered a few requests; and, as the baseline, a process reloading every delivered
    shipment of the year as the server did before."""
    figures: dict[str, Any] = {}
    servers = []
    try:
        for role, offset in (("leader", 0), ("follower", 1)):
            process = _serve(url, port + offset)
            servers.append(process)
            seconds, learned = _until_learned(process, 1800)
            for _ in range(5):
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(f"http://127.0.0.1:{port + offset}/healthz", timeout=10).read()
            kb = _status_kb(process.pid)
            figures[role] = {
                "learned_s": round(seconds, 1),
                "learned_from": learned,
                "rss_mb": round(kb["VmRSS"] / 1024, 1),
                "peak_rss_mb": round(kb["VmHWM"] / 1024, 1),
            }
    finally:
        for process in servers:
            process.terminate()
            process.wait(30)
    reload = subprocess.run(
        [sys.executable, __file__, "--full-reload", url], capture_output=True, text=True, check=True
    )
    figures["full_reload_baseline"] = json.loads(reload.stdout)
    return figures


def full_reload(url: str) -> None:
    """The learning every server process did before: every delivered shipment of the year as objects,
    then learn_transit over all of them. Prints the process's peak resident memory (MB)."""
    from sqlmodel import col

    from wms.delivery import learn_transit, load_network
    from wms.shopper.config import load_shopper_config
    from wms.shopper.edd import delivery_record

    db = Database(url)
    network = load_network(path=ROOT / "config" / "delivery.yaml")
    names = load_shopper_config(ROOT / "config", load_site(ROOT / "config")).delivery
    started = time.perf_counter()
    with db.read() as session:
        rows = session.exec(
            select(Shipment, Order, Warehouse)
            .join(Order, col(Order.id) == col(Shipment.order_id))
            .join(Warehouse, col(Warehouse.id) == col(Order.warehouse_id))
            .where(col(Shipment.delivered_at) >= NOW - timedelta(days=names.history_days))
        ).all()
        records = [r for r in (delivery_record(network, names, *row) for row in rows) if r is not None]
    model = learn_transit(network=network, records=records)
    kb = _status_kb(os.getpid())
    print(
        json.dumps(
            {
                "learned_from": model.records_used,
                "seconds": round(time.perf_counter() - started, 1),
                "rss_mb": round(kb["VmRSS"] / 1024, 1),
                "peak_rss_mb": round(kb["VmHWM"] / 1024, 1),
            }
        )
    )


def prune_year(url: str) -> dict[str, Any]:
    """The retention job over the year with the shipped policy: rows removed and rows per second."""
    from wms.platform.retention import load_policy, prune

    db = Database(url)
    started = time.perf_counter()
    removed = prune(db, load_policy(ROOT / "config"))
    seconds = time.perf_counter() - started
    db.dispose()
    return {
        "removed": removed,
        "seconds": round(seconds, 1),
        "rows_per_s": round(sum(removed.values()) / seconds),
    }


def _get(client: TestClient, path: str, headers: dict[str, str]) -> None:
    response = client.get(path, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")


def _timed(kaeru: Kaeru, call: Callable[[], None], rounds: int) -> dict[str, float]:
    for _ in range(2):
        call()
    # The request's own statements: the fewest of three (the process's samplers may query meanwhile).
    statements = min(statements_of(kaeru.db.engine, call) for _ in range(3))
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2),
        "statements": statements,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the two databases")
    parser.add_argument("--port", type=int, default=18630, help="servers for the memory figures: 4 from it")
    parser.add_argument("--full-reload", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.full_reload:
        full_reload(args.full_reload)
        return
    tag = uuid.uuid4().hex[:6]
    names = {"year": f"kaeru_bench_year_{tag}", "fresh": f"kaeru_bench_year_{tag}_fresh"}
    scale = {"year": args.orders, "fresh": max(args.orders // 1000, 50)}
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        built = {which: build(_url(name), scale[which], args.seed) for which, name in names.items()}
        measured = {which: measure(_url(name), built[which], args.rounds) for which, name in names.items()}
        memory = {
            which: resident_memory(_url(name), args.port + 2 * i)
            for i, (which, name) in enumerate(names.items())
        }
        pruned = {which: prune_year(_url(name)) for which, name in names.items()}
    finally:
        if not args.keep:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                for name in names.values():
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    endpoints = {
        name: {
            "fresh": measured["fresh"][name],
            "year": measured["year"][name],
            "ratio_p50": round(
                measured["year"][name]["p50_ms"] / max(measured["fresh"][name]["p50_ms"], 0.01), 2
            ),
        }
        for name in measured["year"]
    }
    print(
        json.dumps(
            {
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "load_avg": os.getloadavg(),
                },
                "databases": {
                    which: {"rows": b["rows"], "build_s": b["build_s"]} for which, b in built.items()
                },
                "rounds": args.rounds,
                "endpoints": endpoints,
                "resident_memory": memory,
                "retention": pruned,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
