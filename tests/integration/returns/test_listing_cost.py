"""Listing returns costs a fixed number of SQL statements per page, however many rows the page holds
(docs/architecture.md, Areas: a request does work in proportion to what it returns, not a query per row)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.integration.returns.returns_floor import (
    LIKE_NEW_APPAREL,
    Catalogue,
    authorise,
    ean_scan,
    grade,
    open_parcel,
    receive,
    ship_fast,
)

ROWS = 3  # a page of ROWS returns is compared with a page of 2 * ROWS


@contextmanager
def counted(catalogue: Catalogue) -> Iterator[list[str]]:
    sent: list[str] = []
    engine = catalogue.floor.kaeru.db.engine
    listener: Callable[..., None] = lambda *args: sent.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _returns_with_parcels_units_and_money(catalogue: Catalogue, count: int) -> dict[str, Any]:
    """`count` returns of one order, each received; every other one graded (and so refunded)."""
    catalogue.item("SHIRT", 1, price_minor=4000)
    catalogue.floor.receive(catalogue.sku("SHIRT"), count, "A-03-1")
    order = ship_fast(
        catalogue.floor, catalogue.order_number(), [(catalogue.sku("SHIRT"), count)], email=catalogue.email()
    )
    for index in range(count):
        rma = authorise(
            catalogue.floor,
            order,
            [{"sku": catalogue.sku("SHIRT"), "quantity": 1, "reason": "changed_mind"}],
        )
        parcel = open_parcel(catalogue.floor, rma["qr_payload"])
        unit = receive(catalogue.floor, parcel["id"], raw=ean_scan(catalogue.gtin(1)))["units"][0]
        if index % 2 == 0:
            grade(catalogue.floor, unit["id"], LIKE_NEW_APPAREL)
    return order


def test_a_page_of_returns_costs_the_same_statements_whatever_its_length(catalogue: Catalogue) -> None:
    _returns_with_parcels_units_and_money(catalogue, 2 * ROWS)
    catalogue.floor.call("GET", "/api/v1/returns?limit=1", "manager")  # the token's look-up is cached now
    with counted(catalogue) as short:
        page = catalogue.floor.call("GET", f"/api/v1/returns?limit={ROWS}", "manager")
    with counted(catalogue) as long:
        longer = catalogue.floor.call("GET", f"/api/v1/returns?limit={2 * ROWS}", "manager")
    assert (len(page), len(longer)) == (ROWS, 2 * ROWS)
    assert all(r["units"] and r["lines"] for r in longer)
    assert any(r["money"] for r in longer)
    assert len(long) == len(short), (len(short), len(long))


def test_a_shoppers_list_of_returns_costs_the_same_statements_whatever_its_length(
    catalogue: Catalogue,
) -> None:
    few = Catalogue(catalogue.floor, catalogue.tag + 500)  # its own SKUs on the shared floor
    order_of_few = _returns_with_parcels_units_and_money(few, ROWS)
    order_of_many = _returns_with_parcels_units_and_money(catalogue, 2 * ROWS)
    with counted(catalogue) as short:
        page = catalogue.floor.client.get(f"/api/v1/shopper/orders/{order_of_few['tracking_token']}/returns")
    with counted(catalogue) as long:
        longer = catalogue.floor.client.get(
            f"/api/v1/shopper/orders/{order_of_many['tracking_token']}/returns"
        )
    assert (len(page.json()), len(longer.json())) == (ROWS, 2 * ROWS)
    assert len(long) == len(short), (len(short), len(long))
