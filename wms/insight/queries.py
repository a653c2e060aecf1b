"""Returns insight queries: load the rows of a period (one statement per figure, whatever its size),
summarise them with the pure functions of wms.insight.model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from wms.errors import NotFound
from wms.identity.model import Principal
from wms.insight import model
from wms.inventory.service import warehouse_by_code
from wms.inventory.tables import Item, Warehouse
from wms.returns.tables import ReturnAuthorisation, ReturnLine, ReturnParcel, ReturnUnit


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
    session: Session, *, warehouse_id: int, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    """Why things come back, per SKU and per category (units asked to be returned)."""
    statement = (
        select(Item.sku, Item.category, ReturnLine.reason, ReturnLine.quantity)
        .join(ReturnAuthorisation, col(ReturnAuthorisation.id) == ReturnLine.rma_id)
        .join(Item, col(Item.id) == ReturnLine.item_id)
        .where(
            ReturnAuthorisation.warehouse_id == warehouse_id,
            ReturnAuthorisation.kind == "authorised",
            col(ReturnAuthorisation.status).not_in(["cancelled"]),
        )
    )
    rows = session.exec(_period(statement, ReturnAuthorisation.created_at, since, until)).all()
    quantities = [r[3] for r in rows]
    return {
        "overall": model.mix((r[2] for r in rows), quantities),
        "by_sku": model.mix_by(((r[0], r[2]) for r in rows), quantities),
        "by_category": model.mix_by(((r[1], r[2]) for r in rows), quantities),
    }


def _graded(session: Session, warehouse_id: int, since: datetime | None, until: datetime | None) -> list[Any]:
    statement = select(ReturnUnit).where(
        ReturnUnit.warehouse_id == warehouse_id, col(ReturnUnit.grade).is_not(None)
    )
    return list(session.exec(_period(statement, ReturnUnit.graded_at, since, until)))


def grades(
    session: Session, *, warehouse_id: int, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    units = _graded(session, warehouse_id, since, until)
    return {
        "overall": model.mix(u.grade for u in units),
        "by_category": model.mix_by((u.category, u.grade) for u in units),
    }


def dispositions(
    session: Session, *, warehouse_id: int, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    units = _graded(session, warehouse_id, since, until)
    return {
        "overall": model.mix(u.disposition for u in units),
        "by_grade": model.mix_by((u.grade, u.disposition) for u in units),
    }


def recovery(
    session: Session, *, warehouse_id: int, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    """What returned stock is worth after grading, against what it sold for."""
    units = _graded(session, warehouse_id, since, until)
    return {
        "total": model.money_by((u.currency, "all", u.value_minor, u.recovery_minor) for u in units),
        "by_disposition": model.money_by(
            (u.currency, u.disposition, u.value_minor, u.recovery_minor) for u in units
        ),
        "by_category": model.money_by(
            (u.currency, u.category, u.value_minor, u.recovery_minor) for u in units
        ),
    }


def dock_to_stock(
    session: Session, *, warehouse_id: int, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    """Seconds from the parcel's scan at the station to each unit's put-away."""
    statement = (
        select(ReturnParcel.scanned_at, ReturnUnit.put_away_at)
        .join(ReturnParcel, col(ReturnParcel.id) == ReturnUnit.parcel_id)
        .where(ReturnUnit.warehouse_id == warehouse_id, col(ReturnUnit.put_away_at).is_not(None))
    )
    rows = session.exec(_period(statement, ReturnUnit.put_away_at, since, until)).all()
    seconds = [(put_away - scanned).total_seconds() for scanned, put_away in rows]
    return {"unit": "seconds", **model.spread(seconds).as_dict()}
