"""Picking: releasing reserved orders to the floor as pick tasks, confirming picks by scan (location,
then unit), and short picks written off and re-allocated."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from wms.db import utcnow
from wms.errors import Conflict, Invalid, Text
from wms.fulfilment.effects import EFFECTS
from wms.fulfilment.events import PickProgressed, PickReportedShort, PicksReleased
from wms.fulfilment.loading import existing
from wms.fulfilment.model import (
    ORDERS,
    PICK_LINES,
    PICK_TASKS,
    OrderStatus,
    PickLineStatus,
    PickMode,
    PickTaskStatus,
    StepResult,
    advance,
)
from wms.fulfilment.orders import refresh_order_status
from wms.fulfilment.reservation import hold, live_reservations, release, reserve_units, spend
from wms.fulfilment.tables import Order, OrderLine, PickLine, PickTask, Reservation
from wms.fulfilment.views import order_lines
from wms.identity.model import Principal
from wms.inventory.ledger import Actor, Movement, Reference, StockKey, lock_quant, move
from wms.inventory.model import ALLOCATABLE_KINDS, Tracking, require_positive
from wms.inventory.tables import Item, Location, Quant, Warehouse
from wms.scoping import visible


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


def _orders_to_release(
    session: Session, warehouse: Warehouse, order_numbers: list[str] | None
) -> list[Order]:
    statement = select(Order).where(Order.warehouse_id == warehouse.id, Order.status == OrderStatus.RESERVED)
    if order_numbers:
        statement = statement.where(col(Order.number).in_(order_numbers))
    orders = list(session.exec(statement.order_by(col(Order.created_at), col(Order.id))))
    if order_numbers and len(orders) != len(set(order_numbers)):
        missing = sorted(set(order_numbers) - {o.number for o in orders})
        raise Conflict("order(s) {names} are not reserved and waiting to be picked", names=", ".join(missing))
    return orders


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
    if mode not in tuple(PickMode):
        raise Invalid("pick mode must be single, batch or wave")
    require_positive(orders_per_task, "orders per task")
    orders = _orders_to_release(session, warehouse, order_numbers)
    size = 1 if mode == PickMode.SINGLE else orders_per_task
    wave = wave or (f"W{utcnow():%Y%m%d%H%M%S}" if mode == PickMode.WAVE else "")
    tasks = [
        _pick_task(session, warehouse, mode, wave, orders[start : start + size])
        for start in range(0, len(orders), size)
    ]
    session.flush()
    EFFECTS.record(
        session, principal, PicksReleased(warehouse.id, warehouse.code, [t.id for t in tasks], mode)
    )
    return tasks


def _pick_task(session: Session, warehouse: Warehouse, mode: str, wave: str, group: list[Order]) -> PickTask:
    """One task for a group of orders: a line per reservation, in walking order."""
    task = PickTask(warehouse_id=warehouse.id or 0, mode=mode, wave=wave)
    session.add(task)
    session.flush()
    lines: list[tuple[int, PickLine]] = []
    for order in group:
        for line in order_lines(session, order.id or 0):
            lines.extend(_pick_lines(session, task, line))
        order.status = ORDERS.move(order.status, OrderStatus.PICKING, what=f"order {order.number}")
        session.add(order)
    lines.sort(key=lambda pair: (pair[0], pair[1].item_id))
    for seq, (_, pick_line) in enumerate(lines):
        pick_line.seq = seq
        session.add(pick_line)
    return task


def _pick_lines(session: Session, task: PickTask, line: OrderLine) -> list[tuple[int, PickLine]]:
    """(walking position, pick line) for each unit-holding reservation of an order line in storage."""
    lines = []
    for reservation in live_reservations(session, line.id):
        quant = session.get(Quant, reservation.quant_id)
        location = session.get(Location, quant.location_id) if quant else None
        if quant is None or location is None or location.kind not in ALLOCATABLE_KINDS:
            continue
        pick_line = PickLine(
            task_id=task.id or 0,
            order_line_id=line.id or 0,
            reservation_id=reservation.id,
            item_id=line.item_id,
            location_id=location.id or 0,
            quantity=reservation.quantity,
        )
        lines.append((location.path_seq, pick_line))
    return lines


def get_task(session: Session, principal: Principal, task_id: int) -> PickTask:
    task = session.get(PickTask, task_id)
    return visible(task, principal, Text("no pick task {task_id}", task_id=task_id))


def take_next_task(session: Session, principal: Principal) -> PickTask | None:
    """The caller's task in progress, else the oldest open one, now assigned to the caller."""
    statement = select(PickTask).where(
        col(PickTask.status).in_([PickTaskStatus.OPEN, PickTaskStatus.IN_PROGRESS])
    )
    if principal.warehouse_id is not None:
        statement = statement.where(PickTask.warehouse_id == principal.warehouse_id)
    mine = (
        PickTask.assigned_user_id == principal.user_id
        if principal.user_id
        else PickTask.assigned_device_id == principal.device_id
    )
    task = (
        session.exec(statement.where(mine).order_by(col(PickTask.id))).first()
        or session.exec(
            statement.where(PickTask.status == PickTaskStatus.OPEN).order_by(col(PickTask.id))
        ).first()
    )
    if task is not None:
        _start(session, task, principal)
    return task


