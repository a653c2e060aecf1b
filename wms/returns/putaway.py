"""Put-away: a graded unit reaches the destination its grade chose, and the ledger moves it out of the
returns station (as the catalogue's open-box SKU where the unit is restocked as open box)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from wms import i18n
from wms.context import Kaeru
from wms.db import utcnow
from wms.errors import Conflict, Invalid, NotFound, Text
from wms.identity.model import Principal
from wms.inventory.ledger import Actor, Movement, Reference, move
from wms.inventory.tables import Item, LicensePlate, Location
from wms.returns import events, queries
from wms.returns.effects import EFFECTS
from wms.returns.model import UNIT, UnitStatus
from wms.returns.queries import config_of
from wms.returns.tables import ReturnParcel, ReturnUnit
from wms.returns.views import rma_code, unit_view


def _relabel_as_open_box(
    session: Session, principal: Principal, unit: ReturnUnit, item: Item, open_box: Item, to: Location
) -> None:
    """The unit leaves the ledger as one SKU and arrives as the other."""
    ref = rma_code(queries.rma_of(session, unit))
    move(
        session,
        Movement(
            warehouse_id=unit.warehouse_id,
            item=item,
            quantity=1,
            from_location_id=unit.received_location_id,
            to_location_id=None,
            reason="relabel",
            serial=unit.serial,
            from_condition="quarantine",
            reference=Reference("rma", ref, f"restocked as {open_box.sku}"),
        ),
        Actor(principal),
    )
    move(
        session,
        Movement(
            warehouse_id=unit.warehouse_id,
            item=open_box,
            quantity=1,
            from_location_id=None,
            to_location_id=to.id,
            reason="relabel",
            serial=unit.serial if open_box.tracking == "serial" else "",
            to_condition="new",
            reference=Reference("rma", ref, f"open box of {item.sku}"),
        ),
        Actor(principal),
    )


def _move(
    session: Session, kaeru: Kaeru, principal: Principal, unit: ReturnUnit, item: Item, to: Location
) -> None:
    open_box = (
        session.exec(select(Item).where(Item.sku == item.open_box_sku)).first()
        if unit.disposition == "restock_open_box" and item.open_box_sku
        else None
    )
    if open_box is not None:
        _relabel_as_open_box(session, principal, unit, item, open_box, to)
        return
    move(
        session,
        Movement(
            warehouse_id=unit.warehouse_id,
            item=item,
            quantity=1,
            from_location_id=unit.received_location_id,
            to_location_id=to.id,
            reason="putaway",
            serial=unit.serial,
            from_condition="quarantine",
            to_condition=config_of(kaeru, unit.merchant_id)
            .disposition.destinations[unit.disposition]
            .condition,
            reference=Reference(
                "rma", rma_code(queries.rma_of(session, unit)), f"{unit.disposition} (grade {unit.grade})"
            ),
        ),
        Actor(principal),
    )


def put_away(
    session: Session, *, kaeru: Kaeru, principal: Principal, unit: ReturnUnit, location_code: str
) -> dict[str, Any]:
    """The graded unit reaches its destination: the ledger moves it out of the returns station."""
    session.refresh(unit, with_for_update=True)
    if unit.status != UnitStatus.GRADED:
        raise Conflict(
            "unit {id} is {status}; only a graded unit is put away", id=unit.id, status=unit.status
        )
    destination = session.get(Location, unit.destination_location_id)
    if destination is None:
        raise NotFound("unit {id} has no destination", id=unit.id)
    code = location_code.removeprefix("LOC-")
    if code != destination.code:
        raise Invalid(
            "wrong location: take it to {code} (you scanned {scanned})",
            code=destination.code,
            scanned=code,
            expected=destination.code,
        )
    rma = queries.rma_of(session, unit)
    item = queries.item(session, unit.item_id)
    _move(session, kaeru, principal, unit, item, destination)
    unit.status = UNIT.move(unit.status, UnitStatus.PUT_AWAY, what=f"unit {unit.id}")
    unit.put_away_at = utcnow()
    session.add(unit)
    plate = session.exec(select(LicensePlate).where(LicensePlate.code == unit.lpn)).first()
    if plate is not None:
        plate.location_id = destination.id
        session.add(plate)
    parcel = session.get(ReturnParcel, unit.parcel_id)
    dock_to_stock = (unit.put_away_at - parcel.scanned_at).total_seconds() if parcel else None
    EFFECTS.record(session, principal, events.UnitPutAway(rma, unit, item, destination, dock_to_stock))
    return {
        "unit": unit_view(session, unit),
        "location": destination.code,
        "dock_to_stock_s": dock_to_stock,
        "message": i18n.say(Text("{sku} put away at {location}", sku=item.sku, location=destination.code)),
    }
