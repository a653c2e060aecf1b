"""Every list endpoint pages by cursor in a stable order: walking its pages (following Next-Cursor)
while new rows keep arriving answers every row that was there when the walk began exactly once, and
no row twice."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import select

from tests.floor import Floor
from wms.context import Kaeru
from wms.identity.tables import Device
from wms.inventory.tables import Location, Warehouse

_n = itertools.count(1)


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    f.item("TEE")
    yield f
    f.close()


def _receipt(floor: Floor) -> None:
    sku = f"PG-{next(_n)}"
    floor.item(sku)
    floor.receive(sku, 1, "A-01-1")


def _location(floor: Floor) -> None:
    n = next(_n)

    def work(session: Any) -> None:
        warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
        # Path positions that land before, among and after the rows already walked.
        session.add(Location(warehouse_id=warehouse.id, code=f"X-{n}", kind="storage", path_seq=(n * 7) % 40))

    floor.kaeru.db.write(work)


def _device(floor: Floor) -> None:
    n = next(_n)

    def work(session: Any) -> None:
        warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
        session.add(Device(warehouse_id=warehouse.id, code=f"D-{n:04d}", kind="handheld"))

    floor.kaeru.db.write(work)


def _purchase_order(floor: Floor) -> None:
    body = {"number": f"PO-{next(_n)}", "lines": [{"sku": "TEE", "quantity": 1}]}
    floor.call("POST", "/api/v1/warehouses/WH1/purchase-orders", "receiver", expect=201, json=body)


def _count_task(floor: Floor) -> None:
    body = {"sku": "TEE", "location": "A-01-1"}
    floor.call("POST", "/api/v1/warehouses/WH1/count-tasks", "manager", expect=201, json=body)


def _order(floor: Floor) -> None:
    floor.receive("TEE", 1)
    floor.order(f"PG-{next(_n)}", [("TEE", 1)])


@dataclass(frozen=True)
class Listing:
    path: str
    add: Callable[[Floor], None]
    key: Callable[[dict[str, Any]], Any]
    who: str = "manager"


LISTS = {
    "items": Listing("/api/v1/items", lambda f: f.item(f"PG-{next(_n)}"), lambda r: r["sku"]),
    "locations": Listing("/api/v1/warehouses/WH1/locations", _location, lambda r: r["id"]),
    "stock": Listing("/api/v1/warehouses/WH1/stock", _receipt, lambda r: (r["sku"], r["location"], r["lot"])),
    "ledger": Listing("/api/v1/warehouses/WH1/ledger", _receipt, lambda r: r["id"]),
    "scans": Listing(
        "/api/v1/scans", lambda f: f.scan(f"LOC-NOPE-{next(_n)}", expect=None), lambda r: r["id"]
    ),
    "audit": Listing("/api/v1/audit", _receipt, lambda r: r["id"]),
    "users": Listing("/api/v1/users", lambda f: f.staff("picker"), lambda r: r["id"], "admin"),
    "devices": Listing("/api/v1/devices", _device, lambda r: r["code"]),
    "purchase orders": Listing("/api/v1/warehouses/WH1/purchase-orders", _purchase_order, lambda r: r["id"]),
    "count tasks": Listing("/api/v1/warehouses/WH1/count-tasks", _count_task, lambda r: r["id"]),
    "orders": Listing("/api/v1/orders", _order, lambda r: r["id"]),
}


def _walk(floor: Floor, listing: Listing, limit: int, between: Callable[[], None]) -> list[Any]:
    """Every row's key, page after page, with `between` run after each page."""
    seen: list[Any] = []
    url = f"{listing.path}?limit={limit}"
    for _ in range(200):
        response = floor.client.get(url, headers=floor.headers(listing.who))
        assert response.status_code == 200, response.text
        seen += [listing.key(row) for row in response.json()]
        cursor = response.headers.get("Next-Cursor")
        if cursor is None:
            return seen
        between()
        url = f"{listing.path}?limit={limit}&after={cursor}"
    raise AssertionError(f"{listing.path} did not end")


@pytest.mark.parametrize("name", sorted(LISTS))
def test_paging_a_list_while_rows_arrive_answers_each_row_once(floor: Floor, name: str) -> None:
    listing = LISTS[name]
    for _ in range(7):
        listing.add(floor)
    before = _walk(floor, listing, 500, lambda: None)
    assert len(before) >= 7

    during = _walk(floor, listing, 3, lambda: (listing.add(floor), listing.add(floor)))

    assert len(during) == len(set(during)), f"{name}: a row was answered twice"
    assert set(before) <= set(during), f"{name}: rows missed: {set(before) - set(during)}"


def test_a_cursor_the_list_never_gave_is_refused_not_an_error(floor: Floor) -> None:
    for cursor in ("x", "1.2.3.4", "99999999999.1"):
        response = floor.client.get(
            f"/api/v1/warehouses/WH1/locations?after={cursor}", headers=floor.headers("manager")
        )
        assert response.status_code == 422, response.text


def test_a_full_page_names_the_next_in_its_link_header(floor: Floor) -> None:
    response = floor.client.get("/api/v1/warehouses/WH1/locations?limit=2", headers=floor.headers("manager"))
    cursor = response.headers["Next-Cursor"]
    assert response.headers["Link"].endswith('>; rel="next"')
    assert f"after={cursor}" in response.headers["Link"]