def _start(session: Session, task: PickTask, principal: Principal) -> None:
    task.status = advance(PICK_TASKS, task.status, PickTaskStatus.IN_PROGRESS, what=f"pick task {task.id}")
    task.assigned_user_id, task.assigned_device_id = principal.user_id, principal.device_id
    session.add(task)


def task_lines(session: Session, task_id: int) -> list[PickLine]:
    return list(
        session.exec(
            select(PickLine).where(PickLine.task_id == task_id).order_by(col(PickLine.seq), col(PickLine.id))
        )
    )


def current_line(session: Session, task: PickTask) -> PickLine | None:
    return next(
        (line for line in task_lines(session, task.id or 0) if line.status == PickLineStatus.OPEN), None
    )


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
            "serial_tracked": bool(item and item.tracking == Tracking.SERIAL),
        },
        "remaining_lines": sum(
            1 for pl in task_lines(session, task.id or 0) if pl.status == PickLineStatus.OPEN
        ),
    }


def scanned_item_matches(item: Item, *, gtin: str | None, code: str | None, serial: str | None) -> bool:
    if gtin and item.gtin and gtin.zfill(14) == item.gtin:
        return True
    return bool(code and code == item.sku)


def scanned_serial(item: Item, *, kind: str, code: str | None, serial: str | None) -> str:
    """The serial a scan names for a serial-tracked item: its AI (21), or typed text."""
    if item.tracking != Tracking.SERIAL:
        return ""
    return serial or (code if kind == "text" else None) or ""


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
    if task.status in (PickTaskStatus.DONE, PickTaskStatus.CANCELLED):
        raise Conflict("pick task {id} is {status}", id=task.id, status=task.status)
    line = current_line(session, task)
    if line is None:
        raise Conflict("nothing left to pick on this task")
    location = existing(session, Location, line.location_id, "location")
    item = existing(session, Item, line.item_id, "item")
    if task.status == PickTaskStatus.OPEN:
        _start(session, task, principal)
    if kind == "location":
        return _confirm_location(session, task, line, location, item, code)
    if not line.location_confirmed:
        raise Invalid("scan the location {code} first", code=location.code, expected=location.code)
    unit_serial = scanned_serial(item, kind=kind, code=code, serial=serial)
    if item.tracking == Tracking.SERIAL and not unit_serial:
        raise Invalid("{sku} is serial-tracked: scan the serial number", sku=item.sku)
    if item.tracking != Tracking.SERIAL and not scanned_item_matches(
        item, gtin=gtin, code=code, serial=serial
    ):
        raise Invalid("wrong item: expected {sku} ({name})", sku=item.sku, name=item.name, expected=item.sku)
    reservation = session.get(Reservation, line.reservation_id) if line.reservation_id else None
    if reservation is None:
        raise Conflict("this pick line lost its reservation; report it short so it is re-allocated")
    reserved_quant = existing(session, Quant, reservation.quant_id, "quant")
    if unit_serial and unit_serial != reserved_quant.serial:
        reservation, reserved_quant = _switch_unit(
            session, line, reservation, item, location, reserved_quant, unit_serial
        )
    actor = Actor(principal, idempotency_key)
    # Held while the task is finished: the session keeps only referenced rows, and finishing reads
    # this order line again (a second load per scan otherwise).
    order_line = _carry_to_pack_area(session, actor, task, line, reservation, item, location, reserved_quant)
    finish_task_if_done(session, task)
    del order_line
    return StepResult("accepted", f"picked 1 x {item.sku}", describe_pick(session, task))


