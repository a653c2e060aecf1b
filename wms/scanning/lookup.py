"""What an idle device's scan answers: what the thing is and where its stock is. Reads only."""

from __future__ import annotations

from sqlalchemy import and_, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from devices.scan import RMA_TOKEN_PREFIX, Scan
from wms.context import Kaeru
from wms.db import Direct
from wms.errors import NotFound
from wms.fulfilment.model import StepResult
from wms.fulfilment.orders import order_by_number
from wms.fulfilment.views import order_lines
from wms.identity.model import Principal
from wms.inventory.tables import Item, Location, Quant
from wms.merchants.service import codes_by_id
from wms.returns.queries import rma_by_number, unit_by_lpn
from wms.returns.views import rma_code, unit_view
from wms.scanning.assignment import warehouse_of
from wms.scoping import scoped

# A location and what is in it, in one round trip (a location with nothing in it is one row of NULLs).
_q, _i, _l = Quant.__table__, Item.__table__, Location.__table__  # type: ignore[attr-defined]
_LOCATION_CONTENTS = Direct(
    core_select(_l.c.code, _i.c.sku, _q.c.quantity, _q.c.serial, _q.c.condition)
    .select_from(
        _l.outerjoin(_q, and_(_q.c.location_id == _l.c.id, _q.c.quantity > 0)).outerjoin(
            _i, _i.c.id == _q.c.item_id
        )
    )
    .where(_l.c.warehouse_id == bindparam("warehouse"), _l.c.code == bindparam("code"))
    .order_by(_q.c.id)
)


def _order(session: Session, principal: Principal, warehouse_id: int, number: str) -> StepResult:
    order = order_by_number(session, principal, warehouse_id, number)
    lines = order_lines(session, order.id or 0)
    wanted = sum(line.quantity for line in lines)
    picked, packed = sum(line.picked for line in lines), sum(line.packed for line in lines)
    return StepResult(
        "accepted",
        f"order {order.number}: {order.status} ({picked} of {wanted} picked, {packed} packed)",
        {"order": order.number, "status": order.status, "picked": picked, "packed": packed, "units": wanted},
    )


def _rma(session: Session, principal: Principal, number: str) -> StepResult:
    rma = rma_by_number(session, principal, number)
    return StepResult(
        "accepted", f"{rma_code(rma)}: {rma.status}", {"rma": rma_code(rma), "status": rma.status}
    )


def _unit(session: Session, principal: Principal, code: str) -> StepResult:
    unit = unit_by_lpn(session, principal, code)
    view = unit_view(session, unit)
    where = f" at {view['location']}" if view.get("location") else ""
    return StepResult("accepted", f"LPN-{unit.lpn} {view['sku'] or ''}: {unit.status}{where}", {"unit": view})


def look_up(session: Session, kaeru: Kaeru, principal: Principal, scan: Scan) -> StepResult:
    """With no task, a scan answers what the thing is: an item and where its stock is, a location and
    what it holds, an order's progress, a return's state, a graded unit's."""
    warehouse_id = warehouse_of(principal, session)
    if scan.kind == "order":
        return _order(session, principal, warehouse_id, scan.code or "")
    if scan.kind == "rma" and not scan.data.startswith(RMA_TOKEN_PREFIX):
        return _rma(session, principal, scan.code or "")
    if scan.kind == "lpn":
        return _unit(session, principal, scan.data)
    if scan.kind == "location":
        rows = _LOCATION_CONTENTS.rows(session.connection(), {"warehouse": warehouse_id, "code": scan.code})
        if not rows:
            raise NotFound("unknown location {code}", code=scan.code)
        contents = [
            {"sku": sku, "quantity": quantity, "serial": serial, "condition": condition}
            for _, sku, quantity, serial, condition in rows
            if sku is not None
        ]
        code = rows[0][0]
        return StepResult(
            "accepted",
            f"{code}: {sum(c['quantity'] for c in contents)} unit(s)",
            {"location": code, "contents": contents},
        )
    return _item(session, principal, warehouse_id, scan)


def _item(session: Session, principal: Principal, warehouse_id: int, scan: Scan) -> StepResult:
    """An item and where its stock is. A product several merchants of the floor stock (one GTIN or SKU
    code, several owners) is answered with each merchant's item and stock, for the person to choose."""
    if scan.gtin:
        statement = select(Item).where(Item.gtin == scan.gtin.zfill(14))
    elif scan.kind == "text":
        statement = select(Item).where(Item.sku == scan.code)
    else:
        statement = None
    found = (
        list(session.exec(scoped(statement, principal, merchant=Item.merchant_id).limit(10)))
        if statement is not None
        else []
    )
    if not found:
        raise NotFound(
            "unknown barcode {data!r}: not an item, location or order of this warehouse", data=scan.data
        )
    codes = codes_by_id(session, (item.merchant_id for item in found))
    stock_rows = session.exec(
        select(Quant, Location)
        .join(Location, col(Location.id) == col(Quant.location_id))
        .where(
            col(Quant.item_id).in_([i.id for i in found]),
            Quant.quantity > 0,
            Location.warehouse_id == warehouse_id,
        )
    ).all()
    views = [
        {
            "sku": item.sku,
            "merchant": codes.get(item.merchant_id, ""),
            "stock": [
                {"location": loc.code, "quantity": q.quantity, "reserved": q.reserved}
                for q, loc in stock_rows
                if q.item_id == item.id
            ],
        }
        for item in found
    ]
    if len(views) == 1:
        item = found[0]
        return StepResult("accepted", f"{item.sku} {item.name}", views[0])
    owners = ", ".join(codes.get(item.merchant_id, "") for item in found)
    return StepResult(
        "accepted",
        f"{scan.data}: stocked by several merchants ({owners}); choose whose unit this is",
        {"choices": views},
    )
