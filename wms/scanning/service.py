"""Scan ingest: every scan is recorded, parsed and routed to what its device is working on.

The routing table is wms/scanning/routes.py. A handler returns a StepResult or raises a domain
error; a refused scan rolls back its effects but stays recorded (docs/architecture.md, "How a scan
travels").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, bindparam, func, insert
from sqlalchemy import select as core_select
from sqlmodel import Session, select

from devices.scan import Scan, parse_scan
from wms import i18n
from wms.context import Kaeru
from wms.db import Direct, utcnow
from wms.error_status import status_of
from wms.errors import Invalid, KaeruError, NotFound
from wms.identity.model import Principal, plain_grams
from wms.identity.tables import Device
from wms.observability.metrics import count_scan
from wms.platform.idempotency import Ahead
from wms.platform.outbox import publish_live
from wms.platform.tables import DeviceAssignment, ScanRecord
from wms.scanning import routes
from wms.scanning.assignment import assignment_for, mode_of, warehouse_of
from wms.scanning.lookup import look_up

_a = DeviceAssignment.__table__  # type: ignore[attr-defined]
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


@dataclass
class Answer:
    """What a scan came to: its HTTP status, outcome, the sentence for the screen, and the step's data."""

    status: int
    outcome: str
    message: str
    data: dict[str, Any]


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
    """Record one scan, route it, and return (HTTP status, body). Refusals are 4xx and still recorded.

    `ahead`: the `look_ahead` that was sent with the key's look-up, if any (its answer is used)."""
    when = scanned_at or utcnow()
    scan = parse_scan(raw, device=principal.name, at=when)
    warehouse_id = warehouse_of(principal, session)
    # What the device was doing when it scanned (a step may move it on).
    mode, scan_id = _mode_and_scan_id(session, principal, ahead.row if ahead is not None else None)
    answer = _route(session, kaeru, principal, scan, mode)
    session.flush()
    scan_id = _record(session, principal, scan_id, warehouse_id, when, raw, scan, mode, answer)
    publish_live(
        session,
        topic="scan",
        warehouse_id=warehouse_id,
        payload={
            "scan_id": scan_id,
            "device": principal.name,
            "mode": mode,
            "outcome": answer.outcome,
            "kind": scan.kind,
        },
    )
    count_scan(answer.outcome, mode)
    return answer.status, _response(scan_id, scan, mode, answer)


def _route(session: Session, kaeru: Kaeru, principal: Principal, scan: Scan, mode: str) -> Answer:
    """The scan through the handler of the device's mode (wms/scanning/routes.py)."""
    if scan.kind == "unknown":
        return Answer(
            422, "rejected", f"could not read this scan ({scan.error}); scan it again or key it in", {}
        )
    handler = routes.CHANGING.get(mode)
    if not principal.can(routes.permission_for(mode)):
        return Answer(403, "rejected", principal.refusal(routes.permission_for(mode)), {"error": "forbidden"})
    try:
        if handler is None:
            result = routes.ANSWERING.get(mode, look_up)(session, kaeru, principal, scan)
        else:
            assignment = assignment_for(session, principal)
            with session.begin_nested():  # a refused step undoes its effects; the scan stays recorded
                result = handler(session, kaeru, principal, assignment, scan)
    except KaeruError as exc:
        refusal = {"error": exc.code, **({"details": exc.details} if exc.details else {})}
        return Answer(status_of(exc), "rejected", exc.message, refusal)
    return Answer(200, result.outcome, result.message, result.data)


def _record(
    session: Session,
    principal: Principal,
    scan_id: int | None,
    warehouse_id: int,
    when: datetime,
    raw: str,
    scan: Scan,
    mode: str,
    answer: Answer,
) -> int:
    """Append the scan's record (with the id taken ahead on PostgreSQL, sent with the other appends)."""
    record = {
        "warehouse_id": warehouse_id,
        "device_id": principal.device_id,
        "user_id": principal.user_id,
        "scanned_at": when,
        "received_at": utcnow(),
        "raw": raw,
        "kind": scan.kind,
        "mode": mode,
        "outcome": answer.outcome,
        "message": answer.message,
    }
    if scan_id is None:
        return int(_RECORD.scalar(session.connection(), record))
    _RECORD_AS.defer(session.connection(), {"id": scan_id, **record})
    return scan_id


def _response(scan_id: int, scan: Scan, mode: str, answer: Answer) -> dict[str, Any]:
    return {
        "scan_id": scan_id,
        "outcome": answer.outcome,
        "kind": scan.kind,
        "mode": mode,
        "message": i18n.say(answer.message),
        "data": answer.data,
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


def report_weight(
    session: Session, principal: Principal, *, grams: Decimal, stable: bool, measured_at: datetime | None
) -> dict[str, Any]:
    """Keep a station scale's reading, in grams at the scale's own resolution (the schema bounds it)."""
    from wms.identity.tables import Station

    grams = plain_grams(Decimal(grams))
    if grams < 0:
        raise Invalid("a weight cannot be negative")
    device = session.get(Device, principal.device_id) if principal.device_id else None
    if device is None or device.station_id is None:
        raise Invalid("only a station's device can report its scale's weight")
    station = session.get(Station, device.station_id)
    if station is None:
        raise NotFound("station {station_id} of this device no longer exists", station_id=device.station_id)
    station.last_weight_g, station.last_weight_stable = grams, stable
    station.last_weight_at = measured_at or utcnow()
    session.add(station)
    publish_live(
        session,
        topic="station.weight",
        warehouse_id=station.warehouse_id,
        payload={"station": station.code, "grams": str(grams), "stable": stable},
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
            raise NotFound("no device {device_code!r}", device_code=device_code)
        if principal.kind == "device":
            reporter = session.get(Device, principal.device_id)
            if reporter is None or (reporter.id != device.id and reporter.station_id != device.station_id):
                raise NotFound("no device {device_code!r} at this station", device_code=device_code)
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
