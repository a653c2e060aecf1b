"""What each returns event writes: its audit row, dashboard event, shopper message or print job.

All of it lands in the use case's transaction (docs/architecture.md, Side effects); the order of the
writes inside each function is the order the relay and the tests see them in.
"""

from __future__ import annotations

from wms.merchants.service import owner_code
from wms.platform.effects import EffectMap, Effects
from wms.returns import events
from wms.returns.model import GRADE_MEANING, HoldStatus
from wms.returns.notices import notify, return_label_job
from wms.returns.views import rma_code


def return_authorised(fx: Effects, e: events.ReturnAuthorised) -> None:
    rma = e.rma
    fx.audit(
        "return.authorised",
        "rma",
        rma_code(rma),
        warehouse_id=rma.warehouse_id,
        order=e.order_number,
        channel=e.channel,
        trust_score=e.trust.score,
        tier=e.trust.tier.name,
        outside_window=rma.outside_window,
    )
    notify(
        fx,
        rma,
        e.base_url,
        "return.authorised",
        f"return.authorised:{rma.id}",
        trust={"tier": e.trust.tier.name, "instant_refund": rma.instant_refund},
    )


def return_label_requested(fx: Effects, e: events.ReturnLabelRequested) -> None:
    job = return_label_job(fx.session, e.base_url, e.rma, e.printer_url)
    fx.enqueue(
        "print", "print.return_label", job, warehouse_id=e.rma.warehouse_id, merchant_id=e.rma.merchant_id
    )


def return_cancelled(fx: Effects, e: events.ReturnCancelled) -> None:
    fx.audit("return.cancelled", "rma", rma_code(e.rma), warehouse_id=e.rma.warehouse_id)


def case_opened(fx: Effects, e: events.CaseOpened) -> None:
    rma = e.rma
    fx.audit(
        f"return.{rma.kind}",
        "rma",
        rma_code(rma),
        warehouse_id=rma.warehouse_id,
        code=e.code,
        order=e.order_number,
    )


def parcel_opened(fx: Effects, e: events.ParcelOpened) -> None:
    rma, parcel = e.rma, e.parcel
    if e.first:
        notify(
            fx,
            rma,
            e.base_url,
            "return.received",
            f"return.received:{rma.id}",
            parcel={"weight_g": parcel.weight_g, "received_at": parcel.scanned_at.isoformat()},
        )
    fx.live(
        "return.received",
        {
            "rma": rma_code(rma),
            "parcel": parcel.id,
            "found_by": parcel.found_by,
            "kind": rma.kind,
            "station": e.station_code,
            "weight_verdict": parcel.weight_verdict,
        },
        warehouse_id=parcel.warehouse_id,
    )
    fx.audit(
        "return.parcel_opened",
        "rma",
        rma_code(rma),
        warehouse_id=parcel.warehouse_id,
        parcel=parcel.id,
        found_by=parcel.found_by,
        weight_g=parcel.weight_g,
        weight_verdict=parcel.weight_verdict,
    )


def return_held(fx: Effects, e: events.ReturnHeld) -> None:
    rma, hold = e.rma, e.hold
    fx.audit(
        "return.held", "rma", rma_code(rma), warehouse_id=rma.warehouse_id, hold=hold.id, signals=e.signals
    )
    fx.live(
        "return.hold",
        {"rma": rma_code(rma), "hold": hold.id, "signals": hold.signals},
        warehouse_id=rma.warehouse_id,
    )
    if e.opened:
        notify(fx, rma, e.base_url, "return.on_hold", f"return.on_hold:{hold.id}")


def parcel_closed(fx: Effects, e: events.ParcelClosed) -> None:
    fx.audit(
        "return.parcel_closed", "rma", rma_code(e.rma), warehouse_id=e.parcel.warehouse_id, parcel=e.parcel.id
    )


def units_received(fx: Effects, e: events.UnitsReceived) -> None:
    fx.audit(
        "return.unit_received",
        "rma",
        rma_code(e.rma),
        warehouse_id=e.parcel.warehouse_id,
        units=[u.id for u in e.units],
        match=e.match,
        sku=e.sku,
        serial=e.serial,
    )


def unit_graded(fx: Effects, e: events.UnitGraded) -> None:
    rma, unit, item, destination = e.rma, e.unit, e.item, e.destination
    graded_on = unit.graded_at.date().isoformat() if unit.graded_at else ""
    fx.enqueue(
        "print",
        "print.grade_tag",
        {
            "label": "grade_tag",
            "printer": e.printer_url,
            "lpn": unit.lpn,
            "lpn_code": f"LPN-{unit.lpn}",
            "sku": item.sku,
            "gtin": item.gtin or "",
            "serial": unit.serial,
            "grade": unit.grade,
            "disposition": unit.disposition,
            "graded_on": graded_on,
            "description": item.name[:200],
            "tote": unit.tote,
            "location": destination.code,
            "rma": rma_code(rma),
            "owner": owner_code(fx.session, unit.merchant_id),
        },
        warehouse_id=unit.warehouse_id,
        merchant_id=unit.merchant_id,
    )
    fx.session.flush()
    notify(fx, rma, e.base_url, "return.graded", f"return.graded:{unit.id}", unit=_unit_notice(e))
    fx.live(
        "return.graded",
        {
            "rma": rma_code(rma),
            "unit": unit.id,
            "sku": item.sku,
            "category": item.category,
            "grade": unit.grade,
            "disposition": unit.disposition,
            "match": unit.match,
        },
        warehouse_id=unit.warehouse_id,
    )
    fx.audit(
        "return.graded",
        "return_unit",
        unit.id,
        warehouse_id=unit.warehouse_id,
        rma=rma_code(rma),
        grade=unit.grade,
        rule=unit.grade_rule,
        disposition=unit.disposition,
        disposition_rule=unit.disposition_rule,
        answers=e.answers,
    )


