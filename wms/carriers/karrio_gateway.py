"""The carrier boundary on karrio: each carrier's API is karrio's connector, not Kaeru's code.

karrio (LGPL-3.0) is the optional extra `carriers`: `pip install 'kaeru[carriers]'`; it is imported
only when a carrier is called. Its connectors fix their server URL (a `server_url` property: the
carrier's sandbox or production host); Kaeru points a connector elsewhere (the simulated carrier)
by configuration, through a subclass of the connector's own Settings whose `server_url` is the
account's configured URL. The library itself is not patched.

Each call runs on a worker thread with a deadline (KAERU_CARRIER_TIMEOUT_S): karrio's connectors
set no socket timeout, and a carrier that does not answer must leave the carton "label pending",
not hold the pack station."""

from __future__ import annotations

import concurrent.futures
import contextlib
import importlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from kaeru_config.settings import Settings
from wms.carriers.accounts import Account, NoAccount, carrier_account
from wms.carriers.boundary import Address, CarrierError, Label, Manifest, Shipment, TrackingUpdate
from wms.carriers.model import Rate

log = logging.getLogger(__name__)
T = TypeVar("T")

PROVIDERS = {"UPS": "ups", "USPS": "usps"}
# Kaeru's service names (config/site.yaml) as karrio's connectors name them; Kaeru's names cross the
# boundary, karrio's stay here. A service a connector offers and Kaeru has no name for keeps karrio's.
SERVICES = {
    "UPS": {"GROUND": "ups_ground", "2DAY": "ups_2nd_day_air", "NEXTDAY": "ups_next_day_air"},
    "USPS": {"GROUND_ADVANTAGE": "usps_ground_advantage", "PRIORITY": "usps_priority_mail"},
}


def karrio_service(carrier: str, service: str) -> str:
    return SERVICES.get(carrier.upper(), {}).get(service, service)


def kaeru_service(carrier: str, service: str) -> str:
    names = {theirs: ours for ours, theirs in SERVICES.get(carrier.upper(), {}).items()}
    return names.get(service, service)


# karrio's tracking statuses as Kaeru's tracking kinds.
KINDS: dict[str, str | None] = {
    "pending": None,
    "picked_up": "in_transit",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "delivered": "delivered",
    "on_hold": "exception",
    "delivery_failed": "exception",
    "delivery_delayed": "exception",
    "return_to_sender": "exception",
    "ready_for_pickup": "out_for_delivery",
}
UNAVAILABLE_CODES = {"429", "500", "502", "503", "504", "SHIPPING_SDK_INTERNAL_ERROR", "190001", "250003"}
ADDRESS_WORDS = ("address", "postal", "zip", "city", "state")


def _karrio() -> Any:
    try:
        return importlib.import_module("karrio.sdk")
    except ImportError:
        raise CarrierError(
            "unavailable",
            "carrier labels need the optional 'carriers' extra (karrio): pip install 'kaeru[carriers]'",
        ) from None


def _quiet_karrio() -> None:
    """karrio logs each request through loguru; Kaeru logs carrier calls itself, without payloads."""
    with contextlib.suppress(ImportError):
        importlib.import_module("loguru").logger.disable("karrio")


