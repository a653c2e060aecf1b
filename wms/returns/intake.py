"""Parcels at the returns station: finding a parcel's return by its label (or opening a case for a parcel
nobody announced), weighing it, and closing it with what was missing recorded."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from devices.scan import RMA_TOKEN_PREFIX, parse_scan
from wms.context import Kaeru
from wms.db import utcnow
from wms.errors import Conflict, Invalid, NotFound, Text
from wms.fulfilment.tables import Carton, Order, OrderLine, Shipment
from wms.identity.model import Principal
from wms.identity.tables import Station
from wms.merchants.service import merchant_for
from wms.returns import events, model, queries
from wms.returns.authorisation import number
from wms.returns.effects import EFFECTS
from wms.returns.eligibility import assess_trust, line_facts
from wms.returns.holds import Evidence, raise_signals
from wms.returns.model import PARCEL, RMA, ParcelStatus, RmaKind, RmaStatus, UnitStatus
from wms.returns.queries import config_of
from wms.returns.resolution import complete_if_done
from wms.returns.shared_signal import held_at_other_merchants
from wms.returns.stations import station_weight
from wms.returns.tables import ReturnAuthorisation, ReturnLine, ReturnParcel, ReturnUnit
from wms.returns.units import expected_lines
from wms.returns.views import rma_code
from wms.scoping import sees


@dataclass(frozen=True)
class Found:
    """What a parcel's code names: its return, or at least its order, and how it was found."""

    rma: ReturnAuthorisation | None
    order: Order | None
    found_by: str  # qr | packed_label | rma_number | order | sscc | tracking | unknown


@dataclass(frozen=True)
class ArrivedParcel:
    """A parcel put on a returns station's bench: where, what its label says, what it weighs."""

    warehouse_id: int
    code: str
    station: Station | None
    weight_g: int | None = None  # None: the station scale's latest stable reading
    # The associate chose to open an unexpected-return case for a parcel whose code names no return
    # (a mistyped or unknown code is refused instead: a case is never opened by accident).
    unexpected: bool = False
    merchant: str | None = None  # whose unexpected parcel it is, when no order says


def _open_rma_of_order(session: Session, order: Order | None) -> ReturnAuthorisation | None:
    if order is None:
        return None
    return session.exec(
        select(ReturnAuthorisation)
        .where(
            ReturnAuthorisation.order_id == order.id, col(ReturnAuthorisation.status).in_(model.OPEN_STATES)
        )
        .order_by(col(ReturnAuthorisation.id).desc())
    ).first()


def _of_order(session: Session, order: Order | None, found_by: str) -> Found:
    return Found(_open_rma_of_order(session, order), order, found_by)


def find_by_code(session: Session, principal: Principal, warehouse_id: int, code: str) -> Found:
    """The RMA (or at least the order) a parcel's code names, and how it was found."""
    scan = parse_scan(code)
    value = scan.code or ""
    if scan.kind == "rma" and scan.data.startswith(RMA_TOKEN_PREFIX):
        rma = session.exec(select(ReturnAuthorisation).where(ReturnAuthorisation.token == value)).first()
        if rma is not None:
            return Found(rma, None, "qr")
        # The return label packed with the order carries the order's own token: a pre-authorised return.
        order = session.exec(select(Order).where(Order.tracking_token == value)).first()
        return Found(None, order, "packed_label")
    if scan.kind == "rma":
        by_number = ReturnAuthorisation.number == value, ReturnAuthorisation.warehouse_id == warehouse_id
        return Found(session.exec(select(ReturnAuthorisation).where(*by_number)).first(), None, "rma_number")
    if scan.kind == "order":
        by_number = Order.number == value, Order.warehouse_id == warehouse_id
        return _of_order(session, session.exec(select(Order).where(*by_number)).first(), "order")
    if scan.kind == "sscc":
        carton = session.exec(select(Carton).where(Carton.sscc == scan.sscc)).first()
        return _of_order(session, session.get(Order, carton.order_id) if carton else None, "sscc")
    if scan.kind == "text":
        return _by_tracking(session, value)
    return Found(None, None, "unknown")


def _by_tracking(session: Session, value: str) -> Found:
    """A tracking number: the return label's own, or the forward shipment's the shopper reused."""
    rma = session.exec(
        select(ReturnAuthorisation).where(ReturnAuthorisation.return_tracking_number == value)
    ).first()
    if rma is not None:
        return Found(rma, None, "tracking")
    shipment = session.exec(select(Shipment).where(Shipment.tracking_number == value)).first()
    return _of_order(session, session.get(Order, shipment.order_id) if shipment else None, "tracking")


def _rma_for_parcel(
    session: Session, kaeru: Kaeru, principal: Principal, arrived: ArrivedParcel, found: Found
) -> ReturnAuthorisation:
    """The parcel's return, if it may still receive parcels; otherwise a case opened for the parcel."""
    rma = found.rma
    if rma is None:
        _refuse_unless_chosen(arrived, found)
        return _open_case(session, kaeru, principal, arrived, found)
    if not sees(principal, rma.warehouse_id, rma.merchant_id) or rma.warehouse_id != arrived.warehouse_id:
        raise NotFound("{rma_code} belongs to another warehouse", rma_code=rma_code(rma))
    if rma.status not in model.OPEN_STATES:
        raise Conflict(
            "{rma_code} is already {status}: set the parcel aside for a manager",
            rma_code=rma_code(rma),
            rma=rma_code(rma),
            status=rma.status,
        )
    return rma


