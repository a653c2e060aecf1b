"""The stock ledger: every change of quantity is one `Movement`, written as a ledger row together with
the on-hand projection (quants) in the caller's transaction (docs/architecture.md, Ledger)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from wms.errors import Conflict, InsufficientStock, Invalid
from wms.identity.model import Principal
from wms.inventory.model import check_identity, require_positive
from wms.inventory.tables import Item, LedgerEntry, Quant


@dataclass(frozen=True)
class StockKey:
    item_id: int
    location_id: int
    lot: str = ""
    serial: str = ""
    condition: str = "new"


@dataclass(frozen=True)
class Reference:
    """What a movement was done for (a pick task, a shipment, a return ...) and a note for people."""

    ref_type: str = ""
    ref_id: str = ""
    note: str = ""


@dataclass(frozen=True)
class Movement:
    """What moves (item, lot, serial, condition), from where to where (None: outside the building),
    how many and why. `take_reserved` moves units held for an order; `keep_reserved` keeps them held
    at the destination."""

    warehouse_id: int
    item: Item
    quantity: int
    from_location_id: int | None
    to_location_id: int | None
    reason: str
    lot: str = ""
    serial: str = ""
    from_condition: str = "new"
    to_condition: str | None = None
    # The lot's expiry (GS1 AI 17) when stock arrives; a move carries its source's.
    expiry: date | None = None
    take_reserved: bool = False
    keep_reserved: bool = False
    reference: Reference = Reference()

    @property
    def arriving_condition(self) -> str:
        return self.to_condition or self.from_condition

    def key_at(self, location_id: int, condition: str) -> StockKey:
        return StockKey(self.item.id or 0, location_id, self.lot, self.serial, condition)


@dataclass(frozen=True)
class Actor:
    """Who moved the stock and with which device (from the principal), and the request's key."""

    principal: Principal | None
    idempotency_key: str | None = None


def lock_quant(session: Session, key: StockKey, *, create: bool, owner: int | None = None) -> Quant | None:
    """The quant for `key`, row-locked until the transaction ends (PostgreSQL FOR UPDATE).

    Created if missing and `create` (owned by `owner`, the item's merchant); INSERT .. ON CONFLICT DO
    NOTHING keeps two creators from making two rows for the same stock (never a second row to dodge
    a lock).
    """
    if create:
        if owner is None:
            raise ValueError("a new quant needs its owner (the item's merchant)")
        values = {
            "item_id": key.item_id,
            "merchant_id": owner,
            "location_id": key.location_id,
            "lot": key.lot,
            "serial": key.serial,
            "condition": key.condition,
            "quantity": 0,
            "reserved": 0,
            "version": 0,
        }
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(insert(Quant).values(**values).on_conflict_do_nothing())
    statement = (
        select(Quant)
        .where(
            Quant.item_id == key.item_id,
            Quant.location_id == key.location_id,
            Quant.lot == key.lot,
            Quant.serial == key.serial,
            Quant.condition == key.condition,
        )
        .with_for_update()
    )
    return session.exec(statement.execution_options(populate_existing=True)).first()


def move(session: Session, movement: Movement, actor: Actor) -> LedgerEntry:
    """Move units between locations, writing the ledger row and both quants."""
    require_positive(movement.quantity)
    if movement.from_location_id is None and movement.to_location_id is None:
        raise Invalid("a stock movement needs a source or a destination")
    item = movement.item
    check_identity(
        sku=item.sku,
        tracking=item.tracking,
        quantity=movement.quantity,
        lot=movement.lot,
        serial=movement.serial,
    )
    if movement.from_location_id is not None:
        source = _take(session, movement, movement.from_location_id)
        if movement.expiry is None and source.expiry is not None:
            movement = replace(movement, expiry=source.expiry)
    if movement.to_location_id is not None:
        _put(session, movement, movement.to_location_id)
    entry = _ledger_row(movement, actor)
    session.add(entry)
    session.flush()
    return entry


def _take(session: Session, movement: Movement, location_id: int) -> Quant:
    source = lock_quant(session, movement.key_at(location_id, movement.from_condition), create=False)
    free = 0
    if source is not None:
        free = source.quantity if movement.take_reserved else source.quantity - source.reserved
    if source is None or free < movement.quantity:
        serial = f" {movement.serial}" if movement.serial else ""
        raise InsufficientStock(
            f"only {max(free, 0)} unit(s) of {movement.item.sku}{serial} available there, "
            f"{movement.quantity} needed",
            sku=movement.item.sku,
            available=max(free, 0),
            requested=movement.quantity,
        )
    source.quantity -= movement.quantity
    if movement.take_reserved:
        source.reserved -= min(movement.quantity, source.reserved)
    source.version += 1
    session.add(source)
    session.flush()  # the source gives up a serial before the destination takes it
    return source


def _put(session: Session, movement: Movement, location_id: int) -> None:
    if movement.serial:
        elsewhere = session.exec(
            select(Quant).where(
                Quant.item_id == movement.item.id, Quant.serial == movement.serial, Quant.quantity > 0
            )
        ).first()
        if elsewhere is not None:
            raise Conflict(
                f"serial {movement.serial} of {movement.item.sku} is already in stock at another location",
                serial=movement.serial,
                location_id=elsewhere.location_id,
            )
    destination = lock_quant(
        session,
        movement.key_at(location_id, movement.arriving_condition),
        create=True,
        owner=movement.item.merchant_id,
    )
    if destination is None:  # the insert above makes the row; only a concurrent delete could lose it
        raise Conflict(f"the stock of {movement.item.sku} there changed under this move: try again")
    if movement.expiry is not None:
        if destination.quantity > 0 and destination.expiry is not None:
            # Units of one stock with two dates: it is as old as its oldest units (FEFO stays safe).
            destination.expiry = min(destination.expiry, movement.expiry)
        else:
            destination.expiry = movement.expiry
    destination.quantity += movement.quantity
    if movement.keep_reserved:
        destination.reserved += movement.quantity
    destination.version += 1
    session.add(destination)


def _ledger_row(movement: Movement, actor: Actor) -> LedgerEntry:
    principal = actor.principal
    return LedgerEntry(
        warehouse_id=movement.warehouse_id,
        item_id=movement.item.id or 0,
        merchant_id=movement.item.merchant_id,
        from_location_id=movement.from_location_id,
        to_location_id=movement.to_location_id,
        lot=movement.lot,
        expiry=movement.expiry,
        serial=movement.serial,
        from_condition=movement.from_condition,
        to_condition=movement.arriving_condition,
        quantity=movement.quantity,
        reason=movement.reason,
        note=movement.reference.note,
        ref_type=movement.reference.ref_type,
        ref_id=movement.reference.ref_id,
        user_id=principal.user_id if principal else None,
        device_id=principal.device_id if principal else None,
        idempotency_key=actor.idempotency_key,
    )