class KarrioGateway:
    """Rates, labels, voids, return labels, tracking and manifests through karrio's connectors."""

    def __init__(self, settings: Settings, *, workers: int = 16) -> None:
        _quiet_karrio()
        self.settings = settings
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="carrier")
        self._gateways: dict[str, Any] = {}
        self._lock = threading.Lock()

    # --- the connection ---------------------------------------------------------------------------
    def _gateway(self, carrier: str) -> Any:
        carrier = carrier.upper()
        with self._lock:
            if carrier not in self._gateways:
                self._gateways[carrier] = self._connect(carrier)
            return self._gateways[carrier]

    def _connect(self, carrier: str) -> Any:
        provider = PROVIDERS.get(carrier)
        if provider is None:
            raise CarrierError("refused", f"Kaeru books no labels with {carrier} yet", carrier=carrier)
        try:
            account = carrier_account(self.settings, carrier)
        except NoAccount as error:
            raise CarrierError("unavailable", str(error), carrier=carrier) from None
        sdk = _karrio()
        settings_module = importlib.import_module(f"karrio.mappers.{provider}.settings")
        return sdk.gateway[provider].create(_settings(settings_module.Settings, account))

    def _call(
        self, carrier: str, what: str, work: Callable[[Any], T], *, shipment: Shipment | None = None
    ) -> T:
        if shipment is not None:
            for role, address in (("ship-to", shipment.recipient), ("ship-from", shipment.shipper)):
                if address.missing():
                    raise CarrierError(
                        "address",
                        f"the {role} address has no {', '.join(address.missing())}: complete it, try again",
                        carrier=carrier,
                    )
        gateway = self._gateway(carrier)
        future = self._pool.submit(work, gateway)
        try:
            return future.result(timeout=self.settings.carrier_timeout_s)
        except concurrent.futures.TimeoutError:
            raise CarrierError(
                "unavailable",
                f"{carrier} did not answer within {self.settings.carrier_timeout_s:g} s ({what})",
                carrier=carrier,
                code="timeout",
            ) from None
        except CarrierError:
            raise
        except (
            Exception
        ) as error:  # urllib's errors, a connector's parse error: the carrier is not usable now
            log.warning("carrier %s failed on %s: %s", carrier, what, type(error).__name__)
            raise CarrierError(
                "unavailable",
                f"{carrier} could not be reached ({what}: {type(error).__name__})",
                carrier=carrier,
            ) from None

    # --- the interface ----------------------------------------------------------------------------
    def rate(self, shipment: Shipment) -> list[Rate]:
        sdk = _karrio()
        request = _rate_request(shipment)

        def work(gateway: Any) -> list[Rate]:
            rates, messages = sdk.Rating.fetch(request).from_(gateway).parse()
            if not rates:
                _raise(shipment.carrier, messages, "rate")
            return [_rate(shipment.carrier, rate) for rate in rates]

        return self._call(shipment.carrier, "rate", work, shipment=shipment)

    def buy_label(self, shipment: Shipment) -> Label:
        return self._buy(shipment, is_return=False)

    def return_label(self, shipment: Shipment) -> Label:
        return self._buy(shipment, is_return=True)

    def _buy(self, shipment: Shipment, *, is_return: bool) -> Label:
        sdk = _karrio()
        request = _shipment_request(shipment, is_return=is_return)

        def work(gateway: Any) -> Label:
            details, messages = sdk.Shipment.create(request).from_(gateway).parse()
            if details is None or not details.tracking_number:
                _raise(shipment.carrier, messages, "label")
            charge = details.selected_rate
            return Label(
                carrier=shipment.carrier,
                service=shipment.service,
                tracking_number=details.tracking_number,
                label_format="ZPL" if str(details.label_type or "").startswith("ZPL") else "PDF",
                label=details.docs.label or "",
                amount=str(charge.total_charge) if charge and charge.total_charge is not None else "",
                currency=(charge.currency or "") if charge else "",
            )

        return self._call(shipment.carrier, "label", work, shipment=shipment)

    def void(self, carrier: str, tracking_number: str) -> None:
        sdk = _karrio()

        def work(gateway: Any) -> None:
            confirmation, messages = (
                sdk.Shipment.cancel({"shipment_identifier": tracking_number}).from_(gateway).parse()
            )
            if confirmation is None or not confirmation.success:
                _raise(carrier, messages, "void")

        self._call(carrier, "void", work)

    def track(self, carrier: str, tracking_numbers: list[str]) -> list[TrackingUpdate]:
        sdk = _karrio()

        def work(gateway: Any) -> list[TrackingUpdate]:
            details, messages = (
                sdk.Tracking.fetch({"tracking_numbers": tracking_numbers}).from_(gateway).parse()
            )
            if not details and messages:
                _raise(carrier, messages, "tracking")
            return [update for detail in details or [] for update in _updates(detail)]

        return self._call(carrier, "tracking", work)

    def manifest(self, carrier: str, shipper: Address, tracking_numbers: list[str]) -> Manifest:
        sdk = _karrio()
        request = {"shipment_identifiers": tracking_numbers, "address": _address(shipper)}

        def work(gateway: Any) -> Manifest:
            if "create_manifest" not in gateway.proxy_methods:  # no carrier close-out: scan-to-manifest
                return Manifest(carrier, "", list(tracking_numbers))
            details, messages = sdk.Manifest.create(request).from_(gateway).parse()
            if details is None:
                _raise(carrier, messages, "manifest")
            return Manifest(
                carrier,
                str((details.meta or {}).get("manifestNumber") or details.id or ""),
                list(tracking_numbers),
                details.doc.manifest if details.doc else "",
            )

        return self._call(carrier, "manifest", work)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _settings(base: type, account: Account) -> Any:
    """The connector's own Settings, at the account's configured server when it names one."""
    values: dict[str, Any] = {
        "client_id": account.client_id,
        "client_secret": account.client_secret,
        "account_number": account.account_number or None,
        "carrier_id": account.carrier.lower(),
        "test_mode": bool(account.options.get("test_mode", False)),
        "config": dict(account.options.get("config") or {}),
    }
    for name in ("CRID", "MID", "manifest_MID", "account_type"):
        if name in account.options:
            values[name] = account.options[name]
    if not account.server_url:
        return base(**values)
    url = account.server_url.rstrip("/") + f"/{account.carrier.lower()}"
    configured = type(f"Configured{base.__name__}", (base,), {"server_url": property(lambda self: url)})
    return configured(**values)


