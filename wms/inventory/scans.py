"""Receiving and put-away scans: what a device in `receive` or `putaway` mode does with each scan.

Routed here by wms/scanning/routes.py. In `receive` mode the device works a purchase order (the
assignment's ref, or a scanned order number): a location scan sets the dock the units arrive at, a
license plate (or a pallet's SSCC) the plate they are stacked on, and each item scan (GTIN, or GS1
with count (30), lot (10), expiry (17), serial (21)) receives its units. In `putaway` mode a plate is
scanned, then the bin it goes to (the answer suggests one); without a plate, a location, item scans
and a second location move those units by scan.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from devices.scan import Scan
from wms.context import Kaeru
from wms.errors import Conflict, Invalid, NotFound
from wms.fulfilment.model import StepResult
from wms.identity.model import Principal
from wms.inventory import queries, receiving
from wms.inventory.catalogue import item_by_gtin, item_by_sku, location_by_code
from wms.inventory.ledger import Actor, Movement, move
from wms.inventory.model import Tracking
from wms.inventory.tables import Item, LicensePlate, Location, Warehouse
from wms.platform.tables import DeviceAssignment
from wms.scanning.assignment import warehouse_of

PLATE_KINDS = ("lpn", "sscc")


def _warehouse(session: Session, principal: Principal) -> Warehouse:
    warehouse = session.get(Warehouse, warehouse_of(principal, session))
    if warehouse is None:
        raise NotFound("no warehouse is set up yet")
    return warehouse


def _keep(session: Session, assignment: DeviceAssignment, **changes: Any) -> dict[str, Any]:
    """The assignment's state with `changes` (a new dict, so the JSON column is written)."""
    state = {**assignment.state, **changes}
    assignment.state = {k: v for k, v in state.items() if v not in (None, "", [])}
    session.add(assignment)
    return assignment.state


def _plate_code(scan: Scan) -> str:
    return (scan.code if scan.kind == "lpn" else scan.sscc) or ""


def _item_of(session: Session, scan: Scan, merchant_id: int | None = None) -> Item:
    """The item scanned: the purchase order's merchant's when receiving against one; otherwise the one
    item with that code (a product several merchants stock is refused as ambiguous: receive it
    against its purchase order)."""
    item = item_by_gtin(session, scan.gtin, merchant_id=merchant_id) if scan.gtin else None
    if item is None and scan.kind == "text" and scan.code:
        item = item_by_sku(session, scan.code, merchant_id=merchant_id) if merchant_id else None
        item = item or session.exec(select(Item).where(Item.sku == scan.code)).first()
    if item is None:
        raise NotFound(f"not found: no item with the code {scan.gtin or scan.code or scan.raw}")
    return item


