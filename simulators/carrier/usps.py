"""USPS's REST APIs (v3) as the simulated carrier answers them: OAuth, payment authorization, shipping
options (prices), domestic labels, label cancellation, tracking and SCAN forms — the shapes of the
OpenAPI documents USPS publishes for them (usps-domestic-labels.yaml, usps-tracking.yaml, ...)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from simulators.carrier import CarrierState, SimLabel, undeliverable
from wms.carriers.model import usps_tracking_number

MAILER_ID = "900123456"
# mail class: (product name, days, base price in USD, IMpb service type code)
SERVICES = {
    "USPS_GROUND_ADVANTAGE": ("USPS Ground Advantage", 4, 7.20, "001"),
    "PRIORITY_MAIL": ("Priority Mail", 2, 10.40, "055"),
    "PRIORITY_MAIL_EXPRESS": ("Priority Mail Express", 1, 31.00, "701"),
}
EVENT_TYPES = {
    "label_created": ("MA", "Shipping Label Created, USPS Awaiting Item"),
    "in_transit": ("10", "In Transit to Next Facility"),
    "out_for_delivery": ("OF", "Out for Delivery"),
    "delivered": ("01", "Delivered, In/At Mailbox"),
    "exception": ("07", "Delivery Attempted - No Access to Delivery Location"),
    "returned_to_sender": ("09", "Return to Sender Processed"),
}


def _error(code: str, message: str, status: int) -> JSONResponse:
    return JSONResponse(
        {
            "apiVersion": "/labels/v3",
            "error": {
                "code": str(status),
                "message": message,
                "errors": [{"status": str(status), "code": code, "title": message, "detail": message}],
            },
        },
        status_code=status,
    )


def fault_response(kind: str) -> JSONResponse:
    if kind == "rate_limit":
        return _error("429", "Too Many Requests: the quota for this API has been exceeded", 429)
    return _error("503", "Service Unavailable: please try again later", 503)


def _address_error() -> JSONResponse:
    return _error(
        "020050",
        "Address not found: the delivery address could not be matched to a deliverable address. "
        "Check the street address and ZIP Code.",
        400,
    )


def _price(mail_class: str, pounds: float) -> float:
    return round(SERVICES[mail_class][2] + 0.75 * max(pounds, 0.5), 2)


def mount(app: FastAPI, state: CarrierState) -> None:  # noqa: C901 - one route per USPS operation
    @app.post("/usps/oauth2/v3/token")
    async def token() -> dict[str, Any]:
        return {
            "access_token": uuid.uuid4().hex,
            "token_type": "Bearer",
            "expires_in": 28799,
            "status": "approved",
        }

    @app.post("/usps/payments/v3/payment-authorization")
    async def payment() -> dict[str, Any]:
        return {"paymentAuthorizationToken": uuid.uuid4().hex}

    @app.post("/usps/shipments/v3/options/search")
    async def options(body: dict[str, Any]) -> Any:
        if str(body.get("destinationZIPCode") or "").startswith("00000"):
            return _address_error()
        pounds = float((body.get("packageDescription") or {}).get("weight") or 1)
        today = date.today()
        rate_options = [
            {
                "totalBasePrice": _price(mail, pounds),
                "totalPrice": _price(mail, pounds),
                "extraServices": [],
                "commitment": {
                    "name": f"{days} Days",
                    "scheduleDeliveryDate": (today + timedelta(days=days)).isoformat(),
                },
                "rates": [
                    {
                        "SKU": f"D{mail[:3]}XXXXR05010",
                        "description": name,
                        "productName": name,
                        "mailClass": mail,
                        "zone": "05",
                        "price": _price(mail, pounds),
                        "priceType": "COMMERCIAL",
                        "rateIndicator": "SP",
                        "processingCategory": "MACHINABLE",
                    }
                ],
            }
            for mail, (name, days, _, _) in SERVICES.items()
        ]
        return {
            "pricingOptions": [
                {
                    "priceType": "COMMERCIAL",
                    "shippingOptions": [{"mailClass": "ALL", "rateOptions": rate_options}],
                }
            ]
        }

    @app.post("/usps/labels/v3/label")
    async def label(body: dict[str, Any]) -> Any:
        to = body.get("toAddress") or {}
        if undeliverable(to):
            return _address_error()
        package = body.get("packageDescription") or {}
        mail = str(package.get("mailClass") or "USPS_GROUND_ADVANTAGE")
        if mail not in SERVICES:
            return _error("020021", f"Invalid mailClass {mail}", 400)
        references = package.get("customerReference") or []
        reference = str((references[0] or {}).get("referenceNumber") or "") if references else ""
        existing = state.bought("usps", reference)
        if existing is None:
            number = usps_tracking_number("94" + SERVICES[mail][3], MAILER_ID, state.next_serial("usps"))
            is_return = bool((body.get("imageInfo") or {}).get("returnLabel"))
            existing = SimLabel("usps", number, mail, reference, to, is_return=is_return)
            state.remember(existing)
            state.scan(number, "label_created")
        zpl = (
            f"^XA^FO40,40^A0N,40,40^FDUSPS {SERVICES[mail][0]}^FS"
            f"^FO40,300^BY3^BCN,160,Y,N,N^FD{existing.tracking_number}^FS^XZ"
        )
        return {
            "labelMetadata": {
                "labelAddress": to,
                "routingInformation": "420" + str(to.get("ZIPCode") or ""),
                "trackingNumber": existing.tracking_number,
                "postage": _price(mail, float(package.get("weight") or 1)),
                "extraServices": [],
                "zone": "05",
                "commitment": {"name": f"{SERVICES[mail][1]} Days"},
                "SKU": f"D{mail[:3]}XXXXR05010",
            },
            "labelImage": base64.b64encode(zpl.encode()).decode(),
        }

    @app.delete("/usps/labels/v3/label/{number}")
    async def cancel(number: str) -> Any:
        found = state.labels.get(number)
        if found is None or found.carrier != "usps":
            return _error("020101", f"Label {number} was not found", 404)
        if len(found.events) > 1:
            return _error("020102", "The label has been scanned by USPS and can no longer be refunded", 400)
        found.voided = True
        return {"trackingNumber": number, "status": "CANCELED"}

    @app.get("/usps/tracking/v3/tracking/{number}")
    async def tracking(number: str) -> Any:
        found = state.labels.get(number)
        if found is None or found.carrier != "usps":
            return _error("404", f"The tracking number {number} could not be found", 404)
        events = []
        for event in reversed(found.events):
            code, description = EVENT_TYPES.get(event["kind"], EVENT_TYPES["in_transit"])
            at: datetime = event["at"].astimezone(UTC)
            city, _, region = (event.get("location") or "Memphis, TN").partition(",")
            events.append(
                {
                    "eventType": description,
                    "eventTimestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "eventCountry": "US",
                    "eventCity": city.strip().upper(),
                    "eventState": region.strip(),
                    "eventZIP": "38118",
                    "eventCode": code,
                }
            )
        return {
            "trackingNumber": number,
            "status": events[0]["eventType"] if events else "Pre-Shipment",
            "statusCategory": events[0]["eventType"] if events else "Pre-Shipment",
            "mailClass": found.service,
            "trackingEvents": events,
        }

    @app.post("/usps/scan-forms/v3/scan-form")
    async def scan_form(body: dict[str, Any]) -> Any:
        numbers = [str(n) for n in (body.get("shipment") or {}).get("trackingNumbers") or []]
        unknown = [n for n in numbers if n not in state.labels or state.labels[n].voided]
        if not numbers or unknown:
            return _error(
                "020301", f"No eligible labels for a SCAN form: {', '.join(unknown) or 'none given'}", 400
            )
        for number in numbers:
            state.labels[number].manifested = True
        form = f"%PDF-1.4\n% USPS PS Form 5630 {len(numbers)} packages\n".encode()
        return {
            "SCANFormImage": base64.b64encode(form).decode(),
            "SCANFormMetadata": {
                "manifestNumber": f"9275{MAILER_ID}{state.next_serial('usps'):07d}",
                "trackingNumbers": numbers,
            },
        }
