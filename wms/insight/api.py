"""Returns insight over HTTP, for managers of the warehouse (permission returns.insight)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session, col, select

from wms.auth import KaeruDep, require
from wms.errors import NotFound
from wms.identity.model import Principal
from wms.insight import service
from wms.inventory.service import warehouse_by_code
from wms.inventory.tables import Warehouse

router = APIRouter(prefix="/api/v1/insight/returns", tags=["insight"])
Manager = Annotated[Principal, Depends(require("returns.insight"))]
Since = Annotated[datetime | None, Query(description="from this time (inclusive), ISO 8601")]
Until = Annotated[datetime | None, Query(description="until this time (exclusive), ISO 8601")]
WarehouseCode = Annotated[str | None, Query(description="warehouse code; a manager's own by default")]


def _warehouse_id(session: Session, principal: Principal, code: str | None) -> int:
    if code:
        return warehouse_by_code(session, principal, code).id or 0
    if principal.warehouse_id is not None:
        return principal.warehouse_id
    first = session.exec(select(Warehouse).order_by(col(Warehouse.id))).first()
    if first is None:
        raise NotFound("no warehouse is set up yet")
    return first.id or 0


def _run(
    kaeru: Any,
    principal: Principal,
    warehouse: str | None,
    since: datetime | None,
    until: datetime | None,
    query: Callable[..., dict[str, Any]],
) -> dict[str, Any]:
    with kaeru.db.read() as session:
        warehouse_id = _warehouse_id(session, principal, warehouse)
        return {
            "since": since,
            "until": until,
            **query(session, warehouse_id=warehouse_id, since=since, until=until),
        }


@router.get("", summary="Every returns figure of a period at once")
def everything(
    kaeru: KaeruDep,
    principal: Manager,
    warehouse: WarehouseCode = None,
    since: Since = None,
    until: Until = None,
) -> dict[str, Any]:
    with kaeru.db.read() as session:
        wid = _warehouse_id(session, principal, warehouse)
        return {"since": since, "until": until} | {
            name: query(session, warehouse_id=wid, since=since, until=until)
            for name, query in (
                ("reasons", service.reasons),
                ("grades", service.grades),
                ("dispositions", service.dispositions),
                ("recovery", service.recovery),
                ("dock_to_stock", service.dock_to_stock),
            )
        }


@router.get("/reasons", summary="Return reasons overall, per SKU and per category")
def reasons(
    kaeru: KaeruDep,
    principal: Manager,
    warehouse: WarehouseCode = None,
    since: Since = None,
    until: Until = None,
) -> dict[str, Any]:
    return _run(kaeru, principal, warehouse, since, until, service.reasons)


@router.get("/grades", summary="Grade mix overall and per category")
def grades(
    kaeru: KaeruDep,
    principal: Manager,
    warehouse: WarehouseCode = None,
    since: Since = None,
    until: Until = None,
) -> dict[str, Any]:
    return _run(kaeru, principal, warehouse, since, until, service.grades)


@router.get("/dispositions", summary="Where graded units went, overall and per grade")
def dispositions(
    kaeru: KaeruDep,
    principal: Manager,
    warehouse: WarehouseCode = None,
    since: Since = None,
    until: Until = None,
) -> dict[str, Any]:
    return _run(kaeru, principal, warehouse, since, until, service.dispositions)


@router.get("/recovery", summary="Recovery value: what returned stock is worth after grading")
def recovery(
    kaeru: KaeruDep,
    principal: Manager,
    warehouse: WarehouseCode = None,
    since: Since = None,
    until: Until = None,
) -> dict[str, Any]:
    return _run(kaeru, principal, warehouse, since, until, service.recovery)


@router.get("/dock-to-stock", summary="Parcel scanned to unit put away: p50 and p90 in seconds")
def dock_to_stock(
    kaeru: KaeruDep,
    principal: Manager,
    warehouse: WarehouseCode = None,
    since: Since = None,
    until: Until = None,
) -> dict[str, Any]:
    return _run(kaeru, principal, warehouse, since, until, service.dock_to_stock)
