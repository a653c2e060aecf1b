"""config/shopper.yaml as a checked model: Shopify, delivery-network names, claim rules (each merchant's
brand is in config/merchants/)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kaeru_config.site import ConfigError, SiteConfig, load_model

if TYPE_CHECKING:
    from wms.context import Kaeru

CONFIG_FILE = "shopper.yaml"
CONFIG_KEY = "shopper"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShippingChoice(_Strict):
    carrier: str
    service: str


class Shopify(_Strict):
    shop_domain: str
    webhook_secret_env: str = "KAERU_SHOPIFY_WEBHOOK_SECRET"  # noqa: S105 - a variable name
    warehouse: str
    order_prefix: str = "SHOP-"
    shipping: dict[str, ShippingChoice] = Field(default_factory=dict)

    def secret(self) -> str:
        """The signing secret from the environment ('' while unset)."""
        return os.environ.get(self.webhook_secret_env, "")


class CarrierNames(_Strict):
    code: str
    services: dict[str, str]


class DeliveryNames(_Strict):
    warehouses: dict[str, str]
    carriers: dict[str, CarrierNames]
    history_days: int = Field(default=365, gt=0)
    relearn_minutes: float = Field(default=60, gt=0)
    # Deliveries recorded less than this long ago wait for the next round (wms/shopper/learning.py).
    settle_seconds: float = Field(default=60, ge=0)

    def network_service(self, carrier: str, service: str) -> tuple[str, str] | None:
        """The delivery network's (carrier, service) for a Kaeru carrier and service, if it has one."""
        names = self.carriers.get(carrier)
        if names is None or service not in names.services:
            return None
        return names.code, names.services[service]

    def kaeru_service(self, carrier: str, service: str) -> tuple[str, str] | None:
        for code, names in self.carriers.items():
            if names.code == carrier:
                for ours, theirs in names.services.items():
                    if theirs == service:
                        return code, ours
        return None


class ClaimRules(_Strict):
    trusted_min_score: float = Field(default=60, ge=0, le=100)
    max_prior_claims: int = Field(default=0, ge=0)
    max_auto_value_minor: int = Field(default=30000, ge=0)
    lost_after_days: int = Field(default=3, ge=0)


class AfterDelivery(_Strict):
    review_delay_days: int = Field(default=7, ge=0)
    review_url: str = ""
    reorder_url: str = ""
    poll_seconds: float = Field(default=30, gt=0)


class ShopperConfig(_Strict):
    shopify: Shopify
    delivery: DeliveryNames
    claims: ClaimRules = Field(default_factory=ClaimRules)
    after_delivery: AfterDelivery = Field(default_factory=AfterDelivery)

    @model_validator(mode="after")
    def _urls(self) -> ShopperConfig:
        for name, url in (
            ("review_url", self.after_delivery.review_url),
            ("reorder_url", self.after_delivery.reorder_url),
        ):
            if url and not url.startswith(("https://", "http://")):
                raise ValueError(f"after_delivery.{name} must be an http(s) address")
        return self


def load_shopper_config(config_dir: Path, site: SiteConfig) -> ShopperConfig:
    """Load config/shopper.yaml and check it against the site (warehouses and carriers it names)."""
    path = config_dir / CONFIG_FILE
    config = load_model(path, ShopperConfig)
    warehouses = {w.code for w in site.warehouses}
    if config.shopify.warehouse not in warehouses:
        raise ConfigError(
            f"{path}: shopify.warehouse {config.shopify.warehouse!r} is not a warehouse of the site "
            f"({', '.join(sorted(warehouses))})"
        )
    for code in config.delivery.warehouses:
        if code not in warehouses:
            raise ConfigError(
                f"{path}: delivery.warehouses names {code!r}, which is not a warehouse of the site"
            )
    for code, names in config.delivery.carriers.items():
        spec = site.shipping.carriers.get(code)
        if spec is None:
            raise ConfigError(f"{path}: delivery.carriers names {code!r}, which is not a carrier of the site")
        unknown = sorted(set(names.services) - set(spec.services))
        if unknown:
            raise ConfigError(
                f"{path}: delivery.carriers.{code} names services the site does not have: "
                f"{', '.join(unknown)}"
            )
    for code, choice in config.shopify.shipping.items():
        spec = site.shipping.carriers.get(choice.carrier)
        if spec is None or choice.service not in spec.services:
            raise ConfigError(
                f"{path}: shopify.shipping.{code} ships by {choice.carrier}/{choice.service}, "
                "which the site does not offer"
            )
    return config


def config_of(kaeru: Kaeru) -> ShopperConfig:
    """The running server's shopper configuration (loaded at start-up by wms.shopper.plugin.configure)."""
    config = kaeru.extras.get(CONFIG_KEY)
    if config is None:
        raise RuntimeError(
            "the shopper configuration is not loaded: wms.shopper.plugin.configure was not run"
        )
    return config  # type: ignore[no-any-return]
