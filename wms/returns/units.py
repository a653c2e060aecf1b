"""Units out of a parcel: which catalogue item (and serial) a scan is, matched against what was shipped
and authorised, received into quarantine at the station through the ledger."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session, col, select

from devices.epc import decode_epc
from devices.scan import parse_scan
from wms import i18n
from wms.context import Kaeru
from wms.errors import Conflict, Invalid, NotFound
from wms.fulfilment.tables import Carton, CartonItem, Shipment
from wms.identity.model import Principal
from wms.inventory.ledger import Actor, Movement, Reference, move
from wms.inventory.service import item_by_gtin, item_by_sku
from wms.inventory.tables import Item, Location, Quant
from wms.returns import events, model, queries
from wms.returns.effects import EFFECTS
from wms.returns.holds import Evidence, raise_signals
from wms.returns.model import ParcelStatus, UnitStatus
from wms.returns.stations import receiving_location
from wms.returns.tables import ReturnAuthorisation, ReturnLine, ReturnParcel, ReturnUnit
from wms.returns.views import rma_code

# Matches that count towards what the line authorised.
COUNTED_MATCHES = ("right_item", "different_variant", "serial_swap")


@dataclass(frozen=True)
class UnitScan:
    """What the station read (or the associate keyed in) for one unit, or several of an untracked item."""

    raw: str | None = None
    epc: str | None = None
    sku: str | None = None
    serial: str | None = None
    quantity: int = 1
    not_ours: str | None = None  # a product that is not ours, described


@dataclass(frozen=True)
class Identified:
    item: Item | None
    serial: str
    scanned: str
    description: str = ""  # what the associate wrote about a product that is not ours


@dataclass(frozen=True)
class Shipped:
    """What went out on the return's order: serials per item, and every item id."""

    serials: dict[int, frozenset[str]]
    items: frozenset[int]


@dataclass(frozen=True)
class Bench:
    """Everything receiving one unit needs, loaded once per scan."""

    parcel: ReturnParcel
    rma: ReturnAuthorisation
    found: Identified
    lines: list[ReturnLine]
    shipped: Shipped
    location: Location


def identify(
    session: Session,
    *,
    order_id: int | None,
    merchant_id: int | None = None,
    raw: str | None = None,
    epc: str | None = None,
    sku: str | None = None,
    serial: str | None = None,
) -> Identified:
    """Which catalogue item (and serial) a scanned unit is; None for a product that is not ours.

    Barcodes and SKUs are read as the return's merchant's (`merchant_id`): where two merchants of the
    floor stock the same product, the return being received decides whose unit it is."""
    if epc:
        meaning = decode_epc(epc)
        if meaning.kind != "sgtin" or not meaning.gtin:
            raise Invalid(
                "RFID tag {epc} is not an item tag Kaeru can read ({why})",
                epc=epc,
                why=meaning.error or meaning.kind,
            )
        item = item_by_gtin(session, meaning.gtin, merchant_id=merchant_id)
        return Identified(item, meaning.serial or "", f"EPC:{meaning.epc}")
    if sku:
        return Identified(item_by_sku(session, sku, merchant_id=merchant_id), (serial or "").strip(), sku)
    if not raw or not raw.strip():
        raise Invalid("scan the item's barcode, serial number or RFID tag")
    if raw.startswith("EPC:"):
        return identify(session, order_id=order_id, merchant_id=merchant_id, epc=raw.removeprefix("EPC:"))
    scan = parse_scan(raw)
    if scan.kind == "unknown":
        raise Invalid("could not read this scan ({error}); scan it again or key it in", error=scan.error)
    if scan.kind == "gtin" and scan.gtin:
        return Identified(
            item_by_gtin(session, scan.gtin, merchant_id=merchant_id), scan.serial or "", scan.raw
        )
    if scan.kind != "text":
        raise Invalid(
            "this is a {kind} code, not an item: scan the item's barcode or serial number", kind=scan.kind
        )
    return _by_text(session, order_id, merchant_id, scan.code or "")


def _by_text(session: Session, order_id: int | None, merchant_id: int | None, text: str) -> Identified:
    # A plain serial number: the unit shipped on this order first, then any unit Kaeru has known.
    for statement in _serial_lookups(order_id, text):
        item_id = session.exec(statement).first()
        if item_id is not None:
            return Identified(session.get(Item, item_id), text, text)
    by_sku = select(Item).where(Item.sku == text)
    if merchant_id is not None:
        by_sku = by_sku.where(Item.merchant_id == merchant_id)
    item = session.exec(by_sku).first()
    if item is not None:
        return Identified(item, "", text)
    raise NotFound(
        "unknown barcode {text!r}: not an item, serial number or tag Kaeru knows. "
        "Scan the product's own barcode, or record it as not ours with a description",
        text=text,
    )


