"""Forward fulfilment use cases: orders, reservation, picking, packing, shipping, tracking."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from kaeru_config.site import SiteConfig
from wms.db import utcnow
from wms.errors import Conflict, Invalid, NotFound
from wms.fulfilment import model
from wms.fulfilment.tables import (
    Carton,
    CartonItem,
    Order,
    OrderLine,
    PickLine,
    PickTask,
    Reservation,
    Shipment,
    Shopper,
    TrackingEvent,
)
from wms.identity.model import Principal
from wms.inventory.model import Available, allocate, require_positive, sscc
from wms.inventory.service import StockKey, item_by_sku, lock_quant, move_stock
from wms.inventory.tables import Item, Location, Quant, Warehouse
from wms.platform import audit
from wms.platform.notify import notify_shopper
from wms.platform.outbox import enqueue, publish_live

# Other areas react to carrier events (delivery-date estimates, returns in transit) by registering here.
TrackingListener = Callable[[Session, Shipment, TrackingEvent], None]
TRACKING_LISTENERS: list[TrackingListener] = []
# Tracking numbers that are not forward shipments (a return parcel's, say) go to these; the first
# that returns True has handled the event.
UnmatchedTrackingHandler = Callable[[Session, Principal, dict[str, Any]], bool]
UNMATCHED_TRACKING_HANDLERS: list[UnmatchedTrackingHandler] = []
# Order lifecycle hooks (e.g. a promised delivery date computed when an order is created).
ORDER_CREATED_LISTENERS: list[Callable[[Session, Order], None]] = []


@dataclass
class NewLine:
    sku: str
    quantity: int
    unit_price_minor: int = 0


@dataclass
class NewOrder:
    number: str
    shopper_email: str
    shopper_name: str = ""
    shopper_locale: str = "en"
    ship_to: dict[str, Any] = field(default_factory=dict)
    lines: list[NewLine] = field(default_factory=list)
    carrier: str = ""
    service: str = ""
    currency: str = "USD"
    channel: str = "api"
    external_id: str | None = None
    promised_date: date | None = None


# --- orders and reservation -----------------------------------------------------------------


def order_by_number(session: Session, principal: Principal | None, warehouse_id: int, number: str) -> Order:
    order = session.exec(
        select(Order).where(Order.warehouse_id == warehouse_id, Order.number == number)
    ).first()
    if order is None or (principal is not None and not principal.sees_warehouse(order.warehouse_id)):
        raise NotFound(f"no order {number!r}")
    return order


def get_order(session: Session, principal: Principal, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None or not principal.sees_warehouse(order.warehouse_id):
        raise NotFound(f"no order {order_id}")
    return order


def order_lines(session: Session, order_id: int) -> list[OrderLine]:
    return list(
        session.exec(select(OrderLine).where(OrderLine.order_id == order_id).order_by(col(OrderLine.id)))
    )


def refresh_order_status(session: Session, order: Order) -> str:
    lines = order_lines(session, order.id or 0)
    order.status = model.order_status(
        [
            model.LineProgress(line.quantity, line.reserved, line.picked, line.packed, line.shipped)
            for line in lines
        ],
        current=order.status,
    )
    session.add(order)
    return order.status


def create_order(
    session: Session, *, principal: Principal | None, warehouse: Warehouse, new: NewOrder, site: SiteConfig
) -> Order:
    """Accept an order, reserve its stock and confirm it to the shopper."""
    if not new.lines:
        raise Invalid("an order needs at least one line")
    if not new.number.strip():
        raise Invalid("an order needs a number")
    if new.external_id:
        existing = session.exec(
            select(Order).where(Order.warehouse_id == warehouse.id, Order.external_id == new.external_id)
        ).first()
        if existing is not None:
            return existing
    if session.exec(
        select(Order).where(Order.warehouse_id == warehouse.id, Order.number == new.number)
    ).first():
        raise Conflict(f"order {new.number} already exists")
    carrier = new.carrier or site.shipping.default_carrier
    service = new.service or site.shipping.default_service
    if carrier not in site.shipping.carriers:
        raise Invalid(f"unknown carrier {carrier!r}; configured: {sorted(site.shipping.carriers)}")
    shopper = session.exec(select(Shopper).where(Shopper.email == new.shopper_email.lower())).first()
    if shopper is None:
        shopper = Shopper(email=new.shopper_email.lower(), name=new.shopper_name, locale=new.shopper_locale)
        session.add(shopper)
        session.flush()
    else:
        shopper.locale = new.shopper_locale or shopper.locale
        shopper.name = new.shopper_name or shopper.name
        session.add(shopper)
    order = Order(
        warehouse_id=warehouse.id or 0,
        number=new.number,
        shopper_id=shopper.id or 0,
        channel=new.channel,
        external_id=new.external_id,
        ship_to=new.ship_to,
        currency=new.currency,
        carrier=carrier,
        service=service,
        promised_date=new.promised_date,
        tracking_token=secrets.token_urlsafe(24),
    )
    session.add(order)
    session.flush()
    merged: dict[str, NewLine] = {}
    for line in new.lines:
        require_positive(line.quantity, f"quantity of {line.sku}")
        if line.unit_price_minor < 0:
            raise Invalid(f"price of {line.sku} cannot be negative")
        if line.sku in merged:
            merged[line.sku].quantity += line.quantity
        else:
            merged[line.sku] = NewLine(line.sku, line.quantity, line.unit_price_minor)
    for line in merged.values():
        item = item_by_sku(session, line.sku)
        session.add(
            OrderLine(
                order_id=order.id or 0,
                item_id=item.id or 0,
                quantity=line.quantity,
                unit_price_minor=line.unit_price_minor or item.price_minor,
            )
        )
    session.flush()
    reserve_order(session, order)
    for listener in ORDER_CREATED_LISTENERS:
        listener(session, order)
    audit.record(
        session,
        principal,
        action="order.created",
        object_type="order",
        object_id=order.number,
        warehouse_id=order.warehouse_id,
        channel=new.channel,
    )
    notify_shopper(
        session,
        topic="order.confirmed",
        shopper=shopper,
        warehouse_id=order.warehouse_id,
        context=order_context(session, order),
        dedupe_key=f"order.confirmed:{order.id}",
    )
    publish_live(
        session,
        topic="order.created",
        payload={"order": order.number, "status": order.status},
        warehouse_id=order.warehouse_id,
    )
    return order


def order_context(session: Session, order: Order) -> dict[str, Any]:
    lines = []
    for line in order_lines(session, order.id or 0):
        item = session.get(Item, line.item_id)
        lines.append(
            {
                "sku": item.sku if item else "",
                "name": item.name if item else "",
                "quantity": line.quantity,
                "unit_price_minor": line.unit_price_minor,
            }
        )
    return {
        "order": {
            "number": order.number,
            "status": order.status,
            "currency": order.currency,
            "tracking_token": order.tracking_token,
            "lines": lines,
            "promised_date": order.promised_date.isoformat() if order.promised_date else None,
        }
    }


def _candidates(session: Session, warehouse_id: int, item_id: int) -> list[tuple[Quant, Location]]:
    rows = session.exec(
        select(Quant, Location)
        .join(Location, col(Location.id) == col(Quant.location_id))
        .where(
            Location.warehouse_id == warehouse_id,
            Quant.item_id == item_id,
            Quant.condition == "new",
            Quant.quantity > Quant.reserved,
            col(Location.kind).in_(["pick", "storage"]),
        )
        .order_by(col(Quant.id))
    ).all()
    return [(q, loc) for q, loc in rows]


def _reserve_units(session: Session, line: OrderLine, warehouse_id: int, need: int) -> int:
    rows = _candidates(session, warehouse_id, line.item_id)
    locations = {}
    available = []
    for quant, location in rows:
        # Lock in quant-id order (a fixed order: no deadlocks) and decide on the locked values.
        locked = lock_quant(
            session,
            StockKey(quant.item_id, quant.location_id, quant.lot, quant.serial, quant.condition),
            create=False,
        )
        if locked is None:
            continue
        locations[locked.id] = locked
        available.append(
            Available(
                quant_id=locked.id or 0,
                location_kind=location.kind,
                path_seq=location.path_seq,
                available=locked.quantity - locked.reserved,
                serial=locked.serial,
                lot=locked.lot,
            )
        )
    taken = 0
    for allocation in allocate(need, available):
        quant = locations[allocation.quant_id]
        quant.reserved += allocation.quantity
        quant.version += 1
        session.add(quant)
        session.add(
            Reservation(
                order_line_id=line.id or 0, quant_id=allocation.quant_id, quantity=allocation.quantity
            )
        )
        taken += allocation.quantity
    line.reserved += taken
    session.add(line)
    return taken


def reserve_order(session: Session, order: Order) -> str:
    """Reserve what each line still needs; never more than is free (ARCHITECTURE rule 3)."""
    for line in order_lines(session, order.id or 0):
        need = line.quantity - line.reserved - line.picked
        if need > 0:
            _reserve_units(session, line, order.warehouse_id, need)
    session.flush()
    return refresh_order_status(session, order)


def cancel_order(session: Session, *, principal: Principal, order: Order) -> Order:
    if order.status in ("packed", "shipped", "delivered"):
        raise Conflict(f"order {order.number} is already {order.status}; it can no longer be cancelled")
    for line in order_lines(session, order.id or 0):
        for reservation in session.exec(
            select(Reservation).where(Reservation.order_line_id == line.id, Reservation.quantity > 0)
        ).all():
            _release(session, reservation, reservation.quantity)
        line.reserved = 0
        session.add(line)
    order.status = "cancelled"
    session.add(order)
    audit.record(
        session,
        principal,
        action="order.cancelled",
        object_type="order",
        object_id=order.number,
        warehouse_id=order.warehouse_id,
    )
    return order


def _release(session: Session, reservation: Reservation, quantity: int) -> None:
    quant = session.get(Quant, reservation.quant_id)
    if quant is not None:
        locked = lock_quant(
            session,
            StockKey(quant.item_id, quant.location_id, quant.lot, quant.serial, quant.condition),
            create=False,
        )
        if locked is not None:
            locked.reserved -= min(quantity, locked.reserved)
            session.add(locked)
    # Spent reservations stay at zero: pick lines keep pointing at them as history.
    reservation.quantity = max(0, reservation.quantity - quantity)
    session.add(reservation)


# --- picking --------------------------------------------------------------------------------


def pack_area(session: Session, warehouse_id: int) -> Location:
    """Where picked units wait for packing: the warehouse's first pack location on the path."""
    location = session.exec(
        select(Location)
        .where(Location.warehouse_id == warehouse_id, Location.kind == "pack")
        .order_by(col(Location.path_seq), col(Location.id))
    ).first()
    if location is None:
        raise Conflict("this warehouse has no pack location configured")
    return location


