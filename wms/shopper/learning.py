"""Learning transit times as deliveries come in, instead of reloading a year of shipments.

The learner (one server process at a time: wms/platform/leader.py) reads the delivered tracking events
newer than its mark, in batches, and adds each shipment's transit days to `transit_count` (per lane
key, ship month and days) in the same transaction that moves the mark: a delivery is counted once.
Events younger than `settle_seconds` wait for the next round, so one committed after a later-numbered
one is not stepped over. Every process then builds its model from the counts of the months within
`history_days` (a few thousand rows, whatever the history) and swaps it in.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from wms import delivery
from wms.context import Kaeru
from wms.db import utcnow
from wms.delivery.transit import LaneKey, model_from_counts, observe
from wms.fulfilment.tables import Order, Shipment, TrackingEvent
from wms.inventory.tables import Warehouse
from wms.shopper.edd import EddState, delivery_record
from wms.shopper.tables import LearningMark, TransitCount

MARK = "transit"
BATCH = 2000
_count = TransitCount.__table__  # type: ignore[attr-defined]


def _month(day: date) -> date:
    return day.replace(day=1)


def _first_month(now: datetime, history_days: int) -> date:
    return _month((now - timedelta(days=history_days)).date())


def _mark(session: Session) -> LearningMark:
    query = select(LearningMark).where(LearningMark.name == MARK)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # two learners (a hand-over) never count one batch twice
    mark = session.exec(query).first()
    if mark is None:
        mark = LearningMark(name=MARK, last_event_id=0)
        session.add(mark)
        session.flush()
    return mark


def _new_deliveries(session: Session, after: int, settled: datetime, batch: int) -> list[Any]:
    """The next delivered events after the mark, each the first delivery event of its shipment."""
    earlier = aliased(TrackingEvent)
    return list(
        session.exec(
            select(TrackingEvent.id, Shipment, Order, Warehouse)
            .join(Shipment, col(Shipment.id) == col(TrackingEvent.shipment_id))
            .join(Order, col(Order.id) == col(Shipment.order_id))
            .join(Warehouse, col(Warehouse.id) == col(Order.warehouse_id))
            .where(
                col(TrackingEvent.id) > after,
                TrackingEvent.kind == "delivered",
                col(TrackingEvent.received_at) <= settled,
                ~exists().where(
                    and_(
                        col(earlier.shipment_id) == col(TrackingEvent.shipment_id),
                        col(earlier.kind) == "delivered",
                        col(earlier.id) < col(TrackingEvent.id),
                    )
                ),
            )
            .order_by(col(TrackingEvent.id))
            .limit(batch)
        ).all()
    )


def _add_counts(session: Session, counts: Counter[tuple[str, date, int]]) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for (lane, month, days), n in sorted(counts.items()):
        statement = insert(_count).values(lane=lane, month=month, days=days, count=n)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["lane", "month", "days"],
                set_={"count": _count.c.count + statement.excluded.count},
            )
        )


def learn_batch(
    session: Session,
    network: delivery.Network,
    names: Any,
    *,
    now: datetime,
    settle_seconds: float,
    batch: int,
) -> int:
    """Count the next batch of deliveries and move the mark past them; how many events were read."""
    mark = _mark(session)
    rows = _new_deliveries(session, mark.last_event_id, now - timedelta(seconds=settle_seconds), batch)
    counts: Counter[tuple[str, date, int]] = Counter()
    for _event_id, shipment, order, warehouse in rows:
        record = delivery_record(network, names, shipment, order, warehouse)
        seen = observe(network, record) if record is not None else None
        if record is None or seen is None:
            continue
        days, chain = seen
        for key in chain:
            counts["|".join(key), _month(record.shipped_on), days] += 1
    _add_counts(session, counts)
    if rows:
        mark.last_event_id = max(int(row[0]) for row in rows)
    mark.learned_at = now
    session.add(mark)
    return len(rows)


def learn_new(kaeru: Kaeru, network: delivery.Network, names: Any, *, settle_seconds: float) -> int:
    """Count every settled delivery not counted yet, batch by batch; forget months past the history."""
    now = utcnow()
    total = 0
    while True:
        read = kaeru.db.write(
            lambda s: learn_batch(s, network, names, now=now, settle_seconds=settle_seconds, batch=BATCH)
        )
        total += read
        if read < BATCH:
            break
    oldest = _first_month(now, names.history_days)
    kaeru.db.write(lambda s: s.execute(delete(TransitCount).where(col(TransitCount.month) < oldest)))
    return total


def learned_state(kaeru: Kaeru, network: delivery.Network, names: Any) -> EddState:
    """The transit model from the counts of the months within the history (read by every process)."""
    now = utcnow()
    counts: dict[LaneKey, list[int]] = {}
    width = network.learning.max_transit_days + 1
    with kaeru.db.read() as session:
        rows = session.exec(
            select(TransitCount.lane, TransitCount.days, func.sum(TransitCount.count))
            .where(col(TransitCount.month) >= _first_month(now, names.history_days))
            .group_by(col(TransitCount.lane), col(TransitCount.days))
        ).all()
    for lane, days, n in rows:
        counts.setdefault(tuple(lane.split("|")), [0] * width)[min(days, width - 1)] += int(n)
    transit = model_from_counts(network=network, counts=counts)
    return EddState(network, transit, names, transit.records_used, now)
