"""UPS's REST API as the simulated carrier answers it: OAuth, Rating (Shop), Shipping (ship, void),
Tracking — the request and response shapes of UPS's published OpenAPI documents (Rating.yaml,
Shipping.yaml, Tracking.yaml in the UPS developer kit)."""

from __future__ import annotations

import base64
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from simulators.carrier import CarrierState, SimLabel, undeliverable
from wms.carriers.model import ups_tracking_number

# UPS service code: (name, business days in transit, base price in USD)
SERVICES = {
    "03": ("UPS Ground", 4, 9.85),
    "02": ("UPS 2nd Day Air", 2, 21.40),
    "01": ("UPS Next Day Air", 1, 38.75),
}
# UPS activity status types: I in transit, D delivered, X exception, RS returned, M manifest only.
STATUS = {
    "label_created": ("M", "MP", "Shipper created a label, UPS has not received the package yet."),
    "in_transit": ("I", "OR", "Departed from Facility"),
    "out_for_delivery": ("I", "OF", "Out For Delivery Today"),
    "delivered": ("D", "FS", "DELIVERED"),
    "exception": ("X", "U2", "The address is incomplete. We're attempting to obtain the correct address."),
    "returned_to_sender": ("RS", "RS", "Returned to Sender"),
}


def _errors(code: str, message: str, status: int) -> JSONResponse:
    return JSONResponse({"response": {"errors": [{"code": code, "message": message}]}}, status_code=status)


def fault_response(kind: str) -> JSONResponse:
    if kind == "rate_limit":
        return _errors("429", "Rate Limit Exceeded: too many requests, slow down", 429)
    return _errors("190001", "The UPS system is temporarily unavailable. Please try again later.", 503)


def _money(value: float) -> dict[str, str]:
    return {"CurrencyCode": "USD", "MonetaryValue": f"{value:.2f}"}


def _weight_lbs(shipment: dict[str, Any]) -> float:
    packages = shipment.get("Package") or []
    packages = packages if isinstance(packages, list) else [packages]
    total = 0.0
    for package in packages:
        weight = package.get("PackageWeight") or {}
        value = float(weight.get("Weight") or 1)
        unit = ((weight.get("UnitOfMeasurement") or {}).get("Code") or "LBS").upper()
        total += value * 2.20462 if unit == "KGS" else value
    return max(total, 1.0)


def _address_error() -> JSONResponse:
    return _errors(
        "120802",
        "Address Validation Error on ShipTo address: the street address and postal code do not match a "
        "deliverable address. Correct the ShipTo street or postal code.",
        400,
    )


def _reference(shipment: dict[str, Any]) -> str:
    """The shipper's reference: on the shipment, or (US to US, where UPS takes it per package) the first
    package's."""
    packages = shipment.get("Package") or []
    packages = packages if isinstance(packages, list) else [packages]
    for holder in (shipment, *packages):
        ref = holder.get("ReferenceNumber") or {}
        ref = ref[0] if isinstance(ref, list) and ref else ref
        if isinstance(ref, dict) and ref.get("Value"):
            return str(ref["Value"])
    return ""


def _shipper_account(shipment: dict[str, Any]) -> str:
    number = str((shipment.get("Shipper") or {}).get("ShipperNumber") or "KAE001")
    cleaned = "".join(ch for ch in number.upper() if ch.isalnum())
    return (cleaned + "000000")[:6]


def _label_zpl(number: str, service: str, ship_to: dict[str, Any]) -> str:
    address = ship_to.get("Address") or {}
    lines = address.get("AddressLine") or []
    lines = lines if isinstance(lines, list) else [lines]
    zpl = (
        "^XA^CI28^FO40,40^A0N,40,40^FDUPS^FS"
        f"^FO40,100^A0N,28,28^FD{ship_to.get('Name', '')}^FS"
        f"^FO40,140^A0N,28,28^FD{' '.join(lines)}^FS"
        f"^FO40,180^A0N,28,28^FD{address.get('City', '')} {address.get('PostalCode', '')}^FS"
        f"^FO40,240^A0N,36,36^FD{SERVICES.get(service, ('UPS', 0, 0))[0]}^FS"
        f"^FO40,300^BY3^BCN,160,Y,N,N^FD{number}^FS^XZ"
    )
    return base64.b64encode(zpl.encode()).decode()