def create_pick_tasks(
    session: Session,
    *,
    principal: Principal,
    warehouse: Warehouse,
    mode: str,
    order_numbers: list[str] | None = None,
    orders_per_task: int = 8,
    wave: str = "",
) -> list[PickTask]:
    """Release reserved orders to the floor as pick tasks: one per order, or batched by N orders."""
    if mode not in ("single", "batch", "wave"):
        raise Invalid("pick mode must be single, batch or wave")
    require_positive(orders_per_task, "orders per task")
    statement = select(Order).where(Order.warehouse_id == warehouse.id, Order.status == "reserved")
    if order_numbers:
        statement = statement.where(col(Order.number).in_(order_numbers))
    orders = list(session.exec(statement.order_by(col(Order.created_at), col(Order.id))))
    if order_numbers and len(orders) != len(set(order_numbers)):
        found = {o.number for o in orders}
        missing = sorted(set(order_numbers) - found)
        raise Conflict(f"order(s) {', '.join(missing)} are not reserved and waiting to be picked")
    size = 1 if mode == "single" else orders_per_task
    wave = wave or (f"W{utcnow():%Y%m%d%H%M%S}" if mode == "wave" else "")
    tasks = []
    for start in range(0, len(orders), size):
        group = orders[start : start + size]
        task = PickTask(warehouse_id=warehouse.id or 0, mode=mode, wave=wave)
        session.add(task)
        session.flush()
        lines: list[tuple[int, PickLine]] = []
        for order in group:
            for line in order_lines(session, order.id or 0):
                for reservation in session.exec(
                    select(Reservation).where(Reservation.order_line_id == line.id, Reservation.quantity > 0)
                ):
                    quant = session.get(Quant, reservation.quant_id)
                    location = session.get(Location, quant.location_id) if quant else None
                    if quant is None or location is None or location.kind not in ("pick", "storage"):
                        continue
                    lines.append(
                        (
                            location.path_seq,
                            PickLine(
                                task_id=task.id or 0,
                                order_line_id=line.id or 0,
                                reservation_id=reservation.id,
                                item_id=line.item_id,
                                location_id=location.id or 0,
                                quantity=reservation.quantity,
                            ),
                        )
                    )
            order.status = "picking"
            session.add(order)
        lines.sort(key=lambda pair: (pair[0], pair[1].item_id))
        for seq, (_, pick_line) in enumerate(lines):
            pick_line.seq = seq
            session.add(pick_line)
        tasks.append(task)
    session.flush()
    audit.record(
        session,
        principal,
        action="picks.released",
        object_type="warehouse",
        object_id=warehouse.code,
        warehouse_id=warehouse.id,
        tasks=[t.id for t in tasks],
        mode=mode,
    )
    return tasks


