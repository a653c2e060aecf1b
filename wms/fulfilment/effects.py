"""What each fulfilment event writes: audit rows, shopper messages, dashboard events, print jobs."""

from __future__ import annotations

from wms.fulfilment.events import (
    CartonClosed,
    CartonLabelled,
    CartonOpened,
    OrderCancelled,
    OrderCreated,
    PickProgressed,
    PickReportedShort,
    PicksReleased,
    ShipmentShipped,
    TrackingRecorded,
)
from wms.fulfilment.tables import Shopper
from wms.fulfilment.views import order_context, shipment_context
from wms.merchants.service import brand_facts
from wms.platform.effects import EffectMap, Effects

_TRACKING_TOPICS = {
    "out_for_delivery": "order.out_for_delivery",
    "delivered": "order.delivered",
    "exception": "order.exception",
}


def order_created(fx: Effects, event: OrderCreated) -> None:
    order = event.order
    fx.audit("order.created", "order", order.number, warehouse_id=order.warehouse_id, channel=event.channel)
    fx.notify_shopper(
        "order.confirmed",
        event.shopper,
        order_context(fx.session, order),
        warehouse_id=order.warehouse_id,
        dedupe_key=f"order.confirmed:{order.id}",
    )
    fx.live("order.created", {"order": order.number, "status": order.status}, warehouse_id=order.warehouse_id)


def order_cancelled(fx: Effects, event: OrderCancelled) -> None:
    fx.audit("order.cancelled", "order", event.order.number, warehouse_id=event.order.warehouse_id)


def picks_released(fx: Effects, event: PicksReleased) -> None:
    fx.audit(
        "picks.released",
        "warehouse",
        event.warehouse_code,
        warehouse_id=event.warehouse_id,
        tasks=event.task_ids,
        mode=event.mode,
    )


def pick_progressed(fx: Effects, event: PickProgressed) -> None:
    fx.live("pick.progress", {"task": event.task_id, "status": event.status}, warehouse_id=event.warehouse_id)


def pick_reported_short(fx: Effects, event: PickReportedShort) -> None:
    fx.audit(
        "pick.short",
        "pick_task",
        event.task_id,
        warehouse_id=event.warehouse_id,
        sku=event.sku,
        missing=event.missing,
        reallocated=event.reallocated,
    )


def carton_opened(fx: Effects, event: CartonOpened) -> None:
    fx.audit(
        "carton.opened",
        "carton",
        event.carton.sscc,
        warehouse_id=event.order.warehouse_id,
        order=event.order.number,
    )


def carton_closed(fx: Effects, event: CartonClosed) -> None:
    order, carton = event.order, event.carton
    fx.audit(
        "carton.closed",
        "carton",
        carton.sscc,
        warehouse_id=order.warehouse_id,
        weight_g=carton.weight_g,
        expected_g=event.expected_g,
    )
    fx.live("carton.closed", {"order": order.number, "sscc": carton.sscc}, warehouse_id=order.warehouse_id)


def carton_labelled(fx: Effects, event: CartonLabelled) -> None:
    """The carrier's label (as the carrier sent it) and the returnable-packaging label, to the station."""
    order, carton, shipment = event.order, event.carton, event.shipment
    shopper = fx.session.get(Shopper, order.shopper_id)
    brand = brand_facts(fx.session, order.merchant_id)
    for label in ("shipping_label", "return_label"):
        carrier_label = {"carrier_label": event.label, "carrier_label_format": event.label_format}
        fx.enqueue(
            "print",
            f"print.{label}",
            {
                "label": label,
                "printer": event.printer_url,
                "order": order.number,
                "sscc": carton.sscc,
                "tracking_number": shipment.tracking_number,
                "carrier": shipment.carrier,
                "service": shipment.service,
                "ship_to": order.ship_to,
                "locale": shopper.locale if shopper else "en",
                "return_token": order.tracking_token,
                "ship_from_name": brand.get("name", ""),
                **({"return_to": brand["return_address"]} if brand.get("return_address") else {}),
                **(carrier_label if label == "shipping_label" and event.label else {}),
            },
            warehouse_id=order.warehouse_id,
            merchant_id=order.merchant_id,
        )
    fx.audit(
        "carton.labelled",
        "carton",
        carton.sscc,
        warehouse_id=order.warehouse_id,
        carrier=shipment.carrier,
        service=shipment.service,
        tracking_number=shipment.tracking_number,
    )
    fx.live(
        "carton.labelled",
        {"order": order.number, "sscc": carton.sscc, "tracking_number": shipment.tracking_number},
        warehouse_id=order.warehouse_id,
    )


def shipment_shipped(fx: Effects, event: ShipmentShipped) -> None:
    order, shipment = event.order, event.shipment
    shopper = fx.session.get(Shopper, order.shopper_id)
    if shopper is not None:
        fx.notify_shopper(
            "order.shipped",
            shopper,
            order_context(fx.session, order) | {"shipment": shipment_context(shipment)},
            warehouse_id=order.warehouse_id,
            dedupe_key=f"order.shipped:{shipment.id}",
        )
    fx.audit("shipment.shipped", "shipment", shipment.tracking_number, warehouse_id=order.warehouse_id)
    fx.live(
        "shipment.shipped",
        {"order": order.number, "tracking_number": shipment.tracking_number},
        warehouse_id=order.warehouse_id,
    )


def tracking_recorded(fx: Effects, event: TrackingRecorded) -> None:
    order, shipment = event.order, event.shipment
    shopper = fx.session.get(Shopper, order.shopper_id)
    topic = _TRACKING_TOPICS.get(event.kind)
    if topic and shopper is not None and event.status_changed:
        context = order_context(fx.session, order) | {
            "shipment": shipment_context(shipment),
            "event": {"kind": event.kind, "location": event.location, "description": event.description},
        }
        fx.notify_shopper(
            topic,
            shopper,
            context,
            warehouse_id=order.warehouse_id,
            dedupe_key=f"{topic}:{shipment.id}:{event.external_id}",
        )
    fx.live(
        "shipment.tracking",
        {"tracking_number": shipment.tracking_number, "kind": event.kind},
        warehouse_id=order.warehouse_id,
    )


EFFECTS = EffectMap(
    "fulfilment",
    {
        OrderCreated: order_created,
        OrderCancelled: order_cancelled,
        PicksReleased: picks_released,
        PickProgressed: pick_progressed,
        PickReportedShort: pick_reported_short,
        CartonOpened: carton_opened,
        CartonClosed: carton_closed,
        CartonLabelled: carton_labelled,
        ShipmentShipped: shipment_shipped,
        TrackingRecorded: tracking_recorded,
    },
)
