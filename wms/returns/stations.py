"""Returns stations: which one a request comes from, its label printer, its scale and its receiving bench."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from wms.db import utcnow
from wms.errors import Conflict, Forbidden, NotFound
from wms.identity.model import Principal, plain_grams, whole_grams
from wms.identity.tables import Device, Station
from wms.inventory.tables import Location

# A scale reading older than this is not the parcel on the scale now.
WEIGHT_FRESH_FOR = timedelta(minutes=5)


def station_for(session: Session, principal: Principal, code: str | None) -> Station | None:
    """The returns station a request comes from: the device's own, or the one a person names."""
    if principal.kind == "device":
        device = session.get(Device, principal.device_id)
        station = session.get(Station, device.station_id) if device and device.station_id else None
        if station is None or station.kind != "returns":
            raise Forbidden("this device does not belong to a returns station")
        return station
    if not code:
        return None
    station = session.exec(select(Station).where(Station.code == code)).first()
    if station is None or not principal.sees_warehouse(station.warehouse_id) or station.kind != "returns":
        raise NotFound("no returns station {code!r}", code=code)
    return station


def station_printer(session: Session, station: Station | None) -> str | None:
    if station is None:
        return None
    printer = session.exec(
        select(Device)
        .where(Device.station_id == station.id, Device.kind == "printer")
        .order_by(col(Device.id))
    ).first()
    return printer.url if printer and printer.url else None


def station_exact_weight(station: Station | None) -> Decimal | None:
    """The station scale's latest stable reading, if it is recent, at the scale's own resolution."""
    if station is None or station.last_weight_g is None or not station.last_weight_stable:
        return None
    if station.last_weight_at is None or station.last_weight_at < utcnow() - WEIGHT_FRESH_FOR:
        return None
    return plain_grams(station.last_weight_g)


def station_weight(station: Station | None) -> int | None:
    """The station scale's latest stable reading, if it is recent, as the parcel keeps it: whole
    grams rounded half up (1234.5 g is 1235 g). A returned parcel's weight is recorded, shown to the
    shopper and checked against item weights kept in whole grams, so a fraction of a gram decides
    nothing there; the exact reading stays on the station (`station_exact_weight`)."""
    exact = station_exact_weight(station)
    return None if exact is None else whole_grams(exact)


def receiving_location(session: Session, warehouse_id: int, station_id: int | None) -> Location:
    """Where received units wait in quarantine: the station's own bench, or the warehouse's returns area."""
    station = session.get(Station, station_id) if station_id else None
    if station is not None and station.location_id:
        location = session.get(Location, station.location_id)
        if location is not None:
            return location
    location = session.exec(
        select(Location)
        .where(Location.warehouse_id == warehouse_id, Location.kind == "returns")
        .order_by(col(Location.path_seq))
    ).first()
    if location is None:
        raise Conflict("this warehouse has no returns location configured")
    return location
