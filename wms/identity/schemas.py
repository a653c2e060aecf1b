"""What the identity endpoints take and answer: sign-in, the caller, staff accounts, devices, stations
and the audit trail."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from wms.identity.model import ROLES
from wms.inputs import Code, Name, one_of


class LoginIn(BaseModel):
    username: Annotated[Code, Field(min_length=1, max_length=64)]
    password: Annotated[Name, Field(min_length=1, max_length=200)]


class SignedInUser(BaseModel):
    username: str
    name: str
    role: str
    locale: str


class LoginOut(BaseModel):
    token: str = Field(description="bearer token, valid for 12 hours")
    user: SignedInUser


class Me(BaseModel):
    kind: str = Field(description="user | device")
    role: str
    name: str
    locale: str
    warehouse_id: int | None = Field(description="None: every warehouse")
    merchants: list[str] | None = Field(default=None, description="None: every merchant of the warehouse")
    permissions: list[str]


USERNAME = r"^[A-Za-z0-9._-]+$"  # stated again for the document, over Code's own pattern


class UserIn(BaseModel):
    username: Annotated[
        Code, Field(min_length=1, max_length=64, pattern=USERNAME, json_schema_extra={"pattern": USERNAME})
    ]
    password: Annotated[Name, Field(min_length=8, max_length=200)]
    role: Annotated[Code, one_of(ROLES, "the account's role")]
    warehouse: Code | None = None
    # The merchants this person works for (an integrator: exactly one); empty: every merchant.
    merchants: list[Code] = Field(default_factory=list, max_length=100)
    name: Name = ""
    locale: Code = "en"


class UserAdded(BaseModel):
    username: str
    role: str


class UserPublic(BaseModel):
    """A staff account, without its password hash."""

    id: int | None
    username: str
    name: str
    role: str
    warehouse_id: int | None
    merchant_ids: list[int]
    locale: str
    active: bool
    created_at: datetime


class DeviceListed(BaseModel):
    code: str
    kind: str
    url: str
    state: str = Field(description="connected | disconnected | fault | unknown")
    detail: str
    last_seen: datetime | None
    station: str | None


class DeviceTokenOut(BaseModel):
    device: str
    token: str = Field(description="shown once; only its hash is kept")


class StationWeight(BaseModel):
    grams: Decimal | None = Field(
        description='grams at the scale\'s own resolution, as a decimal string ("1234.5")'
    )
    stable: bool
    at: datetime | None


class StationDevice(BaseModel):
    code: str
    kind: str
    state: str
    detail: str
    url: str


class StationOut(BaseModel):
    code: str
    kind: str
    name: str
    weight: StationWeight
    devices: list[StationDevice]


class AuditEntryPublic(BaseModel):
    id: int | None
    at: datetime
    actor: str = Field(description="user:<id>, device:<id>, shopper:..., or system")
    device_id: int | None
    warehouse_id: int | None
    action: str
    object_type: str
    object_id: str
    details: dict[str, Any]
