"""Helpers for the carrier tests: orders picked and packed through the fulfilment service, waiting at
the pack station to be closed (the close itself goes through the HTTP API, as a packer's would)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from sqlmodel import select

from tests.floor import Floor
from wms.fulfilment import service as fulfilment
from wms.fulfilment.tables import Order
from wms.identity.model import Principal
from wms.inventory.tables import Item, Location, Warehouse

SHIP_TO = {
    "name": "Sam Shopper",
    "street": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}


def order(floor: Floor, number: str, *, carrier: str = "UPS", ship_to: dict[str, str] | None = None) -> Any:
    return floor.call(
        "POST",
        "/api/v1/orders",
        "integrator",
        expect=201,
        json={
            "warehouse": "WH1",
            "number": number,
            "shopper": {"email": f"{number.lower()}@example.com", "name": "Sam Shopper"},
            "ship_to": ship_to or SHIP_TO,
            "carrier": carrier,
            "lines": [{"sku": "TEE", "quantity": 1}],
        },
    )


def packed(floor: Floor, number: str, **options: Any) -> str:
    """An order of one TEE, picked and packed into its carton; the carton's SSCC."""
    order(floor, number, **options)

    def work(session: Any) -> str:
        warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
        who = Principal(kind="user", role="manager", warehouse_id=warehouse.id, name="test")
        found = session.exec(select(Order).where(Order.number == number)).one()
        [task] = fulfilment.create_pick_tasks(
            session, principal=who, warehouse=warehouse, mode="single", order_numbers=[number]
        )
        while (line := fulfilment.current_line(session, task)) is not None:
            location = session.get(Location, line.location_id)
            item = session.get(Item, line.item_id)
            fulfilment.pick_scan(
                session, principal=who, task=task, kind="location", code=location.code, gtin=None, serial=None
            )
            fulfilment.pick_scan(
                session, principal=who, task=task, kind="gtin", code=None, gtin=item.gtin, serial=None
            )
        carton = fulfilment.open_carton(
            session, principal=who, order=found, warehouse=warehouse, company_prefix="0614141"
        )
        item = session.exec(select(Item).where(Item.sku == "TEE")).one()
        fulfilment.pack_scan(
            session, principal=who, carton=carton, kind="gtin", gtin=item.gtin, code=None, serial=None
        )
        return carton.sscc

    return floor.kaeru.db.write(work)


def stock(floor: Floor, units: int) -> None:
    floor.item("TEE", gtin="09506000134352", weight_g=250)
    floor.receive("TEE", units)


def close(floor: Floor, sscc: str, *, key: str | None = None, expect: int = 200) -> Any:
    return floor.call(
        "POST",
        f"/api/v1/packing/cartons/{sscc}/close",
        "packer",
        json={"weight_g": 430},
        key=key,
        expect=expect,
    )


def sim_call(url: str, method: str = "GET", body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the simulator on 127.0.0.1
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return json.loads(answer.read())


def sim_labels(sim: Any, reference: str | None = None) -> list[dict[str, Any]]:
    labels = sim_call(f"{sim.url}/_sim/labels")["labels"]
    return [label for label in labels if reference is None or label["reference"] == reference]
