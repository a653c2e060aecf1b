"""Signing in, the caller's identity, staff accounts and device tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from wms.auth import CurrentPrincipal, KaeruDep, require
from wms.errors import NotFound
from wms.identity import service
from wms.identity.model import Principal
from wms.identity.tables import Device, Station, User
from wms.inventory.service import warehouse_by_code
from wms.platform import audit
from wms.platform.tables import AuditEntry

router = APIRouter(prefix="/api/v1", tags=["identity"])
Admin = Annotated[Principal, Depends(require("users.manage"))]
DeviceManager = Annotated[Principal, Depends(require("devices.manage"))]
Auditor = Annotated[Principal, Depends(require("audit.read"))]


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


@router.post("/auth/login", summary="Sign in; returns a bearer token for 12 hours")
def login(body: LoginIn, kaeru: KaeruDep) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        user, token = service.login(session, username=body.username, password=body.password)
        return {
            "token": token,
            "user": {"username": user.username, "name": user.name, "role": user.role, "locale": user.locale},
        }

    return kaeru.db.write(work)


@router.get("/me", summary="Who the caller is")
def me(principal: CurrentPrincipal) -> dict[str, Any]:
    from wms.identity.model import PERMISSIONS

    return {
        "kind": principal.kind,
        "role": principal.role,
        "name": principal.name,
        "locale": principal.locale,
        "warehouse_id": principal.warehouse_id,
        "permissions": sorted(p for p in PERMISSIONS if principal.can(p)),
    }


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: str
    warehouse: str | None = None
    name: str = ""
    locale: str = "en"


@router.post("/users", status_code=201, summary="Add a staff account (admins)")
def add_user(body: UserIn, kaeru: KaeruDep, principal: Admin) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        warehouse_id = warehouse_by_code(session, principal, body.warehouse).id if body.warehouse else None
        user = service.add_user(
            session,
            username=body.username,
            role=body.role,
            password=body.password,
            warehouse_id=warehouse_id,
            name=body.name,
            locale=body.locale,
        )
        audit.record(
            session,
            principal,
            action="user.added",
            object_type="user",
            object_id=user.username,
            role=user.role,
        )
        return {"username": user.username, "role": user.role}

    return kaeru.db.write(work)


@router.get("/users", summary="Staff accounts (admins)")
def list_users(kaeru: KaeruDep, principal: Admin) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        return [u.model_dump(exclude={"password_hash"}) for u in session.exec(select(User))]


@router.get("/devices", summary="Devices and their health")
def list_devices(
    kaeru: KaeruDep, principal: Annotated[Principal, Depends(require("inventory.read"))]
) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        statement = select(Device, Station).join(
            Station, col(Station.id) == col(Device.station_id), isouter=True
        )
        if principal.warehouse_id is not None:
            statement = statement.where(Device.warehouse_id == principal.warehouse_id)
        return [
            {
                "code": d.code,
                "kind": d.kind,
                "url": d.url,
                "state": d.state,
                "detail": d.state_detail,
                "last_seen": d.last_seen,
                "station": s.code if s else None,
            }
            for d, s in session.exec(statement.order_by(col(Device.code)))
        ]


@router.post("/devices/{code}/tokens", status_code=201, summary="Issue a token for a device (managers)")
def device_token(code: str, kaeru: KaeruDep, principal: DeviceManager) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        device = service.device_by_code(session, principal, code)
        token = service.issue_device_token(session, device, label=f"issued by {principal.key}")
        audit.record(
            session,
            principal,
            action="device.token_issued",
            object_type="device",
            object_id=code,
            warehouse_id=device.warehouse_id,
        )
        return {"device": device.code, "token": token}

    return kaeru.db.write(work)


@router.get("/stations/{code}", summary="A station, its devices and its scale's latest reading")
def get_station(code: str, kaeru: KaeruDep, principal: CurrentPrincipal) -> dict[str, Any]:
    with kaeru.db.read() as session:
        station = session.exec(select(Station).where(Station.code == code)).first()
        if station is None or not principal.sees_warehouse(station.warehouse_id):
            raise NotFound(f"no station {code!r}")
        devices = session.exec(select(Device).where(Device.station_id == station.id)).all()
        return {
            "code": station.code,
            "kind": station.kind,
            "name": station.name,
            "weight": {
                "grams": station.last_weight_g,
                "stable": station.last_weight_stable,
                "at": station.last_weight_at,
            },
            "devices": [
                {"code": d.code, "kind": d.kind, "state": d.state, "detail": d.state_detail, "url": d.url}
                for d in devices
            ],
        }


@router.get("/audit", summary="The audit trail, newest first (managers)")
def audit_trail(
    kaeru: KaeruDep,
    principal: Auditor,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    with kaeru.db.read() as session:
        statement = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(min(max(limit, 1), 1000))
        if principal.warehouse_id is not None:
            statement = statement.where(AuditEntry.warehouse_id == principal.warehouse_id)
        if object_type:
            statement = statement.where(AuditEntry.object_type == object_type)
        if object_id:
            statement = statement.where(AuditEntry.object_id == object_id)
        return [e.model_dump(mode="json") for e in session.exec(statement)]
