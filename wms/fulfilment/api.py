"""Orders, picking, packing, shipping and carrier tracking over HTTP."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from wms import i18n
from wms.auth import IdempotencyKey, KaeruDep, require
from wms.carriers import labels as carrier_labels
from wms.errors import Invalid, Text
from wms.fulfilment import orders, packing, picking, queries, shipping
from wms.fulfilment.scans import start_packing
from wms.fulfilment.schemas import (
    CartonPublic,
    CloseIn,
    NextTask,
    OrderChanged,
    OrderIn,
    OrderPublic,
    PackStartIn,
    PickView,
    Released,
    ReleaseIn,
    Shipped,
    ShortIn,
    ShortReported,
    TrackingAccepted,
    TrackingEventPublic,
    TrackingIn,
)
from wms.http import mutate
from wms.identity.model import Principal
from wms.inputs import Code, Id
from wms.inventory.catalogue import warehouse_by_code
from wms.merchants.service import merchant_for
from wms.platform.paging import AFTER, announce_next
from wms.scanning.assignment import assign

router = APIRouter(prefix="/api/v1", tags=["fulfilment"])
OrderReader = Annotated[Principal, Depends(require("orders.read"))]
OrderWriter = Annotated[Principal, Depends(require("orders.write"))]
Picker = Annotated[Principal, Depends(require("picking.work"))]
Planner = Annotated[Principal, Depends(require("picking.plan"))]
Packer = Annotated[Principal, Depends(require("packing.work"))]
Tracker = Annotated[Principal, Depends(require("shipping.track"))]


def _new_order(body: OrderIn, principal: Principal, merchant_id: int) -> orders.NewOrder:
    return orders.NewOrder(
        number=body.number,
        merchant_id=merchant_id,
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
        lines=[orders.NewLine(line.sku, line.quantity, line.unit_price_minor) for line in body.lines],
    )


@router.post(
    "/orders", status_code=201, summary="Accept an order and reserve its stock", response_model=OrderChanged
)
def create_order(body: OrderIn, kaeru: KaeruDep, principal: OrderWriter, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = warehouse_by_code(session, principal, body.warehouse)
        merchant = merchant_for(session, principal, body.merchant)
        new = _new_order(body, principal, merchant.id or 0)
        order = orders.create_order(
            session, principal=principal, warehouse=warehouse, new=new, site=kaeru.site
        )
        return queries.order_view(session, order)

    return mutate(kaeru, principal, key, body.model_dump(mode="json"), work)


@router.get(
    "/orders", summary="Orders of the caller's warehouse, newest first", response_model=list[OrderPublic]
)
def list_orders(
    request: Request,
    response: Response,
    kaeru: KaeruDep,
    principal: OrderReader,
    status: Code | None = None,
    number: Code | None = Query(default=None, max_length=64, description="exactly this order number"),
    limit: int = Query(default=50, ge=1, le=500),
    after: Id | None = Query(default=None, description=AFTER),
) -> Any:
    """A full page names the next one: `Next-Cursor` and `Link: <...>; rel="next"` headers."""
    with kaeru.db.read() as session:
        page = queries.orders_page(session, principal, status=status, number=number, limit=limit, after=after)
    announce_next(request, response, page, limit)
    return page


@router.get(
    "/orders/{order_id}", summary="One order with its lines and shipments", response_model=OrderPublic
)
def get_order(order_id: Id, kaeru: KaeruDep, principal: OrderReader) -> Any:
    with kaeru.db.read() as session:
        return queries.order_view(session, orders.get_order(session, principal, order_id))


@router.post(
    "/orders/{order_id}/cancel",
    summary="Cancel an order that has not been packed",
    response_model=OrderChanged,
)
def cancel_order(order_id: Id, kaeru: KaeruDep, principal: OrderWriter, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        order = orders.get_order(session, principal, order_id)
        return queries.order_view(session, orders.cancel_order(session, principal=principal, order=order))

    return mutate(kaeru, principal, key, {"cancel": order_id}, work)


@router.post(
    "/picking/release",
    summary="Release reserved orders to the floor as pick tasks",
    response_model=Released,
    response_model_exclude_unset=True,
)
def release(body: ReleaseIn, kaeru: KaeruDep, principal: Planner, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        tasks = picking.create_pick_tasks(
            session,
            principal=principal,
            warehouse=warehouse_by_code(session, principal, body.warehouse),
            mode=body.mode,
            order_numbers=body.orders,
            orders_per_task=body.orders_per_task,
            wave=body.wave,
        )
        return {"tasks": [picking.describe_pick(session, t) for t in tasks]}

    return mutate(kaeru, principal, key, body.model_dump(mode="json"), work)


@router.post(
    "/picking/next",
    summary="Take the next open pick task and point the caller's scans at it",
    response_model=NextTask,
    response_model_exclude_unset=True,
)
def next_task(kaeru: KaeruDep, principal: Picker, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        task = picking.take_next_task(session, principal)
        if task is None:
            return {"task": None, "message": i18n.say(Text("no pick tasks waiting"))}
        assign(session, principal, mode="pick", ref_type="pick_task", ref_id=str(task.id))
        return {"task": picking.describe_pick(session, task)}

    return mutate(kaeru, principal, key, {"next": True}, work)


@router.get(
    "/picking/tasks/{task_id}",
    summary="A pick task and its next step",
    response_model=PickView,
    response_model_exclude_unset=True,
)
def get_task(task_id: Id, kaeru: KaeruDep, principal: Picker) -> Any:
    with kaeru.db.read() as session:
        return picking.describe_pick(session, picking.get_task(session, principal, task_id))


@router.post(
    "/picking/tasks/{task_id}/short",
    summary="Report that the bin holds fewer units than asked",
    response_model=ShortReported,
    response_model_exclude_unset=True,
)
def short(task_id: Id, body: ShortIn, kaeru: KaeruDep, principal: Picker, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        task = picking.get_task(session, principal, task_id)
        result = picking.report_short(session, principal=principal, task=task, missing=body.missing)
        return {"message": result.message, **result.data}

    return mutate(kaeru, principal, key, {"task": task_id, **body.model_dump()}, work)


@router.post(
    "/packing/start", summary="Open a carton (with its SSCC) for a picked order", response_model=CartonPublic
)
def pack_start(body: PackStartIn, kaeru: KaeruDep, principal: Packer, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        warehouse = warehouse_by_code(session, principal, body.warehouse)
        return queries.carton_view(session, start_packing(session, kaeru, principal, body.order, warehouse))

    return mutate(kaeru, principal, key, body.model_dump(), work)


@router.get("/packing/cartons/{sscc}", summary="A carton and its contents", response_model=CartonPublic)
def get_carton(sscc: Code, kaeru: KaeruDep, principal: Packer) -> Any:
    with kaeru.db.read() as session:
        return queries.carton_view(session, queries.carton_by_sscc(session, principal, sscc))


@router.post(
    "/packing/cartons/{sscc}/close",
    summary="Weigh and close a carton; queue its labels",
    response_model=CartonPublic,
)
def close(sscc: Code, body: CloseIn, kaeru: KaeruDep, principal: Packer, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        carton = queries.carton_by_sscc(session, principal, sscc)
        weight: Decimal | int | None = body.weight_g  # a station's scale gives exact grams
        printer = None
        if body.station:
            weight, printer = queries.weighing_station(session, principal, body.station, weight)
        if weight is None:
            raise Invalid("weigh the carton: give weight_g or the station whose scale holds it")
        packing.close_carton(
            session,
            principal=principal,
            carton=carton,
            weight_g=weight,
            site=kaeru.site,
            printer_url=printer,
            accept_weight_override=body.accept_weight_override,
        )
        assign(session, principal, mode="pack")
        return queries.carton_view(session, carton)

    mutate(kaeru, principal, key, {"sscc": sscc, **body.model_dump()}, work)
    return _labelled(kaeru, principal, sscc)


def _labelled(kaeru: Any, principal: Principal, sscc: str) -> Any:
    """Buy the closed carton's label now (the carrier is called after the close committed); a carrier
    that is down leaves it pending, retried in the background, and the answer says so."""
    with kaeru.db.read() as session:
        carton = queries.carton_by_sscc(session, principal, sscc)
        label = carrier_labels.label_of_carton(session, carton)
    if label is not None and label.status == "pending":
        carrier_labels.settle(kaeru, label.id or 0, principal=principal)
    with kaeru.db.read() as session:
        return queries.carton_view(session, queries.carton_by_sscc(session, principal, sscc))


@router.post(
    "/shipments/{tracking_number}/ship", summary="Hand a closed carton to the carrier", response_model=Shipped
)
def ship(tracking_number: Code, kaeru: KaeruDep, principal: Packer, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        shipment, order = queries.shipment_by_tracking(session, principal, tracking_number)
        shipping.ship(session, principal=principal, shipment=shipment)
        return {
            "tracking_number": shipment.tracking_number,
            "status": shipment.status,
            "order": order.number,
            "order_status": order.status,
        }

    return mutate(kaeru, principal, key, {"ship": tracking_number}, work)


@router.post(
    "/tracking/events",
    summary="A carrier tracking event (in transit, out for delivery, delivered ...)",
    response_model=TrackingAccepted,
    response_model_exclude_unset=True,
)
def tracking_event(body: TrackingIn, kaeru: KaeruDep, principal: Tracker, key: IdempotencyKey = None) -> Any:
    event = shipping.CarrierEvent(
        body.tracking_number, body.kind, body.at, body.location, body.description, body.external_id
    )
    return mutate(
        kaeru, principal, key, body.model_dump(mode="json"), lambda s: shipping.track(s, principal, event)
    )


@router.get(
    "/shipments/{tracking_number}/events",
    summary="A shipment's tracking history",
    response_model=list[TrackingEventPublic],
)
def tracking_history(tracking_number: Code, kaeru: KaeruDep, principal: OrderReader) -> Any:
    with kaeru.db.read() as session:
        return queries.tracking_history(session, principal, tracking_number)
