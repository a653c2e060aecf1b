"""Pure decisions of the shopper's side: page language, Shopify order mapping and signatures, delivery
claim evidence and resolution, and when after-delivery messages fall due. No I/O here."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from wms.lifecycle import Lifecycle

LOCALES = ("en", "ja", "uk")


class ClaimKind(StrEnum):
    NOT_RECEIVED = "not_received"
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    WRONG_ITEM = "wrong_item"
    MISSING_ITEM = "missing_item"


class ClaimStatus(StrEnum):
    OPEN = "open"  # filed, its evidence being weighed
    REVIEW = "review"  # held for a manager
    RESOLVED = "resolved"


class Resolution(StrEnum):
    RESHIP = "reship"
    REFUND = "refund"
    DENY = "deny"


class MessageStatus(StrEnum):
    """A scheduled after-delivery message (review request, replenishment reminder)."""

    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"  # the shopper unsubscribed, or the order or shopper is gone


class MessageKind(StrEnum):
    REVIEW = "review"
    REPLENISHMENT = "replenishment"


# A claim decided at once goes straight from open to resolved; one held for review waits for a manager.
CLAIMS = Lifecycle(
    "claim",
    ClaimStatus,
    {
        ClaimStatus.OPEN: [ClaimStatus.REVIEW, ClaimStatus.RESOLVED],
        ClaimStatus.REVIEW: [ClaimStatus.RESOLVED],
    },
)
MESSAGES = Lifecycle(
    "scheduled message",
    MessageStatus,
    {MessageStatus.PENDING: [MessageStatus.SENT, MessageStatus.SKIPPED]},
)
CLAIM_KINDS = tuple(ClaimKind)
_ITEM_KINDS = (ClaimKind.MISSING_ITEM, ClaimKind.WRONG_ITEM)
RESOLUTIONS = tuple(Resolution)
# Timeline wording: each tracking kind (and the warehouse's own steps) has a phrase per locale.
TIMELINE_KINDS = ("ordered", "packed", "shipped", "in_transit", "out_for_delivery", "delivered", "exception")


# --- language -------------------------------------------------------------------------------------


def _language(tag: str) -> str:
    return tag.strip().split(";")[0].strip().replace("_", "-").split("-")[0].lower()


def parse_accept_language(header: str) -> list[str]:
    """Languages of an Accept-Language header, most wanted first (q=0 means 'not this one')."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(p for p in header.split(",") if p.strip()):
        pieces = [p.strip() for p in part.split(";")]
        weight = 1.0
        for piece in pieces[1:]:
            if piece.startswith("q="):
                try:
                    weight = float(piece[2:])
                except ValueError:
                    weight = 0.0
        if weight > 0 and pieces[0] and pieces[0] != "*":
            ranked.append((-weight, index, _language(pieces[0])))
    return [language for _, _, language in sorted(ranked)]


def choose_locale(
    *,
    asked: str | None,
    accept_language: str | None,
    shopper_locale: str | None,
    supported: Iterable[str] = LOCALES,
) -> str:
    """The page's language: ?lang= first, then the browser's languages, then the shopper's, then English."""
    known = tuple(supported)
    if asked and _language(asked) in known:
        return _language(asked)
    for language in parse_accept_language(accept_language or ""):
        if language in known:
            return language
    if shopper_locale and _language(shopper_locale) in known:
        return _language(shopper_locale)
    return "en"


def normalise_locale(tag: str | None, supported: Iterable[str] = LOCALES) -> str:
    """A shop's locale tag ('ja', 'uk-UA', 'en-US') as a Kaeru locale; anything else is English."""
    language = _language(tag or "")
    return language if language in tuple(supported) else "en"


# --- Shopify -------------------------------------------------------------------------------------


def shopify_signature(secret: str, body: bytes) -> str:
    """The X-Shopify-Hmac-Sha256 value for a body: base64 of its HMAC-SHA256 under the shop's secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Check a webhook's signature in constant time; no secret or no header is never valid."""
    if not secret or not header:
        return False
    return hmac.compare_digest(shopify_signature(secret, body).encode(), header.strip().encode())


class MalformedOrder(ValueError):
    """A webhook body that cannot become an order; the message says which field and why."""


@dataclass(frozen=True)
class MappedLine:
    sku: str
    quantity: int
    unit_price_minor: int


@dataclass(frozen=True)
class MappedOrder:
    """A shop's order in Kaeru's terms (what create_order needs)."""

    number: str
    external_id: str
    email: str
    name: str
    locale: str
    currency: str
    ship_to: dict[str, str]
    lines: tuple[MappedLine, ...]
    shipping_code: str = ""


