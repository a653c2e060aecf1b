"""Counting a billing period: one GROUP BY statement per figure, whatever the period's length."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from wms.billing.model import BillingDay, bill
from wms.fulfilment.tables import Order, Shipment
from wms.inventory.tables import LedgerEntry
from wms.merchants.tables import Merchant
from wms.platform.tables import OutboxMessage
from wms.returns.tables import ReturnUnit


def _day(session: Session, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, as the database computes it."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _bounds(since: date, until: date) -> tuple[datetime, datetime]:
    return datetime.combine(since, time(), UTC), datetime.combine(until, time(), UTC)


def billing_days(
    session: Session, *, warehouse_id: int, merchants: list[Merchant], since: date, until: date
) -> list[BillingDay]:
    """Per merchant and UTC day of [since, until): what was received, shipped, picked, graded,
    printed and stored in the warehouse."""
    ids = {m.id: m.code for m in merchants if m.id is not None}
    if not ids or until <= since:
        return []
    start, end = _bounds(since, until)
    counted: dict[tuple[str, date, str], int] = {}

    def add(figure: str, rows: Any) -> None:
        for merchant_id, day, value in rows:
            counted[(ids[merchant_id], _as_date(day), figure)] = int(value or 0)

    ledger = LedgerEntry
    in_period = (
        col(ledger.warehouse_id) == warehouse_id,
        col(ledger.merchant_id).in_(ids),
        col(ledger.at) >= start,
        col(ledger.at) < end,
    )
    day = _day(session, ledger.at)
    add(
        "units_received",
        session.exec(
            select(ledger.merchant_id, day, func.sum(ledger.quantity))
            .where(*in_period, ledger.reason == "receive")
            .group_by(col(ledger.merchant_id), day)
        ),
    )
    for figure, measure in (("lines_picked", func.count()), ("units_picked", func.sum(ledger.quantity))):
        add(
            figure,
            session.exec(
                select(ledger.merchant_id, day, measure)
                .where(*in_period, ledger.reason == "pick")
                .group_by(col(ledger.merchant_id), day)
            ),
        )
    shipped_day = _day(session, Shipment.shipped_at)
    shipped = (
        select(Order.merchant_id, shipped_day, func.count(func.distinct(Shipment.order_id)), func.count())
        .join(Order, col(Order.id) == col(Shipment.order_id))
        .where(
            col(Order.warehouse_id) == warehouse_id,
            col(Order.merchant_id).in_(ids),
            col(Shipment.shipped_at) >= start,
            col(Shipment.shipped_at) < end,
        )
        .group_by(col(Order.merchant_id), shipped_day)
    )
    for merchant_id, on, orders, cartons in session.exec(shipped):
        counted[(ids[merchant_id], _as_date(on), "orders_shipped")] = int(orders)
        counted[(ids[merchant_id], _as_date(on), "cartons_shipped")] = int(cartons)
    printed_day = _day(session, OutboxMessage.created_at)
    add(
        "labels_printed",
        session.exec(
            select(OutboxMessage.merchant_id, printed_day, func.count())
            .where(
                OutboxMessage.channel == "print",
                OutboxMessage.state == "delivered",
                col(OutboxMessage.warehouse_id) == warehouse_id,
                col(OutboxMessage.merchant_id).in_(ids),
                col(OutboxMessage.created_at) >= start,
                col(OutboxMessage.created_at) < end,
            )
            .group_by(col(OutboxMessage.merchant_id), printed_day)
        ),
    )
    return bill(
        sorted(ids.values()),
        since,
        until,
        counted,
        _graded(session, warehouse_id, ids, start, end),
        *_stock(session, warehouse_id, ids, start, end),
    )


def _graded(
    session: Session, warehouse_id: int, ids: dict[int, str], start: datetime, end: datetime
) -> dict[tuple[str, date, str], int]:
    unit = ReturnUnit
    day = _day(session, unit.graded_at)
    rows = session.exec(
        select(col(unit.merchant_id), day, col(unit.grade), col(unit.disposition), func.count())
        .where(
            col(unit.warehouse_id) == warehouse_id,
            col(unit.merchant_id).in_(ids),
            col(unit.graded_at) >= start,
            col(unit.graded_at) < end,
        )
        .group_by(col(unit.merchant_id), day, col(unit.grade), col(unit.disposition))
    )
    return {
        (ids[merchant_id], _as_date(on), f"{grade}/{disposition}"): int(units)
        for merchant_id, on, grade, disposition, units in rows
    }


def _stock(
    session: Session, warehouse_id: int, ids: dict[int, str], start: datetime, end: datetime
) -> tuple[dict[str, int], dict[tuple[str, date], int]]:
    """Units in the building before the period, and each day's units in minus units out."""
    ledger = LedgerEntry
    # Arrived from outside (receipts, returns) counts in; left the building (shipped, disposed) out.
    arrived = case((col(ledger.from_location_id).is_(None), col(ledger.quantity)), else_=0)
    left = case((col(ledger.to_location_id).is_(None), col(ledger.quantity)), else_=0)
    change = func.sum(arrived - left)
    mine = (col(ledger.warehouse_id) == warehouse_id, col(ledger.merchant_id).in_(ids))
    opening = {
        ids[merchant_id]: int(units or 0)
        for merchant_id, units in session.exec(
            select(ledger.merchant_id, change)
            .where(*mine, col(ledger.at) < start)
            .group_by(col(ledger.merchant_id))
        )
    }
    day = _day(session, ledger.at)
    changes: dict[tuple[str, date], int] = defaultdict(int)
    for merchant_id, on, units in session.exec(
        select(ledger.merchant_id, day, change)
        .where(*mine, col(ledger.at) >= start, col(ledger.at) < end)
        .group_by(col(ledger.merchant_id), day)
    ):
        changes[(ids[merchant_id], _as_date(on))] = int(units or 0)
    return opening, dict(changes)