def _serial_lookups(order_id: int | None, serial: str) -> list[Any]:
    lookups = []
    if order_id is not None:
        lookups.append(
            select(CartonItem.item_id)
            .join(Carton, col(Carton.id) == CartonItem.carton_id)
            .where(Carton.order_id == order_id, CartonItem.serial == serial)
        )
    lookups.append(select(CartonItem.item_id).where(CartonItem.serial == serial))
    lookups.append(select(Quant.item_id).where(Quant.serial == serial))
    return lookups


def _shipped(session: Session, order_id: int | None) -> Shipped:
    if order_id is None:
        return Shipped({}, frozenset())
    rows = session.exec(
        select(CartonItem.item_id, CartonItem.serial)
        .join(Carton, col(Carton.id) == CartonItem.carton_id)
        .join(Shipment, col(Shipment.carton_id) == Carton.id)
        .where(Carton.order_id == order_id, Shipment.status != "label_created")
    ).all()
    serials: dict[int, set[str]] = defaultdict(set)
    for item_id, serial in rows:
        if serial:
            serials[item_id].add(serial)
    return Shipped({k: frozenset(v) for k, v in serials.items()}, frozenset(item_id for item_id, _ in rows))


def item_facts(item: Item) -> model.ItemFacts:
    return model.ItemFacts(
        item_id=item.id or 0,
        sku=item.sku,
        category=item.category,
        serial_tracked=item.tracking == "serial",
        variant_group=item.variant_group,
    )


def expected_lines(session: Session, lines: list[ReturnLine]) -> list[model.ExpectedLine]:
    return [
        model.ExpectedLine(
            line.id or 0, item_facts(queries.item(session, line.item_id)), line.quantity, line.received
        )
        for line in lines
    ]


def _identify_for(session: Session, rma: ReturnAuthorisation, scan: UnitScan) -> Identified:
    """The scanned unit, read as an item of the return's merchant."""
    return identify(
        session,
        order_id=rma.order_id,
        merchant_id=rma.merchant_id,
        raw=scan.raw,
        epc=scan.epc,
        sku=scan.sku,
        serial=scan.serial,
    )


def _identified(session: Session, rma: ReturnAuthorisation, scan: UnitScan) -> Identified:
    """The scanned unit, checked: a serial-tracked item needs its serial, once per return."""
    if scan.not_ours is not None:
        if not scan.not_ours.strip():
            raise Invalid("describe the product that is not ours (brand, what it is)")
        return Identified(None, "", scan.not_ours.strip(), scan.not_ours)
    found = _identify_for(session, rma, scan)
    item = found.item
    if item is None:
        return found
    if item.tracking != "serial":
        return replace(found, serial="")  # a serial on an untracked item is not kept in stock
    if not found.serial:
        raise Invalid(
            "{sku} is serial-tracked: scan the serial number (or its GS1 code with serial)", sku=item.sku
        )
    if scan.quantity != 1:
        raise Invalid("a serial number is one unit")
    already = session.exec(
        select(ReturnUnit).where(
            ReturnUnit.rma_id == rma.id,
            ReturnUnit.item_id == item.id,
            ReturnUnit.serial == found.serial,
            ReturnUnit.status != UnitStatus.MISSING,
        )
    ).first()
    if already is not None:
        raise Conflict(
            "serial {serial} of {sku} was already received in this return",
            serial=found.serial,
            sku=item.sku,
            unit=already.id,
        )
    return found


def on_the_bench(session: Session, parcel: ReturnParcel, scan: UnitScan) -> ReturnUnit | None:
    """The unit this scan names if it is already out of this parcel and not yet graded: the same
    untracked item scanned again (after a reload, or twice by mistake) is that unit, not an extra one.
    (A second serial-tracked unit is told apart by its serial; a second identical untracked unit is
    received once the first is graded.)"""
    if scan.quantity != 1 or scan.not_ours is not None:
        return None
    rma = session.get(ReturnAuthorisation, parcel.rma_id)
    if rma is None:
        return None
    found = _identify_for(session, rma, scan)
    if found.item is None or found.item.tracking == "serial":
        return None
    return session.exec(
        select(ReturnUnit)
        .where(
            ReturnUnit.parcel_id == parcel.id,
            ReturnUnit.item_id == found.item.id,
            ReturnUnit.status == UnitStatus.RECEIVED,
        )
        .order_by(col(ReturnUnit.id))
    ).first()


