"""Cycle counts: what is at a location becomes what was counted, through the ledger, with a reason;
and count tasks, counted blind, whose variance beyond a tolerance waits for a manager's approval."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from wms.db import utcnow
from wms.errors import Conflict, Forbidden, Invalid, NotFound
from wms.identity.model import Principal
from wms.inventory.effects import EFFECTS
from wms.inventory.events import CountVarianceHeld, StockAdjusted
from wms.inventory.ledger import Actor, Movement, Reference, StockKey, lock_quant, move
from wms.inventory.model import COUNT_TASKS, CountTaskStatus, count_needs_approval
from wms.inventory.tables import CountTask, Item, LedgerEntry, Location, Warehouse


def _on_hand_before_count(session: Session, key: StockKey, counted: int, reason: str) -> int:
    """What the books say is there (locked until the count is written); a count below what is
    reserved for orders is refused."""
    if counted < 0:
        raise Invalid("a counted quantity cannot be negative")
    if not reason.strip():
        raise Invalid("an adjustment needs a reason")
    quant = lock_quant(session, key, create=False)
    reserved = quant.reserved if quant else 0
    if counted < reserved:
        raise Conflict(
            f"{reserved} unit(s) there are reserved for orders; release or re-allocate them before counting "
            f"{counted}"
        )
    return quant.quantity if quant else 0


@dataclass(frozen=True)
class Count:
    """What a person counted at a location (of one item, lot, serial and condition), and why the
    books are being set to it."""

    item: Item
    location: Location
    counted: int
    reason: str
    lot: str = ""
    serial: str = ""
    condition: str = "new"


def adjust(
    session: Session, count: Count, *, warehouse: Warehouse, principal: Principal
) -> LedgerEntry | None:
    """Cycle count: set what is at a location to what was counted, with the reason recorded."""
    item, location = count.item, count.location
    key = StockKey(item.id or 0, location.id or 0, count.lot, count.serial, count.condition)
    on_hand = _on_hand_before_count(session, key, count.counted, count.reason)
    delta = count.counted - on_hand
    if delta == 0:
        return None
    movement = Movement(
        warehouse_id=warehouse.id or 0,
        item=item,
        quantity=abs(delta),
        from_location_id=location.id if delta < 0 else None,
        to_location_id=location.id if delta > 0 else None,
        reason="adjust",
        lot=count.lot,
        serial=count.serial,
        from_condition=count.condition,
        reference=Reference(note=count.reason),
    )
    entry = move(session, movement, Actor(principal))
    event = StockAdjusted(warehouse.id, item.sku, location.code, count.counted, on_hand, count.reason)
    EFFECTS.record(session, principal, event)
    return entry


def open_count_task(
    session: Session, *, warehouse: Warehouse, item: Item, location: Location, lot: str, tolerance: int
) -> CountTask:
    """Ask for a blind count of an item (and lot) at a location; a variance of more than `tolerance`
    units will wait for a manager."""
    if location.warehouse_id != warehouse.id:
        raise NotFound(f"no location {location.code!r} in this warehouse")
    if tolerance < 0:
        raise Invalid("a tolerance cannot be negative")
    task = CountTask(
        warehouse_id=warehouse.id or 0,
        location_id=location.id or 0,
        item_id=item.id or 0,
        lot=lot,
        tolerance=tolerance,
    )
    session.add(task)
    session.flush()
    return task


def count_task(session: Session, warehouse: Warehouse, task_id: int) -> CountTask:
    task = session.get(CountTask, task_id)
    if task is None or task.warehouse_id != warehouse.id:
        raise NotFound(f"no count task {task_id} in this warehouse")
    return task


def _count_of(session: Session, task: CountTask, counted: int, reason: str) -> Count:
    item, location = session.get(Item, task.item_id), session.get(Location, task.location_id)
    if item is None or location is None:
        raise NotFound(f"count task {task.id} names an item or location that is gone")
    return Count(item=item, location=location, counted=counted, reason=reason, lot=task.lot)


def record_count(
    session: Session, *, warehouse: Warehouse, task: CountTask, counted: int, principal: Principal
) -> CountTask:
    """What the counter found (they were not shown the books). Within the tolerance it is written on
    the ledger at once; beyond it, the task waits for a manager's approval."""
    count = _count_of(session, task, counted, f"cycle count {task.id}")
    key = StockKey(count.item.id or 0, count.location.id or 0, task.lot, "", "new")
    on_hand = _on_hand_before_count(session, key, counted, count.reason)
    task.on_hand, task.counted = on_hand, counted
    task.counted_at, task.counted_by = utcnow(), principal.user_id
    if count_needs_approval(on_hand=on_hand, counted=counted, tolerance=task.tolerance):
        task.status = COUNT_TASKS.move(task.status, CountTaskStatus.AWAITING_APPROVAL)
        event = CountVarianceHeld(warehouse.id, task.id or 0, count.item.sku, count.location.code)
        EFFECTS.record(session, principal, event)
    else:
        task.status = COUNT_TASKS.move(task.status, CountTaskStatus.COUNTED)
        entry = adjust(session, count, warehouse=warehouse, principal=principal)
        task.ledger_id = entry.id if entry else None
    session.add(task)
    return task


def decide_count(
    session: Session, *, warehouse: Warehouse, task: CountTask, approve: bool, note: str, principal: Principal
) -> CountTask:
    """A manager approves a held count (the books become the count, on the ledger) or rejects it (the
    books stay; open a new count)."""
    if task.status != CountTaskStatus.AWAITING_APPROVAL:
        raise Conflict(f"count task {task.id} is {task.status}, not waiting for approval")
    if principal.user_id is not None and principal.user_id == task.counted_by:
        raise Forbidden("a count with a variance is approved by someone other than its counter")
    task.decided_by, task.note = principal.user_id, note
    if approve:
        count = _count_of(session, task, task.counted or 0, note or f"cycle count {task.id} approved")
        entry = adjust(session, count, warehouse=warehouse, principal=principal)
        task.ledger_id = entry.id if entry else None
        task.status = COUNT_TASKS.move(task.status, CountTaskStatus.COUNTED)
    else:
        task.status = COUNT_TASKS.move(task.status, CountTaskStatus.REJECTED)
    session.add(task)
    return task
