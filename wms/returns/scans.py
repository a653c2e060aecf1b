"""A returns station's scans: routed here by wms/scanning/routes.py for devices in "returns" mode.

The first scan of a parcel (RMA QR, return label, tracking number, order number or carton SSCC)
opens the parcel; item scans (GTIN, GS1 with serial, a plain serial, an RFID EPC) are matched
against what was shipped; a grade tag (LPN-...) followed by a location (LOC-...) puts the graded
unit away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from devices.scan import Scan
from wms.context import Kaeru
from wms.errors import Conflict, Invalid, NotFound
from wms.fulfilment.service import StepResult
from wms.identity.model import Principal
from wms.identity.tables import Station
from wms.platform.tables import DeviceAssignment
from wms.returns import intake, putaway, queries, units, views
from wms.returns.intake import ArrivedParcel
from wms.returns.model import ParcelStatus, RmaKind, UnitStatus
from wms.returns.queries import config_of
from wms.returns.stations import station_for
from wms.returns.tables import ReturnParcel, ReturnUnit
from wms.returns.units import UnitScan
from wms.scanning.assignment import assign, assignment_for, warehouse_of

PARCEL_KINDS = ("rma", "order", "sscc")


@dataclass(frozen=True)
class Desk:
    """One scan at a returns station: who scanned, in which warehouse, and the station's saved state."""

    session: Session
    kaeru: Kaeru
    principal: Principal
    assignment: DeviceAssignment
    warehouse_id: int

    def save(self, **changes: Any) -> None:
        self.assignment.state = {**self.assignment.state, **changes}
        self.session.add(self.assignment)

    def station(self) -> Station | None:
        return station_for(self.session, self.principal, self.assignment.state.get("station"))

    def open_parcel(self) -> ReturnParcel | None:
        """The parcel being emptied at this station, if it is still open."""
        parcel_id = self.assignment.state.get("parcel")
        parcel = self.session.get(ReturnParcel, parcel_id) if parcel_id else None
        return parcel if parcel is not None and parcel.status == ParcelStatus.OPEN else None


def _parcel_step(desk: Desk, current: ReturnParcel | None, code: str) -> StepResult:
    """A parcel's label: close the parcel before it, open this one."""
    station = desk.station()
    # The parcel's return may be the one already open here (scanned again, or after a reload): then
    # the same parcel carries on. Any other open parcel is closed once the new one is found.
    parcel = _open(desk, code, station)
    if current is not None and current.id != parcel.id:
        intake.close_parcel(desk.session, principal=desk.principal, parcel=current)
    view = views.parcel_view(desk.session, parcel, locale=desk.principal.locale)
    message = (
        f"parcel for {view['rma']}: scan the items"
        if view["rma_kind"] != RmaKind.UNEXPECTED
        else f"unexpected return: case {view['rma']} opened; scan the items"
    )
    return StepResult("accepted", message, {"parcel": view})


def _open(desk: Desk, code: str, station: Station | None) -> ReturnParcel:
    arrived = ArrivedParcel(desk.warehouse_id, code, station)
    parcel = intake.open_parcel(desk.session, kaeru=desk.kaeru, principal=desk.principal, arrived=arrived)
    desk.save(parcel=parcel.id)
    return parcel


def _grade_tag(desk: Desk, scan: Scan) -> StepResult:
    """A graded unit's tag: remember it until its destination is scanned."""
    unit = queries.unit_by_lpn(desk.session, desk.principal, scan.code or "")
    if unit.status != UnitStatus.GRADED:
        raise Conflict("unit {lpn} is {status}: nothing to put away", lpn=unit.lpn, status=unit.status)
    desk.save(put_away_unit=unit.id)
    view = views.unit_view(desk.session, unit)
    return StepResult(
        "accepted", f"{view['sku']}: take it to {view['location']} and scan the location", {"unit": view}
    )


def _destination(desk: Desk, scan: Scan) -> StepResult:
    """A location after a grade tag: put the unit away there."""
    unit_id = desk.assignment.state.get("put_away_unit")
    if not unit_id:
        raise Invalid("scan the unit's grade tag (LPN-...) first, then the location")
    unit = queries.get_unit(desk.session, desk.principal, int(unit_id))
    result = putaway.put_away(
        desk.session, kaeru=desk.kaeru, principal=desk.principal, unit=unit, location_code=scan.code or ""
    )
    desk.save(put_away_unit=None)
    return StepResult("accepted", result["message"], result)