def get_task(session: Session, principal: Principal, task_id: int) -> PickTask:
    task = session.get(PickTask, task_id)
    if task is None or not principal.sees_warehouse(task.warehouse_id):
        raise NotFound(f"no pick task {task_id}")
    return task


def task_lines(session: Session, task_id: int) -> list[PickLine]:
    return list(
        session.exec(
            select(PickLine).where(PickLine.task_id == task_id).order_by(col(PickLine.seq), col(PickLine.id))
        )
    )


def current_line(session: Session, task: PickTask) -> PickLine | None:
    return next((line for line in task_lines(session, task.id or 0) if line.status == "open"), None)


@dataclass
class StepResult:
    """What a scan or step did, and what the person should do next."""

    outcome: str  # accepted | rejected
    message: str
    data: dict[str, Any] = field(default_factory=dict)


def describe_pick(session: Session, task: PickTask) -> dict[str, Any]:
    line = current_line(session, task)
    if line is None:
        return {"task_id": task.id, "status": task.status, "next": None}
    location = session.get(Location, line.location_id)
    item = session.get(Item, line.item_id)
    return {
        "task_id": task.id,
        "status": task.status,
        "next": {
            "line_id": line.id,
            "location": location.code if location else "",
            "sku": item.sku if item else "",
            "name": item.name if item else "",
            "gtin": item.gtin if item else None,
            "quantity": line.quantity - line.picked - line.short,
            "location_confirmed": line.location_confirmed,
            "serial_tracked": bool(item and item.tracking == "serial"),
        },
        "remaining_lines": sum(1 for pl in task_lines(session, task.id or 0) if pl.status == "open"),
    }


