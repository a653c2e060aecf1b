"""List endpoints cost a fixed number of SQL statements per page, however many rows the page holds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.floor import Floor
from wms.context import Kaeru


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


@contextmanager
def counted(floor: Floor) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = floor.kaeru.db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(floor: Floor, path: str) -> tuple[int, list]:
    with counted(floor) as statements:
        rows = floor.call("GET", path)
    return len(statements), rows


def add_orders(floor: Floor, first: int, count: int) -> None:
    for n in range(first, first + count):
        floor.order(f"O-{n}", [("TEE", 1), ("CAP", 1)], email=f"shopper{n}@example.com")


def test_listing_twice_as_many_orders_costs_no_more_statements(floor: Floor) -> None:
    floor.item("TEE")
    floor.item("CAP")
    floor.receive("TEE", 50)
    floor.receive("CAP", 50)
    add_orders(floor, 1, 3)
    few, rows = statements_for(floor, "/api/v1/orders?limit=500")
    assert len(rows) == 3
    assert all(len(row["lines"]) == 2 for row in rows)
    add_orders(floor, 4, 3)
    many, rows = statements_for(floor, "/api/v1/orders?limit=500")
    assert len(rows) == 6
    assert rows[0]["shopper"]["email"] == "shopper6@example.com"
    assert many == few


def test_listing_stock_items_and_the_ledger_costs_no_more_statements_for_more_rows(floor: Floor) -> None:
    paths = [
        "/api/v1/warehouses/WH1/stock",
        "/api/v1/warehouses/WH1/ledger",
        "/api/v1/items",
        "/api/v1/scans",
    ]
    for n in range(3):
        floor.item(f"SKU-{n}")
        floor.receive(f"SKU-{n}", 2)
        floor.scan(f"SKU-{n}", "manager")
    few = {path: statements_for(floor, path) for path in paths}
    for n in range(3, 6):
        floor.item(f"SKU-{n}")
        floor.receive(f"SKU-{n}", 2)
        floor.scan(f"SKU-{n}", "manager")
    many = {path: statements_for(floor, path) for path in paths}
    for path in paths:
        assert len(many[path][1]) == 2 * len(few[path][1]), path
        assert many[path][0] == few[path][0], path