def mount(app: FastAPI, state: CarrierState) -> None:  # noqa: C901 - one route per UPS operation
    @app.post("/ups/security/v1/oauth/token")
    async def token() -> dict[str, Any]:
        return {
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
            "client_id": "kaeru",
            "access_token": uuid.uuid4().hex,
            "expires_in": "14399",
            "status": "approved",
        }

    @app.post("/ups/api/rating/{version}/{option}")
    async def rate(version: str, option: str, body: dict[str, Any]) -> Any:
        shipment = (body.get("RateRequest") or {}).get("Shipment") or {}
        if undeliverable((shipment.get("ShipTo") or {}).get("Address") or {}):
            return _address_error()
        pounds = _weight_lbs(shipment)
        rated = []
        for code, (_name, days, base) in SERVICES.items():
            price = round(base + 0.9 * pounds * (1 + (3 - days) * 0.6), 2)
            rated.append(
                {
                    "Service": {"Code": code, "Description": ""},
                    "RatedShipmentAlert": [],
                    "BillingWeight": {"UnitOfMeasurement": {"Code": "LBS"}, "Weight": f"{pounds:.1f}"},
                    "TransportationCharges": _money(price),
                    "BaseServiceCharge": _money(price),
                    "ItemizedCharges": [],
                    "ServiceOptionsCharges": _money(0),
                    "TotalCharges": _money(price),
                    "GuaranteedDelivery": {"BusinessDaysInTransit": str(days)},
                    "TimeInTransit": {
                        "ServiceSummary": {
                            "Service": {"Description": ""},
                            "EstimatedArrival": {"BusinessDaysInTransit": str(days)},
                        }
                    },
                }
            )
        return {
            "RateResponse": {
                "Response": {"ResponseStatus": {"Code": "1", "Description": "Success"}},
                "RatedShipment": rated,
            }
        }

    @app.post("/ups/api/shipments/{version}/ship")
    async def ship(version: str, body: dict[str, Any]) -> Any:
        shipment = (body.get("ShipmentRequest") or {}).get("Shipment") or {}
        ship_to = shipment.get("ShipTo") or {}
        if undeliverable(ship_to.get("Address") or {}):
            return _address_error()
        service = str((shipment.get("Service") or {}).get("Code") or "03")
        if service not in SERVICES:
            return _errors("120114", f"Invalid service code {service}: the service is not available.", 400)
        reference = _reference(shipment)
        label = state.bought("ups", reference)
        if label is None:
            number = ups_tracking_number(_shipper_account(shipment), service, state.next_serial("ups"))
            label = SimLabel(
                "ups", number, service, reference, ship_to, is_return="ReturnService" in shipment
            )
            state.remember(label)
            state.scan(number, "label_created")
        price = SERVICES[service][2] + 0.9 * _weight_lbs(shipment)
        return {
            "ShipmentResponse": {
                "Response": {"ResponseStatus": {"Code": "1", "Description": "Success"}},
                "ShipmentResults": {
                    "ShipmentCharges": {
                        "TransportationCharges": _money(price),
                        "ServiceOptionsCharges": _money(0),
                        "TotalCharges": _money(price),
                    },
                    "BillingWeight": {"UnitOfMeasurement": {"Code": "LBS"}, "Weight": "1.0"},
                    "ShipmentIdentificationNumber": label.tracking_number,
                    "PackageResults": [
                        {
                            "TrackingNumber": label.tracking_number,
                            "ShippingLabel": {
                                "ImageFormat": {"Code": "ZPL", "Description": "ZPL"},
                                "GraphicImage": _label_zpl(label.tracking_number, service, ship_to),
                            },
                        }
                    ],
                },
            }
        }

    @app.delete("/ups/api/shipments/{version}/void/cancel/{number}")
    async def void(version: str, number: str) -> Any:
        label = state.labels.get(number)
        if label is None or label.carrier != "ups":
            return _errors("190117", f"The shipment identification number {number} is invalid.", 400)
        if len(label.events) > 1:
            return _errors(
                "190102", "The package has already been picked up by UPS and cannot be voided.", 400
            )
        label.voided = True
        return {
            "VoidShipmentResponse": {
                "Response": {"ResponseStatus": {"Code": "1", "Description": "Success"}},
                "SummaryResult": {"Status": {"Code": "1", "Description": "Voided"}},
            }
        }

    @app.get("/ups/api/track/v1/details/{number}")
    async def track(number: str) -> Any:
        label = state.labels.get(number)
        if label is None or label.carrier != "ups":
            return JSONResponse(
                {"response": {"errors": [{"code": "TW0001", "message": "Tracking Information Not Found"}]}},
                status_code=404,
            )
        return {"trackResponse": {"shipment": [{"inquiryNumber": number, "package": [_package(label)]}]}}


def _package(label: SimLabel) -> dict[str, Any]:
    activity = []
    for event in reversed(label.events):  # UPS lists the newest activity first
        status_type, code, description = STATUS.get(event["kind"], STATUS["in_transit"])
        at: datetime = event["at"].astimezone(UTC)
        city, _, region = (event.get("location") or "Memphis, TN").partition(",")
        activity.append(
            {
                "location": {
                    "address": {"city": city.strip(), "stateProvince": region.strip(), "country": "US"}
                },
                "status": {"type": status_type, "description": description, "code": code},
                "date": at.strftime("%Y%m%d"),
                "time": at.strftime("%H%M%S"),
            }
        )
    return {
        "trackingNumber": label.tracking_number,
        "deliveryDate": [],
        "activity": activity,
        "service": {"code": label.service, "description": SERVICES.get(label.service, ("UPS",))[0]},
    }
