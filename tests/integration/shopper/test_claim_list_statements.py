"""The claims list a manager reviews costs a fixed number of statements, however many claims it shows."""

from __future__ import annotations

from sqlmodel import select

from tests.floor import Floor
from tests.statements import statements_of
from wms.fulfilment.tables import Order
from wms.shopper.tables import DeliveryClaim


def _held_claims(floor: Floor, count: int) -> None:
    with floor.kaeru.db.read() as session:
        order = session.exec(select(Order).where(Order.number == "L-1")).one()

    def work(session):  # type: ignore[no-untyped-def]
        for n in range(count):
            session.add(
                DeliveryClaim(
                    warehouse_id=order.warehouse_id,
                    merchant_id=order.merchant_id,
                    number=f"9{n:04d}",
                    order_id=order.id,
                    shopper_id=order.shopper_id,
                    kind="not_received",
                    status="review",
                    lines={"TEE-M": 1},
                )
            )

    floor.kaeru.db.write(work)


def test_listing_twice_as_many_claims_sends_no_more_statements(floor: Floor) -> None:
    floor.order("L-1", [("TEE-M", 1)])
    _held_claims(floor, 5)
    few = statements_of(floor.kaeru.db.engine, lambda: floor.call("GET", "/api/v1/claims"))
    _held_claims(floor, 5)
    listed = floor.call("GET", "/api/v1/claims")
    many = statements_of(floor.kaeru.db.engine, lambda: floor.call("GET", "/api/v1/claims"))
    assert len(listed) == 10
    assert many == few
