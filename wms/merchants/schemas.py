"""Merchants over HTTP: what a caller sees of them, and what an admin writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kaeru_config.merchants import BrandSpec, NotificationsSpec, ShopSpec, WebhookSpec


class MerchantListed(BaseModel):
    code: str
    name: str
    default: bool
    brand_name: str
    languages: list[str]


class MerchantPublic(MerchantListed):
    """A merchant's profile as config/merchants/<code>.yaml has it; webhook secrets appear only as the
    environment variable that holds them."""

    profile: dict[str, Any]
    version: int
    updated_at: datetime


class MerchantIn(BaseModel):
    """A merchant's profile: the keys of config/merchants/<code>.yaml but `code` (checked the same way)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    default: bool = False
    brand: BrandSpec
    returns_policy: dict[str, Any] = Field(
        default_factory=dict,
        description="keys of config/returns/policy.yaml that differ for this merchant; checked against the "
        "site's policy (an unknown key or a value out of its range is refused)",
    )
    disposition_rules: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=50,
        description="rules of config/returns/disposition.yaml, tried first",
    )
    notifications: NotificationsSpec = Field(default_factory=NotificationsSpec)
    webhooks: list[WebhookSpec] = Field(default_factory=list, max_length=20)
    shops: list[ShopSpec] = Field(default_factory=list, max_length=20)
    shared_fraud_signal: bool = False
