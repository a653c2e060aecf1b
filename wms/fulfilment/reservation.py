"""Holding stock for order lines: reserve what is free (never more), release what is no longer needed
(docs/architecture.md, Reservation). An order locks every quant it may reserve from, for all its lines
at once and in quant-id order (one SELECT .. FOR UPDATE), before deciding anything: two orders listing
the same items in any order take their locks in the same order, so they never deadlock."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from wms.fulfilment.tables import OrderLine, Reservation
from wms.inventory.ledger import StockKey, lock_quant
from wms.inventory.model import ALLOCATABLE_KINDS, Available, allocate
from wms.inventory.tables import Location, Quant

Candidates = dict[int, list[tuple[Quant, Location]]]


def lock_candidates(session: Session, warehouse_id: int, item_ids: Iterable[int]) -> Candidates:
    """The free quants of these items in the warehouse's allocatable bins, each row-locked until the
    transaction ends, by item (quant-id order). One statement, locking in quant-id order."""
    wanted = sorted(set(item_ids))
    found: Candidates = {item_id: [] for item_id in wanted}
    if not wanted:
        return found
    statement = (
        select(Quant, Location)
        .join(Location, col(Location.id) == col(Quant.location_id))
        .where(
            Location.warehouse_id == warehouse_id,
            col(Quant.item_id).in_(wanted),
            Quant.condition == "new",
            Quant.quantity > Quant.reserved,
            col(Location.kind).in_(list(ALLOCATABLE_KINDS)),
        )
        .order_by(col(Quant.id))
        .with_for_update(of=Quant)
    )
    for quant, location in session.exec(statement.execution_options(populate_existing=True)).all():
        found[quant.item_id].append((quant, location))
    return found


def _lock(session: Session, quant: Quant) -> Quant | None:
    return lock_quant(
        session,
        StockKey(quant.item_id, quant.location_id, quant.lot, quant.serial, quant.condition),
        create=False,
    )


def reserve_units(
    session: Session, line: OrderLine, warehouse_id: int, need: int, candidates: Candidates | None = None
) -> int:
    """Hold up to `need` free units for the line; how many were found. `candidates`: the quants
    already locked for the whole order (lock_candidates); without them this line's are locked."""
    if candidates is None:
        candidates = lock_candidates(session, warehouse_id, [line.item_id])
    locked: dict[int | None, Quant] = {}
    available = []
    for held, location in candidates.get(line.item_id, []):
        if held.quantity <= held.reserved:
            continue  # taken by an earlier line of the same order
        locked[held.id] = held
        available.append(
            Available(
                quant_id=held.id or 0,
                location_kind=location.kind,
                path_seq=location.path_seq,
                available=held.quantity - held.reserved,
                serial=held.serial,
                lot=held.lot,
                expiry=held.expiry,
            )
        )
    taken = 0
    for allocation in allocate(need, available):
        quant = locked[allocation.quant_id]
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


def release(session: Session, reservation: Reservation, quantity: int) -> None:
    """Give `quantity` held units back to the free stock of their quant."""
    quant = session.get(Quant, reservation.quant_id)
    if quant is not None:
        held = _lock(session, quant)
        if held is not None:
            held.reserved -= min(quantity, held.reserved)
            session.add(held)
    spend(session, reservation, quantity)


def spend(session: Session, reservation: Reservation, quantity: int) -> None:
    """The reservation holds `quantity` fewer units (they were picked, shipped or written off)."""
    # Spent reservations stay at zero: pick lines keep pointing at them as history.
    reservation.quantity = max(0, reservation.quantity - quantity)
    session.add(reservation)


def hold(session: Session, order_line_id: int, quant_id: int, quantity: int) -> None:
    """Record units held for a line at a quant (they moved there reserved), reusing a spent row."""
    existing = session.exec(
        select(Reservation).where(
            Reservation.order_line_id == order_line_id, Reservation.quant_id == quant_id
        )
    ).first()
    if existing is None:
        session.add(Reservation(order_line_id=order_line_id, quant_id=quant_id, quantity=quantity))
    else:
        existing.quantity += quantity
        session.add(existing)


def live_reservations(session: Session, order_line_id: int | None) -> list[Reservation]:
    return list(
        session.exec(
            select(Reservation).where(Reservation.order_line_id == order_line_id, Reservation.quantity > 0)
        )
    )
