"""Returns plugs into the server: its configuration, the "returns" scan mode and carrier-event hooks.

At a returns station a scan is routed here by mode. The first scan of a parcel (RMA QR, return
label, tracking number, order number or carton SSCC) opens the parcel; item scans (GTIN, GS1 with
serial, a plain serial, an RFID EPC) are matched against what was shipped; a grade tag (LPN-...)
followed by a location (LOC-...) puts the graded unit away.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from devices.scan import Scan
from wms.context import Kaeru
from wms.errors import Conflict, Invalid, NotFound
from wms.fulfilment import service as fulfilment
from wms.fulfilment.service import StepResult
from wms.fulfilment.tables import Shipment, TrackingEvent
from wms.identity.model import Principal
from wms.platform.tables import DeviceAssignment
from wms.returns import intake, putaway, queries, resolution, units, views
from wms.returns.intake import ArrivedParcel
from wms.returns.model import ParcelStatus, UnitStatus
from wms.returns.policy import load_returns_config
from wms.returns.queries import config_of
from wms.returns.stations import station_for
from wms.returns.tables import ReturnParcel
from wms.returns.units import UnitScan
from wms.scanning.service import handles, warehouse_of

PARCEL_KINDS = ("rma", "order", "sscc")


class _Hooks:
    """The carrier-event hooks of the most recently configured server.

    The fulfilment hook lists are module-level; a process that builds several apps (the tests do)
    re-binds the one returns hook instead of stacking a hook per app.
    """

    kaeru: Kaeru | None = None

    def returns_tracking(self, session: Session, principal: Principal, event: dict[str, Any]) -> bool:
        return self.kaeru is not None and resolution.on_return_tracking(session, principal, event, self.kaeru)

    def exchange_tracking(self, session: Session, shipment: Shipment, event: TrackingEvent) -> None:
        if self.kaeru is not None:
            resolution.on_exchange_tracking(session, shipment, event, self.kaeru)


HOOKS = _Hooks()


def configure(kaeru: Kaeru) -> None:
    """Load and check config/returns/ (a bad file refuses start-up) and hook into carrier events."""
    kaeru.extras[queries.CONFIG_KEY] = load_returns_config(kaeru.settings.config_dir, kaeru.site)
    HOOKS.kaeru = kaeru
    if HOOKS.returns_tracking not in fulfilment.UNMATCHED_TRACKING_HANDLERS:
        fulfilment.UNMATCHED_TRACKING_HANDLERS.append(HOOKS.returns_tracking)
    if HOOKS.exchange_tracking not in fulfilment.TRACKING_LISTENERS:
        fulfilment.TRACKING_LISTENERS.append(HOOKS.exchange_tracking)


def _save(session: Session, assignment: DeviceAssignment, **changes: Any) -> None:
    assignment.state = {**assignment.state, **changes}
    session.add(assignment)


def _parcel_step(
    session: Session,
    kaeru: Kaeru,
    principal: Principal,
    assignment: DeviceAssignment,
    current: ReturnParcel | None,
    code: str,
    warehouse_id: int,
) -> StepResult:
    station = station_for(session, principal, assignment.state.get("station"))
    if current is not None:
        intake.close_parcel(session, principal=principal, parcel=current)
    arrived = ArrivedParcel(warehouse_id, code, station)
    parcel = intake.open_parcel(session, kaeru=kaeru, principal=principal, arrived=arrived)
    _save(session, assignment, parcel=parcel.id)
    view = views.parcel_view(session, parcel, locale=principal.locale)
    message = (
        f"parcel for {view['rma']}: scan the items"
        if view["rma_kind"] != "unexpected"
        else f"unexpected return: case {view['rma']} opened; scan the items"
    )
    return StepResult("accepted", message, {"parcel": view})


@handles("returns")
def returns_scan(
    session: Session, kaeru: Kaeru, principal: Principal, assignment: DeviceAssignment, scan: Scan
) -> StepResult:
    warehouse_id = warehouse_of(principal, session)
    parcel_id = assignment.state.get("parcel")
    parcel = session.get(ReturnParcel, parcel_id) if parcel_id else None
    if parcel is not None and parcel.status != ParcelStatus.OPEN:
        parcel = None
    if scan.kind == "lpn":
        unit = queries.unit_by_lpn(session, principal, scan.code or "")
        if unit.status != UnitStatus.GRADED:
            raise Conflict(f"unit {unit.lpn} is {unit.status}: nothing to put away")
        _save(session, assignment, put_away_unit=unit.id)
        view = views.unit_view(session, unit)
        return StepResult(
            "accepted", f"{view['sku']}: take it to {view['location']} and scan the location", {"unit": view}
        )
    if scan.kind == "location":
        unit_id = assignment.state.get("put_away_unit")
        if not unit_id:
            raise Invalid("scan the unit's grade tag (LPN-...) first, then the location")
        unit = queries.get_unit(session, principal, int(unit_id))
        result = putaway.put_away(
            session, kaeru=kaeru, principal=principal, unit=unit, location_code=scan.code or ""
        )
        _save(session, assignment, put_away_unit=None)
        return StepResult("accepted", result["message"], result)
    if scan.kind in PARCEL_KINDS or (scan.kind == "text" and parcel is None):
        return _parcel_step(session, kaeru, principal, assignment, parcel, scan.raw, warehouse_id)
    if scan.kind not in ("gtin", "text"):
        raise Invalid(
            f"a {scan.kind} code means nothing at a returns station: scan a parcel label or an item"
        )
    if parcel is None:
        # An item with no parcel label scanned first: open an unexpected-return case rather than stop.
        station = station_for(session, principal, assignment.state.get("station"))
        arrived = ArrivedParcel(warehouse_id, "", station)
        parcel = intake.open_parcel(session, kaeru=kaeru, principal=principal, arrived=arrived)
        _save(session, assignment, parcel=parcel.id)
    try:
        received = units.receive_unit(
            session, kaeru=kaeru, principal=principal, parcel=parcel, scan=UnitScan(raw=scan.raw)
        )
    except NotFound:
        if scan.kind != "text":
            raise
        found = intake.find_by_code(session, principal, warehouse_id, scan.raw)
        if found.rma is None and found.order is None:
            raise
        # Not an item of this parcel but the tracking number of another one: the next parcel.
        return _parcel_step(session, kaeru, principal, assignment, parcel, scan.raw, warehouse_id)
    first = received[0]
    view = views.unit_view(session, first)
    data: dict[str, Any] = {
        "units": [views.unit_view(session, u) for u in received],
        "parcel": views.parcel_view(session, parcel, locale=principal.locale),
    }
    if first.item_id is not None:
        data["rubric"] = views.rubric_view(config_of(kaeru), first.category, principal.locale)
    return StepResult("accepted", f"{view['sku'] or 'not ours'}: {first.match_message}", data)