def _names_a_parcel(desk: Desk, scan: Scan) -> bool:
    """Is this text, unknown as an item, the tracking number (or order) of a parcel?"""
    if scan.kind != "text":
        return False
    found = intake.find_by_code(desk.session, desk.principal, desk.warehouse_id, scan.raw)
    return found.rma is not None or found.order is not None


def _item(desk: Desk, parcel: ReturnParcel | None, scan: Scan) -> StepResult:
    """An item out of the parcel (with no parcel open, the parcel's label is asked for first)."""
    if parcel is None:
        parcel = _open(desk, "", desk.station())  # refused: unexpected returns are opened by choice
    try:
        again = units.on_the_bench(desk.session, parcel, UnitScan(raw=scan.raw))
        received = (
            [again]
            if again is not None
            else units.receive_unit(
                desk.session,
                kaeru=desk.kaeru,
                principal=desk.principal,
                parcel=parcel,
                scan=UnitScan(raw=scan.raw),
            )
        )
    except NotFound:
        if not _names_a_parcel(desk, scan):
            raise
        # Not an item of this parcel but the tracking number of another one: the next parcel.
        return _parcel_step(desk, parcel, scan.raw)
    data = units_on_the_bench(desk, parcel, received)
    sku = data["units"][0]["sku"] or "not ours"
    if again is not None:
        return StepResult(
            "accepted", f"{sku}: already taken out of this parcel; grade it", data | {"again": True}
        )
    return StepResult("accepted", f"{sku}: {received[0].match_message}", data)


def units_on_the_bench(desk: Desk, parcel: ReturnParcel, received: list[ReturnUnit]) -> dict[str, Any]:
    """What the screen shows for units just taken out: them, their parcel, and the grading checklist."""
    data: dict[str, Any] = {
        "units": [views.unit_view(desk.session, u) for u in received],
        "parcel": views.parcel_view(desk.session, parcel, locale=desk.principal.locale),
    }
    first = received[0]
    if first.item_id is not None:
        data["rubric"] = views.rubric_view(config_of(desk.kaeru), first.category, desk.principal.locale)
    return data


def start(session: Session, kaeru: Kaeru, principal: Principal, station: Station | None) -> dict[str, Any]:
    """Point the caller's scans at this station's returns flow, and give back the work still open
    there (a reloaded screen carries on): the open parcel, and the unit taken out but not yet graded."""
    code = station.code if station else None
    assignment = assignment_for(session, principal)
    same_desk = assignment.mode == "returns" and assignment.state.get("station") == code
    kept = (
        {k: v for k, v in assignment.state.items() if k in ("parcel", "put_away_unit")} if same_desk else {}
    )
    assignment = assign(
        session,
        principal,
        mode="returns",
        ref_type="station",
        ref_id=code or "",
        state={"station": code, **kept},
    )
    desk = Desk(session, kaeru, principal, assignment, warehouse_of(principal, session))
    parcel = desk.open_parcel()
    started: dict[str, Any] = {"mode": assignment.mode, "station": code, "parcel": None, "unit": None}
    if parcel is None:
        return started
    waiting = queries.parcel_units(session, parcel.id or 0)
    ungraded = [u for u in waiting if u.status == UnitStatus.RECEIVED]
    if not ungraded:
        return started | {"parcel": views.parcel_view(session, parcel, locale=principal.locale)}
    data = units_on_the_bench(desk, parcel, ungraded[-1:])
    return started | {"parcel": data["parcel"], "unit": data["units"][0], "rubric": data.get("rubric")}


def returns_scan(
    session: Session, kaeru: Kaeru, principal: Principal, assignment: DeviceAssignment, scan: Scan
) -> StepResult:
    desk = Desk(session, kaeru, principal, assignment, warehouse_of(principal, session))
    parcel = desk.open_parcel()
    if scan.kind == "lpn":
        return _grade_tag(desk, scan)
    if scan.kind == "location":
        return _destination(desk, scan)
    if scan.kind in PARCEL_KINDS or (scan.kind == "text" and parcel is None):
        return _parcel_step(desk, parcel, scan.raw)
    if scan.kind not in ("gtin", "text"):
        raise Invalid(
            "a {kind} code means nothing at a returns station: scan a parcel label or an item", kind=scan.kind
        )
    return _item(desk, parcel, scan)