def scanned_item_matches(item: Item, *, gtin: str | None, code: str | None, serial: str | None) -> bool:
    if gtin and item.gtin and gtin.zfill(14) == item.gtin:
        return True
    return bool(code and code == item.sku)


def pick_scan(
    session: Session,
    *,
    principal: Principal,
    task: PickTask,
    kind: str,
    code: str | None,
    gtin: str | None,
    serial: str | None,
    idempotency_key: str | None = None,
) -> StepResult:
    """Confirm a pick by scans: first the location, then the item (or its serial), one unit a scan."""
    if task.status in ("done", "cancelled"):
        raise Conflict(f"pick task {task.id} is {task.status}")
    line = current_line(session, task)
    if line is None:
        raise Conflict("nothing left to pick on this task")
    location = session.get(Location, line.location_id)
    item = session.get(Item, line.item_id)
    assert location is not None
    assert item is not None
    if task.status == "open":
        task.status = "in_progress"
        task.assigned_user_id = principal.user_id
        task.assigned_device_id = principal.device_id
        session.add(task)
    if kind == "location":
        if code != location.code:
            raise Invalid(
                f"wrong location: go to {location.code} (you scanned {code})", expected=location.code
            )
        line.location_confirmed = True
        session.add(line)
        return StepResult(
            "accepted",
            f"at {location.code}: pick {line.quantity - line.picked} x {item.sku}",
            describe_pick(session, task),
        )
    if not line.location_confirmed:
        raise Invalid(f"scan the location {location.code} first", expected=location.code)
    unit_serial = ""
    if item.tracking == "serial":
        unit_serial = serial or (code if kind == "text" else None) or ""
        if not unit_serial:
            raise Invalid(f"{item.sku} is serial-tracked: scan the serial number")
    elif not scanned_item_matches(item, gtin=gtin, code=code, serial=serial):
        raise Invalid(f"wrong item: expected {item.sku} ({item.name})", expected=item.sku)
    reservation = session.get(Reservation, line.reservation_id) if line.reservation_id else None
    if reservation is None:
        raise Conflict("this pick line lost its reservation; report it short so it is re-allocated")
    reserved_quant = session.get(Quant, reservation.quant_id)
    assert reserved_quant is not None
    if unit_serial and unit_serial != reserved_quant.serial:
        # The picker took another unit from the same bin: move the reservation to it if it is free.
        other = lock_quant(
            session,
            StockKey(item.id or 0, location.id or 0, reserved_quant.lot, unit_serial, "new"),
            create=False,
        )
        if other is None or other.quantity - other.reserved < 1:
            raise Invalid(f"serial {unit_serial} is not free at {location.code}", serial=unit_serial)
        _release(session, reservation, 1)
        other.reserved += 1
        session.add(other)
        reservation = Reservation(order_line_id=line.order_line_id, quant_id=other.id or 0, quantity=1)
        session.add(reservation)
        session.flush()
        line.reservation_id = reservation.id
        reserved_quant = other
    destination = pack_area(session, task.warehouse_id)
    move_stock(
        session,
        principal=principal,
        warehouse_id=task.warehouse_id,
        item=item,
        quantity=1,
        from_location_id=location.id,
        to_location_id=destination.id,
        reason="pick",
        lot=reserved_quant.lot,
        serial=reserved_quant.serial,
        take_reserved=True,
        keep_reserved=True,
        ref_type="pick_task",
        ref_id=str(task.id),
        idempotency_key=idempotency_key,
    )
    moved = lock_quant(
        session,
        StockKey(item.id or 0, destination.id or 0, reserved_quant.lot, reserved_quant.serial, "new"),
        create=False,
    )
    assert moved is not None
    _release_reservation_units(session, reservation, 1)
    _add_reservation(session, line.order_line_id, moved.id or 0, 1)
    line.picked += 1
    if line.picked + line.short >= line.quantity:
        line.status = "done"
    session.add(line)
    order_line = session.get(OrderLine, line.order_line_id)
    assert order_line is not None
    order_line.picked += 1
    order_line.reserved -= 1
    session.add(order_line)
    session.flush()
    _finish_task_if_done(session, task)
    return StepResult("accepted", f"picked 1 x {item.sku}", describe_pick(session, task))


