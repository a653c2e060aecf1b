"""The plain values a label is made from, checked when they are built.

A bad value raises `ValueError` with a message a person can act on, before anything is drawn,
so a label that would not scan is never printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from labels.gs1 import element_string, validate_sscc

# Kaeru's own code prefixes (devices/scan.py reads them back).
LOCATION_PREFIX = "LOC-"
LPN_PREFIX = "LPN-"
RMA_NUMBER_PREFIX = "RMA-"
RMA_TOKEN_PREFIX = "RMA:"  # noqa: S105 - a barcode prefix, not a secret
ORDER_PREFIX = "ORD-"

# Codes go into Code 128 and into ZPL field data: keep them to characters that need no escaping
# anywhere (no ^ ~ > or spaces) and short enough to fit a 2 in label.
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,23}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{4,64}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
GRADES = ("A", "B", "C", "D", "X")


def check_code(what: str, code: str) -> str:
    """Return `code` if it can be printed as a Kaeru code, else raise ValueError."""
    if not isinstance(code, str) or not _CODE.match(code):
        raise ValueError(
            f"{what} {code!r} cannot be printed: use 1-24 letters, digits, '.', '_', '/' or '-', "
            "starting with a letter or digit"
        )
    return code


def _check_text(what: str, value: str, *, required: bool = True, limit: int = 200) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, got {type(value).__name__}")
    if required and not value.strip():
        raise ValueError(f"{what} must not be empty")
    if len(value) > limit:
        raise ValueError(f"{what} is {len(value)} characters long; at most {limit} fit on a label")
    if any(ord(c) < 0x20 for c in value):
        raise ValueError(f"{what} contains control characters: {value!r}")


@dataclass(frozen=True)
class Address:
    name: str
    lines: tuple[str, ...]
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    region: str = ""
    company: str = ""

    def __post_init__(self) -> None:
        _check_text("address name", self.name)
        if not self.lines:
            raise ValueError("an address needs at least one street line")
        if len(self.lines) > 3:
            raise ValueError(f"an address has at most 3 street lines, got {len(self.lines)}")
        for line in self.lines:
            _check_text("address line", line)
        _check_text("city", self.city)
        _check_text("postal code", self.postal_code, required=False, limit=20)
        _check_text("region", self.region, required=False)
        _check_text("company", self.company, required=False)
        if not _COUNTRY.match(self.country):
            raise ValueError(
                f"country must be an ISO 3166 two-letter code such as 'JP', got {self.country!r}"
            )

    def block(self) -> list[str]:
        """The address as printed, one line per entry."""
        out = [self.name]
        if self.company:
            out.append(self.company)
        out.extend(self.lines)
        locality = " ".join(p for p in (self.postal_code, self.city, self.region) if p)
        out.append(locality)
        out.append(self.country)
        return out


@dataclass(frozen=True)
class ShippingLabelData:
    """A GS1 logistic label for one carton."""

    ship_from: Address
    ship_to: Address
    carrier: str
    service: str
    tracking_number: str
    sscc: str  # 18 digits with check digit (see labels.gs1.make_sscc)
    ship_date: date
    order_number: str = ""
    weight_kg: float | None = None
    carton_number: int = 1
    carton_count: int = 1
    logo_png: bytes | None = None

    def __post_init__(self) -> None:
        validate_sscc(self.sscc)
        _check_text("carrier", self.carrier, limit=40)
        _check_text("service", self.service, limit=40)
        if not re.match(r"^[A-Za-z0-9]{6,40}$", self.tracking_number or ""):
            raise ValueError(f"tracking number {self.tracking_number!r} must be 6-40 letters and digits")
        if not self.ship_to.postal_code:
            raise ValueError("the ship-to address needs a postal code for the (420) barcode")
        element_string(self.postal_hri)  # raises ValueError if (420) cannot carry it
        if self.order_number:
            check_code("order number", self.order_number)
        if self.weight_kg is not None and not 0 < self.weight_kg < 1000:
            raise ValueError(f"carton weight must be between 0 and 1000 kg, got {self.weight_kg}")
        if not 1 <= self.carton_number <= self.carton_count:
            raise ValueError(f"carton {self.carton_number} of {self.carton_count} is not possible")

    @property
    def sscc_hri(self) -> str:
        return f"(00){self.sscc}"

    @property
    def postal_hri(self) -> str:
        # AI 420 carries the postal code without spaces (GS1 General Specifications 3.7.3).
        return "(420)" + self.ship_to.postal_code.replace(" ", "").upper()


@dataclass(frozen=True)
class ReturnLabelData:
    """The return label that travels in a returnable box."""

    return_to: Address
    rma_number: str
    rma_token: str
    order_number: str = ""
    shopper_name: str = ""
    carrier: str = ""
    return_by: date | None = None

    def __post_init__(self) -> None:
        check_code("RMA number", self.rma_number)
        if not isinstance(self.rma_token, str) or not _TOKEN.match(self.rma_token):
            raise ValueError(f"RMA token {self.rma_token!r} must be 4-64 letters, digits, '_' or '-'")
        if self.order_number:
            check_code("order number", self.order_number)
        _check_text("shopper name", self.shopper_name, required=False)
        _check_text("carrier", self.carrier, required=False, limit=40)


@dataclass(frozen=True)
class GradeTagData:
    """The tag stuck on a graded returned unit; its LPN is what put-away scans."""

    lpn: str
    sku: str
    grade: str
    disposition: str
    graded_on: date
    description: str = ""
    gtin: str = ""  # with `serial`, also printed as a GS1 DataMatrix (01)(21)
    serial: str = ""
    # Whose unit it is, on a floor that serves several merchants (their code, printed before the SKU).
    owner: str = ""

    def __post_init__(self) -> None:
        check_code("LPN", self.lpn)
        _check_text("owner", self.owner, required=False, limit=32)
        _check_text("SKU", self.sku, limit=40)
        if self.grade not in GRADES:
            raise ValueError(f"grade must be one of {', '.join(GRADES)}, got {self.grade!r}")
        _check_text("disposition", self.disposition, limit=40)
        _check_text("description", self.description, required=False)
        if self.serial and not self.gtin:
            raise ValueError("a serial number is printed in GS1 form only together with a GTIN")
        if self.gtin:
            element_string(self.gs1_hri)

    @property
    def gs1_hri(self) -> str:
        gtin = self.gtin.zfill(14)
        return f"(01){gtin}" + (f"(21){self.serial}" if self.serial else "")

    @property
    def heading(self) -> str:
        """The SKU, after its owner's code where the tag says whose unit it is."""
        return f"{self.owner} / {self.sku}" if self.owner else self.sku


