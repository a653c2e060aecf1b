"""The merchants a site serves, as data: one YAML file per merchant under config/merchants/.

A merchant is whoever owns the stock, the orders and the returns that pass over a shared floor (the
clients of a fulfilment house). Each file holds the merchant's one brand (read by the e-mails, labels,
tracking page and return portal alike), its returns policy where it differs from the site's, which
messages go out, where its webhooks go (each with its own secret) and its shop connections.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kaeru_config.files import ConfigError, load_model

MERCHANT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# A secret written as an environment reference; a literal secret is accepted only in development.
ENV_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
# The merchant a database from before merchants is moved into, until the configuration names its own.
MIGRATED_CODE = "MAIN"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Colours(_Strict):
    primary: str = Field(default="#1f5f4a", pattern=COLOUR.pattern)
    accent: str = Field(default="#e8a33d", pattern=COLOUR.pattern)
    background: str = Field(default="#f6f5f1", pattern=COLOUR.pattern)
    text: str = Field(default="#1d1d1b", pattern=COLOUR.pattern)


class BrandSpec(_Strict):
    """The merchant's face to its shoppers: one definition for every e-mail, label and page."""

    name: str = Field(min_length=1, max_length=80)
    colours: Colours = Field(default_factory=Colours)
    # an https:// image or a path on this server; empty: the name as text
    logo_url: str = Field(default="", pattern=r"^(https://|/)|^$")
    sender: str = ""  # "Brand <orders@brand.example>"; empty: KAERU_SMTP_SENDER
    support_email: str = ""
    shop_url: str = ""
    base_url: str = ""  # where shopper links point; empty: KAERU_BASE_URL
    return_address: dict[str, str] = Field(default_factory=dict)
    languages: tuple[Literal["en", "ja", "uk"], ...] = Field(default=("en",), min_length=1)


class WebhookSpec(_Strict):
    name: str = Field(min_length=1, max_length=40)
    url: str  # literal or "${VAR}"
    secret: str  # "${VAR}" holding "whsec_<base64>"
    topics: tuple[str, ...] = ("*",)
    enabled: bool = True
    timeout_seconds: float = Field(default=10, gt=0)


class ShopSpec(_Strict):
    """A shop whose orders this merchant's warehouse fulfils (today: Shopify)."""

    platform: Literal["shopify"] = "shopify"
    domain: str = Field(min_length=3, max_length=200)  # e.g. kaeru-demo.myshopify.com
    webhook_secret_env: str = "KAERU_SHOPIFY_WEBHOOK_SECRET"  # noqa: S105 - a variable name
    warehouse: str = ""  # where the shop's orders are fulfilled; empty: the site's first warehouse
    order_prefix: str = "SHOP-"


class NotificationsSpec(_Strict):
    """Which of the merchant's shopper e-mails go out (topic patterns; the webhooks have their own)."""

    email_topics: tuple[str, ...] = ("*",)


class MerchantSpec(_Strict):
    code: str
    name: str = Field(min_length=1, max_length=120)
    # Requests that name no merchant (a single-brand site, old integrations) are this merchant's.
    default: bool = False
    brand: BrandSpec
    # Overrides of config/returns/policy.yaml for this merchant (same keys, checked at start-up).
    returns_policy: dict[str, Any] = Field(default_factory=dict)
    # Disposition rules tried before the site's (config/returns/disposition.yaml `rules` entries).
    disposition_rules: tuple[dict[str, Any], ...] = ()
    notifications: NotificationsSpec = Field(default_factory=NotificationsSpec)
    webhooks: tuple[WebhookSpec, ...] = ()
    shops: tuple[ShopSpec, ...] = ()
    # Opt in to the warehouse's shared fraud signal (a keyed hash of the shopper; nothing else shared).
    shared_fraud_signal: bool = False

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not MERCHANT_CODE.match(value):
            raise ValueError(f"{value!r}: a merchant code is 1-32 of A-Z, 0-9, '-' and '_'")
        return value

    @model_validator(mode="after")
    def _unique_webhooks(self) -> MerchantSpec:
        names = [hook.name for hook in self.webhooks]
        if len(names) != len(set(names)):
            raise ValueError("webhook names must be unique within a merchant")
        return self


def default_merchant() -> MerchantSpec:
    """The one merchant of a site whose configuration names none."""
    return MerchantSpec(code=MIGRATED_CODE, name="Main", default=True, brand=BrandSpec(name="Kaeru"))


def check_merchants(merchants: list[MerchantSpec], source: str) -> list[MerchantSpec]:
    """Codes unique, shop domains unique, exactly one default."""
    codes = [m.code for m in merchants]
    if len(codes) != len(set(codes)):
        raise ConfigError(f"{source}: two merchants share a code ({', '.join(sorted(codes))})")
    domains = [shop.domain for m in merchants for shop in m.shops]
    if len(domains) != len(set(domains)):
        raise ConfigError(f"{source}: a shop domain belongs to two merchants")
    defaults = [m.code for m in merchants if m.default]
    if len(defaults) > 1:
        raise ConfigError(f"{source}: more than one default merchant ({', '.join(defaults)})")
    if not defaults:
        merchants = [merchants[0].model_copy(update={"default": True}), *merchants[1:]]
    return merchants


def load_merchants(config_dir: Path) -> list[MerchantSpec]:
    """Every config/merchants/*.yaml, in file-name order; none configured: the one default merchant."""
    folder = config_dir / "merchants"
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        return [default_merchant()]
    merchants = [load_model(path, MerchantSpec) for path in files]
    for path, merchant in zip(files, merchants, strict=True):
        if path.stem.upper() != merchant.code:
            raise ConfigError(f"{path}: merchant {merchant.code}'s file must be {merchant.code.lower()}.yaml")
    return check_merchants(merchants, str(folder))
