"""What the identity endpoints take and answer: sign-in, the caller, staff accounts, devices, stations
and the audit trail."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, WithJsonSchema

from wms.identity.model import GRAM_PLACES, MAX_GRAMS, plain_grams

_DECIMAL_TEXT = re.compile(rf"^[0-9]{{1,7}}(\.[0-9]{{1,{GRAM_PLACES}}})?$")


def _decimal_text_only(value: object) -> object:
    """A weight given as text must be a plain decimal ("1234.5"): no units, signs, exponents or spaces."""
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        raise ValueError('a weight is a number of grams such as 1234.5 or "1234.5"')
    return value


_GRAMS_IN_JSON = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": int(MAX_GRAMS)},
        {"type": "string", "pattern": _DECIMAL_TEXT.pattern},
    ],
    "description": f"grams, at most {GRAM_PLACES} decimal places: a JSON number or a decimal string",
    "examples": ["1234.5", 1250],
}

# A weight in grams at the scale's resolution: taken as a JSON number (old agents send whole grams)
# or a decimal string (exact), answered as a decimal string ("1234.5").
Grams = Annotated[
    Decimal,
    BeforeValidator(_decimal_text_only),
    Field(ge=0, le=MAX_GRAMS, decimal_places=GRAM_PLACES, allow_inf_nan=False),
    AfterValidator(plain_grams),
    WithJsonSchema(_GRAMS_IN_JSON, mode="validation"),
]


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


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
    permissions: list[str]


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: str
    warehouse: str | None = None
    name: str = ""
    locale: str = "en"


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
