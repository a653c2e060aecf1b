"""The site as data: warehouses, locations in walking order, stations, devices and shipping rules.

Loaded from YAML files in the config directory; a malformed file is refused at start-up with a
message naming the file and the fault.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, Field, field_validator

from kaeru_config.files import ConfigError, load_model, read_yaml
from kaeru_config.merchants import MerchantSpec, load_merchants
from kaeru_config.vocabulary import LOCATION_KINDS

__all__ = ["ConfigError", "SiteConfig", "load_model", "load_site", "read_yaml"]

M = TypeVar("M", bound=BaseModel)


class LocationSpec(BaseModel):
    code: str
    kind: str
    zone: str = ""
    # A rack: aisles x bays x levels expands to codes like A-01-1, in a serpentine walking order.
    aisles: list[str] = Field(default_factory=list)
    bays: int = 0
    levels: int = 0

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in LOCATION_KINDS:
            raise ValueError(f"unknown location kind {value!r}; one of {sorted(LOCATION_KINDS)}")
        return value

    def expand(self) -> list[tuple[str, str, str]]:
        """(code, kind, zone) of every location this entry describes, in walking order."""
        if not self.aisles:
            return [(self.code, self.kind, self.zone)]
        codes = []
        for index, aisle in enumerate(self.aisles):
            bays = range(1, self.bays + 1) if index % 2 == 0 else range(self.bays, 0, -1)
            for bay in bays:
                for level in range(1, self.levels + 1):
                    codes.append((f"{aisle}-{bay:02d}-{level}", self.kind, self.zone))
        return codes


class WarehouseSpec(BaseModel):
    code: str
    name: str
    country: str = "US"
    timezone: str = "UTC"
    address: dict[str, str] = Field(default_factory=dict)
    cutoff: str = "16:00"
    gs1_company_prefix: str = "0614141"
    locations: list[LocationSpec]


class DeviceSpec(BaseModel):
    code: str
    kind: str
    url: str = ""


class StationSpec(BaseModel):
    code: str
    kind: str
    warehouse: str
    location: str | None = None
    devices: list[DeviceSpec] = Field(default_factory=list)


class CarrierSpec(BaseModel):
    tracking_prefix: str
    services: list[str]


class ShippingSpec(BaseModel):
    carton_tare_g: int = 180
    weight_tolerance_pct: float = 10
    weight_tolerance_min_g: int = 50
    default_carrier: str = "UPS"
    default_service: str = "GROUND"
    carriers: dict[str, CarrierSpec] = Field(default_factory=dict)


class SiteConfig(BaseModel):
    warehouses: list[WarehouseSpec]
    stations: list[StationSpec] = Field(default_factory=list)
    shipping: ShippingSpec = Field(default_factory=ShippingSpec)
    # config/merchants/*.yaml (not site.yaml): whose stock, orders and returns the floor handles.
    merchants: list[MerchantSpec] = Field(default_factory=list)


def load_site(config_dir: Path) -> SiteConfig:
    site = load_model(config_dir / "site.yaml", SiteConfig)
    return site.model_copy(update={"merchants": load_merchants(config_dir)})