def _count_of(scan: Scan) -> int:
    """How many units one scan stands for: GS1 count of trade items (30, 37), else one."""
    for ai in ("30", "37"):
        value = scan.elements.get(ai, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return 1


def _dock(session: Session, warehouse: Warehouse, state: dict[str, Any]) -> Location:
    if state.get("location"):
        return location_by_code(session, warehouse.id or 0, state["location"])
    dock = session.exec(
        select(Location)
        .where(Location.warehouse_id == warehouse.id, Location.kind == "receiving")
        .order_by(Location.path_seq, Location.id)  # type: ignore[arg-type]
    ).first()
    if dock is None:
        raise Conflict("this warehouse has no receiving location: scan the location the goods arrive at")
    return dock


def _purchase_order_scan(
    session: Session, warehouse: Warehouse, assignment: DeviceAssignment, code: str
) -> StepResult:
    po = receiving.purchase_order_by_number(session, warehouse.id or 0, code)
    if po is None:
        raise NotFound(f"not found: no purchase order or item {code}")
    assignment.ref_type, assignment.ref_id = "purchase_order", po.number
    session.add(assignment)
    return StepResult(
        "accepted", f"receiving against purchase order {po.number}", {"purchase_order": po.number}
    )


def receive_scan(
    session: Session, kaeru: Kaeru, principal: Principal, assignment: DeviceAssignment, scan: Scan
) -> StepResult:
    warehouse = _warehouse(session, principal)
    if scan.kind == "location":
        location = location_by_code(session, warehouse.id or 0, scan.code or "")
        _keep(session, assignment, location=location.code)
        return StepResult("accepted", f"receiving into {location.code}", {"location": location.code})
    if scan.kind in PLATE_KINDS:
        plate = _plate_code(scan)
        _keep(session, assignment, plate=plate)
        return StepResult("accepted", f"stacking on license plate {plate}", {"plate": plate})
    if scan.kind == "text" and scan.code and not scan.gtin:
        known = session.exec(select(Item).where(Item.sku == scan.code)).first()
        if known is None:
            return _purchase_order_scan(session, warehouse, assignment, scan.code)
    if scan.kind not in ("gtin", "text"):
        raise Invalid(f"scan an item, a license plate or a location to receive ({scan.kind} scanned)")
    return _receive_units(session, principal, assignment, warehouse, scan)


def _receive_units(
    session: Session, principal: Principal, assignment: DeviceAssignment, warehouse: Warehouse, scan: Scan
) -> StepResult:
    po_number = assignment.ref_id if assignment.ref_type == "purchase_order" else ""
    po = receiving.purchase_order_by_number(session, warehouse.id or 0, po_number) if po_number else None
    item = _item_of(session, scan, po.merchant_id if po else None)
    state = assignment.state
    quantity = _count_of(scan)
    serials: tuple[str, ...] = (scan.serial,) if scan.serial and item.tracking == Tracking.SERIAL else ()
    if item.tracking == Tracking.SERIAL and not serials:
        raise Invalid(f"{item.sku} is serial-tracked: scan the GS1 code with its serial number (21)")
    if serials:
        quantity = 1
    receipt = receiving.Receipt(
        item=item,
        quantity=quantity,
        location=_dock(session, warehouse, state),
        lot=(scan.lot or "") if item.tracking == Tracking.LOT else "",
        serials=serials,
        purchase_order=po_number or None,
        expiry=scan.expiry,
        plate=state.get("plate", ""),
    )
    receiving.receive(session, receipt, warehouse=warehouse, actor=Actor(principal))
    data: dict[str, Any] = {
        "sku": item.sku,
        "name": item.name,
        "quantity": quantity,
        "lot": receipt.lot,
        "expiry": scan.expiry.isoformat() if scan.expiry else None,
        "serial": serials[0] if serials else "",
        "location": receipt.location.code,
        "plate": receipt.plate,
        "purchase_order": po_number,
    }
    if po_number:  # the order's progress comes with the answer: the screen need not ask for it
        data["lines"] = queries.purchase_order(session, principal, warehouse, po_number)["lines"]
    lot = f", lot {receipt.lot}" if receipt.lot else ""
    return StepResult("accepted", f"received {quantity} × {item.sku}{lot}", data)


def putaway_scan(
    session: Session, kaeru: Kaeru, principal: Principal, assignment: DeviceAssignment, scan: Scan
) -> StepResult:
    warehouse = _warehouse(session, principal)
    state = assignment.state
    if scan.kind in PLATE_KINDS:
        plate = receiving.plate_by_code(session, warehouse, _plate_code(scan))
        _keep(session, assignment, plate=plate.code, source=None, units=None)
        return _plate_step(session, warehouse, plate)
    if scan.kind == "location":
        location = location_by_code(session, warehouse.id or 0, scan.code or "")
        if state.get("plate"):
            return _put_plate_away(session, principal, assignment, warehouse, location)
        if state.get("units"):
            return _move_units(session, principal, assignment, warehouse, location)
        _keep(session, assignment, source=location.code, units=None)
        return StepResult(
            "accepted",
            f"moving from {location.code}: scan the items, then the destination",
            {"source": location.code},
        )
    if state.get("source") and scan.kind in ("gtin", "text"):
        return _pick_up(session, assignment, scan)
    raise Invalid("scan a license plate to put away, or a location to move stock from")


def _plate_step(session: Session, warehouse: Warehouse, plate: LicensePlate) -> StepResult:
    view = receiving.plate_view(session, plate)
    suggested = receiving.suggest_location(session, warehouse, plate)
    units = sum(int(c["quantity"]) for c in view["contents"])
    if not units:
        raise Conflict(f"license plate {plate.code} carries nothing to put away")
    where = f": put it away in {suggested.code}" if suggested else ": scan the bin it goes to"
    return StepResult(
        "accepted",
        f"license plate {plate.code}, {units} unit(s){where}",
        {**view, "suggested_location": suggested.code if suggested else None},
    )


def _put_plate_away(
    session: Session,
    principal: Principal,
    assignment: DeviceAssignment,
    warehouse: Warehouse,
    location: Location,
) -> StepResult:
    plate = receiving.plate_by_code(session, warehouse, assignment.state["plate"])
    entries = receiving.put_away(
        session, warehouse=warehouse, plate=plate, location=location, actor=Actor(principal)
    )
    _keep(session, assignment, plate=None)
    units = sum(entry.quantity for entry in entries)
    return StepResult(
        "accepted",
        f"put away {units} unit(s) from {plate.code} in {location.code}",
        {"plate": plate.code, "location": location.code, "units": units},
    )


def _pick_up(session: Session, assignment: DeviceAssignment, scan: Scan) -> StepResult:
    item = _item_of(session, scan)
    units: list[dict[str, Any]] = [dict(u) for u in assignment.state.get("units", [])]
    lot = (scan.lot or "") if item.tracking == Tracking.LOT else ""
    serial = (scan.serial or "") if item.tracking == Tracking.SERIAL else ""
    line = next(
        (u for u in units if (u.get("item_id"), u["lot"], u["serial"]) == (item.id, lot, serial)), None
    )
    if line is None:
        line = {"sku": item.sku, "item_id": item.id, "lot": lot, "serial": serial, "quantity": 0}
        units.append(line)
    line["quantity"] += _count_of(scan)
    _keep(session, assignment, units=units)
    total = sum(u["quantity"] for u in units)
    return StepResult(
        "accepted",
        f"{line['quantity']} × {item.sku} to move: scan the destination",
        {"source": assignment.state["source"], "units": units, "total": total},
    )


def _move_units(
    session: Session,
    principal: Principal,
    assignment: DeviceAssignment,
    warehouse: Warehouse,
    target: Location,
) -> StepResult:
    source = location_by_code(session, warehouse.id or 0, assignment.state["source"])
    if source.id == target.id:
        raise Conflict("source and destination are the same location")
    units = assignment.state["units"]
    for unit in units:
        movement = Movement(
            warehouse_id=warehouse.id or 0,
            item=session.get(Item, unit["item_id"])
            if unit.get("item_id")
            else item_by_sku(session, unit["sku"]),
            quantity=int(unit["quantity"]),
            from_location_id=source.id,
            to_location_id=target.id,
            reason="putaway" if source.kind == "receiving" else "move",
            lot=unit["lot"],
            serial=unit["serial"],
        )
        move(session, movement, Actor(principal))
    _keep(session, assignment, source=None, units=None)
    total = sum(int(u["quantity"]) for u in units)
    return StepResult(
        "accepted",
        f"moved {total} unit(s) from {source.code} to {target.code}",
        {"source": source.code, "location": target.code, "units": units},
    )
