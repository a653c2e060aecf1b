"""Returns over HTTP: the shopper's RMA API, staff authorisation, the returns station, holds.

Shopper endpoints take the order's tracking token (from the shopper's email link) in the path and
no login: a token opens its own order and that order's returns, nothing else. Station endpoints
mirror the scan flow for the station screen and need an Idempotency-Key like any scan.
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from wms.auth import IdempotencyKey, KaeruDep, require
from wms.errors import Invalid, NotFound
from wms.fulfilment.service import order_by_number
from wms.fulfilment.tables import Shopper
from wms.http import mutate
from wms.identity.model import Principal
from wms.inventory.service import warehouse_by_code
from wms.inventory.tables import Warehouse
from wms.returns import service
from wms.returns.photos import photo_view, store_photo
from wms.returns.policy import OUTCOMES, REASONS
from wms.returns.tables import ReturnAuthorisation, ReturnHold, ReturnPhoto
from wms.scanning.service import assign

router = APIRouter(prefix="/api/v1", tags=["returns"])
Authoriser = Annotated[Principal, Depends(require("returns.authorise"))]
StationUser = Annotated[Principal, Depends(require("returns.station"))]
Intake = Annotated[Principal, Depends(require("returns.intake"))]
Reviewer = Annotated[Principal, Depends(require("returns.review"))]


class ReturnLineIn(BaseModel):
    sku: str | None = Field(
        default=None, max_length=64, description="the item, by SKU (or give order_line_id)"
    )
    order_line_id: int | None = None
    quantity: int = Field(default=1, gt=0, le=1000)
    reason: str = Field(description=f"one of {', '.join(REASONS)}")
    reason_text: str = Field(default="", max_length=500, description="free text; required for reason 'other'")
    outcome: str = Field(default="refund", description=f"preferred outcome: one of {', '.join(OUTCOMES)}")
    exchange_sku: str | None = Field(
        default=None, max_length=64, description="the variant wanted, for exchange"
    )


class ShopperReturnIn(BaseModel):
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=100)


class StaffReturnIn(ShopperReturnIn):
    warehouse: str
    order: str = Field(min_length=1, max_length=64, description="order number")
    allow_outside_window: bool = Field(default=False, description="managers only: accept after the window")
    print_label: bool = False
    station: str | None = Field(default=None, description="print the label at this station's printer")
    note: str = Field(default="", max_length=500)


class LabelIn(BaseModel):
    station: str | None = None
    printer: str | None = Field(default=None, max_length=300, description="printer URL, if not a station's")


class StationIn(BaseModel):
    station: str | None = Field(default=None, description="the returns station (a device's own is implied)")


class ParcelIn(StationIn):
    code: str = Field(
        default="",
        max_length=200,
        description="what is on the parcel: RMA QR (RMA:<token>), RMA-<number>, a tracking number, "
        "ORD-<number> or a carton SSCC; empty for a parcel without a readable label",
    )
    weight_g: int | None = Field(
        default=None,
        ge=0,
        le=100_000,
        description="parcel weight; omitted: the station scale's latest stable reading",
    )


class UnitIn(BaseModel):
    raw: str | None = Field(
        default=None, max_length=4096, description="what the scanner sent (GTIN, GS1, serial)"
    )
    epc: str | None = Field(default=None, max_length=64, description="RFID EPC (hex)")
    sku: str | None = Field(default=None, max_length=64, description="keyed in instead of scanned")
    serial: str | None = Field(default=None, max_length=64)
    quantity: int = Field(default=1, gt=0, le=1000)
    not_ours: str | None = Field(
        default=None,
        max_length=500,
        description="a product that is not ours: describe it (nothing else needed)",
    )


class GradeIn(StationIn):
    answers: dict[str, str] = Field(description="question id -> answer, for every question of the checklist")


class PutAwayIn(BaseModel):
    location: str = Field(min_length=1, max_length=64)


class DecisionIn(BaseModel):
    note: str = Field(default="", max_length=1000)


def _warehouse_id(session: Session, principal: Principal, code: str | None) -> int:
    if code:
        return warehouse_by_code(session, principal, code).id or 0
    if principal.warehouse_id is not None:
        return principal.warehouse_id
    first = session.exec(select(Warehouse).order_by(col(Warehouse.id))).first()
    if first is None:
        raise NotFound("no warehouse is set up yet")
    return first.id or 0


def _lines(body: ShopperReturnIn) -> list[service.NewReturnLine]:
    return [
        service.NewReturnLine(
            order_line_id=line.order_line_id,
            sku=line.sku,
            quantity=line.quantity,
            reason=line.reason,
            reason_text=line.reason_text,
            outcome=line.outcome,
            exchange_sku=line.exchange_sku,
        )
        for line in body.lines
    ]


# --- policy (for the portal and the station screen) ----------------------------------------------


@router.get("/returns/policy", summary="Return reasons, outcomes and the policy's numbers")
def policy(kaeru: KaeruDep) -> dict[str, Any]:
    config = service.config_of(kaeru)
    p = config.policy
    return {
        "reasons": list(REASONS),
        "outcomes": list(OUTCOMES),
        "window_days": p.window_days,
        "arrive_within_days": p.arrive_within_days,
        "final_sale_returnable": p.final_sale_returnable,
        "store_credit_bonus_percent": p.store_credit_bonus_percent,
        "merchant_fault_reasons": p.merchant_fault_reasons,
        "restocking_fees": [f.model_dump() for f in p.restocking_fees],
        "grade_deduction_percent": p.grade_deduction_percent,
        "keep_it": p.keep_it.model_dump() if p.keep_it else None,
        "trust_tiers": [t.model_dump() for t in p.trust.tiers],
    }


@router.get("/returns/rubrics/{category}", summary="The grading checklist for a product category")
def rubric(category: str, kaeru: KaeruDep, principal: StationUser) -> dict[str, Any]:
    return service.rubric_view(service.config_of(kaeru), category, principal.locale)


# --- shopper --------------------------------------------------------------------------------------


@router.get(
    "/shopper/orders/{token}/returns/options",
    tags=["shopper"],
    summary="What of this order may be returned, and what the shopper may have for it",
)
def shopper_options(token: str, kaeru: KaeruDep) -> dict[str, Any]:
    with kaeru.db.read() as session:
        order = service.order_by_token(session, token)
        return service.return_options(session, service.config_of(kaeru), order)


@router.post(
    "/shopper/orders/{token}/returns",
    status_code=201,
    tags=["shopper"],
    summary="Start a return: the answer holds the QR payload and the return label details",
)
def shopper_create(token: str, body: ShopperReturnIn, kaeru: KaeruDep, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        order = service.order_by_token(session, token)
        rma = service.authorise(
            session, kaeru=kaeru, principal=None, order=order, lines=_lines(body), channel="shopper"
        )
        return service.rma_view(session, rma, staff=False)

    return mutate(kaeru, f"shopper:{token[:24]}", key, body.model_dump(), work, status=201)


@router.get("/shopper/orders/{token}/returns", tags=["shopper"], summary="This order's returns")
def shopper_list(token: str, kaeru: KaeruDep) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        order = service.order_by_token(session, token)
        rmas = session.exec(
            select(ReturnAuthorisation)
            .where(ReturnAuthorisation.order_id == order.id)
            .order_by(col(ReturnAuthorisation.id))
        ).all()
        return [service.rma_view(session, r, staff=False) for r in rmas]


@router.get(
    "/shopper/orders/{token}/returns/{number}", tags=["shopper"], summary="One of this order's returns"
)
def shopper_get(token: str, number: str, kaeru: KaeruDep) -> dict[str, Any]:
    with kaeru.db.read() as session:
        order = service.order_by_token(session, token)
        rma = session.exec(
            select(ReturnAuthorisation).where(
                ReturnAuthorisation.number == number.removeprefix("RMA-"),
                ReturnAuthorisation.order_id == order.id,
            )
        ).first()
        if rma is None:
            raise NotFound(f"no return {number} on this order")
        return service.rma_view(session, rma, staff=False)


@router.get("/shopper/returns/{rma_token}", tags=["shopper"], summary="A return, by the token in its QR code")
def shopper_rma(rma_token: str, kaeru: KaeruDep) -> dict[str, Any]:
    with kaeru.db.read() as session:
        return service.rma_view(session, service.rma_by_token(session, rma_token), staff=False)


@router.get(
    "/shopper/returns/{rma_token}/label.pdf",
    tags=["shopper"],
    response_class=Response,
    summary="The return label as a PDF, in the shopper's language",
)
def shopper_label(rma_token: str, kaeru: KaeruDep) -> Response:
    import labels
    from labels.model import Address, ReturnLabelData

    with kaeru.db.read() as session:
        rma = service.rma_by_token(session, rma_token)
        context = service.rma_context(session, kaeru, rma)
        shopper = session.get(Shopper, rma.shopper_id) if rma.shopper_id else None
    to = context["return_to"]
    address = Address(
        name=to.get("name", ""),
        lines=(to.get("street", ""),),
        city=to.get("city", ""),
        postal_code=to.get("postal_code", ""),
        country=to.get("country", "US"),
        region=to.get("region", ""),
    )
    data = ReturnLabelData(
        return_to=address,
        rma_number=rma.number,
        rma_token=rma.token,
        order_number=context.get("order", {}).get("number", ""),
        shopper_name=shopper.name if shopper else "",
        carrier=rma.return_carrier,
        return_by=rma.return_by,
    )
    pdf = labels.render("return", data, "pdf", locale=shopper.locale if shopper else "en")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="RMA-{rma.number}.pdf"'},
    )


# --- staff ----------------------------------------------------------------------------------------


@router.get(
    "/returns/options", summary="What of an order may be returned (staff view of the portal's answer)"
)
def staff_options(
    kaeru: KaeruDep, principal: Authoriser, order: str, warehouse: str | None = None
) -> dict[str, Any]:
    with kaeru.db.read() as session:
        found = order_by_number(session, principal, _warehouse_id(session, principal, warehouse), order)
        return service.return_options(session, service.config_of(kaeru), found)


@router.post("/returns", status_code=201, summary="Authorise a return on a shopper's behalf")
def staff_create(
    body: StaffReturnIn, kaeru: KaeruDep, principal: Authoriser, key: IdempotencyKey = None
) -> Any:
    if body.allow_outside_window and not principal.can("returns.review"):
        raise Invalid("only a manager may accept a return outside the window")

    def work(session: Session) -> dict[str, Any]:
        warehouse_id = _warehouse_id(session, principal, body.warehouse)
        order = order_by_number(session, principal, warehouse_id, body.order)
        station = service.station_for(session, principal, body.station) if body.station else None
        rma = service.authorise(
            session,
            kaeru=kaeru,
            principal=principal,
            order=order,
            lines=_lines(body),
            channel="integrator" if principal.role == "integrator" else "staff",
            allow_outside_window=body.allow_outside_window,
            print_label=body.print_label,
            printer_url=service.station_printer(session, station),
            note=body.note,
        )
        return service.rma_view(session, rma)

    return mutate(kaeru, principal, key, body.model_dump(mode="json"), work)


@router.get("/returns", summary="Returns of the caller's warehouse, newest first")
def list_returns(
    kaeru: KaeruDep,
    principal: Intake,
    status: str | None = None,
    limit: int = Query(default=50, ge=1, le=500),
) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        statement = select(ReturnAuthorisation).order_by(col(ReturnAuthorisation.id).desc()).limit(limit)
        if principal.warehouse_id is not None:
            statement = statement.where(ReturnAuthorisation.warehouse_id == principal.warehouse_id)
        if status:
            statement = statement.where(ReturnAuthorisation.status == status)
        return [service.rma_view(session, r) for r in session.exec(statement)]


@router.post(
    "/returns/{number}/label", summary="Print the return label (the print job goes through the outbox)"
)
def print_label(
    number: str, body: LabelIn, kaeru: KaeruDep, principal: Authoriser, key: IdempotencyKey = None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        rma = service.rma_by_number(session, principal, number)
        station = service.station_for(session, principal, body.station) if body.station else None
        printer = body.printer or service.station_printer(session, station)
        service._print_return_label(session, kaeru, rma, printer)
        return {"rma": service.rma_code(rma), "printer": printer, "queued": True}

    return mutate(kaeru, principal, key, {"number": number, **body.model_dump()}, work)


@router.post("/returns/{number}/cancel", summary="Cancel a return that has not arrived")
def cancel(number: str, kaeru: KaeruDep, principal: Authoriser, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        rma = service.rma_by_number(session, principal, number)
        return service.rma_view(session, service.cancel(session, principal=principal, rma=rma))

    return mutate(kaeru, principal, key, {"cancel": number}, work)


# --- the returns station --------------------------------------------------------------------------


@router.post("/returns/station/start", summary="Point the caller's scans at the returns flow of a station")
def start_station(body: StationIn, kaeru: KaeruDep, principal: StationUser) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        station = service.station_for(session, principal, body.station)
        assignment = assign(
            session,
            principal,
            mode="returns",
            ref_type="station",
            ref_id=station.code if station else "",
            state={"station": station.code if station else None},
        )
        return {"mode": assignment.mode, "station": station.code if station else None}

    return kaeru.db.write(work)


@router.post(
    "/returns/parcels", summary="A parcel at the station: find its return, or open an unexpected one"
)
def open_parcel(body: ParcelIn, kaeru: KaeruDep, principal: StationUser, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        station = service.station_for(session, principal, body.station)
        warehouse_id = station.warehouse_id if station else _warehouse_id(session, principal, None)
        parcel = service.open_parcel(
            session,
            kaeru=kaeru,
            principal=principal,
            warehouse_id=warehouse_id,
            code=body.code,
            station=station,
            weight_g=body.weight_g,
        )
        return service.parcel_view(session, parcel, locale=principal.locale)

    return mutate(kaeru, principal, key, body.model_dump(mode="json"), work, require_key=True)


@router.get("/returns/parcels/{parcel_id}", summary="A parcel: what it should hold and what was found")
def get_parcel(parcel_id: int, kaeru: KaeruDep, principal: StationUser) -> dict[str, Any]:
    with kaeru.db.read() as session:
        return service.parcel_view(
            session, service.get_parcel(session, principal, parcel_id), locale=principal.locale
        )


@router.post(
    "/returns/parcels/{parcel_id}/units", summary="A unit out of the parcel, matched against the order"
)
def receive_unit(
    parcel_id: int, body: UnitIn, kaeru: KaeruDep, principal: StationUser, key: IdempotencyKey = None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        parcel = service.get_parcel(session, principal, parcel_id)
        units = service.receive_unit(
            session,
            kaeru=kaeru,
            principal=principal,
            parcel=parcel,
            raw=body.raw,
            epc=body.epc,
            sku=body.sku,
            serial=body.serial,
            quantity=body.quantity,
            not_ours=body.not_ours,
        )
        first = units[0]
        return {
            "units": [service.unit_view(session, u) for u in units],
            "rubric": service.rubric_view(service.config_of(kaeru), first.category, principal.locale)
            if first.item_id
            else None,
            "message": first.match_message,
        }

    return mutate(kaeru, principal, key, {"parcel": parcel_id, **body.model_dump()}, work, require_key=True)


@router.post(
    "/returns/parcels/{parcel_id}/close", summary="Everything is out of the parcel: record what is missing"
)
def close_parcel(parcel_id: int, kaeru: KaeruDep, principal: StationUser, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        parcel = service.get_parcel(session, principal, parcel_id)
        service.close_parcel(session, kaeru=kaeru, principal=principal, parcel=parcel)
        return service.parcel_view(session, parcel, locale=principal.locale)

    return mutate(kaeru, principal, key, {"close": parcel_id}, work, require_key=True)


@router.post(
    "/returns/units/{unit_id}/grade",
    summary="Answer the checklist: grade, disposition, grade tag, and resolution unless held",
)
def grade(
    unit_id: int, body: GradeIn, kaeru: KaeruDep, principal: StationUser, key: IdempotencyKey = None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        unit = service.get_unit(session, principal, unit_id)
        station = service.station_for(session, principal, body.station)
        return service.grade_unit(
            session, kaeru=kaeru, principal=principal, unit=unit, answers=body.answers, station=station
        )

    return mutate(kaeru, principal, key, {"unit": unit_id, **body.model_dump()}, work, require_key=True)


@router.post(
    "/returns/units/{unit_id}/put-away",
    summary="The graded unit is at its destination: move it in the ledger",
)
def put_away(
    unit_id: int, body: PutAwayIn, kaeru: KaeruDep, principal: StationUser, key: IdempotencyKey = None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        unit = service.get_unit(session, principal, unit_id)
        return service.put_away(
            session, kaeru=kaeru, principal=principal, unit=unit, location_code=body.location
        )

    return mutate(kaeru, principal, key, {"unit": unit_id, **body.model_dump()}, work, require_key=True)


@router.get("/returns/units/{unit_id}", summary="One returned unit")
def get_unit(unit_id: int, kaeru: KaeruDep, principal: StationUser) -> dict[str, Any]:
    with kaeru.db.read() as session:
        return service.unit_view(session, service.get_unit(session, principal, unit_id))


@router.post("/returns/units/{unit_id}/photos", status_code=201, summary="Attach a photo (JPEG, PNG or WebP)")
def upload_photo(
    unit_id: int,
    kaeru: KaeruDep,
    principal: StationUser,
    photo: Annotated[UploadFile, File(description="the picture")],
    caption: Annotated[str, Form(max_length=200)] = "",
) -> dict[str, Any]:
    data = photo.file.read()
    relative = Path("returns") / str(unit_id) / f"{uuid.uuid4().hex}"

    def work(session: Session) -> dict[str, Any]:
        unit = service.get_unit(session, principal, unit_id)
        row = store_photo(
            session,
            media_dir=kaeru.settings.media_dir,
            unit=unit,
            data=data,
            content_type=photo.content_type or "",
            relative=relative,
            taken_by=principal.key,
            caption=caption,
        )
        return photo_view(row)

    return kaeru.db.write(work)


@router.get("/returns/units/{unit_id}/photos", summary="A unit's photos (managers)")
def list_photos(unit_id: int, kaeru: KaeruDep, principal: Reviewer) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        service.get_unit(session, principal, unit_id)
        rows = session.exec(
            select(ReturnPhoto).where(ReturnPhoto.unit_id == unit_id).order_by(col(ReturnPhoto.id))
        )
        return [photo_view(r) for r in rows]


@router.get("/returns/photos/{photo_id}", response_class=FileResponse, summary="A photo's image (managers)")
def get_photo(photo_id: int, kaeru: KaeruDep, principal: Reviewer) -> FileResponse:
    with kaeru.db.read() as session:
        row = session.get(ReturnPhoto, photo_id)
        if row is None:
            raise NotFound(f"no photo {photo_id}")
        service.get_unit(session, principal, row.unit_id)
    return FileResponse(kaeru.settings.media_dir / row.path, media_type=row.content_type)


# --- holds and trust (managers) -------------------------------------------------------------------


@router.get("/returns/holds", summary="Returns held for review, with their evidence")
def list_holds(kaeru: KaeruDep, principal: Reviewer, status: str = "open") -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        statement = (
            select(ReturnHold, ReturnAuthorisation)
            .join(ReturnAuthorisation, col(ReturnAuthorisation.id) == ReturnHold.rma_id)
            .where(ReturnHold.status == status)
        )
        if principal.warehouse_id is not None:
            statement = statement.where(ReturnHold.warehouse_id == principal.warehouse_id)
        return [
            {
                **service.hold_view(h),
                "rma": service.rma_code(r),
                "order_id": r.order_id,
                "trust_score": r.trust_score,
            }
            for h, r in session.exec(statement.order_by(col(ReturnHold.id)))
        ]


def _decide(
    hold_id: int, approve: bool, body: DecisionIn, kaeru: Any, principal: Principal, key: str | None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        hold = service.get_hold(session, principal, hold_id)
        service.decide_hold(
            session, kaeru=kaeru, principal=principal, hold=hold, approve=approve, note=body.note
        )
        rma = session.get(ReturnAuthorisation, hold.rma_id)
        assert rma is not None
        return {"hold": service.hold_view(hold), "return": service.rma_view(session, rma)}

    return mutate(kaeru, principal, key, {"hold": hold_id, "approve": approve, **body.model_dump()}, work)


@router.post("/returns/holds/{hold_id}/approve", summary="Approve a held return: it is resolved as usual")
def approve_hold(
    hold_id: int, body: DecisionIn, kaeru: KaeruDep, principal: Reviewer, key: IdempotencyKey = None
) -> Any:
    return _decide(hold_id, True, body, kaeru, principal, key)


@router.post(
    "/returns/holds/{hold_id}/reject", summary="Reject a held return: no refund; the shopper is told why"
)
def reject_hold(
    hold_id: int, body: DecisionIn, kaeru: KaeruDep, principal: Reviewer, key: IdempotencyKey = None
) -> Any:
    return _decide(hold_id, False, body, kaeru, principal, key)


@router.get("/shoppers/{shopper_id}/trust", summary="A shopper's trust score and what it is made of")
def shopper_trust(shopper_id: int, kaeru: KaeruDep, principal: Reviewer) -> dict[str, Any]:
    with kaeru.db.read() as session:
        if session.get(Shopper, shopper_id) is None:
            raise NotFound(f"no shopper {shopper_id}")
        history = service.shopper_history(session, shopper_id)
        assessment = service.assess_trust(session, service.config_of(kaeru), shopper_id)
        return {
            "shopper": shopper_id,
            **assessment.as_dict(),
            "history": history.__dict__,
            "as_of": date.today().isoformat(),
        }


# Last: "/returns/{number}" must not shadow the fixed paths above.
@router.get("/returns/{number}", summary="One return with its lines, units, holds and money")
def get_return(number: str, kaeru: KaeruDep, principal: Authoriser) -> dict[str, Any]:
    with kaeru.db.read() as session:
        return service.rma_view(session, service.rma_by_number(session, principal, number))