def to_minor_units(amount: Any, exponent: int, *, what: str) -> int:
    """'19.99' with exponent 2 -> 1999; refuses amounts finer than the currency's smallest unit."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise MalformedOrder(f"{what}: {amount!r} is not an amount") from exc
    if not value.is_finite() or value < 0:
        raise MalformedOrder(f"{what}: {amount!r} is not an amount")
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise MalformedOrder(f"{what}: {amount!r} has more decimals than the currency allows")
    return int(minor)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _ship_to(payload: dict[str, Any], name: str) -> dict[str, str]:
    address = payload.get("shipping_address")
    if not isinstance(address, dict):
        raise MalformedOrder("shipping_address: the order has no shipping address")
    ship_to = {
        "name": _text(address.get("name")) or name,
        "street": _text(address.get("address1")),
        "street2": _text(address.get("address2")),
        "city": _text(address.get("city")),
        "region": _text(address.get("province_code")) or _text(address.get("province")),
        "postal_code": _text(address.get("zip")),
        "country": _text(address.get("country_code")).upper(),
        "phone": _text(address.get("phone")),
    }
    if len(ship_to["country"]) != 2:
        raise MalformedOrder("shipping_address.country_code: a two-letter country code is needed")
    return {k: v for k, v in ship_to.items() if v}


def _line(index: int, item: Any, exponent: int) -> MappedLine:
    where = f"line_items[{index}]"
    if not isinstance(item, dict):
        raise MalformedOrder(f"{where}: not an object")
    sku = _text(item.get("sku"))
    if not sku:
        raise MalformedOrder(f"{where}.sku: the line has no SKU, so it cannot be picked")
    quantity = item.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise MalformedOrder(f"{where}.quantity: {quantity!r} is not a positive whole number")
    return MappedLine(sku, quantity, to_minor_units(item.get("price", "0"), exponent, what=f"{where}.price"))


def _lines(payload: dict[str, Any], exponent: int) -> tuple[MappedLine, ...]:
    items = payload.get("line_items")
    if not isinstance(items, list) or not items:
        raise MalformedOrder("line_items: the order has no line items")
    return tuple(_line(index, item, exponent) for index, item in enumerate(items))


def _shipping_code(payload: dict[str, Any]) -> str:
    shipping = payload.get("shipping_lines")
    if isinstance(shipping, list) and shipping and isinstance(shipping[0], dict):
        return _text(shipping[0].get("code"))
    return ""


def _currency(payload: dict[str, Any]) -> str:
    currency = _text(payload.get("currency")).upper() or "USD"
    if len(currency) != 3 or not currency.isalpha():
        raise MalformedOrder(f"currency: {currency!r} is not an ISO 4217 code")
    return currency


def map_shopify_order(
    payload: Any, *, prefix: str, exponent_of: Mapping[str, int] | None = None
) -> MappedOrder:
    """Map a Shopify orders/create payload (line items, customer, shipping address) onto an order."""
    if not isinstance(payload, dict):
        raise MalformedOrder("the body must be a JSON object (a Shopify order)")
    shop_id = payload.get("id")
    if not isinstance(shop_id, int | str) or not _text(shop_id):
        raise MalformedOrder("id: the shop's order id is missing")
    number = _text(payload.get("name")).lstrip("#") or _text(payload.get("order_number"))
    if not number:
        raise MalformedOrder("name: the shop's order number is missing")
    currency = _currency(payload)
    found = payload.get("customer")
    customer: dict[str, Any] = found if isinstance(found, dict) else {}
    email = _text(payload.get("email")) or _text(payload.get("contact_email")) or _text(customer.get("email"))
    if "@" not in email:
        raise MalformedOrder("email: the order has no customer email address")
    name = " ".join(p for p in (_text(customer.get("first_name")), _text(customer.get("last_name"))) if p)
    ship_to = _ship_to(payload, name)
    return MappedOrder(
        number=f"{prefix}{number}",
        external_id=f"shopify:{_text(shop_id)}",
        email=email.lower(),
        name=name,
        locale=normalise_locale(_text(payload.get("customer_locale")) or _text(customer.get("locale"))),
        currency=currency,
        ship_to=ship_to,
        lines=_lines(payload, (exponent_of or {}).get(currency, 2)),
        shipping_code=_shipping_code(payload),
    )


# --- delivery claims -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimEvidence:
    """What Kaeru knows about a claimed parcel, gathered without asking anyone."""

    kind: str
    delivered_at: datetime | None  # the carrier's delivered scan
    delivered_where: str
    packed_weight_g: int | None  # what the carton weighed when it was closed
    expected_weight_g: int  # what its contents and tare should weigh
    weight_tolerance_g: int
    packed_units: Mapping[str, int]  # SKU -> units scanned into the carton at packing
    packed_serials: Mapping[str, tuple[str, ...]]  # SKU -> serials scanned at packing
    claimed_units: Mapping[str, int]  # SKU -> units the shopper says are missing, damaged or wrong
    prior_claims: int  # the shopper's earlier claims
    prior_claims_denied: int
    trust_score: float
    trust_tier: str
    claim_value_minor: int
    days_past_estimate: int | None  # today minus the estimated delivery day (None: no estimate)

    @property
    def weight_ok(self) -> bool | None:
        """Whether the closed carton weighed what its contents should (None: never weighed)."""
        if self.packed_weight_g is None:
            return None
        return abs(self.packed_weight_g - self.expected_weight_g) <= self.weight_tolerance_g

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
            "delivered_where": self.delivered_where,
            "packed_weight_g": self.packed_weight_g,
            "expected_weight_g": self.expected_weight_g,
            "weight_tolerance_g": self.weight_tolerance_g,
            "weight_ok": self.weight_ok,
            "packed_units": dict(self.packed_units),
            "packed_serials": {k: list(v) for k, v in self.packed_serials.items()},
            "claimed_units": dict(self.claimed_units),
            "prior_claims": self.prior_claims,
            "prior_claims_denied": self.prior_claims_denied,
            "trust_score": self.trust_score,
            "trust_tier": self.trust_tier,
            "claim_value_minor": self.claim_value_minor,
            "days_past_estimate": self.days_past_estimate,
        }


@dataclass(frozen=True)
class ClaimRulesValues:
    trusted_min_score: float
    max_prior_claims: int
    max_auto_value_minor: int
    lost_after_days: int


@dataclass(frozen=True)
class ClaimDecision:
    """review: a manager decides; otherwise the claim is settled now with `resolution`."""

    status: ClaimStatus  # resolved | review
    resolution: Resolution | None  # None while under review
    reason: str  # shopper-readable for a denial; a code-like phrase otherwise
    signals: tuple[str, ...] = field(default_factory=tuple)  # what a manager should look at


def claim_signals(evidence: ClaimEvidence, rules: ClaimRulesValues) -> tuple[str, ...]:
    """Facts that speak against paying out without a person looking (for the manager's screen)."""
    found = []
    if evidence.prior_claims > rules.max_prior_claims:
        found.append("prior_claims")
    if evidence.prior_claims_denied:
        found.append("prior_claims_denied")
    if evidence.trust_score < rules.trusted_min_score:
        found.append("low_trust")
    if evidence.claim_value_minor > rules.max_auto_value_minor:
        found.append("high_value")
    if evidence.kind == ClaimKind.NOT_RECEIVED and evidence.delivered_at is not None:
        found.append("delivered_scan")
    if (
        evidence.kind in (ClaimKind.MISSING_ITEM, ClaimKind.WRONG_ITEM, ClaimKind.NOT_RECEIVED)
        and evidence.weight_ok
    ):
        found.append("packed_weight_correct")
    if evidence.kind in _ITEM_KINDS:
        scanned = all(
            evidence.packed_units.get(sku, 0) >= units for sku, units in evidence.claimed_units.items()
        )
        if evidence.claimed_units and scanned:
            found.append("scanned_at_packing")
    return tuple(found)


def _warehouse_fault(evidence: ClaimEvidence) -> bool:
    """Our own records show the shopper is right: the carton was light, or the item was never scanned in."""
    if evidence.kind not in _ITEM_KINDS:
        return False
    light = evidence.weight_ok is False and (evidence.packed_weight_g or 0) < evidence.expected_weight_g
    unscanned = any(
        evidence.packed_units.get(sku, 0) < units for sku, units in evidence.claimed_units.items()
    )
    return light or unscanned


def decide_claim(evidence: ClaimEvidence, rules: ClaimRulesValues, *, in_stock: bool) -> ClaimDecision:
    """Settle a delivery claim from its evidence, or hold it for a manager.

    A parcel not yet due is not lost: the shopper is told to wait. Where Kaeru's own scans show the
    warehouse got it wrong, the shopper is put right at once. Otherwise a first claim from a trusted
    shopper is settled at once and anything else (repeat claims, low trust, high value) waits for a
    person. Settling means a replacement when it is in stock, else a refund.
    """
    if evidence.kind not in CLAIM_KINDS:
        raise ValueError(f"unknown claim kind {evidence.kind!r}: one of {', '.join(CLAIM_KINDS)}")
    signals = claim_signals(evidence, rules)
    settle = Resolution.RESHIP if in_stock else Resolution.REFUND
    if evidence.kind == ClaimKind.NOT_RECEIVED and evidence.delivered_at is None:
        overdue = evidence.days_past_estimate
        if overdue is None or overdue < rules.lost_after_days:
            return ClaimDecision(ClaimStatus.RESOLVED, Resolution.DENY, "not_yet_due", signals)
    if _warehouse_fault(evidence) and evidence.claim_value_minor <= rules.max_auto_value_minor:
        return ClaimDecision(ClaimStatus.RESOLVED, settle, "warehouse_fault", signals)
    blocking = {"prior_claims", "prior_claims_denied", "low_trust", "high_value"}
    if blocking & set(signals):
        return ClaimDecision(ClaimStatus.REVIEW, None, "held_for_review", signals)
    return ClaimDecision(ClaimStatus.RESOLVED, settle, "trusted_shopper", signals)


# --- after delivery ------------------------------------------------------------------------------


def review_due(delivered_at: datetime, delay_days: int) -> datetime:
    return delivered_at + timedelta(days=delay_days)


def replenishment_due(delivered_at: datetime, *, consumable_days: int, quantity: int) -> datetime:
    """When a consumable runs out: its usual re-buy interval for each unit bought."""
    if consumable_days <= 0 or quantity <= 0:
        raise ValueError("a re-buy interval and a quantity must be positive")
    return delivered_at + timedelta(days=consumable_days * quantity)


def days_between(earlier: date, later: date) -> int:
    return (later - earlier).days