@dataclass(frozen=True)
class LocationLabelData:
    code: str
    description: str = ""

    def __post_init__(self) -> None:
        check_code("location code", self.code)
        _check_text("description", self.description, required=False, limit=60)


@dataclass(frozen=True)
class LpnLabelData:
    """A license plate: a tote, a carton, a pallet."""

    code: str
    description: str = ""

    def __post_init__(self) -> None:
        check_code("LPN", self.code)
        _check_text("description", self.description, required=False, limit=60)


@dataclass(frozen=True)
class PackingSlipLine:
    sku: str
    description: str
    quantity: int

    def __post_init__(self) -> None:
        _check_text("SKU", self.sku, limit=40)
        _check_text("item description", self.description)
        if not isinstance(self.quantity, int) or self.quantity < 1:
            raise ValueError(f"quantity must be a whole number of at least 1, got {self.quantity!r}")


@dataclass(frozen=True)
class PackingSlipData:
    order_number: str
    ordered_on: date
    shopper: Address
    merchant: Address
    lines: tuple[PackingSlipLine, ...]
    rma_token: str = ""  # pre-authorised return: printed as the QR code RMA:<token>
    return_by: date | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        check_code("order number", self.order_number)
        if not self.lines:
            raise ValueError("a packing slip needs at least one order line")
        if self.rma_token and not _TOKEN.match(self.rma_token):
            raise ValueError(f"RMA token {self.rma_token!r} must be 4-64 letters, digits, '_' or '-'")
        for note in self.notes:
            _check_text("note", note)
