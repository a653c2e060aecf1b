"""Returns insight queries: the database adds up the rows of a period (GROUP BY, COUNT, SUM, and
percentiles: PostgreSQL's percentile_cont, or on SQLite the one or two rows at each percentile's rank
of a sorted query), so a figure costs a few statements returning a few rows however long the history;
the pure functions of wms.insight.model turn the groups into mixes and shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Float, Integer, cast, func
from sqlmodel import Session, col, select

from wms.errors import NotFound
from wms.identity.model import Principal
from wms.insight import model
from wms.inventory.service import warehouse_by_code
from wms.inventory.tables import Item, Warehouse
from wms.merchants.service import merchant_by_code
from wms.returns.tables import ReturnAuthorisation, ReturnLine, ReturnParcel, ReturnUnit


@dataclass(frozen=True)
class Scope:
    """Whose returns a figure counts: one warehouse's, of the merchants the caller sees (or one)."""

    warehouse_id: int
    merchant_ids: tuple[int, ...] | None = None  # None: every merchant

    def on(self, table: Any) -> list[Any]:
        """The conditions that keep a query of `table` (with warehouse_id, merchant_id) in scope."""
        conditions = [col(table.warehouse_id) == self.warehouse_id]
        if self.merchant_ids is not None:
            conditions.append(col(table.merchant_id).in_(self.merchant_ids))
        return conditions


def scope_of(session: Session, principal: Principal, warehouse: str | None, merchant: str | None) -> Scope:
    """The warehouse asked for (else the caller's, else the first) and the merchant asked for (else
    the caller's merchants)."""
    if merchant:
        merchants: tuple[int, ...] | None = (merchant_by_code(session, principal, merchant).id or 0,)
    else:
        merchants = tuple(sorted(principal.merchant_ids)) if principal.merchant_ids is not None else None
    return Scope(warehouse_id(session, principal, warehouse), merchants)


def warehouse_id(session: Session, principal: Principal, code: str | None) -> int:
    """The warehouse asked for, else the manager's own, else the first one set up."""
    if code:
        return warehouse_by_code(session, principal, code).id or 0
    if principal.warehouse_id is not None:
        return principal.warehouse_id
    first = session.exec(select(Warehouse).order_by(col(Warehouse.id))).first()
    if first is None:
        raise NotFound("no warehouse is set up yet")
    return first.id or 0


