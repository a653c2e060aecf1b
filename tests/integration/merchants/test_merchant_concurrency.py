"""Two merchants' orders for one physical bin, all at once over real HTTP on PostgreSQL: neither
merchant is ever oversold, and neither's orders ever hold the other's units."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from tests.floor import Floor
from tests.integration.core.test_concurrency import _race
from tests.live_server import serve
from wms.context import Kaeru
from wms.fulfilment.tables import Order, OrderLine, Reservation
from wms.inventory.tables import Quant

WRITERS = 32
ROUNDS = 3


@pytest.fixture
def floor(kaeru: Kaeru) -> Iterator[Floor]:
    f = Floor(kaeru)
    yield f
    f.close()


def _body(number: str, merchant: str, sku: str) -> dict:
    return {
        "warehouse": "WH1",
        "merchant": merchant,
        "number": number,
        "shopper": {"email": f"{number.lower()}@example.com"},
        "lines": [{"sku": sku, "quantity": 1}],
    }


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_merchants_racing_for_one_bin_are_never_oversold(floor: Floor) -> None:
    with serve(floor.app) as base:
        for round_no in range(ROUNDS):
            sku = f"BIN-{round_no}"  # the same SKU code for both merchants, in the same bin
            floor.item(sku)
            floor.item(sku, merchant="SAKURA")
            floor.receive(sku, 5, "A-01-1", merchant="KAERU")
            floor.receive(sku, 7, "A-01-1", merchant="SAKURA")
            bodies = [_body(f"R{round_no}-{i}", "KAERU" if i % 2 else "SAKURA", sku) for i in range(WRITERS)]
            responses = _race(base, floor.tokens["integrator"], bodies)
            assert [r.status_code for r in responses] == [201] * WRITERS
            reserved = {"KAERU": 0, "SAKURA": 0}
            for body, response in zip(bodies, responses, strict=True):
                assert response.json()["merchant"] == body["merchant"]
                reserved[body["merchant"]] += response.json()["lines"][0]["reserved"]
            assert reserved == {"KAERU": 5, "SAKURA": 7}
            with floor.kaeru.db.read() as session:
                for quant in session.exec(select(Quant).where(Quant.quantity > 0)):
                    assert 0 <= quant.reserved <= quant.quantity
                crossed = session.exec(
                    select(func.count())
                    .select_from(Reservation)
                    .join(Quant, col(Quant.id) == col(Reservation.quant_id))
                    .join(OrderLine, col(OrderLine.id) == col(Reservation.order_line_id))
                    .join(Order, col(Order.id) == col(OrderLine.order_id))
                    .where(col(Quant.merchant_id) != col(Order.merchant_id))
                ).one()
            assert crossed == 0
