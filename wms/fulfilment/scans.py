"""Pick and pack scans: what a device working on a pick task or a carton does with each scan.

Routed here by wms/scanning/routes.py."""

from __future__ import annotations

from sqlmodel import Session

from devices.scan import Scan
from wms.context import Kaeru
from wms.errors import Conflict, Invalid
from wms.fulfilment import orders, packing, picking
from wms.fulfilment.loading import existing
from wms.fulfilment.model import PickTaskStatus, StepResult
from wms.fulfilment.queries import carton_by_sscc
from wms.fulfilment.tables import Carton
from wms.identity.model import Principal
from wms.inventory.tables import Warehouse
from wms.platform.tables import DeviceAssignment
from wms.scanning.assignment import assign, warehouse_of

__all__ = ["carton_by_sscc", "pack", "pick", "start_packing"]


def pick(
    session: Session, kaeru: Kaeru, principal: Principal, assignment: DeviceAssignment, scan: Scan
) -> StepResult:
    if not assignment.ref_id:
        raise Conflict("no pick task started on this device: start one first")
    task = picking.get_task(session, principal, int(assignment.ref_id))
    result = picking.pick_scan(
        session,
        principal=principal,
        task=task,
        kind=scan.kind,
        code=scan.code,
        gtin=scan.gtin,
        serial=scan.serial,
    )
    if task.status == PickTaskStatus.DONE:
        assign(session, principal, mode="idle")
        result.message += " — task complete"
    return result


def pack(
    session: Session, kaeru: Kaeru, principal: Principal, assignment: DeviceAssignment, scan: Scan
) -> StepResult:
    warehouse_id = warehouse_of(principal, session)
    if scan.kind == "order":
        warehouse = existing(session, Warehouse, warehouse_id, "warehouse")
        order = orders.order_by_number(session, principal, warehouse_id, scan.code or "")
        carton = start_packing(session, kaeru, principal, order.number, warehouse)
        return StepResult(
            "accepted",
            f"packing order {order.number} into carton {carton.sscc}",
            {"order": order.number, "carton": carton.sscc},
        )
    if assignment.ref_type != "carton" or not assignment.ref_id:
        raise Conflict("scan the order (ORD-...) to start packing it")
    packing_carton = session.get(Carton, int(assignment.ref_id))
    if packing_carton is None:
        raise Conflict("the carton being packed is gone: scan the order again")
    if scan.kind not in ("gtin", "text"):
        raise Invalid("scan an item of the order")
    return packing.pack_scan(
        session,
        principal=principal,
        carton=packing_carton,
        kind=scan.kind,
        gtin=scan.gtin,
        code=scan.code,
        serial=scan.serial,
    )


def start_packing(
    session: Session, kaeru: Kaeru, principal: Principal, order_number: str, warehouse: Warehouse
) -> Carton:
    order = orders.order_by_number(session, principal, warehouse.id or 0, order_number)
    spec = next((w for w in kaeru.site.warehouses if w.code == warehouse.code), None)
    carton = packing.open_carton(
        session,
        principal=principal,
        order=order,
        warehouse=warehouse,
        company_prefix=spec.gs1_company_prefix if spec else "0614141",
    )
    state = {"sscc": carton.sscc, "order": order.number}  # for a reloaded screen to carry on
    assign(session, principal, mode="pack", ref_type="carton", ref_id=str(carton.id), state=state)
    return carton