def _refuse_unless_chosen(arrived: ArrivedParcel, found: Found) -> None:
    """A parcel whose code names no return is opened as an unexpected return only by the associate's
    choice; until then the code is answered "not found" (or, for an order of ours, "no return")."""
    if arrived.unexpected or (found.found_by == "packed_label" and found.order is not None):
        return
    code = arrived.code.strip()
    code = parse_scan(code).data.strip() if code else ""  # as printed, without the scanner's AIM id
    choice = {"code": code, "may_open": "unexpected_return"}
    if not code:
        raise Invalid(
            "no parcel is open at this station: scan the parcel's label first "
            "(a parcel without a readable label is opened as an unexpected return)",
            **choice,
        )
    order = found.order
    if order is not None and order.warehouse_id == arrived.warehouse_id:
        raise Conflict(
            "order {number} has no return authorisation: if the shopper sent it back unasked, "
            "open an unexpected return for it",
            number=order.number,
            order=order.number,
            **choice,
        )
    raise NotFound(
        "{code}: no return, order, tracking number or carton of this warehouse has this code; "
        "check the label and scan it again, or open an unexpected return",
        **choice,
    )


def _open_case(
    session: Session, kaeru: Kaeru, principal: Principal, arrived: ArrivedParcel, found: Found
) -> ReturnAuthorisation:
    """Nobody announced this parcel: open a case for it so the associate can carry on."""
    code = arrived.code.strip()
    order = found.order if found.order and found.order.warehouse_id == arrived.warehouse_id else None
    kind = RmaKind.OPEN if found.found_by == "packed_label" and order is not None else RmaKind.UNEXPECTED
    merchant_id = order.merchant_id if order else merchant_for(session, principal, arrived.merchant).id or 0
    trust = assess_trust(session, config_of(kaeru, merchant_id), order.shopper_id if order else None)
    rma = ReturnAuthorisation(
        warehouse_id=arrived.warehouse_id,
        merchant_id=merchant_id,
        number=secrets.token_hex(8),
        token=secrets.token_urlsafe(24),
        order_id=order.id if order else None,
        shopper_id=order.shopper_id if order else None,
        kind=kind,
        channel="station",
        currency=order.currency if order else "USD",
        return_carrier=order.carrier if order else "",
        trust_score=trust.score,
        trust_tier=trust.tier.name,
        created_by=principal.key,
        note=f"parcel scanned as {code!r}" if code else "parcel without a readable label",
    )
    number(session, rma)
    if order is not None:
        _expect_whole_order(session, rma, order)
    EFFECTS.record(session, principal, events.CaseOpened(rma, code, order.number if order else None))
    return rma


def _expect_whole_order(session: Session, rma: ReturnAuthorisation, order: Order) -> None:
    """Everything still returnable from the order may be in the parcel."""
    why = (
        "returned without a return authorisation"
        if rma.kind == RmaKind.UNEXPECTED
        else "returned with the label packed in the order"
    )
    for facts in line_facts(session, order):
        left = facts.shipped - facts.already_returned
        order_line = session.get(OrderLine, facts.order_line_id)
        if left <= 0 or order_line is None:
            continue
        session.add(
            ReturnLine(
                rma_id=rma.id or 0,
                order_line_id=facts.order_line_id,
                item_id=order_line.item_id,
                quantity=left,
                reason="other",
                reason_text=why,
                unit_price_minor=facts.unit_price_minor,
                quoted_minor=facts.unit_price_minor,
            )
        )
    session.flush()


def _weigh(
    session: Session, kaeru: Kaeru, rma: ReturnAuthorisation, arrived: ArrivedParcel
) -> model.WeightCheck:
    lines = [line for line in queries.rma_lines(session, rma.id or 0) if not line.keep_it]
    weights = [queries.item(session, line.item_id).weight_g for line in lines for _ in range(line.quantity)]
    if rma.kind != RmaKind.AUTHORISED:
        # The parcel may hold any part of the order: only an empty box is telling.
        weights = [min(weights)] if weights else []
    measured = arrived.weight_g if arrived.weight_g is not None else station_weight(arrived.station)
    return model.check_parcel_weight(
        config_of(kaeru, rma.merchant_id).policy.fraud, item_weights_g=weights, measured_g=measured
    )


