"""Pick and pack scans: the scan-ingest handlers for devices working on a pick task or a carton."""

from __future__ import annotations

from sqlmodel import Session, select

from devices.scan import Scan
from wms.context import Kaeru
from wms.errors import Conflict, Invalid
from wms.fulfilment import service
from wms.fulfilment.tables import Carton
from wms.identity.model import Principal
from wms.inventory.tables import Warehouse
from wms.platform.tables import DeviceAssignment
from wms.scanning.service import assign, handles, warehouse_of


@handles("pick")
def pick(
    session: Session, kaeru: Kaeru, principal: Principal, assignment: DeviceAssignment, scan: Scan
) -> service.StepResult:
    if not assignment.ref_id:
        raise Conflict("no pick task started on this device: start one first")
    task = service.get_task(session, principal, int(assignment.ref_id))
    result = service.pick_scan(
        session,
        principal=principal,
        task=task,
        kind=scan.kind,
        code=scan.code,
        gtin=scan.gtin,
        serial=scan.serial,
    )
    if task.status == "done":
        assign(session, principal, mode="idle")
        result.message += " — task complete"
    return result


@handles("pack")
def pack(
    session: Session, kaeru: Kaeru, principal: Principal, assignment: DeviceAssignment, scan: Scan
) -> service.StepResult:
    warehouse_id = warehouse_of(principal, session)
    if scan.kind == "order":
        warehouse = session.get(Warehouse, warehouse_id)
        assert warehouse is not None
        order = service.order_by_number(session, principal, warehouse_id, scan.code or "")
        carton = start_packing(session, kaeru, principal, order.number, warehouse)
        return service.StepResult(
            "accepted",
            f"packing order {order.number} into carton {carton.sscc}",
            {"order": order.number, "carton": carton.sscc},
        )
    if assignment.ref_type != "carton" or not assignment.ref_id:
        raise Conflict("scan the order (ORD-...) to start packing it")
    packing = session.get(Carton, int(assignment.ref_id))
    if packing is None:
        raise Conflict("the carton being packed is gone: scan the order again")
    if scan.kind not in ("gtin", "text"):
        raise Invalid("scan an item of the order")
    return service.pack_scan(
        session,
        principal=principal,
        carton=packing,
        kind=scan.kind,
        gtin=scan.gtin,
        code=scan.code,
        serial=scan.serial,
    )


def start_packing(
    session: Session, kaeru: Kaeru, principal: Principal, order_number: str, warehouse: Warehouse
) -> Carton:
    order = service.order_by_number(session, principal, warehouse.id or 0, order_number)
    spec = next((w for w in kaeru.site.warehouses if w.code == warehouse.code), None)
    carton = service.open_carton(
        session,
        principal=principal,
        order=order,
        warehouse=warehouse,
        company_prefix=spec.gs1_company_prefix if spec else "0614141",
    )
    assign(session, principal, mode="pack", ref_type="carton", ref_id=str(carton.id))
    return carton


def carton_by_sscc(session: Session, principal: Principal, sscc: str) -> Carton:
    from wms.errors import NotFound
    from wms.fulfilment.tables import Order

    carton = session.exec(select(Carton).where(Carton.sscc == sscc)).first()
    order = session.get(Order, carton.order_id) if carton else None
    if carton is None or order is None or not principal.sees_warehouse(order.warehouse_id):
        raise NotFound(f"no carton {sscc}")
    return carton