def _period(statement: Any, column: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        statement = statement.where(column >= since)
    if until is not None:
        statement = statement.where(column < until)
    return statement


def reasons(
    session: Session, *, scope: Scope, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    """Why things come back, per SKU and per category (units asked to be returned)."""
    statement = (
        select(Item.sku, Item.category, ReturnLine.reason, func.sum(ReturnLine.quantity))
        .join(ReturnAuthorisation, col(ReturnAuthorisation.id) == ReturnLine.rma_id)
        .join(Item, col(Item.id) == ReturnLine.item_id)
        .where(
            *scope.on(ReturnAuthorisation),
            ReturnAuthorisation.kind == "authorised",
            col(ReturnAuthorisation.status).not_in(["cancelled"]),
        )
        .group_by(Item.sku, Item.category, ReturnLine.reason)
    )
    rows = session.exec(_period(statement, ReturnAuthorisation.created_at, since, until)).all()
    quantities = [int(r[3]) for r in rows]
    return {
        "overall": model.mix((r[2] for r in rows), quantities),
        "by_sku": model.mix_by(((r[0], r[2]) for r in rows), quantities),
        "by_category": model.mix_by(((r[1], r[2]) for r in rows), quantities),
    }


@dataclass(frozen=True)
class _Graded:
    """Graded units of one category, grade, disposition and currency: how many, worth what."""

    category: str
    grade: str
    disposition: str
    currency: str
    units: int
    value_minor: int
    recovery_minor: int


def _graded(session: Session, scope: Scope, since: datetime | None, until: datetime | None) -> list[_Graded]:
    """The graded units of the period in groups; grades, dispositions and recovery asked together (in
    one read session) share one query."""
    key = ("insight.graded", scope, since, until)
    if key not in session.info:
        session.info[key] = _graded_groups(session, scope, since, until)
    groups: list[_Graded] = session.info[key]
    return groups


def _graded_groups(
    session: Session, scope: Scope, since: datetime | None, until: datetime | None
) -> list[_Graded]:
    unit = ReturnUnit
    statement = (
        sa.select(
            col(unit.category),
            col(unit.grade),
            col(unit.disposition),
            col(unit.currency),
            func.count(),
            func.sum(unit.value_minor),
            func.sum(unit.recovery_minor),
        )
        .where(*scope.on(unit), col(unit.grade).is_not(None))
        .group_by(col(unit.category), col(unit.grade), col(unit.disposition), col(unit.currency))
    )
    rows = session.execute(_period(statement, unit.graded_at, since, until)).all()
    return [_Graded(r[0], r[1], r[2], r[3], int(r[4]), int(r[5]), int(r[6])) for r in rows]


def grades(
    session: Session, *, scope: Scope, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    groups = _graded(session, scope, since, until)
    units = [g.units for g in groups]
    return {
        "overall": model.mix((g.grade for g in groups), units),
        "by_category": model.mix_by(((g.category, g.grade) for g in groups), units),
    }


def dispositions(
    session: Session, *, scope: Scope, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    groups = _graded(session, scope, since, until)
    units = [g.units for g in groups]
    return {
        "overall": model.mix((g.disposition for g in groups), units),
        "by_grade": model.mix_by(((g.grade, g.disposition) for g in groups), units),
    }


def recovery(
    session: Session, *, scope: Scope, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    """What returned stock is worth after grading, against what it sold for."""
    groups = _graded(session, scope, since, until)

    def by(key: Callable[[_Graded], str]) -> list[dict[str, object]]:
        return model.money_by((g.currency, key(g), g.value_minor, g.recovery_minor, g.units) for g in groups)

    return {
        "total": by(lambda g: "all"),
        "by_disposition": by(lambda g: g.disposition),
        "by_category": by(lambda g: g.category),
    }


def dock_to_stock(
    session: Session, *, scope: Scope, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    """Seconds from the parcel's scan at the station to each unit's put-away."""
    if session.get_bind().dialect.name == "postgresql":
        spread = _dock_to_stock_postgresql(session, scope, since, until)
    else:
        spread = _dock_to_stock_ranked(session, scope, since, until)
    return {"unit": "seconds", **spread.as_dict()}


def _put_away(statement: Any, scope: Scope, since: datetime | None, until: datetime | None) -> Any:
    statement = statement.join(ReturnParcel, col(ReturnParcel.id) == ReturnUnit.parcel_id).where(
        *scope.on(ReturnUnit), col(ReturnUnit.put_away_at).is_not(None)
    )
    return _period(statement, ReturnUnit.put_away_at, since, until)


def _dock_to_stock_postgresql(
    session: Session, scope: Scope, since: datetime | None, until: datetime | None
) -> model.Spread:
    seconds = cast(func.extract("epoch", col(ReturnUnit.put_away_at) - col(ReturnParcel.scanned_at)), Float)
    statement = select(
        func.count(),
        func.percentile_cont(0.5).within_group(seconds),
        func.percentile_cont(0.9).within_group(seconds),
        func.avg(seconds),
    ).select_from(ReturnUnit)
    count, p50, p90, mean = session.exec(_put_away(statement, scope, since, until)).one()
    return model.spread_of(count, p50, p90, mean)


def _microseconds(column: Any) -> Any:
    """A SQLite timestamp ('YYYY-MM-DD HH:MM:SS.ffffff', UTC) as whole microseconds since 1970: exact."""
    return cast(func.strftime("%s", column), Integer) * 1_000_000 + cast(func.substr(column, 21, 6), Integer)


def _dock_to_stock_ranked(
    session: Session, scope: Scope, since: datetime | None, until: datetime | None
) -> model.Spread:
    """Without percentile functions: the count and sum, then the one or two rows at each
    percentile's rank of the durations sorted (LIMIT 2 OFFSET rank)."""
    micros = _microseconds(col(ReturnUnit.put_away_at)) - _microseconds(col(ReturnParcel.scanned_at))
    totals = select(func.count(), func.sum(micros)).select_from(ReturnUnit)
    count, total = session.exec(_put_away(totals, scope, since, until)).one()
    if not count:
        return model.spread_of(0, None, None, None)

    def at(fraction: float) -> float:
        below, weight = model.ranks(count, fraction)
        ordered = select(micros).select_from(ReturnUnit).order_by(micros).offset(below).limit(2)
        values = [v / 1_000_000 for v in session.exec(_put_away(ordered, scope, since, until)).all()]
        return model.between(values[0], values[-1], weight)

    return model.spread_of(count, at(0.5), at(0.9), total / 1_000_000 / count)