def receive_unit(
    session: Session, *, kaeru: Kaeru, principal: Principal, parcel: ReturnParcel, scan: UnitScan
) -> list[ReturnUnit]:
    """One scanned unit (or several of an untracked item) out of the parcel, matched against the order."""
    if scan.quantity < 1:
        raise Invalid("the quantity must be at least 1")
    if parcel.status != ParcelStatus.OPEN:
        raise Conflict("this parcel is closed: scan the next parcel")
    rma = session.get(ReturnAuthorisation, parcel.rma_id, with_for_update=True, populate_existing=True)
    if rma is None:
        raise NotFound("no return {rma_id}", rma_id=parcel.rma_id)
    if rma.status not in model.OPEN_STATES:
        raise Conflict("{rma_code} is {status}", rma_code=rma_code(rma), status=rma.status)
    found = _identified(session, rma, scan)
    bench = Bench(
        parcel=parcel,
        rma=rma,
        found=found,
        shipped=_shipped(session, rma.order_id),
        lines=[line for line in queries.rma_lines(session, rma.id or 0, lock=True) if not line.keep_it],
        location=receiving_location(session, parcel.warehouse_id, parcel.station_id),
    )
    units = [_receive_one(session, principal, bench) for _ in range(scan.quantity)]
    _hold_on_mismatch(session, kaeru, principal, bench, units)
    item = found.item
    received = events.UnitsReceived(
        rma, parcel, units, units[0].match, item.sku if item else None, found.serial
    )
    EFFECTS.record(session, principal, received)
    return units


def _receive_one(session: Session, principal: Principal, bench: Bench) -> ReturnUnit:
    """Match one unit against the lines and what was shipped; ours goes into quarantine at the station."""
    item, rma = bench.found.item, bench.rma
    match = model.match_unit(
        scanned=item_facts(item) if item else None,
        serial=bench.found.serial,
        expected=expected_lines(session, bench.lines),
        shipped_serials=bench.shipped.serials,
        shipped_items=bench.shipped.items,
    )
    line = next((ln for ln in bench.lines if ln.id == match.line_id), None)
    if line is not None and match.outcome in COUNTED_MATCHES:
        line.received += 1
        session.add(line)
    unit = _unit_row(bench, line, match)
    session.add(unit)
    session.flush()
    if item is not None:
        move(
            session,
            Movement(
                warehouse_id=bench.parcel.warehouse_id,
                item=item,
                quantity=1,
                from_location_id=None,
                to_location_id=bench.location.id,
                reason="return",
                serial=bench.found.serial,
                to_condition="quarantine",
                reference=Reference("rma", rma_code(rma)),
            ),
            Actor(principal),
        )
    return unit


def _unit_row(bench: Bench, line: ReturnLine | None, match: model.Match) -> ReturnUnit:
    item, found = bench.found.item, bench.found
    if line is not None and match.outcome == "right_item":
        value = line.unit_price_minor
    else:
        value = item.price_minor if item else 0
    return ReturnUnit(
        warehouse_id=bench.parcel.warehouse_id,
        merchant_id=bench.rma.merchant_id,
        parcel_id=bench.parcel.id or 0,
        rma_id=bench.rma.id or 0,
        line_id=line.id if line else None,
        item_id=item.id if item else None,
        serial=found.serial,
        scanned=found.scanned[:200],
        description=found.description,
        match=match.outcome,
        match_message=match.message,
        status=UnitStatus.RECEIVED if item else UnitStatus.SET_ASIDE,
        value_minor=value,
        currency=bench.rma.currency,
        category=item.category if item else "",
        received_location_id=bench.location.id if item else None,
        resolution="" if item else "none",
    )


def _hold_on_mismatch(
    session: Session, kaeru: Kaeru, principal: Principal, bench: Bench, units: list[ReturnUnit]
) -> None:
    """A unit that is not what was shipped (a swap, another item, not ours) may hold the return."""
    found = model.signals(model.IntakeFacts(matches=tuple(u.match for u in units)))
    if not found:
        return
    sku = bench.found.item.sku if bench.found.item else None
    facts = {
        "units": [
            {
                "id": u.id,
                "scanned": u.scanned,
                "sku": sku,
                "serial": u.serial,
                "match": u.match,
                "message": i18n.say(u.match_message),
                "description": u.description,
            }
            for u in units
        ]
    }
    raise_signals(session, kaeru=kaeru, principal=principal, rma=bench.rma, evidence=Evidence(found, facts))
