"""The shopper messages Kaeru sends: each topic's context, its call to action, and a sample.

Whoever emits a topic (through `wms.platform.notify.notify_shopper`) passes the context shown in
its sample; the templates in templates/<locale>/<topic>.j2 render it. Amounts are integers in
minor units with an ISO 4217 currency. Marketing topics must carry `unsubscribe_token` (or a
ready `unsubscribe_url`); the link is `{base_url}/u/{token}`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Context = dict[str, Any]

_ORDER: Context = {
    "number": "ORD-10042",
    "status": "shipped",
    "currency": "USD",
    "tracking_token": "tk_9f2c1d",
    "promised_date": "2025-03-14",
    "lines": [
        {"sku": "TEE-BLU-M", "name": "Blue tee, M", "quantity": 2, "unit_price_minor": 2500},
        {"sku": "CAP-RED", "name": "Red cap", "quantity": 1, "unit_price_minor": 1800},
    ],
}
_SHIPMENT: Context = {
    "carrier": "UPS",
    "service": "GROUND",
    "tracking_number": "1Z999AA10123456784",
    "status": "shipped",
    "estimated_delivery": "2025-03-13",
}
_RETURN: Context = {
    "number": "RMA-20311",
    "order_number": "ORD-10042",
    "token": "rt_7d1e0b",
    "qr_payload": "RMA:rt_7d1e0b",
    "expires_on": "2025-04-13",
    "currency": "USD",
    "lines": [{"sku": "TEE-BLU-M", "name": "Blue tee, M", "quantity": 1, "reason": "size_too_small"}],
}


def _tracking(context: Context, base_url: str) -> str | None:
    token = (context.get("order") or {}).get("tracking_token")
    return f"{base_url}/t/{token}" if token else None


def _return_page(context: Context, base_url: str) -> str | None:
    token = (context.get("return") or {}).get("token")
    return f"{base_url}/r/{token}" if token else None


def _none(context: Context, base_url: str) -> str | None:
    return None


def _rma_qr(context: Context) -> str | None:
    payload = (context.get("return") or {}).get("qr_payload")
    return str(payload) if payload else None


def _no_qr(context: Context) -> str | None:
    return None


@dataclass(frozen=True)
class Topic:
    name: str
    sample: Context
    action: Callable[[Context, str], str | None] = _none
    qr: Callable[[Context], str | None] = _no_qr
    marketing: bool = False
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _t(name: str, sample: Context, **kwargs: Any) -> tuple[str, Topic]:
    return name, Topic(name, sample, **kwargs)


TOPICS: dict[str, Topic] = dict(
    [
        _t("order.confirmed", {"order": _ORDER | {"status": "reserved"}}, action=_tracking),
        _t("order.shipped", {"order": _ORDER, "shipment": _SHIPMENT}, action=_tracking),
        _t(
            "order.out_for_delivery",
            {
                "order": _ORDER,
                "shipment": _SHIPMENT | {"status": "out_for_delivery"},
                "event": {"kind": "out_for_delivery", "location": "Springfield, IL", "description": ""},
            },
            action=_tracking,
        ),
        _t(
            "order.delivered",
            {
                "order": _ORDER | {"status": "delivered"},
                "shipment": _SHIPMENT | {"status": "delivered"},
                "event": {"kind": "delivered", "location": "Front porch", "description": ""},
            },
            action=_tracking,
        ),
        _t(
            "order.exception",
            {
                "order": _ORDER,
                "shipment": _SHIPMENT | {"status": "exception"},
                "event": {
                    "kind": "exception",
                    "location": "Chicago, IL",
                    "description": "Address could not be found",
                },
            },
            action=_tracking,
        ),
        _t(
            "order.delayed",
            {
                "order": _ORDER,
                "shipment": _SHIPMENT,
                "delay": {"expected_on": "2025-03-17", "reason": "weather"},
            },
            action=_tracking,
            notes="delay.expected_on: the new expected date (ISO); delay.reason optional, free text",
        ),
        _t(
            "return.authorised",
            {"return": _RETURN},
            action=_return_page,
            qr=_rma_qr,
            notes="return.qr_payload is rendered as an inline QR image; return.number is the RMA number",
        ),
        _t("return.received", {"return": _RETURN | {"received_at": "2025-03-20"}}, action=_return_page),
        _t(
            "return.graded",
            {
                "return": _RETURN,
                "units": [
                    {
                        "sku": "TEE-BLU-M",
                        "name": "Blue tee, M",
                        "grade": "B",
                        "findings": ["worn once", "tags removed"],
                        "outcome": "refund",
                        "amount_minor": 2250,
                        "currency": "USD",
                    }
                ],
            },
            action=_return_page,
            notes="units[].grade A|B|C|D|X; outcome refund|store_credit|exchange|keep|on_hold|rejected; "
            "findings: short phrases in the shopper's language or empty",
        ),
        _t(
            "refund.issued",
            {
                "return": _RETURN,
                "refund": {"amount_minor": 2250, "currency": "USD", "method": "original payment"},
            },
        ),
        _t(
            "store_credit.issued",
            {
                "return": _RETURN,
                "credit": {"amount_minor": 2750, "currency": "USD", "bonus_minor": 500, "code": "SC-7Q2M"},
            },
        ),
        _t(
            "exchange.shipped",
            {"return": _RETURN, "order": _ORDER | {"number": "ORD-10077"}, "shipment": _SHIPMENT},
            action=_tracking,
        ),
        _t(
            "return.on_hold",
            {"return": _RETURN},
            action=_return_page,
            notes="never pass the fraud evidence to the shopper",
        ),
        _t(
            "return.rejected",
            {"return": _RETURN, "reason": "The return window closed on 13 April."},
            action=_return_page,
            notes="reason: optional, shopper-readable",
        ),
        _t(
            "claim.resolved",
            {
                "claim": {
                    "number": "CLM-881",
                    "outcome": "refund",
                    "amount_minor": 4300,
                    "currency": "USD",
                    "note": "",
                },
                "order": _ORDER,
            },
        ),
        _t(
            "review.requested",
            {
                "order": _ORDER,
                "review_url": "https://shop.example/review/ORD-10042",
                "unsubscribe_token": "u_5c8a",
            },
            marketing=True,
        ),
        _t(
            "replenishment.reminder",
            {
                "item": {"sku": "FILTER-10", "name": "Water filter"},
                "order": _ORDER,
                "reorder_url": "https://shop.example/reorder/FILTER-10",
                "unsubscribe_token": "u_5c8a",
            },
            marketing=True,
        ),
    ]
)


def unsubscribe_url(context: Context, base_url: str) -> str | None:
    if context.get("unsubscribe_url"):
        return str(context["unsubscribe_url"])
    token = context.get("unsubscribe_token")
    return f"{base_url}/u/{token}" if token else None
