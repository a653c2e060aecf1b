"""What a print job draws: a print row's payload as `labels` data, in the language its printer speaks
(by the printer URL's scheme), rendered to the bytes the printer prints. Pure: no database, no device."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import labels
from devices.printers.jobs import JobFormat
from labels.fonts import FontMissing
from labels.model import Address, GradeTagData, ReturnLabelData, ShippingLabelData

# The language a printer speaks, by the scheme of its URL (devices.printers.driver picks the driver).
FORMATS: dict[str, JobFormat] = {
    "tcp": "zpl",
    "zpl+tcp": "zpl",
    "escpos+tcp": "escpos",
    "escpos+serial": "escpos",
    "escpos+usb": "escpos",
    "cups": "pdf",
}


def format_for(printer_url: str) -> JobFormat:
    """The payload format a printer takes, from its URL's scheme; ValueError for one we do not know."""
    scheme = urlsplit(printer_url).scheme.lower()
    try:
        return FORMATS[scheme]
    except KeyError:
        known = ", ".join(f"{s}://" for s in FORMATS)
        raise ValueError(
            f"no label format for printer {printer_url!r}; printer URLs start with {known}"
        ) from None


@dataclass(frozen=True)
class LabelRequest:
    """Arguments for `labels.render`: which label, its data, and the shopper's language."""

    kind: str
    data: object
    locale: str = "en"
    size: str | None = None


def address_from(fields: Mapping[str, Any], *, name: str = "") -> Address:
    """A label address from Kaeru's address dicts (orders' ship_to, warehouses, return_to)."""
    lines = tuple(
        str(fields[key]) for key in ("street", "street2", "street3") if str(fields.get(key) or "").strip()
    )
    return Address(
        name=str(fields.get("name") or name),
        lines=lines,
        city=str(fields.get("city") or ""),
        postal_code=str(fields.get("postal_code") or ""),
        country=str(fields.get("country") or "").upper(),
        region=str(fields.get("region") or ""),
        company=str(fields.get("company") or ""),
    )


def _date(value: object, default: date) -> date:
    return date.fromisoformat(str(value)) if value else default


def _shipping(payload: Mapping[str, Any], warehouse: Address, today: date) -> LabelRequest:
    sender = str(payload.get("ship_from_name") or "")  # the merchant's brand, at the warehouse's address
    data = ShippingLabelData(
        ship_from=replace(warehouse, name=sender) if sender else warehouse,
        ship_to=address_from(payload["ship_to"]),
        carrier=str(payload["carrier"]),
        service=str(payload["service"]),
        tracking_number=str(payload["tracking_number"]),
        sscc=str(payload["sscc"]),
        ship_date=today,
        order_number=str(payload.get("order") or ""),
    )
    return LabelRequest("shipping", data)


def _return(payload: Mapping[str, Any], warehouse: Address, today: date) -> LabelRequest:
    # From a return authorisation: its number, token and address. From a closed carton (the label
    # packed in returnable packaging): no RMA yet, so the order's own token and number stand in,
    # which the returns station recognises as a pre-authorised return.
    order = str(payload.get("order_number") or payload.get("order") or "")
    number = str(payload.get("rma_number") or order).removeprefix("RMA-")
    return_to = payload.get("return_to")
    data = ReturnLabelData(
        return_to=address_from(return_to) if return_to else warehouse,
        rma_number=number,
        rma_token=str(payload.get("rma_token") or payload.get("return_token") or ""),
        order_number=order,
        shopper_name=str(payload.get("shopper_name") or ""),
        carrier=str(payload.get("carrier") or ""),
        return_by=_date(payload["return_by"], today) if payload.get("return_by") else None,
    )
    return LabelRequest("return", data, locale=str(payload.get("locale") or "en"))


def _grade(payload: Mapping[str, Any], warehouse: Address, today: date) -> LabelRequest:
    data = GradeTagData(
        lpn=str(payload["lpn"]),
        sku=str(payload["sku"]),
        grade=str(payload["grade"]),
        disposition=str(payload["disposition"]),
        graded_on=_date(payload.get("graded_on"), today),
        description=str(payload.get("description") or ""),
        gtin=str(payload.get("gtin") or ""),
        serial=str(payload.get("serial") or ""),
        owner=str(payload.get("owner") or ""),
    )
    return LabelRequest("grade", data, size=payload.get("size") or None)


LABELS: dict[str, Callable[[Mapping[str, Any], Address, date], LabelRequest]] = {
    "shipping_label": _shipping,
    "return_label": _return,
    "grade_tag": _grade,
}


def label_for(payload: Mapping[str, Any], *, warehouse: Address, today: date) -> LabelRequest:
    """What to draw for a print job; ValueError naming the fault when it cannot be drawn."""
    kind = str(payload.get("label") or "")
    build = LABELS.get(kind)
    if build is None:
        raise ValueError(f"unknown label {kind!r}; Kaeru prints {', '.join(LABELS)}")
    try:
        return build(payload, warehouse, today)
    except KeyError as missing:
        raise ValueError(f"a {kind} print job needs {missing.args[0]!r}") from None


def render_job(payload: Mapping[str, Any], printer_url: str, *, warehouse: Address, today: date) -> bytes:
    """The bytes a printer prints for a job: the label drawn in the printer's language. A carrier's own
    label (bought from the carrier, base64 as it sent it) goes to a printer of its language as it is."""
    fmt = format_for(printer_url)
    carrier_label = payload.get("carrier_label")
    if carrier_label and str(payload.get("carrier_label_format") or "").lower() == fmt:
        try:
            return base64.b64decode(str(carrier_label), validate=True)
        except ValueError:
            raise ValueError("the carrier's label is not base64") from None
    request = label_for(payload, warehouse=warehouse, today=today)
    try:
        return labels.render(request.kind, request.data, fmt, locale=request.locale, size=request.size)
    except FontMissing as error:
        raise ValueError(str(error)) from error
