"""Reading returns: look-ups by token, number and id (scoped to the caller), and the rows a page of
returns shows, loaded in a fixed number of queries whatever the page's length."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, select

from wms.context import Kaeru
from wms.errors import NotFound, Text
from wms.fulfilment.tables import Order, Shopper
from wms.identity.model import Principal
from wms.inventory.service import warehouse_by_code
from wms.inventory.tables import Item, Location, Warehouse
from wms.merchants.directory import directory_of
from wms.merchants.tables import Merchant
from wms.returns.rules import ReturnsConfig, for_merchant
from wms.returns.tables import (
    MoneyMovement,
    ReturnAuthorisation,
    ReturnHold,
    ReturnLine,
    ReturnParcel,
    ReturnPhoto,
    ReturnUnit,
)
from wms.scoping import scoped, visible

CONFIG_KEY = "returns"
Row = TypeVar("Row", bound=SQLModel)


def config_of(kaeru: Kaeru, merchant_id: int | None = None) -> ReturnsConfig:
    """The returns configuration: the site's, or as one merchant has it (its policy overrides and
    disposition rules over the site's; made once per version of the merchant's profile)."""
    config = kaeru.extras.get(CONFIG_KEY)
    if config is None:
        raise RuntimeError(
            "the returns configuration is not loaded: wms.returns.plugin.configure was not run"
        )
    if merchant_id is None:
        return config  # type: ignore[no-any-return]
    profile = directory_of(kaeru).by_id(merchant_id)
    spec = profile.spec
    if not spec.returns_policy and not spec.disposition_rules:
        return config  # type: ignore[no-any-return]
    made: dict[tuple[int, int], ReturnsConfig] = kaeru.extras.setdefault(CONFIG_KEY + ".merchants", {})
    key = (profile.id, profile.version)
    if key not in made:
        made[key] = for_merchant(config, spec.returns_policy, spec.disposition_rules)
    return made[key]


# --- one object ----------------------------------------------------------------------------------


def order_by_token(session: Session, token: str) -> Order:
    order = session.exec(select(Order).where(Order.tracking_token == token)).first() if token else None
    if order is None or not secrets.compare_digest(order.tracking_token, token):
        raise NotFound("no order with this link: check the address in your email")
    return order


def shopper_of(session: Session, principal: Principal | None, shopper_id: int) -> Shopper:
    """A shopper the caller may see. A shopper belongs to every warehouse holding one of their orders
    or returns: a caller of one warehouse sees only shoppers with an order or a return there (others
    are NotFound, as if they did not exist); a caller of every warehouse sees every shopper."""
    missing = f"no shopper {shopper_id}"
    shopper = session.get(Shopper, shopper_id)
    if shopper is None or (principal is not None and not principal.sees_merchant(shopper.merchant_id)):
        raise NotFound(missing)
    if principal is not None and principal.warehouse_id is not None:
        here = principal.warehouse_id
        trace: Order | ReturnAuthorisation | None = (
            session.exec(
                select(Order).where(Order.shopper_id == shopper_id, Order.warehouse_id == here)
            ).first()
            or session.exec(
                select(ReturnAuthorisation).where(
                    ReturnAuthorisation.shopper_id == shopper_id, ReturnAuthorisation.warehouse_id == here
                )
            ).first()
        )
        visible(trace, principal, missing)
    return shopper


def rma_by_number(session: Session, principal: Principal | None, number: str) -> ReturnAuthorisation:
    number = number.removeprefix("RMA-")
    statement = select(ReturnAuthorisation).where(ReturnAuthorisation.number == number)
    if principal is not None and principal.warehouse_id is not None:
        statement = statement.where(ReturnAuthorisation.warehouse_id == principal.warehouse_id)
    return visible(session.exec(statement).first(), principal, Text("no return RMA-{number}", number=number))


def rma_of_order(session: Session, order: Order, number: str) -> ReturnAuthorisation:
    """One of an order's returns, by its number (a shopper's token opens its own order's returns only)."""
    rma = session.exec(
        select(ReturnAuthorisation).where(
            ReturnAuthorisation.number == number.removeprefix("RMA-"),
            ReturnAuthorisation.order_id == order.id,
        )
    ).first()
    if rma is None:
        raise NotFound("no return {number} on this order", number=number)
    return rma


