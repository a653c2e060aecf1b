"""Close carton -> carrier label bought and its print job queued, with the simulated carrier answering
in 300-800 ms: p50/p99 of the whole, of the carrier's share and of Kaeru's own; and labels bought
per second by one pack station and by ten at once.

Each label goes through the product's path: the close transaction (weight check, label pending),
then `wms.carriers.labels.settle` (karrio's UPS connector rating and buying from the simulated
carrier over HTTP, then the transaction writing the shipment and the print job). The carrier's share
is the time spent inside the carrier gateway's calls, measured around them in the same run; Kaeru's
own is the rest. Own database (SQLite in a temporary directory), own simulated carrier port.

Run: .venv/bin/python bench/carrier_labels.py [--cartons 60] [--stations 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import SQLModel, select  # noqa: E402

import wms.tables  # noqa: E402,F401 - the whole schema
from kaeru_config.settings import Settings  # noqa: E402
from kaeru_config.site import load_site  # noqa: E402
from simulators.carrier import CarrierSimulator, SimConfig  # noqa: E402
from wms.carriers.boundary import Label, Manifest, Shipment, TrackingUpdate  # noqa: E402
from wms.carriers.karrio_gateway import KarrioGateway  # noqa: E402
from wms.carriers.labels import settle  # noqa: E402
from wms.carriers.model import Rate  # noqa: E402
from wms.context import Kaeru  # noqa: E402
from wms.db import Database  # noqa: E402
from wms.fulfilment import service as fulfilment  # noqa: E402
from wms.fulfilment.tables import Carton  # noqa: E402
from wms.identity.model import Principal  # noqa: E402
from wms.inventory.service import Actor, Receipt, location_by_code, receive  # noqa: E402
from wms.inventory.tables import Item, Location, Warehouse  # noqa: E402
from wms.seed import gtin13  # noqa: E402
from wms.site import apply_site  # noqa: E402

ACCOUNTS = {"UPS": {"client_id": "bench", "client_secret": "bench", "account_number": "KAE123"}}
SHIP_TO = {
    "name": "Sam",
    "street": "1 Main St",
    "city": "Springfield",
    "postal_code": "62701",
    "country": "US",
}


class TimedGateway:
    """The karrio gateway, with the time each thread spends inside carrier calls added up."""

    def __init__(self, inner: KarrioGateway) -> None:
        self.inner = inner
        self.spent = threading.local()

    def _timed(self, call: Any, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return call(*args)
        finally:
            self.spent.s = getattr(self.spent, "s", 0.0) + time.perf_counter() - start

    def rate(self, shipment: Shipment) -> list[Rate]:
        return self._timed(self.inner.rate, shipment)  # type: ignore[no-any-return]

    def buy_label(self, shipment: Shipment) -> Label:
        return self._timed(self.inner.buy_label, shipment)  # type: ignore[no-any-return]

    def return_label(self, shipment: Shipment) -> Label:
        return self._timed(self.inner.return_label, shipment)  # type: ignore[no-any-return]

    def void(self, carrier: str, tracking_number: str) -> None:
        self._timed(self.inner.void, carrier, tracking_number)

    def track(self, carrier: str, tracking_numbers: list[str]) -> list[TrackingUpdate]:
        return self._timed(self.inner.track, carrier, tracking_numbers)  # type: ignore[no-any-return]

    def manifest(self, carrier: str, shipper: Any, tracking_numbers: list[str]) -> Manifest:
        return self._timed(self.inner.manifest, carrier, shipper, tracking_numbers)  # type: ignore[no-any-return]


def packed_cartons(kaeru: Kaeru, count: int) -> list[str]:
    """`count` orders of one tee each, picked and packed; their cartons' SSCCs."""

    def work(session: Any) -> list[str]:
        warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
        who = Principal(kind="user", role="manager", warehouse_id=warehouse.id, name="bench")
        item = Item(sku="BENCH-TEE", gtin=gtin13("0614141", 71000), name="Bench tee", weight_g=250)
        session.add(item)
        session.flush()
        shelf = location_by_code(session, warehouse.id, "A-01-1")
        receive(
            session, Receipt(item=item, quantity=count, location=shelf), warehouse=warehouse, actor=Actor(who)
        )
        ssccs = []
        for n in range(count):
            order = fulfilment.create_order(
                session,
                principal=who,
                warehouse=warehouse,
                site=kaeru.site,
                new=fulfilment.NewOrder(
                    number=f"B-{n:04d}",
                    shopper_email="bench@example.com",
                    ship_to=SHIP_TO,
                    lines=[fulfilment.NewLine("BENCH-TEE", 1)],
                ),
            )
            [task] = fulfilment.create_pick_tasks(
                session, principal=who, warehouse=warehouse, mode="single", order_numbers=[order.number]
            )
            while (line := fulfilment.current_line(session, task)) is not None:
                location = session.get(Location, line.location_id)
                fulfilment.pick_scan(
                    session,
                    principal=who,
                    task=task,
                    kind="location",
                    code=location.code,
                    gtin=None,
                    serial=None,
                )
                fulfilment.pick_scan(
                    session, principal=who, task=task, kind="gtin", code=None, gtin=item.gtin, serial=None
                )
            carton = fulfilment.open_carton(
                session, principal=who, order=order, warehouse=warehouse, company_prefix="0614141"
            )
            fulfilment.pack_scan(
                session, principal=who, carton=carton, kind="gtin", gtin=item.gtin, code=None, serial=None
            )
            ssccs.append(carton.sscc)
        return ssccs

    return kaeru.db.write(work)