def _confirm_location(
    session: Session, task: PickTask, line: PickLine, location: Location, item: Item, code: str | None
) -> StepResult:
    if code != location.code:
        raise Invalid(
            "wrong location: go to {code} (you scanned {scanned})",
            code=location.code,
            scanned=code,
            expected=location.code,
        )
    line.location_confirmed = True
    session.add(line)
    return StepResult(
        "accepted",
        f"at {location.code}: pick {line.quantity - line.picked} x {item.sku}",
        describe_pick(session, task),
    )


def _switch_unit(
    session: Session,
    line: PickLine,
    reservation: Reservation,
    item: Item,
    location: Location,
    reserved_quant: Quant,
    unit_serial: str,
) -> tuple[Reservation, Quant]:
    """The picker took another unit from the same bin: move the reservation to it if it is free."""
    other = lock_quant(
        session,
        StockKey(item.id or 0, location.id or 0, reserved_quant.lot, unit_serial, "new"),
        create=False,
    )
    if other is None or other.quantity - other.reserved < 1:
        raise Invalid(
            "serial {unit_serial} is not free at {code}",
            unit_serial=unit_serial,
            code=location.code,
            serial=unit_serial,
        )
    release(session, reservation, 1)
    other.reserved += 1
    session.add(other)
    switched = Reservation(order_line_id=line.order_line_id, quant_id=other.id or 0, quantity=1)
    session.add(switched)
    session.flush()
    line.reservation_id = switched.id
    return switched, other


def _carry_to_pack_area(
    session: Session,
    actor: Actor,
    task: PickTask,
    line: PickLine,
    reservation: Reservation,
    item: Item,
    location: Location,
    quant: Quant,
) -> OrderLine:
    """One unit moves, still held for its order, from the bin to the pack area; the lines count it."""
    destination = pack_area(session, task.warehouse_id)
    movement = Movement(
        warehouse_id=task.warehouse_id,
        item=item,
        quantity=1,
        from_location_id=location.id,
        to_location_id=destination.id,
        reason="pick",
        lot=quant.lot,
        serial=quant.serial,
        take_reserved=True,
        keep_reserved=True,
        reference=Reference("pick_task", str(task.id)),
    )
    move(session, movement, actor)
    moved = lock_quant(session, movement.key_at(destination.id or 0, "new"), create=False)
    if moved is None:  # the move above put the unit there in this transaction
        raise Conflict("{sku} did not arrive at {code}: try again", sku=item.sku, code=destination.code)
    spend(session, reservation, 1)
    hold(session, line.order_line_id, moved.id or 0, 1)
    line.picked += 1
    if line.picked + line.short >= line.quantity:
        line.status = PICK_LINES.move(line.status, PickLineStatus.DONE, what=f"pick line {line.id}")
    session.add(line)
    order_line = existing(session, OrderLine, line.order_line_id, "order line")
    order_line.picked += 1
    order_line.reserved -= 1
    session.add(order_line)
    session.flush()
    return order_line


