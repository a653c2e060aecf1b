"""Scan ingest: every scan is recorded, parsed and routed to what its device is working on.

Areas register a handler per mode (pick, pack, returns, ...) in HANDLERS. A handler returns a
StepResult or raises a KaeruError; a refused scan rolls back its effects but stays recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, and_, bindparam, func, insert
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from devices.scan import Scan, parse_scan
from wms.context import Kaeru
from wms.db import Direct, utcnow
from wms.error_status import status_of
from wms.errors import Invalid, KaeruError, NotFound
from wms.fulfilment.service import StepResult
from wms.identity.model import Principal
from wms.identity.tables import Device
from wms.inventory.service import item_by_gtin
from wms.inventory.tables import Item, Location, Quant
from wms.observability.metrics import count_scan
from wms.platform.idempotency import Ahead
from wms.platform.outbox import publish_live
from wms.platform.tables import DeviceAssignment, ScanRecord

Handler = Callable[[Session, Kaeru, Principal, DeviceAssignment, Scan], StepResult]
Reader = Callable[[Session, Kaeru, Principal, Scan], StepResult]
HANDLERS: dict[str, Handler] = {}  # modes whose scans change things (pick, pack, returns ...)
READERS: dict[str, Reader] = {}  # modes whose scans only answer (idle): no savepoint, no assignment row
MODES = {"idle", "pick", "pack", "returns", "receive", "putaway"}
_ASSIGNMENT = select(DeviceAssignment).where(DeviceAssignment.actor == bindparam("actor"))
_a = DeviceAssignment.__table__  # type: ignore[attr-defined]
_MODE = Direct(core_select(_a.c.mode).where(_a.c.actor == bindparam("actor")))
_s = ScanRecord.__table__  # type: ignore[attr-defined]
_RECORD = Direct(
    insert(_s).returning(_s.c.id),
    keys=[c.name for c in _s.columns if c.name != "id"],
)
# PostgreSQL: the device's mode and the scan's id (from its sequence) in one round trip; the record is
# then written with the scan's other appends (live event, idempotency record) in one statement.
_MODE_AND_ID = Direct(
    core_select(
        core_select(_a.c.mode).where(_a.c.actor == bindparam("actor")).scalar_subquery(),
        func.nextval(func.pg_get_serial_sequence(_s.name, "id"), type_=BigInteger),
    )
)
_RECORD_AS = Direct(insert(_s), keys=[c.name for c in _s.columns])


def handles(mode: str) -> Callable[[Handler], Handler]:
    """Register the handler of a mode whose scans change things; it may update the assignment."""

    def register(handler: Handler) -> Handler:
        HANDLERS[mode] = handler
        return handler

    return register


def reads(mode: str) -> Callable[[Reader], Reader]:
    """Register the handler of a mode whose scans only look things up."""

    def register(reader: Reader) -> Reader:
        READERS[mode] = reader
        return reader

    return register


def mode_of(session: Session, principal: Principal) -> str:
    """What the caller's device is doing (idle when it was never assigned), without loading the row."""
    session.flush()  # a step earlier in this transaction may have moved it on
    mode = _MODE.scalar(session.connection(), {"actor": principal.key})
    return mode or "idle"


def look_ahead(kaeru: Kaeru, principal: Principal) -> Ahead | None:
    """What a scan asks first (mode and id, PostgreSQL), to be sent with its key's look-up."""
    if kaeru.db.dialect != "postgresql":
        return None
    return Ahead(_MODE_AND_ID, {"actor": principal.key})


def _mode_and_scan_id(
    session: Session, principal: Principal, known: tuple[Any, ...] | None
) -> tuple[str, int | None]:
    """The device's mode, and on PostgreSQL the id the scan's record will have (None: known on insert)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return mode_of(session, principal), None
    if known is None:
        session.flush()
        known = _MODE_AND_ID.first(connection, {"actor": principal.key})
        if known is None:  # the row was written by this very transaction a moment ago
            raise RuntimeError(f"the assignment of {principal.key} vanished inside its own transaction")
    return known[0] or "idle", int(known[1])


def assignment_for(session: Session, principal: Principal) -> DeviceAssignment:
    """The caller's assignment; looked up once per transaction (a replayed batch routes thousands)."""
    known = session.info.setdefault("kaeru_assignments", {})
    if principal.key in known:
        cached = session.get(DeviceAssignment, known[principal.key])
        if cached is not None:
            return cached
    assignment = session.exec(_ASSIGNMENT, params={"actor": principal.key}).first()
    if assignment is None:
        assignment = DeviceAssignment(actor=principal.key, user_id=principal.user_id)
        session.add(assignment)
        session.flush()
    known[principal.key] = assignment.id
    return assignment


def assign(
    session: Session,
    principal: Principal,
    *,
    mode: str,
    ref_type: str = "",
    ref_id: str = "",
    state: dict[str, Any] | None = None,
) -> DeviceAssignment:
    """Point the caller's scans at a task (or back to idle)."""
    if mode not in MODES:
        raise Invalid(f"unknown mode {mode!r}; one of {', '.join(sorted(MODES))}")
    assignment = assignment_for(session, principal)
    assignment.mode, assignment.ref_type, assignment.ref_id = mode, ref_type, ref_id
    assignment.state = state or {}
    assignment.updated_at = utcnow()
    session.add(assignment)
    return assignment