def rma_by_token(session: Session, token: str) -> ReturnAuthorisation:
    rma = (
        session.exec(select(ReturnAuthorisation).where(ReturnAuthorisation.token == token)).first()
        if token
        else None
    )
    if rma is None:
        raise NotFound("no return with this link: check the address in your email")
    return rma


def rma_of(session: Session, row: ReturnParcel | ReturnUnit | ReturnHold) -> ReturnAuthorisation:
    """The return a parcel, unit or hold belongs to (the foreign key guarantees it exists)."""
    rma = session.get(ReturnAuthorisation, row.rma_id)
    if rma is None:
        raise NotFound("no return {rma_id}", rma_id=row.rma_id)
    return rma


def get_unit(session: Session, principal: Principal, unit_id: int) -> ReturnUnit:
    unit = session.get(ReturnUnit, unit_id)
    return visible(unit, principal, Text("no returned unit {unit_id}", unit_id=unit_id))


def unit_by_lpn(session: Session, principal: Principal, code: str) -> ReturnUnit:
    unit = session.exec(select(ReturnUnit).where(ReturnUnit.lpn == code.removeprefix("LPN-"))).first()
    return visible(unit, principal, Text("no graded unit with tag {code}", code=code))


def get_parcel(session: Session, principal: Principal, parcel_id: int) -> ReturnParcel:
    parcel = session.get(ReturnParcel, parcel_id)
    return visible(parcel, principal, Text("no return parcel {parcel_id}", parcel_id=parcel_id))


def get_hold(session: Session, principal: Principal, hold_id: int) -> ReturnHold:
    hold = session.get(ReturnHold, hold_id)
    return visible(hold, principal, Text("no hold {hold_id}", hold_id=hold_id))


def get_photo(session: Session, principal: Principal, photo_id: int) -> ReturnPhoto:
    row = session.get(ReturnPhoto, photo_id)
    if row is None:
        raise NotFound("no photo {photo_id}", photo_id=photo_id)
    get_unit(session, principal, row.unit_id)  # a photo is seen by whoever may see its unit
    return row


def item(session: Session, item_id: int | None) -> Item:
    """A catalogue item a return row refers to (its foreign key guarantees it exists)."""
    found = session.get(Item, item_id) if item_id else None
    if found is None:
        raise NotFound("no item {item_id}", item_id=item_id)
    return found


def warehouse_id_for(session: Session, principal: Principal, code: str | None) -> int:
    """The warehouse a staff request is about: the one named, the caller's own, or the first."""
    if code:
        return warehouse_by_code(session, principal, code).id or 0
    if principal.warehouse_id is not None:
        return principal.warehouse_id
    first = session.exec(select(Warehouse).order_by(col(Warehouse.id))).first()
    if first is None:
        raise NotFound("no warehouse is set up yet")
    return first.id or 0


# --- a return's rows -----------------------------------------------------------------------------


def rma_lines(session: Session, rma_id: int, *, lock: bool = False) -> list[ReturnLine]:
    """The RMA's lines; with `lock`, row-locked (PostgreSQL): two stations count units one at a time."""
    statement = select(ReturnLine).where(ReturnLine.rma_id == rma_id).order_by(col(ReturnLine.id))
    if lock:
        statement = statement.with_for_update()
    return list(session.exec(statement.execution_options(populate_existing=lock)))


def rma_units(session: Session, rma_id: int) -> list[ReturnUnit]:
    return list(
        session.exec(select(ReturnUnit).where(ReturnUnit.rma_id == rma_id).order_by(col(ReturnUnit.id)))
    )


def parcel_units(session: Session, parcel_id: int) -> list[ReturnUnit]:
    return list(
        session.exec(select(ReturnUnit).where(ReturnUnit.parcel_id == parcel_id).order_by(col(ReturnUnit.id)))
    )


# --- lists ---------------------------------------------------------------------------------------


def list_returns(
    session: Session, principal: Principal, *, status: str | None, limit: int, after: int | None = None
) -> list[ReturnAuthorisation]:
    """The caller's warehouse's returns, newest first; `after`: only older than that return (a keyset
    page, wms.platform.paging)."""
    statement = select(ReturnAuthorisation).order_by(col(ReturnAuthorisation.id).desc()).limit(limit)
    if after is not None:
        statement = statement.where(col(ReturnAuthorisation.id) < after)
    statement = scoped(
        statement,
        principal,
        warehouse=ReturnAuthorisation.warehouse_id,
        merchant=ReturnAuthorisation.merchant_id,
    )
    if status:
        statement = statement.where(ReturnAuthorisation.status == status)
    return list(session.exec(statement))


