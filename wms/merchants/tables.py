"""The merchants a site serves; their brand, policy and channels are kept as the checked profile."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from wms.db import UTCDateTime, utcnow


class Merchant(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=32)
    name: str = Field(max_length=120)
    # Requests that name no merchant are the default merchant's (exactly one).
    is_default: bool = False
    # kaeru_config.merchants.MerchantSpec without code, name and default, as JSON.
    profile: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Digest of the configuration file last applied: a file that has not changed since does not
    # undo what an admin changed through the API.
    config_digest: str = Field(default="", max_length=64)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