def open_parcel(
    session: Session, *, kaeru: Kaeru, principal: Principal, arrived: ArrivedParcel
) -> ReturnParcel:
    """A parcel arrives at the station: find its return (or open a case), weigh it, tell the shopper."""
    code = arrived.code.strip()
    found = (
        find_by_code(session, principal, arrived.warehouse_id, code) if code else Found(None, None, "unknown")
    )
    rma = _rma_for_parcel(session, kaeru, principal, arrived, found)
    already = _still_open_here(session, rma, arrived)
    if already is not None:
        return already
    check = _weigh(session, kaeru, rma, arrived)
    parcel = ReturnParcel(
        warehouse_id=arrived.warehouse_id,
        merchant_id=rma.merchant_id,
        rma_id=rma.id or 0,
        station_id=arrived.station.id if arrived.station else None,
        found_by=found.found_by,
        scanned_code=arrived.code[:200],
        scanned_by=principal.key,
        weight_g=check.measured_g,
        expected_weight_g=check.expected_g,
        weight_verdict=check.verdict,
    )
    session.add(parcel)
    first = rma.received_at is None
    if first:
        rma.received_at = parcel.scanned_at
    if rma.status in model.NOT_YET_RECEIVED:
        rma.status = RMA.move(rma.status, RmaStatus.RECEIVED, what=rma_code(rma))
    session.add(rma)
    session.flush()
    _look_for_fraud(session, kaeru, principal, rma, parcel)
    station_code = arrived.station.code if arrived.station else None
    EFFECTS.record(
        session, principal, events.ParcelOpened(rma, parcel, station_code, first, kaeru.settings.base_url)
    )
    return parcel


def _still_open_here(
    session: Session, rma: ReturnAuthorisation, arrived: ArrivedParcel
) -> ReturnParcel | None:
    """This return's parcel still open at this station: the label scanned again is the same parcel."""
    if rma.id is None:
        return None
    station_id = arrived.station.id if arrived.station else None
    return session.exec(
        select(ReturnParcel).where(
            ReturnParcel.rma_id == rma.id,
            ReturnParcel.status == ParcelStatus.OPEN,
            ReturnParcel.station_id == station_id,
        )
    ).first()


def _look_for_fraud(
    session: Session, kaeru: Kaeru, principal: Principal, rma: ReturnAuthorisation, parcel: ReturnParcel
) -> None:
    """The parcel's weight, lateness, the shopper's history: signals that may hold the return."""
    trust = assess_trust(session, config_of(kaeru, rma.merchant_id), rma.shopper_id)
    elsewhere = held_at_other_merchants(session, kaeru, rma)
    found = model.signals(
        model.IntakeFacts(
            weight=parcel.weight_verdict,
            arrived_on=parcel.scanned_at.date(),
            return_by=rma.return_by,
            authorised_outside_window=rma.outside_window,
            serial_returner=trust.serial_returner,
            unexpected=rma.kind == RmaKind.UNEXPECTED,
            held_at_other_merchants=elsewhere,
        )
    )
    facts = {
        "parcel": {
            "id": parcel.id,
            "code": parcel.scanned_code,
            "found_by": parcel.found_by,
            "weight_g": parcel.weight_g,
            "expected_weight_g": parcel.expected_weight_g,
            "weight_verdict": parcel.weight_verdict,
        },
        "trust": trust.as_dict(),
        **({"shared_signal": {"held_at_other_merchants": elsewhere}} if elsewhere else {}),
    }
    raise_signals(session, kaeru=kaeru, principal=principal, rma=rma, evidence=Evidence(found, facts))


def close_parcel(session: Session, *, principal: Principal, parcel: ReturnParcel) -> ReturnParcel:
    """The associate has taken everything out: what the RMA promised and is not here is missing."""
    if parcel.status != ParcelStatus.OPEN:
        return parcel
    rma = queries.rma_of(session, parcel)
    if rma.kind == RmaKind.AUTHORISED:
        _record_missing(session, rma, parcel)
    parcel.status = PARCEL.move(parcel.status, ParcelStatus.CLOSED, what=f"parcel {parcel.id}")
    parcel.closed_at = utcnow()
    session.add(parcel)
    session.flush()
    complete_if_done(session, rma)
    EFFECTS.record(session, principal, events.ParcelClosed(rma, parcel))
    return parcel


def _record_missing(session: Session, rma: ReturnAuthorisation, parcel: ReturnParcel) -> None:
    lines = [line for line in queries.rma_lines(session, rma.id or 0) if not line.keep_it]
    already_missing = dict(
        session.exec(
            select(ReturnUnit.line_id, func.count())
            .where(ReturnUnit.rma_id == rma.id, ReturnUnit.match == "missing")
            .group_by(col(ReturnUnit.line_id))
        ).all()
    )
    by_id = {line.id: line for line in lines}
    for line_id, count in model.missing_units(expected_lines(session, lines)).items():
        line = by_id[line_id]
        for _ in range(count - already_missing.get(line_id, 0)):
            session.add(
                ReturnUnit(
                    warehouse_id=parcel.warehouse_id,
                    merchant_id=rma.merchant_id,
                    parcel_id=parcel.id or 0,
                    rma_id=rma.id or 0,
                    line_id=line_id,
                    item_id=line.item_id,
                    match="missing",
                    status=UnitStatus.MISSING,
                    match_message=Text("authorised but not in the parcel"),
                    value_minor=line.unit_price_minor,
                    currency=rma.currency,
                    category=queries.item(session, line.item_id).category,
                    resolution="none",
                )
            )