def _unit_notice(e: events.UnitGraded) -> dict[str, object]:
    unit = e.unit
    return {
        "id": unit.id,
        "sku": e.item.sku,
        "name": e.item.name,
        "serial": unit.serial,
        "match": unit.match,
        "grade": unit.grade,
        "grade_meaning": GRADE_MEANING.get(unit.grade or "", ""),
        "grade_rule": unit.grade_rule,
        "disposition": unit.disposition,
        "destination": e.destination.code,
        "value_minor": unit.value_minor,
        "currency": unit.currency,
    }


def unit_put_away(fx: Effects, e: events.UnitPutAway) -> None:
    unit = e.unit
    fx.live(
        "return.put_away",
        {
            "rma": rma_code(e.rma),
            "unit": unit.id,
            "sku": e.item.sku,
            "location": e.destination.code,
            "disposition": unit.disposition,
            "dock_to_stock_s": e.dock_to_stock_s,
        },
        warehouse_id=unit.warehouse_id,
    )
    fx.audit(
        "return.put_away",
        "return_unit",
        unit.id,
        warehouse_id=unit.warehouse_id,
        location=e.destination.code,
        disposition=unit.disposition,
    )


def money_issued(fx: Effects, e: events.MoneyIssued) -> None:
    rma, movement = e.rma, e.movement
    kind = movement.kind
    money = {
        "id": movement.id,
        "kind": kind,
        "amount_minor": movement.amount_minor,
        "currency": movement.currency,
        "units": e.units,
        "breakdown": e.resolution.as_dict(),
        "early": e.early,
        "keep_it": e.resolution.kind == "keep_it",
        "sku": e.item.sku if e.item else None,
        "name": e.item.name if e.item else None,
    }
    notify(fx, rma, e.base_url, f"{kind}.issued", f"{kind}.issued:{movement.id}", money=money)
    fx.audit(
        f"{kind}.issued",
        "rma",
        rma_code(rma),
        warehouse_id=rma.warehouse_id,
        amount_minor=movement.amount_minor,
        currency=movement.currency,
        movement=movement.id,
    )


def unit_resolved(fx: Effects, e: events.UnitResolved) -> None:
    unit = e.unit
    fx.audit(
        "return.resolved",
        "return_unit",
        unit.id,
        warehouse_id=unit.warehouse_id,
        rma=rma_code(e.rma),
        **e.resolution.as_dict(),
    )


def return_in_transit(fx: Effects, e: events.ReturnInTransit) -> None:
    rma = e.rma
    fx.audit(
        "return.in_transit",
        "rma",
        rma_code(rma),
        warehouse_id=rma.warehouse_id,
        kind=e.carrier_event,
        paid_early_units=e.paid_early_units,
    )
    fx.live(
        "return.in_transit",
        {"rma": rma_code(rma), "paid_early_units": e.paid_early_units},
        warehouse_id=rma.warehouse_id,
    )


def exchange_shipped(fx: Effects, e: events.ExchangeShipped) -> None:
    notify(fx, e.rma, e.base_url, "exchange.shipped", e.dedupe_key, exchange=e.exchange)


def hold_decided(fx: Effects, e: events.HoldDecided) -> None:
    rma, hold = e.rma, e.hold
    if hold.status == HoldStatus.REJECTED:
        notify(
            fx,
            rma,
            e.base_url,
            "return.rejected",
            f"return.rejected:{hold.id}",
            decision={"note": hold.note, "signals": hold.signals},
        )
    fx.audit(
        f"return.hold_{hold.status}",
        "rma",
        rma_code(rma),
        warehouse_id=rma.warehouse_id,
        hold=hold.id,
        signals=hold.signals,
        note=hold.note,
        resolved=e.resolved,
    )
    fx.live(
        "return.hold_decided",
        {"rma": rma_code(rma), "hold": hold.id, "status": hold.status},
        warehouse_id=rma.warehouse_id,
    )


EFFECTS = EffectMap(
    "returns",
    {
        events.ReturnAuthorised: return_authorised,
        events.ReturnLabelRequested: return_label_requested,
        events.ReturnCancelled: return_cancelled,
        events.CaseOpened: case_opened,
        events.ParcelOpened: parcel_opened,
        events.ReturnHeld: return_held,
        events.ParcelClosed: parcel_closed,
        events.UnitsReceived: units_received,
        events.UnitGraded: unit_graded,
        events.UnitPutAway: unit_put_away,
        events.MoneyIssued: money_issued,
        events.UnitResolved: unit_resolved,
        events.ReturnInTransit: return_in_transit,
        events.ExchangeShipped: exchange_shipped,
        events.HoldDecided: hold_decided,
    },
)
