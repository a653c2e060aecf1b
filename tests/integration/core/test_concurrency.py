"""Concurrent reservations never oversell nor deadlock, on PostgreSQL and SQLite, over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.floor import Floor
from tests.live_server import serve
from wms.context import Kaeru
from wms.fulfilment.tables import OrderLine, Reservation
from wms.inventory.tables import Quant
from wms.observability.metrics import DB_RETRIES

REQUESTS = 32
ROUNDS = 4


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _race(base: str, token: str, bodies: list[dict]) -> list[httpx.Response]:
    """Send every body at once from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(bodies))
    responses: list[httpx.Response | None] = [None] * len(bodies)

    def send(index: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            barrier.wait()
            responses[index] = client.post(
                "/api/v1/orders", json=bodies[index], headers={"Authorization": f"Bearer {token}"}
            )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is not None for r in responses)
    return [r for r in responses if r is not None]


def _body(number: str, sku: str, quantity: int) -> dict:
    return {
        "warehouse": "WH1",
        "number": number,
        "shopper": {"email": f"{number}@example.com"},
        "lines": [{"sku": sku, "quantity": quantity}],
    }


def test_thirty_two_concurrent_orders_for_the_last_units_never_oversell(floor: Floor) -> None:
    with serve(floor.app) as base:
        for round_no in range(ROUNDS):
            sku = f"LAST-{round_no}"
            floor.item(sku)
            # Stock spread over two bins so that reservations take locks on several rows.
            floor.receive(sku, 6, "A-01-1")
            floor.receive(sku, 4, "B-02-2")
            responses = _race(
                base, floor.tokens["integrator"], [_body(f"R{round_no}-{i}", sku, 1) for i in range(REQUESTS)]
            )
            assert [r.status_code for r in responses] == [201] * REQUESTS
            statuses = [r.json()["status"] for r in responses]
            assert statuses.count("reserved") == 10
            assert statuses.count("backordered") == REQUESTS - 10
            with floor.kaeru.db.read() as session:
                quants = session.exec(
                    select(Quant)
                    .join(OrderLine, OrderLine.item_id == Quant.item_id)
                    .where(Quant.quantity > 0)
                    .distinct()
                ).all()
                for quant in quants:
                    assert 0 <= quant.reserved <= quant.quantity
                held = session.exec(select(func.sum(Reservation.quantity))).one()
            assert held == 10 * (round_no + 1)


def test_two_orders_of_eight_against_a_stock_of_ten_cannot_both_be_reserved(floor: Floor) -> None:
    with serve(floor.app) as base:
        for round_no in range(ROUNDS):
            sku = f"EIGHT-{round_no}"
            floor.item(sku)
            floor.receive(sku, 10, "C-03-1")
            responses = _race(
                base, floor.tokens["integrator"], [_body(f"E{round_no}-{i}", sku, 8) for i in range(2)]
            )
            statuses = sorted(r.json()["status"] for r in responses)
            assert statuses == ["backordered", "reserved"]
            on_hand = floor.call("GET", f"/api/v1/warehouses/WH1/stock?sku={sku}")
            assert sum(row["reserved"] for row in on_hand) <= 10


CROSSED_ROUNDS = 30


def _deadlocks() -> float:
    return DB_RETRIES.labels("deadlock")._value.get()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_orders_listing_two_items_in_opposite_order_never_deadlock(floor: Floor) -> None:
    """Half the orders list X then Y, half Y then X: each order locks the quants of both lines in one
    global order, so no transaction waits on another that waits on it (no deadlock, no retry, no 5xx)."""
    deadlocks_before = _deadlocks()
    with serve(floor.app) as base:
        for round_no in range(CROSSED_ROUNDS):
            x, y = f"X-{round_no}", f"Y-{round_no}"
            for sku in (x, y):
                floor.item(sku)
                floor.receive(sku, 6, "A-01-1")
                floor.receive(sku, 4, "B-02-2")
            bodies = []
            for i in range(REQUESTS):
                first, second = (x, y) if i % 2 else (y, x)
                body = _body(f"X{round_no}-{i}", first, 1)
                body["lines"].append({"sku": second, "quantity": 1})
                bodies.append(body)
            responses = _race(base, floor.tokens["integrator"], bodies)
            assert [r.status_code for r in responses] == [201] * REQUESTS, [r.text for r in responses]
            statuses = [r.json()["status"] for r in responses]
            assert statuses.count("reserved") == 10
            for sku in (x, y):
                on_hand = floor.call("GET", f"/api/v1/warehouses/WH1/stock?sku={sku}")
                assert sum(row["reserved"] for row in on_hand) == 10
                assert all(0 <= row["reserved"] <= row["quantity"] for row in on_hand)
    assert _deadlocks() == deadlocks_before
