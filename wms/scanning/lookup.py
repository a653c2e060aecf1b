"""What an idle device's scan answers: what the thing is and where its stock is. Reads only."""

from __future__ import annotations

from sqlalchemy import and_, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from devices.scan import Scan
from wms.context import Kaeru
from wms.db import Direct
from wms.errors import NotFound
from wms.fulfilment.model import StepResult
from wms.identity.model import Principal
from wms.inventory.service import item_by_gtin
from wms.inventory.tables import Item, Location, Quant
from wms.scanning.assignment import warehouse_of

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


def look_up(session: Session, kaeru: Kaeru, principal: Principal, scan: Scan) -> StepResult:
    """With no task, a scan answers what the thing is and where stock is."""
    warehouse_id = warehouse_of(principal, session)
    if scan.kind == "location":
        rows = _LOCATION_CONTENTS.rows(session.connection(), {"warehouse": warehouse_id, "code": scan.code})
        if not rows:
            raise NotFound(f"unknown location {scan.code}")
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
    item = None
    if scan.gtin:
        item = item_by_gtin(session, scan.gtin)
    elif scan.kind == "text":
        item = session.exec(select(Item).where(Item.sku == scan.code)).first()
    if item is None:
        raise NotFound(f"unknown barcode {scan.data!r}: not an item, location or order of this warehouse")
    stock_rows = session.exec(
        select(Quant, Location)
        .join(Location, col(Location.id) == col(Quant.location_id))
        .where(Quant.item_id == item.id, Quant.quantity > 0, Location.warehouse_id == warehouse_id)
    ).all()
    return StepResult(
        "accepted",
        f"{item.sku} {item.name}",
        {
            "sku": item.sku,
            "stock": [
                {"location": loc.code, "quantity": q.quantity, "reserved": q.reserved}
                for q, loc in stock_rows
            ],
        },
    )