def returns_of_order(session: Session, order: Order) -> list[ReturnAuthorisation]:
    return list(
        session.exec(
            select(ReturnAuthorisation)
            .where(ReturnAuthorisation.order_id == order.id)
            .order_by(col(ReturnAuthorisation.id))
        )
    )


def list_holds(
    session: Session, principal: Principal, *, status: str, limit: int = 500, after: int | None = None
) -> list[tuple[ReturnHold, ReturnAuthorisation]]:
    """Holds in a state, with their returns (one joined query), oldest first (a keyset page)."""
    statement = (
        select(ReturnHold, ReturnAuthorisation)
        .join(ReturnAuthorisation, col(ReturnAuthorisation.id) == ReturnHold.rma_id)
        .where(ReturnHold.status == status)
    )
    statement = scoped(
        statement, principal, warehouse=ReturnHold.warehouse_id, merchant=ReturnHold.merchant_id
    )
    if after is not None:
        statement = statement.where(col(ReturnHold.id) > after)
    return [(hold, rma) for hold, rma in session.exec(statement.order_by(col(ReturnHold.id)).limit(limit))]


def photos_of(session: Session, unit_id: int) -> list[ReturnPhoto]:
    return list(
        session.exec(select(ReturnPhoto).where(ReturnPhoto.unit_id == unit_id).order_by(col(ReturnPhoto.id)))
    )


def by_id(session: Session, table: type[Row], ids: Iterable[int | None]) -> dict[int, Row]:
    """Rows of one table by id, in one query (none for no ids)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    key: Any = table.id  # type: ignore[attr-defined]
    return {row.id: row for row in session.exec(select(table).where(col(key).in_(wanted)))}  # type: ignore[attr-defined]


def _grouped(rows: Iterable[Row], key: str) -> dict[int, list[Row]]:
    groups: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, key)].append(row)
    return groups


def _of_returns(session: Session, table: type[Row], rma_ids: list[int]) -> dict[int, list[Row]]:
    rma_id: Any = table.rma_id  # type: ignore[attr-defined]
    key: Any = table.id  # type: ignore[attr-defined]
    if not rma_ids:
        return {}
    return _grouped(session.exec(select(table).where(col(rma_id).in_(rma_ids)).order_by(col(key))), "rma_id")


@dataclass(frozen=True)
class ReturnRows:
    """Everything the views of some returns show, by return id (and the items and places they name)."""

    orders: dict[int, Order]
    lines: dict[int, list[ReturnLine]]
    money: dict[int, list[MoneyMovement]]
    units: dict[int, list[ReturnUnit]]
    holds: dict[int, list[ReturnHold]]
    items: dict[int, Item]
    locations: dict[int, Location]
    merchants: dict[int, Merchant]


def rows_of(session: Session, rmas: Sequence[ReturnAuthorisation], *, staff: bool) -> ReturnRows:
    """The rows of these returns in a fixed number of queries (no query per return or per line)."""
    ids = [rma.id for rma in rmas if rma.id is not None]
    lines = _of_returns(session, ReturnLine, ids)
    units = _of_returns(session, ReturnUnit, ids) if staff else {}
    all_lines = [line for group in lines.values() for line in group]
    all_units = [unit for group in units.values() for unit in group]
    order_ids = [rma.order_id for rma in rmas] + [line.exchange_order_id for line in all_lines]
    item_ids = [line.item_id for line in all_lines] + [line.exchange_item_id for line in all_lines]
    return ReturnRows(
        orders=by_id(session, Order, order_ids),
        lines=lines,
        money=_of_returns(session, MoneyMovement, ids),
        units=units,
        holds=_of_returns(session, ReturnHold, ids) if staff else {},
        items=by_id(session, Item, item_ids + [unit.item_id for unit in all_units]),
        locations=by_id(session, Location, [unit.destination_location_id for unit in all_units]),
        merchants=by_id(session, Merchant, [rma.merchant_id for rma in rmas]),
    )
