"""Orders shipped and tracked over the HTTP API for the shopper-side tests, and signed Shopify webhooks."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from tests.floor import Floor
from wms.fulfilment.tables import Order
from wms.inventory.tables import Item
from wms.platform.tables import OutboxMessage
from wms.shopper.model import shopify_signature

SECRET = "shpss_test_secret_0123456789abcdef"


def key() -> str:
    return str(uuid.uuid4())


def place(
    floor: Floor,
    number: str,
    lines: list[tuple[str, int]],
    *,
    email: str = "sam@example.com",
    locale: str = "en",
    promised: date | None = None,
    postal_code: str = "62701",
) -> dict[str, Any]:
    return floor.call(
        "POST",
        "/api/v1/orders",
        "integrator",
        expect=201,
        json={
            "warehouse": "WH1",
            "number": number,
            "shopper": {"email": email, "name": "Sam Shopper", "locale": locale},
            "ship_to": {
                "name": "Sam Shopper",
                "street": "1 Main St",
                "city": "Springfield",
                "postal_code": postal_code,
                "country": "US",
            },
            "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
            "promised_date": promised.isoformat() if promised else None,
        },
    )


def ship(
    floor: Floor,
    number: str,
    lines: list[tuple[str, int]],
    *,
    email: str = "sam@example.com",
    locale: str = "en",
    promised: date | None = None,
    weight_g: int | None = None,
) -> dict[str, Any]:
    """An order picked, packed (weighed as expected unless told) and handed to the carrier, over the API."""
    order = place(floor, number, lines, email=email, locale=locale, promised=promised)
    floor.call(
        "POST",
        "/api/v1/picking/release",
        "manager",
        json={"warehouse": "WH1", "mode": "single", "orders": [number]},
    )
    task = floor.call("POST", "/api/v1/picking/next", "picker", key=key())["task"]
    while task["next"]:
        step = task["next"]
        floor.scan(f"LOC-{step['location']}")
        task = floor.scan(f"]E0{floor.gtin_of(step['sku'])[1:]}")["data"]
    carton = floor.call("POST", "/api/v1/packing/start", "packer", json={"warehouse": "WH1", "order": number})
    expected = 180
    with floor.kaeru.db.read() as session:
        items = {i.sku: i for i in session.exec(select(Item).where(col(Item.sku).in_([s for s, _ in lines])))}
    for sku, quantity in lines:
        expected += items[sku].weight_g * quantity
        for _ in range(quantity):
            floor.scan(f"]E0{(items[sku].gtin or '')[1:]}", "packer")
    # A weight other than the expected one is accepted by a manager's override (a carton shipped light).
    closed = floor.call(
        "POST",
        f"/api/v1/packing/cartons/{carton['sscc']}/close",
        "packer" if weight_g is None else "manager",
        json={"weight_g": weight_g or expected, "accept_weight_override": weight_g is not None},
    )
    tracking = closed["shipment"]["tracking_number"]
    floor.call("POST", f"/api/v1/shipments/{tracking}/ship", "packer")
    with floor.kaeru.db.read() as session:
        token = session.exec(select(Order).where(Order.number == number)).one().tracking_token
    return {**order, "tracking_token": token, "tracking_number": tracking, "sscc": carton["sscc"]}


def backdate(floor: Floor, tracking_number: str, days: int) -> None:
    """The shipment left `days` ago (a carrier's delivered event cannot be dated in the future)."""
    from wms.fulfilment.tables import Shipment

    def work(session: Any) -> None:
        shipment = session.exec(select(Shipment).where(Shipment.tracking_number == tracking_number)).one()
        shipment.shipped_at = shipment.shipped_at - timedelta(days=days)
        session.add(shipment)

    floor.kaeru.db.write(work)


def track(
    floor: Floor, tracking_number: str, kind: str, at: datetime | None = None, location: str = ""
) -> Any:
    return floor.call(
        "POST",
        "/api/v1/tracking/events",
        "integrator",
        json={
            "tracking_number": tracking_number,
            "kind": kind,
            "at": (at or datetime.now(UTC)).isoformat(),
            "location": location,
        },
    )


def shopper(floor: Floor, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> Any:
    """A call from the shopper's phone: no staff token, only the token in the link."""
    response = floor.client.request(method, path, **kwargs)
    assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
    return (
        response.json()
        if response.headers.get("content-type", "").startswith("application/json")
        else response
    )


def outbox(floor: Floor, topic: str, channel: str = "email") -> list[OutboxMessage]:
    with floor.kaeru.db.read() as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.channel == channel, OutboxMessage.topic == topic)
                .order_by(col(OutboxMessage.id))
            )
        )


def shopify_order(
    order_id: int,
    number: int,
    *,
    sku: str = "TEE-M",
    quantity: int = 2,
    price: str = "19.99",
    currency: str = "USD",
    locale: str = "ja",
) -> dict[str, Any]:
    """A Shopify orders/create payload, trimmed to the fields a shop sends that Kaeru reads."""
    return {
        "id": order_id,
        "name": f"#{number}",
        "order_number": number,
        "email": "Hana@Example.jp",
        "currency": currency,
        "customer_locale": locale,
        "customer": {"id": 77, "email": "hana@example.jp", "first_name": "Hana", "last_name": "Sato"},
        "shipping_address": {
            "name": "Hana Sato",
            "address1": "1-2-3 Shibuya",
            "city": "Springfield",
            "province_code": "IL",
            "zip": "62701",
            "country_code": "US",
        },
        "line_items": [{"id": 1, "sku": sku, "quantity": quantity, "price": price, "title": "Tee"}],
        "shipping_lines": [{"code": "standard", "price": "5.00"}],
    }


def post_shopify(
    floor: Floor,
    payload: Any,
    *,
    webhook_id: str,
    secret: str = SECRET,
    signature: str | None = None,
    raw: bytes | None = None,
) -> Any:
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": "kaeru-demo.myshopify.com",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Hmac-Sha256": signature if signature is not None else shopify_signature(secret, body),
    }
    return floor.client.post("/api/v1/integrations/shopify/orders", content=body, headers=headers)