def _release_reservation_units(session: Session, reservation: Reservation, quantity: int) -> None:
    # Spent reservations stay at zero: pick lines keep pointing at them as history.
    reservation.quantity = max(0, reservation.quantity - quantity)
    session.add(reservation)


def _add_reservation(session: Session, order_line_id: int, quant_id: int, quantity: int) -> None:
    existing = session.exec(
        select(Reservation).where(
            Reservation.order_line_id == order_line_id, Reservation.quant_id == quant_id
        )
    ).first()  # a spent reservation on the same quant is reused
    if existing is None:
        session.add(Reservation(order_line_id=order_line_id, quant_id=quant_id, quantity=quantity))
    else:
        existing.quantity += quantity
        session.add(existing)


def _finish_task_if_done(session: Session, task: PickTask) -> None:
    lines = task_lines(session, task.id or 0)
    if all(line.status != "open" for line in lines):
        task.status = "done"
        session.add(task)
    for order_id in {session.get(OrderLine, line.order_line_id).order_id for line in lines}:  # type: ignore[union-attr]
        order = session.get(Order, order_id)
        if order is not None:
            refresh_order_status(session, order)
    publish_live(
        session,
        topic="pick.progress",
        payload={"task": task.id, "status": task.status},
        warehouse_id=task.warehouse_id,
    )


def report_short(session: Session, *, principal: Principal, task: PickTask, missing: int) -> StepResult:
    """The bin holds fewer units than the system thought: write them off and re-allocate elsewhere."""
    require_positive(missing, "missing quantity")
    line = current_line(session, task)
    if line is None:
        raise Conflict("nothing left to pick on this task")
    remaining = line.quantity - line.picked - line.short
    if missing > remaining:
        raise Invalid(f"only {remaining} unit(s) are left to pick on this line")
    reservation = session.get(Reservation, line.reservation_id) if line.reservation_id else None
    item = session.get(Item, line.item_id)
    assert item is not None
    order_line = session.get(OrderLine, line.order_line_id)
    assert order_line is not None
    if reservation is not None:
        quant = session.get(Quant, reservation.quant_id)
        assert quant is not None
        written_off = min(missing, quant.quantity)
        if written_off:
            move_stock(
                session,
                principal=principal,
                warehouse_id=task.warehouse_id,
                item=item,
                quantity=written_off,
                from_location_id=quant.location_id,
                to_location_id=None,
                reason="adjust",
                lot=quant.lot,
                serial=quant.serial,
                take_reserved=True,
                note="short pick",
                ref_type="pick_task",
                ref_id=str(task.id),
            )
        _release_reservation_units(session, reservation, missing)
    order_line.reserved -= missing
    line.short += missing
    if line.picked + line.short >= line.quantity:
        line.status = "short"
    session.add(line)
    session.flush()
    found = _reserve_units(session, order_line, task.warehouse_id, missing)
    # New reservations become new lines on this task, in walking order after the current position.
    next_seq = max((pl.seq for pl in task_lines(session, task.id or 0)), default=0) + 1
    new_lines = session.exec(
        select(Reservation)
        .where(Reservation.order_line_id == order_line.id, Reservation.quantity > 0)
        .where(
            col(Reservation.id).not_in(
                select(PickLine.reservation_id).where(col(PickLine.reservation_id).is_not(None))
            )
        )
    ).all()
    for reservation_row in new_lines:
        quant = session.get(Quant, reservation_row.quant_id)
        if quant is None or quant.location_id == pack_area(session, task.warehouse_id).id:
            continue
        session.add(
            PickLine(
                task_id=task.id or 0,
                order_line_id=order_line.id or 0,
                reservation_id=reservation_row.id,
                item_id=order_line.item_id,
                location_id=quant.location_id,
                seq=next_seq,
                quantity=reservation_row.quantity,
            )
        )
        next_seq += 1
    session.flush()
    _finish_task_if_done(session, task)
    audit.record(
        session,
        principal,
        action="pick.short",
        object_type="pick_task",
        object_id=task.id,
        warehouse_id=task.warehouse_id,
        sku=item.sku,
        missing=missing,
        reallocated=found,
    )
    message = (
        f"{missing} x {item.sku} reported short; {found} re-allocated elsewhere"
        if found
        else f"{missing} x {item.sku} reported short; none left in the building: order backordered"
    )
    return StepResult("accepted", message, describe_pick(session, task))


