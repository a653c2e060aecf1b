"""The carrier boundary: what Kaeru asks of a carrier, in Kaeru's words. One implementation sits on
karrio (wms/carriers/karrio_gateway.py); another library could sit behind the same interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from wms.carriers.model import Rate


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    state: str = ""
    line2: str = ""
    phone: str = ""
    email: str = ""

    def missing(self) -> list[str]:
        """What a carrier needs of an address and this one lacks."""
        wanted = {
            "street": self.line1,
            "city": self.city,
            "postal code": self.postal_code,
            "country": self.country,
        }
        return [name for name, value in wanted.items() if not value.strip()]


@dataclass(frozen=True)
class Parcel:
    weight_g: int
    length_cm: int = 30
    width_cm: int = 20
    height_cm: int = 15


@dataclass(frozen=True)
class Shipment:
    """What a label is bought for: from, to, the parcel, and the reference the carrier keeps."""

    carrier: str
    shipper: Address
    recipient: Address
    parcel: Parcel
    reference: str
    service: str = ""


@dataclass(frozen=True)
class Label:
    carrier: str
    service: str
    tracking_number: str
    label_format: str  # "PDF" or "ZPL", as the carrier returned it
    label: str  # base64, as the carrier returned it
    amount: str = ""
    currency: str = ""


@dataclass(frozen=True)
class TrackingUpdate:
    tracking_number: str
    kind: str  # a Kaeru tracking kind (wms.fulfilment.model.TRACKING_KINDS)
    at: datetime
    code: str = ""
    description: str = ""
    location: str = ""


@dataclass(frozen=True)
class Manifest:
    carrier: str
    identifier: str
    tracking_numbers: list[str] = field(default_factory=list)
    document: str = ""  # base64 PDF when the carrier returns one


class CarrierError(Exception):
    """A carrier's refusal or failure, in the carrier's words.

    kind: "address" (fix the address), "refused" (the carrier will not do it as asked),
    "unavailable" (timeout, 5xx, rate limit: try again later)."""

    def __init__(self, kind: str, message: str, *, carrier: str = "", code: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.carrier = carrier
        self.code = code

    @property
    def retryable(self) -> bool:
        return self.kind == "unavailable"


class CarrierGateway(Protocol):
    def rate(self, shipment: Shipment) -> list[Rate]: ...

    def buy_label(self, shipment: Shipment) -> Label: ...

    def void(self, carrier: str, tracking_number: str) -> None: ...

    def return_label(self, shipment: Shipment) -> Label: ...

    def track(self, carrier: str, tracking_numbers: list[str]) -> list[TrackingUpdate]: ...

    def manifest(self, carrier: str, shipper: Address, tracking_numbers: list[str]) -> Manifest: ...
