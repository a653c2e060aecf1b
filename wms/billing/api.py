"""What a fulfilment house bills each merchant for, per day: JSON, and CSV to invoice from.

Managers see every merchant of their warehouse (or those they are restricted to); an integrator sees
its own merchant only."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from wms.auth import KaeruDep, require
from wms.billing import queries
from wms.billing.model import COUNTS, BillingDay
from wms.billing.schemas import BillingDayPublic
from wms.context import Kaeru
from wms.db import utcnow
from wms.errors import Invalid
from wms.identity.model import Principal
from wms.inputs import Code
from wms.insight.queries import warehouse_id as warehouse_for
from wms.merchants.service import merchant_by_code, merchants_visible

router = APIRouter(prefix="/api/v1", tags=["billing"])
Biller = Annotated[Principal, Depends(require("billing.read"))]
MAX_DAYS = 366
Since = Annotated[date | None, Query(description="first day (UTC), inclusive; default: 30 days ago")]
Until = Annotated[date | None, Query(description="day after the last (UTC), exclusive; default: tomorrow")]
MerchantCode = Annotated[Code | None, Query(description="one merchant; default: every one the caller sees")]
WarehouseCode = Annotated[Code | None, Query(description="warehouse code; the caller's own by default")]


@dataclass(frozen=True)
class Asked:
    """The bill asked for: warehouse, merchant and period (query parameters of both endpoints)."""

    warehouse: WarehouseCode = None
    merchant: MerchantCode = None
    since: Since = None
    until: Until = None


AskedDep = Annotated[Asked, Depends()]


def _days(kaeru: Kaeru, principal: Principal, asked: Asked) -> list[BillingDay]:
    until = asked.until or utcnow().date() + timedelta(days=1)
    since = asked.since or until - timedelta(days=31)
    if since >= until:
        raise Invalid("`since` must be before `until`")
    if (until - since).days > MAX_DAYS:
        raise Invalid(f"a billing period is at most {MAX_DAYS} days")
    with kaeru.db.read() as session:
        warehouse_id = warehouse_for(session, principal, asked.warehouse)
        merchants = (
            [merchant_by_code(session, principal, asked.merchant)]
            if asked.merchant
            else merchants_visible(session, principal)
        )
        return queries.billing_days(
            session, warehouse_id=warehouse_id, merchants=merchants, since=since, until=until
        )


@router.get("/billing", summary="Billable work per merchant and day", response_model=list[BillingDayPublic])
def billing(kaeru: KaeruDep, principal: Biller, asked: AskedDep) -> Any:
    return [day.as_dict() for day in _days(kaeru, principal, asked)]


@router.get(
    "/billing.csv",
    summary="Billable work per merchant and day, as CSV to invoice from",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "one row per merchant and day",
        }
    },
)
def billing_csv(kaeru: KaeruDep, principal: Biller, asked: AskedDep) -> Response:
    days = _days(kaeru, principal, asked)
    grades = sorted({key for day in days for key in day.returns_by_grade})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["merchant", "day", *COUNTS, *(f"returns_{key}" for key in grades)])
    for day in days:
        row = [day.merchant, day.day.isoformat(), *(day.counts[c] for c in COUNTS)]
        writer.writerow(row + [day.returns_by_grade.get(key, 0) for key in grades])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="kaeru-billing.csv"'},
    )