# --- packing and shipping -------------------------------------------------------------------


def open_carton(
    session: Session, *, principal: Principal, order: Order, warehouse: Warehouse, company_prefix: str
) -> Carton:
    """Start packing an order: a carton with its own SSCC."""
    if order.status not in ("picked", "packed", "picking"):
        raise Conflict(f"order {order.number} is {order.status}; only picked orders can be packed")
    existing = session.exec(
        select(Carton).where(Carton.order_id == order.id, Carton.status == "open")
    ).first()
    if existing is not None:
        return existing
    carton = Carton(order_id=order.id or 0, sscc=uuid.uuid4().hex[:18])
    session.add(carton)
    session.flush()
    carton.sscc = sscc(extension_digit=1, company_prefix=company_prefix, serial_reference=carton.id or 0)
    session.add(carton)
    audit.record(
        session,
        principal,
        action="carton.opened",
        object_type="carton",
        object_id=carton.sscc,
        warehouse_id=order.warehouse_id,
        order=order.number,
    )
    return carton


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
    if carton.status != "open":
        raise Conflict(f"carton {carton.sscc} is {carton.status}")
    order = session.get(Order, carton.order_id)
    assert order is not None
    lines = order_lines(session, order.id or 0)
    area = pack_area(session, order.warehouse_id)
    for line in lines:
        item = session.get(Item, line.item_id)
        assert item is not None
        if line.packed >= line.picked:
            continue
        if item.tracking == "serial":
            unit_serial = serial or (code if kind == "text" else None)
            if not unit_serial:
                continue
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
                continue
            already = session.exec(
                select(CartonItem).where(
                    CartonItem.item_id == item.id,
                    CartonItem.serial == unit_serial,
                    CartonItem.carton_id == carton.id,
                )
            ).first()
            if already is not None:
                raise Invalid(f"serial {unit_serial} is already in this carton")
        elif not scanned_item_matches(item, gtin=gtin, code=code, serial=serial):
            continue
        else:
            unit_serial = ""
        session.add(
            CartonItem(
                carton_id=carton.id or 0,
                order_line_id=line.id or 0,
                item_id=item.id or 0,
                serial=unit_serial or "",
            )
        )
        line.packed += 1
        session.add(line)
        carton.expected_weight_g += item.weight_g
        session.add(carton)
        session.flush()
        left = sum(pl.picked - pl.packed for pl in lines)
        return StepResult(
            "accepted",
            f"packed 1 x {item.sku}" + (f" ({unit_serial})" if unit_serial else ""),
            {"carton": carton.sscc, "left_to_pack": left, "sku": item.sku},
        )
    raise Invalid("this unit is not on the order, or all of it is packed already", order=order.number)


