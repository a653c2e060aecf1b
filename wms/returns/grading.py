"""Grading a received unit from its checklist, deciding where it goes, printing its grade tag, and
resolving it unless the return is held."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from wms import i18n
from wms.context import Kaeru
from wms.db import utcnow
from wms.errors import Conflict, Text
from wms.identity.model import Principal
from wms.identity.tables import Station
from wms.inventory.tables import Item, LicensePlate, Location, Quant
from wms.returns import events, model, queries
from wms.returns.effects import EFFECTS
from wms.returns.model import UNIT, RmaStatus, UnitStatus
from wms.returns.queries import config_of
from wms.returns.resolution import complete_if_done, resolve_unit
from wms.returns.rules import ReturnsConfig
from wms.returns.stations import station_printer
from wms.returns.tables import ReturnLine, ReturnUnit
from wms.returns.views import unit_view


@dataclass(frozen=True)
class Verdict:
    """The grade a unit earned and where it goes because of it."""

    grade: model.GradeDecision
    disposition: model.DispositionDecision
    destination: Location
    tote: str
    answers: dict[str, str]  # the checklist's answers that earned the grade


def _destination(
    session: Session, config: ReturnsConfig, warehouse_id: int, disposition: str, item: Item
) -> Location:
    spec = config.disposition.destinations[disposition]
    if spec.prefer_item_home:
        home = session.exec(
            select(Location)
            .join(Quant, col(Quant.location_id) == Location.id)
            .where(
                Quant.item_id == item.id,
                Quant.condition == "new",
                Quant.quantity > 0,
                Location.warehouse_id == warehouse_id,
                col(Location.kind).in_(["pick", "storage"]),
                Location.zone != "openbox",
            )
            .order_by(col(Location.path_seq))
        ).first()
        if home is not None:
            return home
    location = session.exec(
        select(Location).where(Location.warehouse_id == warehouse_id, Location.code == spec.location)
    ).first()
    if location is None:
        raise Conflict(
            "the {disposition} location {location} does not exist in this warehouse",
            disposition=disposition,
            location=spec.location,
        )
    return location


def _judge(
    session: Session, config: ReturnsConfig, unit: ReturnUnit, item: Item, answers: dict[str, str]
) -> Verdict:
    """Grade the answers by the item's rubric, then the first disposition rule that fits."""
    line = session.get(ReturnLine, unit.line_id) if unit.line_id else None
    decision = model.grade(config.rubric_for(item.category), answers)
    chosen = model.dispose(
        config.disposition,
        grade=decision.grade,
        category=item.category,
        value_minor=unit.value_minor,
        reason=line.reason if line else "other",
        match=unit.match,
    )
    destination = _destination(session, config, unit.warehouse_id, chosen.disposition, item)
    tote = config.disposition.destinations[chosen.disposition].tote
    return Verdict(decision, chosen, destination, tote, answers)


def _tag(
    session: Session, config: ReturnsConfig, principal: Principal, unit: ReturnUnit, verdict: Verdict
) -> None:
    """Write the verdict on the unit and give it a licence plate (its grade tag's LPN)."""
    decision, chosen = verdict.grade, verdict.disposition
    unit.grade, unit.grade_rule, unit.answers = decision.grade, decision.rule_id, dict(verdict.answers)
    unit.graded_at, unit.graded_by = utcnow(), principal.key
    unit.disposition, unit.disposition_rule = chosen.disposition, chosen.rule_id
    unit.destination_location_id, unit.tote = verdict.destination.id, verdict.tote
    unit.recovery_minor = model.recovery_value(
        config.disposition, disposition=chosen.disposition, value_minor=unit.value_minor
    )
    unit.lpn = f"RU{unit.id or 0:08d}"
    unit.status = UNIT.move(unit.status, UnitStatus.GRADED, what=f"unit {unit.id}")
    session.add(unit)
    session.add(
        LicensePlate(
            warehouse_id=unit.warehouse_id, code=unit.lpn, kind="unit", location_id=unit.received_location_id
        )
    )


def grade_unit(
    session: Session,
    *,
    kaeru: Kaeru,
    principal: Principal,
    unit: ReturnUnit,
    answers: dict[str, str],
    station: Station | None = None,
) -> dict[str, Any]:
    """Grade a unit from the checklist, decide where it goes, tag it, and resolve it if nothing stops that."""
    config = config_of(kaeru, unit.merchant_id)
    session.refresh(
        unit, with_for_update=True
    )  # two screens grading one unit: the second waits, then sees it
    if unit.status != UnitStatus.RECEIVED and unit.grade:
        raise Conflict("unit {id} is {status}: it cannot be graded again", id=unit.id, status=unit.status)
    if unit.status != UnitStatus.RECEIVED:
        raise Conflict("unit {id} is {status}: there is nothing to grade", id=unit.id, status=unit.status)
    rma = queries.rma_of(session, unit)
    item = queries.item(session, unit.item_id)
    verdict = _judge(session, config, unit, item, answers)
    _tag(session, config, principal, unit, verdict)
    printer = station_printer(session, station)
    graded = events.UnitGraded(
        rma, unit, item, verdict.destination, printer, answers, kaeru.settings.base_url
    )
    EFFECTS.record(session, principal, graded)
    resolution = None
    if rma.status != RmaStatus.ON_HOLD:
        resolution = resolve_unit(session, kaeru=kaeru, principal=principal, rma=rma, unit=unit)
    complete_if_done(session, rma)
    return {
        **_verdict_view(session, principal, unit, verdict),
        "printer": printer,
        "resolution": resolution,
        "on_hold": rma.status == RmaStatus.ON_HOLD,
        "message": i18n.say(
            Text(
                "grade {grade} ({meaning}): tote {tote}, for {location}",
                grade=verdict.grade.grade,
                meaning=Text(verdict.grade.meaning),
                tote=verdict.tote,
                location=verdict.destination.code,
            ),
            i18n.current(principal.locale),
        ),
    }


def _verdict_view(
    session: Session, principal: Principal, unit: ReturnUnit, verdict: Verdict
) -> dict[str, Any]:
    decision, chosen = verdict.grade, verdict.disposition
    explain = i18n.said(decision.explain, i18n.current(principal.locale))
    return {
        "unit": unit_view(session, unit),
        "grade": decision.grade,
        "meaning": decision.meaning,
        "rule": decision.rule_id,
        "explain": explain,
        "disposition": chosen.disposition,
        "disposition_rule": chosen.rule_id,
        "location": verdict.destination.code,
        "tote": verdict.tote,
        "lpn": unit.lpn,
    }
