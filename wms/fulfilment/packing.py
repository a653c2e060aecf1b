"""Packing: a carton (with its SSCC) per picked order, units verified into it by scan, and closing it
on the scale, which asks the carrier for its label (wms/carriers/labels.py buys it, outside the
transaction); the label bought, the carton's shipment exists and its labels are printed."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlmodel import Session, col, select

from kaeru_config.site import SiteConfig
from wms.carriers.requests import request_label
from wms.carriers.tables import CarrierLabel
from wms.errors import Conflict, Invalid
from wms.fulfilment import model
from wms.fulfilment.effects import EFFECTS
from wms.fulfilment.events import CartonClosed, CartonLabelled, CartonOpened
from wms.fulfilment.loading import existing
from wms.fulfilment.model import CARTONS, PACKABLE, CartonStatus, StepResult
from wms.fulfilment.orders import refresh_order_status
from wms.fulfilment.picking import pack_area, scanned_item_matches, scanned_serial
from wms.fulfilment.tables import Carton, CartonItem, Order, OrderLine, Reservation, Shipment
from wms.fulfilment.views import order_lines
from wms.identity.model import Principal, plain_grams, whole_grams
from wms.inventory.model import Tracking, sscc
from wms.inventory.tables import Item, Location, Quant, Warehouse

OVERRIDERS = ("manager", "admin")  # who may close a carton whose weight is off


def open_carton(
    session: Session, *, principal: Principal, order: Order, warehouse: Warehouse, company_prefix: str
) -> Carton:
    """Start packing an order: a carton with its own SSCC (the open one, if it has one)."""
    if order.status not in PACKABLE:
        raise Conflict(
            "order {number} is {status}; only picked orders can be packed",
            number=order.number,
            status=order.status,
        )
    lines = order_lines(session, order.id or 0)
    if not any(line.picked > line.packed for line in lines) and not _open_carton_of(session, order):
        raise _nothing_to_pack(order, lines)
    already = _open_carton_of(session, order)
    if already is not None:
        return already
    carton = Carton(order_id=order.id or 0, sscc=uuid.uuid4().hex[:18])
    session.add(carton)
    session.flush()
    carton.sscc = sscc(extension_digit=1, company_prefix=company_prefix, serial_reference=carton.id or 0)
    session.add(carton)
    EFFECTS.record(session, principal, CartonOpened(carton, order))
    return carton


def _nothing_to_pack(order: Order, lines: list[OrderLine]) -> Conflict:
    picked, wanted = sum(line.picked for line in lines), sum(line.quantity for line in lines)
    if picked < wanted:
        return Conflict(
            "order {number} is still being picked: nothing of it has reached the pack station yet "
            "({picked} of {wanted} picked)",
            number=order.number,
            picked=picked,
            wanted=wanted,
            order=order.number,
            status=order.status,
        )
    return Conflict("everything of order {number} is packed already", number=order.number, order=order.number)


def _open_carton_of(session: Session, order: Order) -> Carton | None:
    return session.exec(
        select(Carton).where(Carton.order_id == order.id, Carton.status == CartonStatus.OPEN)
    ).first()


def _why_not_packed(
    session: Session,
    order: Order,
    lines: list[OrderLine],
    gtin: str | None,
    code: str | None,
    serial: str | None,
) -> Invalid | Conflict:
    """Why a scanned unit found no place in the carton, in words that say what to do."""
    for line in lines:
        item = existing(session, Item, line.item_id, "item")
        if not scanned_item_matches(item, gtin=gtin, code=code, serial=serial):
            continue
        if line.picked < line.quantity and line.packed >= line.picked:
            return Conflict(
                "{sku} has not reached the pack station yet ({picked} of {quantity} picked): "
                "order {number} is still being picked",
                picked=line.picked,
                quantity=line.quantity,
                number=order.number,
                order=order.number,
                sku=item.sku,
            )
        if line.packed >= line.quantity:
            return Invalid("all of {sku} is packed already", order=order.number, sku=item.sku)
    return Invalid("this unit is not on the order, or all of it is packed already", order=order.number)


def pack_scan(
    session: Session,
    *,
    principal: Principal,
    carton: Carton,
    kind: str,
    gtin: str | None,
    code: str | None,
    serial: str | None,
) -> StepResult:
    """Verify one unit into the carton by scan: it must be picked for this order and not yet packed."""
    if carton.status != CartonStatus.OPEN:
        raise Conflict("carton {sscc} is {status}", sscc=carton.sscc, status=carton.status)
    order = existing(session, Order, carton.order_id, "order")
    lines = order_lines(session, order.id or 0)
    area = pack_area(session, order.warehouse_id)
    for line in lines:
        item = existing(session, Item, line.item_id, "item")
        if line.packed >= line.picked:
            continue
        unit_serial = scanned_serial(item, kind=kind, code=code, serial=serial)
        if item.tracking == Tracking.SERIAL:
            if not unit_serial or not _held_here(session, carton, line, item, area, unit_serial):
                continue
        elif not scanned_item_matches(item, gtin=gtin, code=code, serial=serial):
            continue
        _put_in_carton(session, carton, line, item, unit_serial)
        left = sum(pl.picked - pl.packed for pl in lines)
        return StepResult(
            "accepted",
            f"packed 1 x {item.sku}" + (f" ({unit_serial})" if unit_serial else ""),
            {"carton": carton.sscc, "left_to_pack": left, "sku": item.sku},
        )
    raise _why_not_packed(session, order, lines, gtin, code, serial)


def _held_here(
    session: Session, carton: Carton, line: OrderLine, item: Item, area: Location, unit_serial: str
) -> bool:
    """Whether this serial waits at the pack area for the line; refused if it is in the carton already."""
    reserved_here = session.exec(
        select(Reservation)
        .join(Quant, col(Quant.id) == col(Reservation.quant_id))
        .where(
            Reservation.order_line_id == line.id,
            Quant.serial == unit_serial,
            Quant.location_id == area.id,
            Reservation.quantity > 0,
        )
    ).first()
    if reserved_here is None:
        return False
    packed = session.exec(
        select(CartonItem).where(
            CartonItem.item_id == item.id, CartonItem.serial == unit_serial, CartonItem.carton_id == carton.id
        )
    ).first()
    if packed is not None:
        raise Invalid("serial {unit_serial} is already in this carton", unit_serial=unit_serial)
    return True


def _put_in_carton(session: Session, carton: Carton, line: OrderLine, item: Item, unit_serial: str) -> None:
    session.add(
        CartonItem(
            carton_id=carton.id or 0, order_line_id=line.id or 0, item_id=item.id or 0, serial=unit_serial
        )
    )
    line.packed += 1
    session.add(line)
    carton.expected_weight_g += item.weight_g
    session.add(carton)
    session.flush()


def close_carton(
    session: Session,
    *,
    principal: Principal,
    carton: Carton,
    weight_g: Decimal | int,
    site: SiteConfig,
    printer_url: str | None = None,
    accept_weight_override: bool = False,
) -> CarrierLabel:
    """Weigh and close a carton: weight checked, its carrier label asked for ("label pending" until
    the carrier sells it; `wms.carriers.labels.settle` buys it after this transaction commits).

    `weight_g` is typed whole grams or the station scale's exact reading (1234.5 g): the check
    compares the exact weight; the carton keeps whole grams (see `carton_grams`)."""
    if carton.status != CartonStatus.OPEN:
        raise Conflict("carton {sscc} is {status}", sscc=carton.sscc, status=carton.status)
    if isinstance(weight_g, bool) or weight_g <= 0:
        raise Invalid("carton weight in grams must be above zero (got {weight_g!r})", weight_g=weight_g)
    exact = plain_grams(Decimal(weight_g))
    contents = list(session.exec(select(CartonItem).where(CartonItem.carton_id == carton.id)))
    if not contents:
        raise Invalid("the carton is empty: scan the items into it first")
    order = existing(session, Order, carton.order_id, "order")
    check = _weigh(session, contents, carton_grams(exact), site)
    within = abs(exact - check.expected_g) <= check.tolerance_g  # exact, not the rounded grams
    if not within and not (accept_weight_override and principal.role in OVERRIDERS):
        raise Conflict(
            "carton weighs {exact} g but should weigh about {expected_g} g (±{tolerance_g} g): "
            "check the contents",
            exact=exact,
            expected_g=check.expected_g,
            measured_g=str(exact),
            tolerance_g=check.tolerance_g,
        )
    carton.weight_g = carton_grams(exact)
    carton.status = CARTONS.move(carton.status, CartonStatus.CLOSED, what=f"carton {carton.sscc}")
    label = request_label(session, carton, order, printer_url=printer_url)
    refresh_order_status(session, order)
    EFFECTS.record(session, principal, CartonClosed(carton, order, printer_url, check.expected_g))
    return label


def carton_grams(exact: Decimal) -> int:
    """The carton weight kept and handed to the carrier: whole grams, rounded half up (1234.5 g is
    1235 g). Carriers take parcel weights in whole grams (or coarser), and the carton, shipment and
    claim records keep whole grams; the exact reading only decides the weight check."""
    return whole_grams(exact)


def _weigh(
    session: Session, contents: list[CartonItem], weight_g: int, site: SiteConfig
) -> model.WeightCheck:
    weights = []
    for content in contents:
        item = session.get(Item, content.item_id)
        weights.extend([item.weight_g if item else 0] * content.quantity)
    return model.check_carton_weight(
        item_weights_g=weights,
        tare_g=site.shipping.carton_tare_g,
        measured_g=weight_g,
        tolerance_pct=site.shipping.weight_tolerance_pct,
        tolerance_min_g=site.shipping.weight_tolerance_min_g,
    )


def label_carton(
    session: Session,
    *,
    principal: Principal | None,
    carton: Carton,
    order: Order,
    carrier: str,
    service: str,
    tracking_number: str,
    printer_url: str | None,
    label_format: str,
    label: str,
) -> Shipment:
    """The carrier sold the carton's label: its shipment, with the carrier's tracking number, and the
    label to the station's printer."""
    shipment = Shipment(
        order_id=order.id or 0,
        carton_id=carton.id or 0,
        carrier=carrier,
        service=service,
        tracking_number=tracking_number,
    )
    session.add(shipment)
    session.flush()
    refresh_order_status(session, order)
    EFFECTS.record(
        session, principal, CartonLabelled(carton, order, shipment, printer_url, label_format, label)
    )
    return shipment
