"""Staff users, stations, devices and the bearer tokens they present."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from wms.db import UTCDateTime, utcnow


class User(SQLModel, table=True):
    __tablename__ = "staff_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=64)
    name: str = ""
    role: str = Field(max_length=16)  # associate | packer | picker | receiver | manager | admin
    # None = every warehouse (admins); otherwise the one warehouse this person works in.
    warehouse_id: int | None = Field(default=None, foreign_key="warehouse.id")
    # The merchants this person (or an integrator: its one merchant) works for; empty: every merchant.
    merchant_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    locale: str = "en"
    password_hash: str = ""
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Station(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    code: str = Field(unique=True, index=True, max_length=32)
    kind: str  # returns | pack | pick | receive
    name: str = ""
    location_id: int | None = Field(default=None, foreign_key="location.id")
    # The station scale's latest reading, posted by its agent; packing and returns intake read it.
    # Grams at the scale's own resolution (1234.5 g, a postal scale's 0.1 oz steps to the milligram).
    last_weight_g: Decimal | None = Field(default=None, max_digits=12, decimal_places=3)
    last_weight_stable: bool = False
    last_weight_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Device(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    code: str = Field(unique=True, index=True, max_length=64)
    kind: str  # handheld | scanner | rfid | printer | scale | camera | agent
    station_id: int | None = Field(default=None, foreign_key="station.id")
    url: str = ""
    state: str = "unknown"  # wms.identity.model.DeviceState
    state_detail: str = ""
    last_seen: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """A bearer token; only its SHA-256 is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    user_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    device_id: int | None = Field(default=None, foreign_key="device.id", index=True)
    label: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked: bool = False


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins of one account ("account:<username>") or one address ("address:<ip>").

    Kept in the database so that every server process counts the same failures."""

    __tablename__ = "login_throttle"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True, max_length=160)
    failures: int = 0
    lockouts: int = 0
    last_failure_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