def finish_task_if_done(session: Session, task: PickTask) -> None:
    """A task with no open line is done; its orders' statuses follow their lines."""
    lines = task_lines(session, task.id or 0)
    if all(line.status != PickLineStatus.OPEN for line in lines):
        task.status = advance(PICK_TASKS, task.status, PickTaskStatus.DONE, what=f"pick task {task.id}")
        session.add(task)
    order_ids = {existing(session, OrderLine, line.order_line_id, "order line").order_id for line in lines}
    for order_id in order_ids:
        order = session.get(Order, order_id)
        if order is not None:
            refresh_order_status(session, order)
    EFFECTS.record(session, None, PickProgressed(task.warehouse_id, task.id, task.status))


def report_short(session: Session, *, principal: Principal, task: PickTask, missing: int) -> StepResult:
    """The bin holds fewer units than the system thought: write them off and re-allocate elsewhere."""
    require_positive(missing, "missing quantity")
    line = current_line(session, task)
    if line is None:
        raise Conflict("nothing left to pick on this task")
    remaining = line.quantity - line.picked - line.short
    if missing > remaining:
        raise Invalid("only {remaining} unit(s) are left to pick on this line", remaining=remaining)
    reservation = session.get(Reservation, line.reservation_id) if line.reservation_id else None
    item = existing(session, Item, line.item_id, "item")
    order_line = existing(session, OrderLine, line.order_line_id, "order line")
    if reservation is not None:
        _write_off(session, principal, task, reservation, item, missing)
    order_line.reserved -= missing
    line.short += missing
    if line.picked + line.short >= line.quantity:
        line.status = PICK_LINES.move(line.status, PickLineStatus.SHORT, what=f"pick line {line.id}")
    session.add(line)
    session.flush()
    found = reserve_units(session, order_line, task.warehouse_id, missing)
    _add_reallocated_lines(session, task, order_line)
    session.flush()
    finish_task_if_done(session, task)
    EFFECTS.record(
        session, principal, PickReportedShort(task.warehouse_id, task.id, item.sku, missing, found)
    )
    message = (
        f"{missing} x {item.sku} reported short; {found} re-allocated elsewhere"
        if found
        else f"{missing} x {item.sku} reported short; none left in the building: order backordered"
    )
    return StepResult("accepted", message, describe_pick(session, task))


def _write_off(
    session: Session, principal: Principal, task: PickTask, reservation: Reservation, item: Item, missing: int
) -> None:
    """The missing units leave the books (as many as the bin still counts) and the reservation."""
    quant = existing(session, Quant, reservation.quant_id, "quant")
    written_off = min(missing, quant.quantity)
    if written_off:
        movement = Movement(
            warehouse_id=task.warehouse_id,
            item=item,
            quantity=written_off,
            from_location_id=quant.location_id,
            to_location_id=None,
            reason="adjust",
            lot=quant.lot,
            serial=quant.serial,
            take_reserved=True,
            reference=Reference("pick_task", str(task.id), note="short pick"),
        )
        move(session, movement, Actor(principal))
    spend(session, reservation, missing)


def _add_reallocated_lines(session: Session, task: PickTask, order_line: OrderLine) -> None:
    """New reservations become new lines on this task, in walking order after the current position."""
    next_seq = max((pl.seq for pl in task_lines(session, task.id or 0)), default=0) + 1
    unpicked = session.exec(
        select(Reservation)
        .where(Reservation.order_line_id == order_line.id, Reservation.quantity > 0)
        .where(
            col(Reservation.id).not_in(
                select(PickLine.reservation_id).where(col(PickLine.reservation_id).is_not(None))
            )
        )
    ).all()
    for reservation in unpicked:
        quant = session.get(Quant, reservation.quant_id)
        if quant is None or quant.location_id == pack_area(session, task.warehouse_id).id:
            continue
        session.add(
            PickLine(
                task_id=task.id or 0,
                order_line_id=order_line.id or 0,
                reservation_id=reservation.id,
                item_id=order_line.item_id,
                location_id=quant.location_id,
                seq=next_seq,
                quantity=reservation.quantity,
            )
        )
        next_seq += 1