def _address(address: Address) -> dict[str, Any]:
    return {
        "person_name": address.name,
        "address_line1": address.line1,
        "address_line2": address.line2 or None,
        "city": address.city,
        "state_code": address.state or None,
        "postal_code": address.postal_code,
        "country_code": address.country,
        "phone_number": address.phone or "5555550100",
        "email": address.email or None,
    }


def _parcels(shipment: Shipment) -> list[dict[str, Any]]:
    parcel = shipment.parcel
    return [
        {
            "weight": max(0.1, round(parcel.weight_g / 1000, 3)),
            "weight_unit": "KG",
            "length": parcel.length_cm,
            "width": parcel.width_cm,
            "height": parcel.height_cm,
            "dimension_unit": "CM",
            "reference_number": shipment.reference,
        }
    ]


def _rate_request(shipment: Shipment) -> dict[str, Any]:
    return {
        "shipper": _address(shipment.shipper),
        "recipient": _address(shipment.recipient),
        "parcels": _parcels(shipment),
        "reference": shipment.reference,
    }


def _shipment_request(shipment: Shipment, *, is_return: bool) -> dict[str, Any]:
    shipper, recipient = (
        (shipment.recipient, shipment.shipper) if is_return else (shipment.shipper, shipment.recipient)
    )
    return {
        "service": karrio_service(shipment.carrier, shipment.service),
        "shipper": _address(shipper),
        "recipient": _address(recipient),
        "parcels": _parcels(shipment),
        "reference": shipment.reference,
        "label_type": "ZPL",
        "is_return": is_return,
    }


def _rate(carrier: str, detail: Any) -> Rate:
    delivery = _date(getattr(detail, "estimated_delivery", None))
    if delivery is None and detail.transit_days:
        delivery = date.today() + timedelta(days=int(detail.transit_days))
    return Rate(
        carrier=carrier,
        service=kaeru_service(carrier, str(detail.service)),
        amount=Decimal(str(detail.total_charge or 0)),
        currency=detail.currency or "",
        delivery_date=delivery,
        transit_days=detail.transit_days,
    )


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _updates(detail: Any) -> list[TrackingUpdate]:
    updates = []
    for event in detail.events or []:
        stamp = event.timestamp or f"{event.date}T{event.time or '00:00'}"
        try:
            at = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        except ValueError:
            continue
        kind = KINDS.get(str(event.status or ""), "in_transit") if event.status else _kind_of(event)
        if kind is None:
            continue
        updates.append(
            TrackingUpdate(
                tracking_number=detail.tracking_number,
                kind=kind,
                at=at if at.tzinfo else at.replace(tzinfo=UTC),
                code=str(event.code or ""),
                description=str(event.description or ""),
                location=str(event.location or ""),
            )
        )
    return updates


def _kind_of(event: Any) -> str | None:
    """An event karrio gave no status: a label created is no movement yet; anything else is transit."""
    text = str(event.description or "").lower()
    return None if "label" in text and "created" in text else "in_transit"


def _raise(carrier: str, messages: list[Any], what: str) -> None:
    """The carrier's own words, sorted into what the packer can fix and what is worth a retry."""
    if not messages:
        raise CarrierError("unavailable", f"{carrier} gave no answer to the {what} request", carrier=carrier)
    first = messages[0]
    code, text = str(first.code or ""), str(first.message or "").strip()
    said = "; ".join(str(m.message or "").strip() for m in messages if m.message) or text
    if code in UNAVAILABLE_CODES or code.startswith("5"):
        raise CarrierError("unavailable", f"{carrier}: {said}", carrier=carrier, code=code)
    kind = "address" if any(word in said.lower() for word in ADDRESS_WORDS) else "refused"
    raise CarrierError(kind, f"{carrier}: {said}", carrier=carrier, code=code)