def close_and_label(kaeru: Kaeru, gateway: TimedGateway, sscc: str) -> tuple[float, float]:
    """(seconds from close to label bought and print queued, of which inside carrier calls)."""
    who = Principal(kind="user", role="packer", warehouse_id=None, name="bench packer")
    gateway.spent.s = 0.0
    start = time.perf_counter()

    def close(session: Any) -> int:
        carton = session.exec(select(Carton).where(Carton.sscc == sscc)).one()
        label = fulfilment.close_carton(session, principal=who, carton=carton, weight_g=430, site=kaeru.site)
        return label.id or 0

    label = settle(kaeru, kaeru.db.write(close), principal=who, gateway=gateway)  # type: ignore[arg-type]
    took = time.perf_counter() - start
    if label.status != "bought":
        raise RuntimeError(f"label not bought: {label.last_error}")
    return took, gateway.spent.s


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(cartons: int, stations: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, CarrierSimulator(SimConfig(300, 800, seed=11)) as sim:
        settings = Settings(
            environment="test",
            database_url=f"sqlite:///{tmp}/bench.db",
            config_dir=ROOT / "config",
            run_relay=False,
            carrier_url=sim.url,
            carrier_accounts=json.dumps(ACCOUNTS),
        )
        db = Database(settings.database_url, pool_size=stations + 4)
        SQLModel.metadata.create_all(db.engine)
        kaeru = Kaeru(settings=settings, site=load_site(settings.config_dir), db=db)
        kaeru.db.write(lambda s: apply_site(s, kaeru.site))
        gateway = TimedGateway(KarrioGateway(settings, workers=stations * 2))
        ssccs = packed_cartons(kaeru, cartons * 2)
        one, many = ssccs[:cartons], ssccs[cartons:]
        close_and_label(kaeru, gateway, one.pop())  # the carriers' OAuth token, once

        start = time.perf_counter()
        serial = [close_and_label(kaeru, gateway, sscc) for sscc in one]
        serial_s = time.perf_counter() - start
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=stations) as pool:
            parallel = list(pool.map(lambda s: close_and_label(kaeru, gateway, s), many))
        parallel_s = time.perf_counter() - start
        db.dispose()
    totals = [t for t, _ in serial]
    carrier = [c for _, c in serial]
    own = [t - c for t, c in serial]
    return {
        "cartons": len(serial),
        "close_to_label_p50_ms": round(pct(totals, 0.5) * 1000),
        "close_to_label_p99_ms": round(pct(totals, 0.99) * 1000),
        "carrier_p50_ms": round(pct(carrier, 0.5) * 1000),
        "carrier_p99_ms": round(pct(carrier, 0.99) * 1000),
        "kaeru_own_p50_ms": round(pct(own, 0.5) * 1000, 1),
        "kaeru_own_p99_ms": round(pct(own, 0.99) * 1000, 1),
        "kaeru_own_mean_ms": round(statistics.mean(own) * 1000, 1),
        "labels_per_s_1_station": round(len(serial) / serial_s, 2),
        f"labels_per_s_{stations}_stations": round(len(parallel) / parallel_s, 2),
        "parallel_p99_ms": round(pct([t for t, _ in parallel], 0.99) * 1000),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cartons", type=int, default=40)
    parser.add_argument("--stations", type=int, default=10)
    args = parser.parse_args()
    print(json.dumps(run(args.cartons, args.stations), indent=2))


if __name__ == "__main__":
    main()
