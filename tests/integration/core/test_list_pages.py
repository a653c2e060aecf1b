"""Orders and returns lists: keyset pages (`?after=<cursor>&limit=N`, the next cursor in the headers)
that walk every row once, newest first, and cost the same SQL statements for 10 rows or 100."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from tests.floor import Floor
from tests.statements import fewest_statements, statements_of
from wms.context import Kaeru
from wms.inventory.tables import Item, Warehouse
from wms.returns.tables import ReturnAuthorisation, ReturnLine


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _orders(floor: Floor, first: int, count: int) -> None:
    for n in range(first, first + count):
        floor.order(f"P-{n}", [("TEE", 1), ("CAP", 1)], email=f"pager{n % 7}@example.com")


def _returns(session: Session, first: int, count: int) -> None:
    warehouse = session.exec(select(Warehouse).where(Warehouse.code == "WH1")).one()
    items = session.exec(select(Item)).all()
    for n in range(first, first + count):
        rma = ReturnAuthorisation(
            warehouse_id=warehouse.id or 0,
            merchant_id=items[0].merchant_id,
            number=f"P{n}",
            token=f"paged-{n}",
        )
        session.add(rma)
        session.flush()
        for item in items:
            session.add(
                ReturnLine(rma_id=rma.id or 0, item_id=item.id or 0, quantity=1, reason="changed_mind")
            )


def _fewest(floor: Floor, path: str) -> int:
    return fewest_statements(floor.kaeru.db.engine, lambda: floor.call("GET", path))


def _walk(floor: Floor, path: str, limit: int) -> list[list[str]]:
    """Every page of a list, following Next-Cursor; each page's numbers."""
    pages: list[list[str]] = []
    url = f"{path}?limit={limit}"
    while True:
        response = floor.client.get(url, headers=floor.headers("manager"))
        assert response.status_code == 200, response.text
        pages.append([row["number"] for row in response.json()])
        cursor = response.headers.get("Next-Cursor")
        if cursor is None:
            assert "Link" not in response.headers
            return pages
        assert response.headers["Link"].endswith('>; rel="next"')
        assert f"after={cursor}" in response.headers["Link"]
        url = f"{path}?limit={limit}&after={cursor}"


def test_orders_are_paged_by_cursor_and_a_page_costs_the_same_for_ten_or_a_hundred(floor: Floor) -> None:
    floor.item("TEE")
    floor.item("CAP")
    floor.receive("TEE", 500)
    floor.receive("CAP", 500)
    _orders(floor, 1, 10)
    ten = _fewest(floor, "/api/v1/orders?limit=500")
    _orders(floor, 11, 90)
    hundred = _fewest(floor, "/api/v1/orders?limit=500")
    assert hundred == ten
    assert len(floor.call("GET", "/api/v1/orders?limit=500")) == 100
    pages = _walk(floor, "/api/v1/orders", 30)
    assert [len(p) for p in pages] == [30, 30, 30, 10]
    assert [n for p in pages for n in p] == [f"P-{n}" for n in range(100, 0, -1)]
    assert (
        statements_of(floor.kaeru.db.engine, lambda: floor.call("GET", "/api/v1/orders?limit=30&after=40"))
        <= ten
    )
    floor.call("GET", "/api/v1/orders?after=0", expect=422)
    floor.call("GET", "/api/v1/orders?after=x", expect=422)
    floor.call("GET", "/api/v1/orders?limit=501", expect=422)


def test_returns_are_paged_by_cursor_and_a_page_costs_the_same_for_ten_or_a_hundred(floor: Floor) -> None:
    floor.item("TEE")
    floor.item("CAP")
    floor.kaeru.db.write(lambda s: _returns(s, 1, 10))
    ten = _fewest(floor, "/api/v1/returns?limit=500")
    floor.kaeru.db.write(lambda s: _returns(s, 11, 90))
    hundred = _fewest(floor, "/api/v1/returns?limit=500")
    assert hundred == ten
    rows = floor.call("GET", "/api/v1/returns?limit=500")
    assert len(rows) == 100
    assert all(len(r["lines"]) == 2 for r in rows)
    pages = _walk(floor, "/api/v1/returns", 25)
    assert [len(p) for p in pages] == [25, 25, 25, 25, 0]
    assert [n for p in pages for n in p] == [f"P{n}" for n in range(100, 0, -1)]
    floor.call("GET", "/api/v1/returns?after=-3", expect=422)
