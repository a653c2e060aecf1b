"""Returns insight over HTTP, for managers of the warehouse (permission returns.insight)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from wms.auth import KaeruDep, require
from wms.context import Kaeru
from wms.identity.model import Principal
from wms.inputs import Code
from wms.insight import queries, schemas

router = APIRouter(prefix="/api/v1/insight/returns", tags=["insight"])
Manager = Annotated[Principal, Depends(require("returns.insight"))]
Since = Annotated[datetime | None, Query(description="from this time (inclusive), ISO 8601")]
Until = Annotated[datetime | None, Query(description="until this time (exclusive), ISO 8601")]
WarehouseCode = Annotated[Code | None, Query(description="warehouse code; a manager's own by default")]
MerchantCode = Annotated[
    Code | None, Query(description="one merchant's figures; the caller's merchants by default")
]

FIGURES: dict[str, Callable[..., dict[str, Any]]] = {
    "reasons": queries.reasons,
    "grades": queries.grades,
    "dispositions": queries.dispositions,
    "recovery": queries.recovery,
    "dock_to_stock": queries.dock_to_stock,
}


def _run(
    kaeru: Kaeru,
    principal: Principal,
    where: tuple[str | None, str | None],
    since: datetime | None,
    until: datetime | None,
    names: tuple[str, ...],
) -> dict[str, Any]:
    """The named figures of the period; one name: its figures at the top level, beside the period."""
    with kaeru.db.read() as session:
        scope = queries.scope_of(session, principal, *where)
        found = {name: FIGURES[name](session, scope=scope, since=since, until=until) for name in names}
    figures = found[names[0]] if len(names) == 1 else found
    return {"since": since, "until": until, **figures}


@router.get("", summary="Every returns figure of a period at once")
def everything(
    kaeru: KaeruDep,
    principal: Manager,
    warehouse: WarehouseCode = None,
    merchant: MerchantCode = None,
    since: Since = None,
    until: Until = None,
) -> schemas.Everything:
    answer = _run(kaeru, principal, (warehouse, merchant), since, until, tuple(FIGURES))
    return schemas.Everything.model_validate(answer)


@router.get("/reasons", summary="Return reasons overall, per SKU and per category")
def reasons(
    kaeru: KaeruDep,
    principal: Manager,
    warehouse: WarehouseCode = None,
    merchant: MerchantCode = None,
    since: Since = None,
    until: Until = None,
) -> schemas.Reasons:
    return schemas.Reasons.model_validate(
        _run(kaeru, principal, (warehouse, merchant), since, until, ("reasons",))
    )


@router.get("/grades", summary="Grade mix overall and per category")
def grades(
    kaeru: KaeruDep,
    principal: Manager,
    warehouse: WarehouseCode = None,
    merchant: MerchantCode = None,
    since: Since = None,
    until: Until = None,
) -> schemas.Grades:
    return schemas.Grades.model_validate(
        _run(kaeru, principal, (warehouse, merchant), since, until, ("grades",))
    )


@router.get("/dispositions", summary="Where graded units went, overall and per grade")
def dispositions(
    kaeru: KaeruDep,
    principal: Manager,
    warehouse: WarehouseCode = None,
    merchant: MerchantCode = None,
    since: Since = None,
    until: Until = None,
) -> schemas.Dispositions:
    answer = _run(kaeru, principal, (warehouse, merchant), since, until, ("dispositions",))
    return schemas.Dispositions.model_validate(answer)


@router.get("/recovery", summary="Recovery value: what returned stock is worth after grading")
def recovery(
    kaeru: KaeruDep,
    principal: Manager,
    warehouse: WarehouseCode = None,
    merchant: MerchantCode = None,
    since: Since = None,
    until: Until = None,
) -> schemas.Recovery:
    return schemas.Recovery.model_validate(
        _run(kaeru, principal, (warehouse, merchant), since, until, ("recovery",))
    )


@router.get("/dock-to-stock", summary="Parcel scanned to unit put away: p50 and p90 in seconds")
def dock_to_stock(
    kaeru: KaeruDep,
    principal: Manager,
    warehouse: WarehouseCode = None,
    merchant: MerchantCode = None,
    since: Since = None,
    until: Until = None,
) -> schemas.DockToStock:
    answer = _run(kaeru, principal, (warehouse, merchant), since, until, ("dock_to_stock",))
    return schemas.DockToStock.model_validate(answer)