def close_carton(
    session: Session,
    *,
    principal: Principal,
    carton: Carton,
    weight_g: int,
    site: SiteConfig,
    printer_url: str | None = None,
    accept_weight_override: bool = False,
) -> Shipment:
    """Weigh and close a carton: weight checked, shipment and tracking number created, labels queued."""
    if carton.status != "open":
        raise Conflict(f"carton {carton.sscc} is {carton.status}")
    require_positive(weight_g, "carton weight in grams")
    items = list(session.exec(select(CartonItem).where(CartonItem.carton_id == carton.id)))
    if not items:
        raise Invalid("the carton is empty: scan the items into it first")
    order = session.get(Order, carton.order_id)
    assert order is not None
    weights = []
    for content in items:
        item = session.get(Item, content.item_id)
        weights.extend([item.weight_g if item else 0] * content.quantity)
    check = model.check_carton_weight(
        item_weights_g=weights,
        tare_g=site.shipping.carton_tare_g,
        measured_g=weight_g,
        tolerance_pct=site.shipping.weight_tolerance_pct,
        tolerance_min_g=site.shipping.weight_tolerance_min_g,
    )
    if not check.ok and not (accept_weight_override and principal.role in ("manager", "admin")):
        raise Conflict(
            f"carton weighs {weight_g} g but should weigh about {check.expected_g} g "
            f"(±{check.tolerance_g} g): check the contents",
            expected_g=check.expected_g,
            measured_g=weight_g,
            tolerance_g=check.tolerance_g,
        )
    carton.weight_g = weight_g
    carton.status = "closed"
    carrier = site.shipping.carriers[order.carrier]
    sequence = (session.exec(select(func.count()).select_from(Shipment)).one() or 0) + 1
    shipment = Shipment(
        order_id=order.id or 0,
        carton_id=carton.id or 0,
        carrier=order.carrier,
        service=order.service,
        tracking_number=model.tracking_number(carrier.tracking_prefix, sequence + 1000 * (carton.id or 0)),
    )
    session.add(carton)
    session.add(shipment)
    session.flush()
    refresh_order_status(session, order)
    shopper = session.get(Shopper, order.shopper_id)
    for label in ("shipping_label", "return_label"):
        enqueue(
            session,
            channel="print",
            topic=f"print.{label}",
            warehouse_id=order.warehouse_id,
            payload={
                "label": label,
                "printer": printer_url,
                "order": order.number,
                "sscc": carton.sscc,
                "tracking_number": shipment.tracking_number,
                "carrier": shipment.carrier,
                "service": shipment.service,
                "ship_to": order.ship_to,
                "locale": shopper.locale if shopper else "en",
                "return_token": order.tracking_token,
            },
        )
    audit.record(
        session,
        principal,
        action="carton.closed",
        object_type="carton",
        object_id=carton.sscc,
        warehouse_id=order.warehouse_id,
        weight_g=weight_g,
        expected_g=check.expected_g,
        tracking_number=shipment.tracking_number,
    )
    publish_live(
        session,
        topic="carton.closed",
        payload={"order": order.number, "sscc": carton.sscc},
        warehouse_id=order.warehouse_id,
    )
    return shipment


def ship(session: Session, *, principal: Principal, shipment: Shipment) -> Shipment:
    """Hand a closed carton to the carrier: its units leave the building through the ledger."""
    if shipment.status != "label_created":
        raise Conflict(f"shipment {shipment.tracking_number} is already {shipment.status}")
    order = session.get(Order, shipment.order_id)
    assert order is not None
    area = pack_area(session, order.warehouse_id)
    for content in session.exec(select(CartonItem).where(CartonItem.carton_id == shipment.carton_id)).all():
        item = session.get(Item, content.item_id)
        line = session.get(OrderLine, content.order_line_id)
        assert item is not None
        assert line is not None
        reservation = session.exec(
            select(Reservation)
            .join(Quant, col(Quant.id) == col(Reservation.quant_id))
            .where(
                Reservation.order_line_id == line.id,
                Quant.location_id == area.id,
                Quant.serial == content.serial,
                Reservation.quantity >= content.quantity,
            )
        ).first()
        if reservation is None:
            raise Conflict(f"{item.sku} packed in this carton is no longer held at the pack area")
        quant = session.get(Quant, reservation.quant_id)
        assert quant is not None
        move_stock(
            session,
            principal=principal,
            warehouse_id=order.warehouse_id,
            item=item,
            quantity=content.quantity,
            from_location_id=area.id,
            to_location_id=None,
            reason="ship",
            lot=quant.lot,
            serial=content.serial,
            take_reserved=True,
            ref_type="shipment",
            ref_id=shipment.tracking_number,
        )
        _release_reservation_units(session, reservation, content.quantity)
        line.shipped += content.quantity
        session.add(line)
    shipment.status = "shipped"
    shipment.shipped_at = utcnow()
    session.add(shipment)
    carton = session.get(Carton, shipment.carton_id)
    if carton is not None:
        carton.status = "shipped"
        session.add(carton)
    session.flush()
    refresh_order_status(session, order)
    shopper = session.get(Shopper, order.shopper_id)
    if shopper is not None:
        context = order_context(session, order) | {"shipment": shipment_context(shipment)}
        notify_shopper(
            session,
            topic="order.shipped",
            shopper=shopper,
            warehouse_id=order.warehouse_id,
            context=context,
            dedupe_key=f"order.shipped:{shipment.id}",
        )
    audit.record(
        session,
        principal,
        action="shipment.shipped",
        object_type="shipment",
        object_id=shipment.tracking_number,
        warehouse_id=order.warehouse_id,
    )
    publish_live(
        session,
        topic="shipment.shipped",
        payload={"order": order.number, "tracking_number": shipment.tracking_number},
        warehouse_id=order.warehouse_id,
    )
    return shipment


