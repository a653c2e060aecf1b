"""Returns over HTTP: the shopper's RMA API, staff authorisation, the returns station, holds.

Shopper endpoints take the order's tracking token (from the shopper's email link) in the path and
no login: a token opens its own order and that order's returns, nothing else. Station endpoints
mirror the scan flow for the station screen and need an Idempotency-Key like any scan.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response
from sqlmodel import Session

from wms import i18n
from wms.auth import IdempotencyKey, KaeruDep, require
from wms.context import Kaeru
from wms.errors import Invalid
from wms.fulfilment.service import order_by_number
from wms.http import mutate
from wms.identity.model import Principal
from wms.inputs import Code, Id, Name
from wms.platform.paging import AFTER, AFTER_OLDEST, announce_next
from wms.returns import authorisation, grading, holds, intake, putaway, queries, scans, units, views
from wms.returns.authorisation import NewReturnLine, ReturnRequest
from wms.returns.eligibility import return_options, trust_view
from wms.returns.intake import ArrivedParcel
from wms.returns.notices import return_label_pdf
from wms.returns.photos import photo_view, store_photo
from wms.returns.queries import config_of
from wms.returns.schemas import (
    DecisionIn,
    GradedPublic,
    GradeIn,
    HeldPublic,
    HoldDecision,
    LabelIn,
    LabelQueued,
    ParcelIn,
    ParcelPublic,
    PhotoPublic,
    PolicyPublic,
    PutAwayIn,
    PutAwayPublic,
    ReturnOptions,
    ReturnPublic,
    ReturnStaff,
    RubricPublic,
    ShopperReturnIn,
    StaffReturnIn,
    StationIn,
    StationStarted,
    TrustPublic,
    UnitIn,
    UnitPublic,
    UnitsReceivedPublic,
)
from wms.returns.stations import station_for, station_printer
from wms.returns.units import UnitScan

router = APIRouter(prefix="/api/v1", tags=["returns"])
Authoriser = Annotated[Principal, Depends(require("returns.authorise"))]
StationUser = Annotated[Principal, Depends(require("returns.station"))]
Intake = Annotated[Principal, Depends(require("returns.intake"))]
Reviewer = Annotated[Principal, Depends(require("returns.review"))]
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
}
IMAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}}
}


def _lines(body: ShopperReturnIn) -> list[NewReturnLine]:
    return [
        NewReturnLine(
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


@router.get(
    "/returns/policy",
    response_model=PolicyPublic,
    summary="Return reasons, outcomes and the policy's numbers",
)
def policy(kaeru: KaeruDep) -> dict[str, Any]:
    return views.policy_view(config_of(kaeru))


@router.get(
    "/returns/rubrics/{category}",
    response_model=RubricPublic,
    summary="The grading checklist for a product category",
)
def rubric(category: Code, kaeru: KaeruDep, principal: StationUser) -> dict[str, Any]:
    return views.rubric_view(config_of(kaeru), category, principal.locale)


# --- shopper --------------------------------------------------------------------------------------


@router.get(
    "/shopper/orders/{token}/returns/options",
    tags=["shopper"],
    summary="What of this order may be returned, and what the shopper may have for it",
    response_model=ReturnOptions,
)
def shopper_options(token: Name, kaeru: KaeruDep) -> dict[str, Any]:
    with kaeru.db.read() as session:
        order = queries.order_by_token(session, token)
        return return_options(session, config_of(kaeru, order.merchant_id), order)


@router.post(
    "/shopper/orders/{token}/returns",
    status_code=201,
    tags=["shopper"],
    response_model=ReturnPublic,
    summary="Start a return: the answer holds the QR payload and the return label details",
)
def shopper_create(token: Name, body: ShopperReturnIn, kaeru: KaeruDep, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        order = queries.order_by_token(session, token)
        request = ReturnRequest(order=order, lines=_lines(body), channel="shopper")
        rma = authorisation.authorise(session, kaeru=kaeru, principal=None, request=request)
        return views.rma_view(session, rma, staff=False)

    return mutate(kaeru, f"shopper:{token[:24]}", key, body.model_dump(), work, status=201)


@router.get(
    "/shopper/orders/{token}/returns",
    response_model=list[ReturnPublic],
    tags=["shopper"],
    summary="This order's returns",
)
def shopper_list(token: Name, kaeru: KaeruDep) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        order = queries.order_by_token(session, token)
        return views.rma_views(session, queries.returns_of_order(session, order), staff=False)


@router.get(
    "/shopper/orders/{token}/returns/{number}",
    tags=["shopper"],
    summary="One of this order's returns",
    response_model=ReturnPublic,
)
def shopper_get(token: Name, number: Code, kaeru: KaeruDep) -> dict[str, Any]:
    with kaeru.db.read() as session:
        order = queries.order_by_token(session, token)
        return views.rma_view(session, queries.rma_of_order(session, order, number), staff=False)


@router.get(
    "/shopper/returns/{rma_token}",
    response_model=ReturnPublic,
    tags=["shopper"],
    summary="A return, by the token in its QR code",
)
def shopper_rma(rma_token: Name, kaeru: KaeruDep) -> dict[str, Any]:
    with kaeru.db.read() as session:
        return views.rma_view(session, queries.rma_by_token(session, rma_token), staff=False)


@router.get(
    "/shopper/returns/{rma_token}/label.pdf",
    tags=["shopper"],
    response_class=Response,
    responses=PDF,
    summary="The return label as a PDF, in the shopper's language",
)
def shopper_label(rma_token: Name, kaeru: KaeruDep) -> Response:
    with kaeru.db.read() as session:
        rma = queries.rma_by_token(session, rma_token)
        pdf = return_label_pdf(session, kaeru.settings.base_url, rma)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="RMA-{rma.number}.pdf"'},
    )


# --- staff ----------------------------------------------------------------------------------------


@router.get(
    "/returns/options",
    summary="What of an order may be returned (staff view of the portal's answer)",
    response_model=ReturnOptions,
)
def staff_options(
    kaeru: KaeruDep, principal: Authoriser, order: Code, warehouse: Code | None = None
) -> dict[str, Any]:
    with kaeru.db.read() as session:
        warehouse_id = queries.warehouse_id_for(session, principal, warehouse)
        found = order_by_number(session, principal, warehouse_id, order)
        return return_options(session, config_of(kaeru, found.merchant_id), found)


@router.post(
    "/returns",
    status_code=201,
    response_model=ReturnStaff,
    summary="Authorise a return on a shopper's behalf",
)
def staff_create(
    body: StaffReturnIn, kaeru: KaeruDep, principal: Authoriser, key: IdempotencyKey = None
) -> Any:
    if body.allow_outside_window and not principal.can("returns.review"):
        raise Invalid("only a manager may accept a return outside the window")

    def work(session: Session) -> dict[str, Any]:
        warehouse_id = queries.warehouse_id_for(session, principal, body.warehouse)
        station = station_for(session, principal, body.station) if body.station else None
        request = ReturnRequest(
            order=order_by_number(session, principal, warehouse_id, body.order),
            lines=_lines(body),
            channel="integrator" if principal.role == "integrator" else "staff",
            allow_outside_window=body.allow_outside_window,
            print_label=body.print_label,
            printer_url=station_printer(session, station),
            note=body.note,
        )
        rma = authorisation.authorise(session, kaeru=kaeru, principal=principal, request=request)
        return views.rma_view(session, rma)

    return mutate(kaeru, principal, key, body.model_dump(mode="json"), work)


@router.get(
    "/returns", response_model=list[ReturnStaff], summary="Returns of the caller's warehouse, newest first"
)
def list_returns(
    request: Request,
    response: Response,
    kaeru: KaeruDep,
    principal: Intake,
    status: Code | None = None,
    limit: int = Query(default=50, ge=1, le=500),
    after: Id | None = Query(default=None, description=AFTER),
) -> list[dict[str, Any]]:
    """A full page names the next one: `Next-Cursor` and `Link: <...>; rel="next"` headers."""
    with kaeru.db.read() as session:
        rmas = queries.list_returns(session, principal, status=status, limit=limit, after=after)
        page = views.rma_views(session, rmas)
    announce_next(request, response, rmas, limit)
    return page


@router.post(
    "/returns/{number}/label",
    response_model=LabelQueued,
    summary="Print the return label (the print job goes through the outbox)",
)
def print_label(
    number: Code, body: LabelIn, kaeru: KaeruDep, principal: Authoriser, key: IdempotencyKey = None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        rma = queries.rma_by_number(session, principal, number)
        station = station_for(session, principal, body.station) if body.station else None
        printer = body.printer or station_printer(session, station)
        authorisation.print_return_label(session, kaeru=kaeru, principal=principal, rma=rma, printer=printer)
        return {"rma": views.rma_code(rma), "printer": printer, "queued": True}

    return mutate(kaeru, principal, key, {"number": number, **body.model_dump()}, work)


@router.post(
    "/returns/{number}/cancel", response_model=ReturnStaff, summary="Cancel a return that has not arrived"
)
def cancel(number: Code, kaeru: KaeruDep, principal: Authoriser, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        rma = queries.rma_by_number(session, principal, number)
        return views.rma_view(session, authorisation.cancel(session, principal=principal, rma=rma))

    return mutate(kaeru, principal, key, {"cancel": number}, work)


# --- the returns station --------------------------------------------------------------------------


@router.post(
    "/returns/station/start",
    response_model=StationStarted,
    summary="Point the caller's scans at the returns flow of a station",
)
def start_station(body: StationIn, kaeru: KaeruDep, principal: StationUser) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        return scans.start(session, kaeru, principal, station_for(session, principal, body.station))

    return kaeru.db.write(work)


@router.post(
    "/returns/parcels",
    response_model=ParcelPublic,
    summary="A parcel at the station: find its return, or open an unexpected one",
)
def open_parcel(body: ParcelIn, kaeru: KaeruDep, principal: StationUser, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        station = station_for(session, principal, body.station)
        warehouse_id = station.warehouse_id if station else queries.warehouse_id_for(session, principal, None)
        arrived = ArrivedParcel(
            warehouse_id, body.code, station, body.weight_g, body.unexpected, body.merchant
        )
        parcel = intake.open_parcel(session, kaeru=kaeru, principal=principal, arrived=arrived)
        return views.parcel_view(session, parcel, locale=principal.locale)

    return mutate(kaeru, principal, key, body.model_dump(mode="json"), work, require_key=True)


@router.get(
    "/returns/parcels/{parcel_id}",
    response_model=ParcelPublic,
    summary="A parcel: what it should hold and what was found",
)
def get_parcel(parcel_id: Id, kaeru: KaeruDep, principal: StationUser) -> dict[str, Any]:
    with kaeru.db.read() as session:
        parcel = queries.get_parcel(session, principal, parcel_id)
        return views.parcel_view(session, parcel, locale=principal.locale)


@router.post(
    "/returns/parcels/{parcel_id}/units",
    response_model=UnitsReceivedPublic,
    summary="A unit out of the parcel, matched against the order",
)
def receive_unit(
    parcel_id: Id, body: UnitIn, kaeru: KaeruDep, principal: StationUser, key: IdempotencyKey = None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        parcel = queries.get_parcel(session, principal, parcel_id)
        scan = UnitScan(body.raw, body.epc, body.sku, body.serial, body.quantity, body.not_ours)
        received = units.receive_unit(session, kaeru=kaeru, principal=principal, parcel=parcel, scan=scan)
        first = received[0]
        rubric = (
            views.rubric_view(config_of(kaeru, first.merchant_id), first.category, principal.locale)
            if first.item_id
            else None
        )
        return {
            "units": [views.unit_view(session, u) for u in received],
            "rubric": rubric,
            "message": i18n.say(first.match_message),
        }

    return mutate(kaeru, principal, key, {"parcel": parcel_id, **body.model_dump()}, work, require_key=True)


@router.post(
    "/returns/parcels/{parcel_id}/close",
    response_model=ParcelPublic,
    summary="Everything is out of the parcel: record what is missing",
)
def close_parcel(parcel_id: Id, kaeru: KaeruDep, principal: StationUser, key: IdempotencyKey = None) -> Any:
    def work(session: Session) -> dict[str, Any]:
        parcel = queries.get_parcel(session, principal, parcel_id)
        intake.close_parcel(session, principal=principal, parcel=parcel)
        return views.parcel_view(session, parcel, locale=principal.locale)

    return mutate(kaeru, principal, key, {"close": parcel_id}, work, require_key=True)


@router.post(
    "/returns/units/{unit_id}/grade",
    response_model=GradedPublic,
    summary="Answer the checklist: grade, disposition, grade tag, and resolution unless held",
)
def grade(
    unit_id: Id, body: GradeIn, kaeru: KaeruDep, principal: StationUser, key: IdempotencyKey = None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        unit = queries.get_unit(session, principal, unit_id)
        station = station_for(session, principal, body.station)
        return grading.grade_unit(
            session, kaeru=kaeru, principal=principal, unit=unit, answers=body.answers, station=station
        )

    return mutate(kaeru, principal, key, {"unit": unit_id, **body.model_dump()}, work, require_key=True)


@router.post(
    "/returns/units/{unit_id}/put-away",
    response_model=PutAwayPublic,
    summary="The graded unit is at its destination: move it in the ledger",
)
def put_away(
    unit_id: Id, body: PutAwayIn, kaeru: KaeruDep, principal: StationUser, key: IdempotencyKey = None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        unit = queries.get_unit(session, principal, unit_id)
        return putaway.put_away(
            session, kaeru=kaeru, principal=principal, unit=unit, location_code=body.location
        )

    return mutate(kaeru, principal, key, {"unit": unit_id, **body.model_dump()}, work, require_key=True)


@router.get("/returns/units/{unit_id}", response_model=UnitPublic, summary="One returned unit")
def get_unit(unit_id: Id, kaeru: KaeruDep, principal: StationUser) -> dict[str, Any]:
    with kaeru.db.read() as session:
        return views.unit_view(session, queries.get_unit(session, principal, unit_id))


@router.post(
    "/returns/units/{unit_id}/photos",
    response_model=PhotoPublic,
    status_code=201,
    summary="Attach a photo (JPEG, PNG or WebP)",
)
def upload_photo(
    unit_id: Id,
    kaeru: KaeruDep,
    principal: StationUser,
    photo: Annotated[UploadFile, File(description="the picture")],
    caption: Annotated[str, Form(max_length=200)] = "",
) -> dict[str, Any]:
    data = photo.file.read()
    relative = Path("returns") / str(unit_id) / f"{uuid.uuid4().hex}"

    def work(session: Session) -> dict[str, Any]:
        unit = queries.get_unit(session, principal, unit_id)
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


@router.get(
    "/returns/units/{unit_id}/photos", response_model=list[PhotoPublic], summary="A unit's photos (managers)"
)
def list_photos(unit_id: Id, kaeru: KaeruDep, principal: Reviewer) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        queries.get_unit(session, principal, unit_id)
        return [photo_view(r) for r in queries.photos_of(session, unit_id)]


@router.get(
    "/returns/photos/{photo_id}",
    response_class=FileResponse,
    responses=IMAGE,
    summary="A photo's image (managers)",
)
def get_photo(photo_id: Id, kaeru: KaeruDep, principal: Reviewer) -> FileResponse:
    with kaeru.db.read() as session:
        row = queries.get_photo(session, principal, photo_id)
    return FileResponse(kaeru.settings.media_dir / row.path, media_type=row.content_type)


# --- holds and trust (managers) -------------------------------------------------------------------


@router.get(
    "/returns/holds", response_model=list[HeldPublic], summary="Returns held for review, with their evidence"
)
def list_holds(
    request: Request,
    response: Response,
    kaeru: KaeruDep,
    principal: Reviewer,
    status: Code = "open",
    limit: int = Query(default=500, ge=1, le=500),
    after: Id | None = Query(default=None, description=AFTER_OLDEST),
) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        found = queries.list_holds(session, principal, status=status, limit=limit, after=after)
        page = [views.held_view(h, r) for h, r in found]
    announce_next(request, response, [hold for hold, _ in found], limit)
    return page


def _decide(
    hold_id: Id, approve: bool, body: DecisionIn, kaeru: Kaeru, principal: Principal, key: str | None
) -> Any:
    def work(session: Session) -> dict[str, Any]:
        hold = queries.get_hold(session, principal, hold_id)
        holds.decide_hold(
            session, kaeru=kaeru, principal=principal, hold=hold, approve=approve, note=body.note
        )
        return {
            "hold": views.hold_view(hold),
            "return": views.rma_view(session, queries.rma_of(session, hold)),
        }

    return mutate(kaeru, principal, key, {"hold": hold_id, "approve": approve, **body.model_dump()}, work)


@router.post(
    "/returns/holds/{hold_id}/approve",
    response_model=HoldDecision,
    summary="Approve a held return: it is resolved as usual",
)
def approve_hold(
    hold_id: Id, body: DecisionIn, kaeru: KaeruDep, principal: Reviewer, key: IdempotencyKey = None
) -> Any:
    return _decide(hold_id, True, body, kaeru, principal, key)


@router.post(
    "/returns/holds/{hold_id}/reject",
    response_model=HoldDecision,
    summary="Reject a held return: no refund; the shopper is told why",
)
def reject_hold(
    hold_id: Id, body: DecisionIn, kaeru: KaeruDep, principal: Reviewer, key: IdempotencyKey = None
) -> Any:
    return _decide(hold_id, False, body, kaeru, principal, key)


@router.get(
    "/shoppers/{shopper_id}/trust",
    response_model=TrustPublic,
    summary="A shopper's trust score and what it is made of",
)
def shopper_trust(shopper_id: Id, kaeru: KaeruDep, principal: Reviewer) -> dict[str, Any]:
    with kaeru.db.read() as session:
        shopper = queries.shopper_of(session, principal, shopper_id)
        return trust_view(session, config_of(kaeru, shopper.merchant_id), shopper_id)


# Last: "/returns/{number}" must not shadow the fixed paths above.
@router.get(
    "/returns/{number}",
    response_model=ReturnStaff,
    summary="One return with its lines, units, holds and money",
)
def get_return(number: Code, kaeru: KaeruDep, principal: Authoriser) -> dict[str, Any]:
    with kaeru.db.read() as session:
        return views.rma_view(session, queries.rma_by_number(session, principal, number))