def warehouse_of(principal: Principal, session: Session) -> int:
    if principal.warehouse_id is not None:
        return principal.warehouse_id
    from wms.inventory.tables import Warehouse  # admins scanning: the first warehouse

    warehouse = session.exec(select(Warehouse).order_by(Warehouse.id)).first()  # type: ignore[arg-type]
    if warehouse is None:
        raise NotFound("no warehouse is set up yet")
    return warehouse.id or 0


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


@reads("idle")
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


def ingest(
    session: Session,
    kaeru: Kaeru,
    principal: Principal,
    *,
    raw: str,
    scanned_at: datetime | None,
    idempotency_key: str | None = None,
    ahead: Ahead | None = None,
) -> tuple[int, dict[str, Any]]:
    """Record one scan, route it, and return (HTTP status, body). Refusals are 422 and still recorded.

    `ahead`: the `look_ahead` that was sent with the key's look-up, if any (its answer is used)."""
    when = scanned_at or utcnow()
    scan = parse_scan(raw, device=principal.name, at=when)
    warehouse_id = warehouse_of(principal, session)
    # What the device was doing when it scanned (a step may move it on).
    mode, scan_id = _mode_and_scan_id(session, principal, ahead.row if ahead is not None else None)
    outcome, message = "recorded", ""
    status, body = 200, {}
    if scan.kind == "unknown":
        status, outcome = 422, "rejected"
        message = f"could not read this scan ({scan.error}); scan it again or key it in"
    else:
        handler = HANDLERS.get(mode)
        try:
            if handler is None:
                result = READERS.get(mode, look_up)(session, kaeru, principal, scan)
            else:
                assignment = assignment_for(session, principal)
                with session.begin_nested():  # a refused step undoes its effects; the scan stays recorded
                    result = handler(session, kaeru, principal, assignment, scan)
            outcome, message, body = result.outcome, result.message, result.data
        except KaeruError as exc:
            status, outcome, message = status_of(exc), "rejected", exc.message
            body = {"error": exc.code, **({"details": exc.details} if exc.details else {})}
    session.flush()
    record = {
        "warehouse_id": warehouse_id,
        "device_id": principal.device_id,
        "user_id": principal.user_id,
        "scanned_at": when,
        "received_at": utcnow(),
        "raw": raw,
        "kind": scan.kind,
        "mode": mode,
        "outcome": outcome,
        "message": message,
    }
    if scan_id is None:
        scan_id = _RECORD.scalar(session.connection(), record)
    else:
        _RECORD_AS.defer(session.connection(), {"id": scan_id, **record})
    publish_live(
        session,
        topic="scan",
        warehouse_id=warehouse_id,
        payload={
            "scan_id": scan_id,
            "device": principal.name,
            "mode": mode,
            "outcome": outcome,
            "kind": scan.kind,
        },
    )
    response = {
        "scan_id": scan_id,
        "outcome": outcome,
        "kind": scan.kind,
        "mode": mode,
        "message": message,
        "data": body,
        "parsed": {
            "gtin": scan.gtin,
            "serial": scan.serial,
            "lot": scan.lot,
            "sscc": scan.sscc,
            "code": scan.code,
            "symbology": scan.symbology,
            "expiry": scan.expiry.isoformat() if scan.expiry else None,
        },
    }
    count_scan(outcome, mode)
    return status, response


def report_weight(
    session: Session, principal: Principal, *, grams: int, stable: bool, measured_at: datetime | None
) -> dict[str, Any]:
    from wms.identity.tables import Station

    if grams < 0:
        raise Invalid("a weight cannot be negative")
    device = session.get(Device, principal.device_id) if principal.device_id else None
    if device is None or device.station_id is None:
        raise Invalid("only a station's device can report its scale's weight")
    station = session.get(Station, device.station_id)
    if station is None:
        raise NotFound(f"station {device.station_id} of this device no longer exists")
    station.last_weight_g, station.last_weight_stable = grams, stable
    station.last_weight_at = measured_at or utcnow()
    session.add(station)
    publish_live(
        session,
        topic="station.weight",
        warehouse_id=station.warehouse_id,
        payload={"station": station.code, "grams": grams, "stable": stable},
    )
    return {"station": station.code, "grams": grams, "stable": stable}


def report_health(
    session: Session,
    principal: Principal,
    *,
    device_code: str | None,
    state: str,
    detail: str,
    last_seen: datetime | None,
) -> dict[str, Any]:
    if state not in ("connected", "disconnected", "fault"):
        raise Invalid("state must be connected, disconnected or fault")
    if device_code:
        device = session.exec(select(Device).where(Device.code == device_code)).first()
        if device is None or not principal.sees_warehouse(device.warehouse_id):
            raise NotFound(f"no device {device_code!r}")
        if principal.kind == "device":
            reporter = session.get(Device, principal.device_id)
            if reporter is None or (reporter.id != device.id and reporter.station_id != device.station_id):
                raise NotFound(f"no device {device_code!r} at this station")
    else:
        device = session.get(Device, principal.device_id) if principal.device_id else None
        if device is None:
            raise Invalid("name the device whose health this is")
    device.state, device.state_detail = state, detail
    device.last_seen = last_seen or utcnow()
    session.add(device)
    publish_live(
        session,
        topic="device.health",
        warehouse_id=device.warehouse_id,
        payload={"device": device.code, "kind": device.kind, "state": state, "detail": detail},
    )
    return {"device": device.code, "state": state}
