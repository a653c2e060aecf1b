"""Bring the database in line with config/: merchants, warehouses, locations, stations, devices."""

from __future__ import annotations

from sqlmodel import Session, select

from kaeru_config.merchants import default_merchant
from kaeru_config.site import SiteConfig
from wms.identity.tables import Device, Station
from wms.inventory.tables import Location, Warehouse
from wms.merchants.service import apply_merchants


def apply_site(session: Session, site: SiteConfig) -> dict[str, int]:  # noqa: C901 - predates the complexity limit
    """Create what the configuration describes and is missing; update what changed. Never deletes."""
    created = {"merchants": 0, "warehouses": 0, "locations": 0, "stations": 0, "devices": 0}
    created["merchants"] = apply_merchants(session, site.merchants or [default_merchant()])
    warehouses: dict[str, Warehouse] = {}
    for spec in site.warehouses:
        warehouse = session.exec(select(Warehouse).where(Warehouse.code == spec.code)).first()
        if warehouse is None:
            warehouse = Warehouse(code=spec.code, name=spec.name)
            created["warehouses"] += 1
        warehouse.name, warehouse.country, warehouse.timezone = spec.name, spec.country, spec.timezone
        warehouse.address = spec.address
        session.add(warehouse)
        session.flush()
        warehouses[spec.code] = warehouse
        existing = {
            loc.code: loc
            for loc in session.exec(select(Location).where(Location.warehouse_id == warehouse.id))
        }
        seq = 0
        for location_spec in spec.locations:
            for code, kind, zone in location_spec.expand():
                seq += 10
                location = existing.get(code)
                if location is None:
                    location = Location(warehouse_id=warehouse.id or 0, code=code, kind=kind)
                    created["locations"] += 1
                location.kind, location.zone, location.path_seq = kind, zone, seq
                session.add(location)
    session.flush()
    for station_spec in site.stations:
        warehouse = warehouses[station_spec.warehouse]
        station = session.exec(select(Station).where(Station.code == station_spec.code)).first()
        if station is None:
            station = Station(warehouse_id=warehouse.id or 0, code=station_spec.code, kind=station_spec.kind)
            created["stations"] += 1
        station.kind, station.name = station_spec.kind, station_spec.code
        if station_spec.location:
            location = session.exec(
                select(Location).where(
                    Location.warehouse_id == warehouse.id, Location.code == station_spec.location
                )
            ).first()
            station.location_id = location.id if location else None
        session.add(station)
        session.flush()
        for device_spec in station_spec.devices:
            device = session.exec(select(Device).where(Device.code == device_spec.code)).first()
            if device is None:
                device = Device(warehouse_id=warehouse.id or 0, code=device_spec.code, kind=device_spec.kind)
                created["devices"] += 1
            device.kind, device.url, device.station_id = device_spec.kind, device_spec.url, station.id
            session.add(device)
        # Each station also has an agent identity: the station agent talks to the server as it.
        agent_code = f"{station_spec.code}-AGENT"
        if session.exec(select(Device).where(Device.code == agent_code)).first() is None:
            session.add(
                Device(warehouse_id=warehouse.id or 0, code=agent_code, kind="agent", station_id=station.id)
            )
            created["devices"] += 1
    session.flush()
    return created
