"""Orders, picking, packing, shipping and carrier tracking over HTTP."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, EmailStr, Field
from sqlmodel import Session, col, select

from wms.auth import IdempotencyKey, KaeruDep, require
from wms.errors import Invalid, NotFound
from wms.fulfilment import service
from wms.fulfilment.plugin import carton_by_sscc, start_packing
from wms.fulfilment.tables import Carton, CartonItem, Order, Shipment, Shopper, TrackingEvent
from wms.http import mutate
from wms.identity.model import Principal
from wms.identity.tables import Device, Station
from wms.inventory.service import warehouse_by_code
from wms.inventory.tables import Item
from wms.scanning.service import assign

router = APIRouter(prefix="/api/v1", tags=["fulfilment"])
OrderReader = Annotated[Principal, Depends(require("orders.read"))]
OrderWriter = Annotated[Principal, Depends(require("orders.write"))]
Picker = Annotated[Principal, Depends(require("picking.work"))]
Planner = Annotated[Principal, Depends(require("picking.plan"))]
Packer = Annotated[Principal, Depends(require("packing.work"))]
Tracker = Annotated[Principal, Depends(require("shipping.track"))]


class LineIn(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=10_000)
    unit_price_minor: int = Field(default=0, ge=0)


class ShopperIn(BaseModel):
    email: EmailStr
    name: str = Field(default="", max_length=200)
    locale: str = Field(default="en", max_length=16)


class OrderIn(BaseModel):
    warehouse: str
    number: str = Field(min_length=1, max_length=64)
    shopper: ShopperIn
    ship_to: dict[str, str] = Field(default_factory=dict)
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    carrier: str = ""
    service: str = ""
    currency: str = Field(default="USD", min_length=3, max_length=3)
    external_id: str | None = None
    promised_date: date | None = None


def order_view(session: Session, order: Order) -> dict[str, Any]:
    shopper = session.get(Shopper, order.shopper_id)
    lines = []
    for line in service.order_lines(session, order.id or 0):
        item = session.get(Item, line.item_id)
        lines.append(
            {
                "sku": item.sku if item else "",
                "name": item.name if item else "",
                "quantity": line.quantity,
                "reserved": line.reserved,
                "picked": line.picked,
                "packed": line.packed,
                "shipped": line.shipped,
                "unit_price_minor": line.unit_price_minor,
            }
        )
    shipments = session.exec(select(Shipment).where(Shipment.order_id == order.id)).all()
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status,
        "channel": order.channel,
        "carrier": order.carrier,
        "service": order.service,
        "ship_to": order.ship_to,
        "created_at": order.created_at,
        "promised_date": order.promised_date,
        "shopper": {"email": shopper.email, "name": shopper.name, "locale": shopper.locale}
        if shopper
        else None,
        "lines": lines,
        "shipments": [
            {
                "tracking_number": s.tracking_number,
                "carrier": s.carrier,
                "status": s.status,
                "estimated_delivery": s.estimated_delivery,
            }
            for s in shipments
        ],
    }


@router.post("/orders", status_code=201, summary="Accept an order and reserve its stock")
def create_order(body: OrderIn, kaeru: KaeruDep, principal: OrderWriter, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = warehouse_by_code(session, principal, body.warehouse)
        new = service.NewOrder(
            number=body.number,
            shopper_email=str(body.shopper.email),
            shopper_name=body.shopper.name,
            shopper_locale=body.shopper.locale,
            ship_to=body.ship_to,
            carrier=body.carrier,
            service=body.service,
            currency=body.currency.upper(),
            external_id=body.external_id,
            promised_date=body.promised_date,
            channel="integrator" if principal.role == "integrator" else "api",
            lines=[service.NewLine(line.sku, line.quantity, line.unit_price_minor) for line in body.lines],
        )
        order = service.create_order(
            session, principal=principal, warehouse=warehouse, new=new, site=kaeru.site
        )
        return order_view(session, order)

    return mutate(kaeru, principal, key, body.model_dump(mode="json"), work)


@router.get("/orders", summary="Orders of the caller's warehouse, newest first")
def list_orders(
    kaeru: KaeruDep,
    principal: OrderReader,
    status: str | None = None,
    number: str | None = Query(default=None, max_length=64, description="exactly this order number"),
    limit: int = Query(default=50, ge=1, le=500),
) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        statement = select(Order).order_by(col(Order.id).desc()).limit(limit)
        if principal.warehouse_id is not None:
            statement = statement.where(Order.warehouse_id == principal.warehouse_id)
        if status:
            statement = statement.where(Order.status == status)
        if number:
            statement = statement.where(Order.number == number)
        return [order_view(session, o) for o in session.exec(statement)]


@router.get("/orders/{order_id}", summary="One order with its lines and shipments")
def get_order(order_id: int, kaeru: KaeruDep, principal: OrderReader) -> dict[str, Any]:
    with kaeru.db.read() as session:
        return order_view(session, service.get_order(session, principal, order_id))


@router.post("/orders/{order_id}/cancel", summary="Cancel an order that has not been packed")
def cancel_order(order_id: int, kaeru: KaeruDep, principal: OrderWriter, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        order = service.get_order(session, principal, order_id)
        return order_view(session, service.cancel_order(session, principal=principal, order=order))

    return mutate(kaeru, principal, key, {"cancel": order_id}, work)


class ReleaseIn(BaseModel):
    warehouse: str
    mode: str = "single"
    orders: list[str] | None = None
    orders_per_task: int = Field(default=8, gt=0, le=100)
    wave: str = ""


@router.post("/picking/release", summary="Release reserved orders to the floor as pick tasks")
def release(body: ReleaseIn, kaeru: KaeruDep, principal: Planner, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = warehouse_by_code(session, principal, body.warehouse)
        tasks = service.create_pick_tasks(
            session,
            principal=principal,
            warehouse=warehouse,
            mode=body.mode,
            order_numbers=body.orders,
            orders_per_task=body.orders_per_task,
            wave=body.wave,
        )
        return {"tasks": [service.describe_pick(session, t) for t in tasks]}

    return mutate(kaeru, principal, key, body.model_dump(mode="json"), work)


@router.post("/picking/next", summary="Take the next open pick task and point the caller's scans at it")
def next_task(kaeru: KaeruDep, principal: Picker, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        from wms.fulfilment.tables import PickTask

        statement = select(PickTask).where(PickTask.status.in_(["open", "in_progress"]))  # type: ignore[attr-defined]
        if principal.warehouse_id is not None:
            statement = statement.where(PickTask.warehouse_id == principal.warehouse_id)
        mine = (
            [PickTask.assigned_user_id == principal.user_id]
            if principal.user_id
            else [PickTask.assigned_device_id == principal.device_id]
        )
        task = (
            session.exec(statement.where(*mine).order_by(col(PickTask.id))).first()
            or session.exec(statement.where(PickTask.status == "open").order_by(col(PickTask.id))).first()
        )
        if task is None:
            return {"task": None, "message": "no pick tasks waiting"}
        task.assigned_user_id, task.assigned_device_id = principal.user_id, principal.device_id
        task.status = "in_progress"
        session.add(task)
        assign(session, principal, mode="pick", ref_type="pick_task", ref_id=str(task.id))
        return {"task": service.describe_pick(session, task)}

    return mutate(kaeru, principal, key, {"next": True}, work)


@router.get("/picking/tasks/{task_id}", summary="A pick task and its next step")
def get_task(task_id: int, kaeru: KaeruDep, principal: Picker) -> dict[str, Any]:
    with kaeru.db.read() as session:
        return service.describe_pick(session, service.get_task(session, principal, task_id))


class ShortIn(BaseModel):
    missing: int = Field(gt=0, le=10_000)


@router.post("/picking/tasks/{task_id}/short", summary="Report that the bin holds fewer units than asked")
def short(task_id: int, body: ShortIn, kaeru: KaeruDep, principal: Picker, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        task = service.get_task(session, principal, task_id)
        result = service.report_short(session, principal=principal, task=task, missing=body.missing)
        return {"message": result.message, **result.data}

    return mutate(kaeru, principal, key, {"task": task_id, **body.model_dump()}, work)


class PackStartIn(BaseModel):
    warehouse: str
    order: str


def carton_view(session: Session, carton: Carton) -> dict[str, Any]:
    contents = session.exec(
        select(CartonItem, Item)
        .join(Item, col(Item.id) == col(CartonItem.item_id))
        .where(CartonItem.carton_id == carton.id)
    ).all()
    order = session.get(Order, carton.order_id)
    shipment = session.exec(select(Shipment).where(Shipment.carton_id == carton.id)).first()
    return {
        "sscc": carton.sscc,
        "status": carton.status,
        "order": order.number if order else None,
        "weight_g": carton.weight_g,
        "expected_weight_g": carton.expected_weight_g,
        "contents": [{"sku": i.sku, "serial": c.serial, "quantity": c.quantity} for c, i in contents],
        "shipment": {
            "tracking_number": shipment.tracking_number,
            "carrier": shipment.carrier,
            "status": shipment.status,
        }
        if shipment
        else None,
    }


@router.post("/packing/start", summary="Open a carton (with its SSCC) for a picked order")
def pack_start(body: PackStartIn, kaeru: KaeruDep, principal: Packer, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = warehouse_by_code(session, principal, body.warehouse)
        return carton_view(session, start_packing(session, kaeru, principal, body.order, warehouse))

    return mutate(kaeru, principal, key, body.model_dump(), work)


@router.get("/packing/cartons/{sscc}", summary="A carton and its contents")
def get_carton(sscc: str, kaeru: KaeruDep, principal: Packer) -> dict[str, Any]:
    with kaeru.db.read() as session:
        return carton_view(session, carton_by_sscc(session, principal, sscc))


class CloseIn(BaseModel):
    weight_g: int | None = Field(default=None, gt=0, le=100_000)
    station: str | None = None
    accept_weight_override: bool = False


@router.post("/packing/cartons/{sscc}/close", summary="Weigh and close a carton; queue its labels")
def close(sscc: str, body: CloseIn, kaeru: KaeruDep, principal: Packer, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        carton = carton_by_sscc(session, principal, sscc)
        weight, printer = body.weight_g, None
        if body.station:
            station = session.exec(select(Station).where(Station.code == body.station)).first()
            if station is None or not principal.sees_warehouse(station.warehouse_id):
                raise NotFound(f"no station {body.station!r}")
            if weight is None:
                if station.last_weight_g is None or not station.last_weight_stable:
                    raise Invalid(f"no stable weight from the scale at {station.code}: put the carton on it")
                weight = station.last_weight_g
            device = session.exec(
                select(Device).where(Device.station_id == station.id, Device.kind == "printer")
            ).first()
            printer = device.url if device else None
        if weight is None:
            raise Invalid("weigh the carton: give weight_g or the station whose scale holds it")
        service.close_carton(
            session,
            principal=principal,
            carton=carton,
            weight_g=weight,
            site=kaeru.site,
            printer_url=printer,
            accept_weight_override=body.accept_weight_override,
        )
        assign(session, principal, mode="pack")
        return carton_view(session, carton)

    return mutate(kaeru, principal, key, {"sscc": sscc, **body.model_dump()}, work)


@router.post("/shipments/{tracking_number}/ship", summary="Hand a closed carton to the carrier")
def ship(tracking_number: str, kaeru: KaeruDep, principal: Packer, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        shipment = session.exec(select(Shipment).where(Shipment.tracking_number == tracking_number)).first()
        order = session.get(Order, shipment.order_id) if shipment else None
        if shipment is None or order is None or not principal.sees_warehouse(order.warehouse_id):
            raise NotFound(f"no shipment {tracking_number}")
        service.ship(session, principal=principal, shipment=shipment)
        return {
            "tracking_number": shipment.tracking_number,
            "status": shipment.status,
            "order": order.number,
            "order_status": order.status,
        }

    return mutate(kaeru, principal, key, {"ship": tracking_number}, work)


class TrackingIn(BaseModel):
    tracking_number: str = Field(min_length=1, max_length=64)
    kind: str
    at: datetime
    location: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=500)
    external_id: str = Field(default="", max_length=200)


@router.post(
    "/tracking/events", summary="A carrier tracking event (in transit, out for delivery, delivered ...)"
)
def tracking_event(body: TrackingIn, kaeru: KaeruDep, principal: Tracker, key: IdempotencyKey = None) -> Any:
    return mutate(
        kaeru,
        principal,
        key,
        body.model_dump(mode="json"),
        lambda s: service.record_tracking_event(
            s,
            principal=principal,
            tracking_number=body.tracking_number,
            kind=body.kind,
            at=body.at,
            location=body.location,
            description=body.description,
            external_id=body.external_id,
        ),
    )


@router.get("/shipments/{tracking_number}/events", summary="A shipment's tracking history")
def tracking_history(tracking_number: str, kaeru: KaeruDep, principal: OrderReader) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        shipment = session.exec(select(Shipment).where(Shipment.tracking_number == tracking_number)).first()
        order = session.get(Order, shipment.order_id) if shipment else None
        if shipment is None or order is None or not principal.sees_warehouse(order.warehouse_id):
            raise NotFound(f"no shipment {tracking_number}")
        events = session.exec(
            select(TrackingEvent)
            .where(TrackingEvent.shipment_id == shipment.id)
            .order_by(col(TrackingEvent.at))
        ).all()
        return [e.model_dump(mode="json", exclude={"id", "shipment_id"}) for e in events]