def shipment_context(shipment: Shipment) -> dict[str, Any]:
    return {
        "carrier": shipment.carrier,
        "service": shipment.service,
        "tracking_number": shipment.tracking_number,
        "status": shipment.status,
        "estimated_delivery": shipment.estimated_delivery.isoformat()
        if shipment.estimated_delivery
        else None,
    }


def record_tracking_event(
    session: Session,
    *,
    principal: Principal,
    tracking_number: str,
    kind: str,
    at: datetime,
    location: str = "",
    description: str = "",
    external_id: str = "",
) -> dict[str, Any]:
    """Accept one carrier event; a replay of the same event (same external id) changes nothing."""
    if kind not in model.TRACKING_KINDS:
        raise Invalid(f"unknown tracking event {kind!r}; one of {', '.join(model.TRACKING_KINDS)}")
    shipment = session.exec(select(Shipment).where(Shipment.tracking_number == tracking_number)).first()
    if shipment is None:
        event = {
            "tracking_number": tracking_number,
            "kind": kind,
            "at": at,
            "location": location,
            "description": description,
            "external_id": external_id,
        }
        for handler in UNMATCHED_TRACKING_HANDLERS:
            if handler(session, principal, event):
                return {"tracking_number": tracking_number, "handled_by": "returns"}
        raise NotFound(f"no shipment with tracking number {tracking_number!r}")
    order = session.get(Order, shipment.order_id)
    assert order is not None
    if not principal.sees_warehouse(order.warehouse_id):
        raise NotFound(f"no shipment with tracking number {tracking_number!r}")
    external_id = external_id or f"{kind}:{at.isoformat()}"
    duplicate = session.exec(
        select(TrackingEvent).where(
            TrackingEvent.shipment_id == shipment.id, TrackingEvent.external_id == external_id
        )
    ).first()
    if duplicate is not None:
        return {"tracking_number": tracking_number, "status": shipment.status, "duplicate": True}
    if shipment.status == "label_created":
        raise Conflict(f"shipment {tracking_number} has not been handed to the carrier yet")
    event_row = TrackingEvent(
        shipment_id=shipment.id or 0,
        at=at,
        kind=kind,
        location=location,
        description=description,
        external_id=external_id,
    )
    session.add(event_row)
    before = shipment.status
    shipment.status = model.next_shipment_status(shipment.status, kind)
    if shipment.status == "delivered" and shipment.delivered_at is None:
        shipment.delivered_at = at
        order.status = "delivered"
        session.add(order)
    session.add(shipment)
    session.flush()
    for listener in TRACKING_LISTENERS:
        listener(session, shipment, event_row)
    shopper = session.get(Shopper, order.shopper_id)
    topic = {
        "out_for_delivery": "order.out_for_delivery",
        "delivered": "order.delivered",
        "exception": "order.exception",
    }.get(kind)
    if topic and shopper is not None and shipment.status != before:
        context = order_context(session, order) | {
            "shipment": shipment_context(shipment),
            "event": {"kind": kind, "location": location, "description": description},
        }
        notify_shopper(
            session,
            topic=topic,
            shopper=shopper,
            warehouse_id=order.warehouse_id,
            context=context,
            dedupe_key=f"{topic}:{shipment.id}:{external_id}",
        )
    publish_live(
        session,
        topic="shipment.tracking",
        payload={"tracking_number": tracking_number, "kind": kind},
        warehouse_id=order.warehouse_id,
    )
    return {"tracking_number": tracking_number, "status": shipment.status, "duplicate": False}
