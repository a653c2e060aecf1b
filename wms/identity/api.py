"""Signing in, the caller's identity, staff accounts, devices, stations and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session

from wms.auth import CurrentPrincipal, KaeruDep, require
from wms.context import Kaeru
from wms.identity import queries, schemas, service
from wms.identity.model import PERMISSIONS, Principal, plain_grams
from wms.identity.throttle import TooManyAttempts, throttles_for
from wms.inputs import Code, Id
from wms.merchants.directory import directory_of
from wms.platform.paging import AFTER, AFTER_OLDEST, AFTER_ORDERED, announce_next

router = APIRouter(prefix="/api/v1", tags=["identity"])
Admin = Annotated[Principal, Depends(require("users.manage"))]
DeviceManager = Annotated[Principal, Depends(require("devices.manage"))]
Auditor = Annotated[Principal, Depends(require("audit.read"))]
StockReader = Annotated[Principal, Depends(require("inventory.read"))]


TOO_MANY_ATTEMPTS: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many failed sign-ins for this account or from this address: wait and retry",
        "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    }
}


@router.post(
    "/auth/login",
    response_model=schemas.LoginOut,
    responses={**TOO_MANY_ATTEMPTS, 401: {"description": "Unknown user name or wrong password"}},
    summary="Sign in; returns a bearer token for 12 hours",
)
def login(body: schemas.LoginIn, kaeru: KaeruDep, request: Request) -> Any:
    address = request.client.host if request.client else "unknown"
    throttles = throttles_for(kaeru.settings, username=body.username, address=address)
    try:
        user, token = service.sign_in(kaeru.db, throttles, username=body.username, password=body.password)
    except TooManyAttempts as refused:
        return JSONResponse(
            status_code=429, content=refused.body(), headers={"Retry-After": str(refused.retry_after)}
        )
    signed_in = schemas.SignedInUser(
        username=user.username, name=user.name, role=user.role, locale=user.locale
    )
    return schemas.LoginOut(token=token, user=signed_in)


@router.get("/me", summary="Who the caller is")
def me(principal: CurrentPrincipal, kaeru: KaeruDep) -> schemas.Me:
    return schemas.Me(
        kind=principal.kind,
        role=principal.role,
        name=principal.name,
        locale=principal.locale,
        warehouse_id=principal.warehouse_id,
        merchants=_merchant_codes(kaeru, principal),
        permissions=sorted(p for p in PERMISSIONS if principal.can(p)),
    )


def _merchant_codes(kaeru: Kaeru, principal: Principal) -> list[str] | None:
    if principal.merchant_ids is None:
        return None
    directory = directory_of(kaeru)
    return sorted(directory.by_id(i).code for i in principal.merchant_ids)


@router.post("/users", status_code=201, summary="Add a staff account (admins)")
def add_user(body: schemas.UserIn, kaeru: KaeruDep, principal: Admin) -> schemas.UserAdded:
    def work(session: Session) -> schemas.UserAdded:
        user = service.register_user(session, principal, service.NewUser(**body.model_dump()))
        return schemas.UserAdded(username=user.username, role=user.role)

    return kaeru.db.write(work)


@router.get("/users", summary="Staff accounts (admins; keyset pages)")
def list_users(
    request: Request,
    response: Response,
    kaeru: KaeruDep,
    principal: Admin,
    limit: int = Query(default=500, ge=1, le=500),
    after: Id | None = Query(default=None, description=AFTER_OLDEST),
) -> list[schemas.UserPublic]:
    with kaeru.db.read() as session:
        page = [
            schemas.UserPublic.model_validate(u.model_dump())
            for u in queries.users(session, limit=limit, after=after)
        ]
    announce_next(request, response, page, limit)
    return page


@router.get("/devices", summary="Devices and their health (by code; keyset pages)")
def list_devices(
    request: Request,
    response: Response,
    kaeru: KaeruDep,
    principal: StockReader,
    limit: int = Query(default=500, ge=1, le=500),
    after: Code | None = Query(default=None, description=AFTER_ORDERED),
) -> list[schemas.DeviceListed]:
    with kaeru.db.read() as session:
        page = [
            schemas.DeviceListed(
                code=d.code,
                kind=d.kind,
                url=d.url,
                state=d.state,
                detail=d.state_detail,
                last_seen=d.last_seen,
                station=s.code if s else None,
            )
            for d, s in queries.devices(session, principal, limit=limit, after=after)
        ]
    announce_next(request, response, page, limit, lambda row: row.code)
    return page


@router.post("/devices/{code}/tokens", status_code=201, summary="Issue a token for a device (managers)")
def device_token(code: Code, kaeru: KaeruDep, principal: DeviceManager) -> schemas.DeviceTokenOut:
    def work(session: Session) -> schemas.DeviceTokenOut:
        device, token = service.issue_token_to_device(session, principal, code)
        return schemas.DeviceTokenOut(device=device.code, token=token)

    return kaeru.db.write(work)


@router.get("/stations/{code}", summary="A station, its devices and its scale's latest reading")
def get_station(code: Code, kaeru: KaeruDep, principal: CurrentPrincipal) -> schemas.StationOut:
    with kaeru.db.read() as session:
        station, devices = queries.station(session, principal, code)
        return schemas.StationOut(
            code=station.code,
            kind=station.kind,
            name=station.name,
            weight=schemas.StationWeight(
                grams=None if station.last_weight_g is None else plain_grams(station.last_weight_g),
                stable=station.last_weight_stable,
                at=station.last_weight_at,
            ),
            devices=[
                schemas.StationDevice(
                    code=d.code, kind=d.kind, state=d.state, detail=d.state_detail, url=d.url
                )
                for d in devices
            ],
        )


@router.get("/audit", summary="The audit trail, newest first (managers)")
def audit_trail(
    request: Request,
    response: Response,
    kaeru: KaeruDep,
    principal: Auditor,
    object_type: Code | None = None,
    object_id: Code | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
    after: Id | None = Query(default=None, description=AFTER),
) -> list[schemas.AuditEntryPublic]:
    with kaeru.db.read() as session:
        entries = queries.audit_entries(
            session, principal, object_type=object_type, object_id=object_id, limit=limit, after=after
        )
        page = [schemas.AuditEntryPublic.model_validate(e.model_dump()) for e in entries]
    announce_next(request, response, page, limit)
    return page
