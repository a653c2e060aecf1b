"""Transit times are learned from deliveries as they come in: each delivery counted once, a delivery
recorded a moment ago left for the next round, and estimates built from the kept counts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import col, select

from tests.floor import Floor
from tests.integration.shopper.shop import backdate, ship, track
from wms.delivery import learn_transit
from wms.fulfilment.tables import Order, Shipment
from wms.inventory.tables import Warehouse
from wms.shopper import edd
from wms.shopper.plugin import relearn
from wms.shopper.tables import LearningMark, TransitCount


def _deliver(floor: Floor, number: str, days: int) -> None:
    shipped = ship(floor, number, [("TEE-M", 1)])
    backdate(floor, shipped["tracking_number"], days)
    track(floor, shipped["tracking_number"], "delivered", at=datetime.now(UTC))


def test_each_round_counts_only_the_deliveries_not_counted_yet(floor: Floor) -> None:
    _deliver(floor, "L-1", 2)
    _deliver(floor, "L-2", 3)
    assert relearn(floor.kaeru, settle_seconds=0).learned_from == 2
    with floor.kaeru.db.read() as session:
        rows = session.exec(select(func.count()).select_from(TransitCount)).one()
        mark = session.exec(select(LearningMark)).one()

    _deliver(floor, "L-3", 2)
    # Recorded a moment ago: it may have been committed after a later one, so it waits a round.
    assert relearn(floor.kaeru, settle_seconds=3600).learned_from == 2
    assert relearn(floor.kaeru, settle_seconds=0).learned_from == 3
    assert relearn(floor.kaeru, settle_seconds=0).learned_from == 3
    with floor.kaeru.db.read() as session:
        assert session.exec(select(LearningMark)).one().last_event_id > mark.last_event_id
        # The counts grow by lane and transit day, not by delivery: L-3 took the same lane and days as L-1.
        assert session.exec(select(func.count()).select_from(TransitCount)).one() == rows


def test_the_kept_counts_learn_what_the_delivered_shipments_themselves_learn(floor: Floor) -> None:
    for n, days in enumerate((1, 2, 2, 3, 5, 2)):
        _deliver(floor, f"M-{n}", days)
    state = relearn(floor.kaeru, settle_seconds=0)
    with floor.kaeru.db.read() as session:
        rows = session.exec(
            select(Shipment, Order, Warehouse)
            .join(Order, col(Order.id) == col(Shipment.order_id))
            .join(Warehouse, col(Warehouse.id) == col(Order.warehouse_id))
            .where(col(Shipment.delivered_at).is_not(None))
        ).all()
    records = [edd.delivery_record(state.network, state.names, *row) for row in rows]
    whole = learn_transit(network=state.network, records=[r for r in records if r is not None])
    assert state.learned_from == whole.records_used == 6
    assert state.transit.fits  # six deliveries on one lane: enough for it to be learned
    assert state.transit.fits == whole.fits
