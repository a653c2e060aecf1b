"""Shopify orders/create payloads: signatures, and the mapping onto a Kaeru order."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest

from wms.shopper.model import MalformedOrder, map_shopify_order, signature_valid, to_minor_units

SECRET = "hush"


def _payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": 450789469,
        "name": "#1001",
        "email": "Bob@Example.com",
        "currency": "JPY",
        "customer_locale": "ja",
        "customer": {"first_name": "Bob", "last_name": "Norman"},
        "shipping_address": {
            "address1": "1-1 Chiyoda",
            "city": "Tokyo",
            "zip": "100-0001",
            "country_code": "JP",
            "province_code": "JP-13",
        },
        "line_items": [{"sku": "TEE-M", "quantity": 2, "price": "1990"}],
        "shipping_lines": [{"code": "express"}],
    }
    payload.update(changes)
    return payload


def test_a_body_signed_with_the_shops_secret_is_valid() -> None:
    body = b'{"id": 1}'
    header = base64.b64encode(hmac.new(b"hush", body, hashlib.sha256).digest()).decode()
    assert signature_valid(SECRET, body, header)


def test_a_body_changed_after_signing_is_not_valid() -> None:
    header = base64.b64encode(hmac.new(b"hush", b'{"id": 1}', hashlib.sha256).digest()).decode()
    assert not signature_valid(SECRET, b'{"id": 2}', header)


def test_no_signature_or_no_secret_is_never_valid() -> None:
    assert not signature_valid(SECRET, b"{}", None)
    assert not signature_valid("", b"{}", "")


def test_line_items_customer_and_address_map_onto_the_order() -> None:
    mapped = map_shopify_order(_payload(), prefix="SHOP-", exponent_of={"JPY": 0})
    assert (mapped.number, mapped.external_id, mapped.email) == (
        "SHOP-1001",
        "shopify:450789469",
        "bob@example.com",
    )
    assert (mapped.name, mapped.locale, mapped.currency, mapped.shipping_code) == (
        "Bob Norman",
        "ja",
        "JPY",
        "express",
    )
    assert mapped.ship_to == {
        "name": "Bob Norman",
        "street": "1-1 Chiyoda",
        "city": "Tokyo",
        "region": "JP-13",
        "postal_code": "100-0001",
        "country": "JP",
    }
    assert [(line.sku, line.quantity, line.unit_price_minor) for line in mapped.lines] == [("TEE-M", 2, 1990)]


def test_prices_become_minor_units_of_the_currency() -> None:
    assert to_minor_units("19.99", 2, what="price") == 1999
    assert to_minor_units("1990", 0, what="price") == 1990


def test_a_price_finer_than_the_currency_allows_is_malformed() -> None:
    with pytest.raises(MalformedOrder, match="more decimals"):
        to_minor_units("19.999", 2, what="price")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"line_items": []}, "line_items"),
        ({"line_items": [{"sku": "", "quantity": 1, "price": "1"}]}, "line_items[0].sku"),
        ({"line_items": [{"sku": "A", "quantity": 0, "price": "1"}]}, "line_items[0].quantity"),
        ({"line_items": [{"sku": "A", "quantity": 1, "price": "ten"}]}, "line_items[0].price"),
        ({"shipping_address": None}, "shipping_address"),
        ({"email": "", "customer": {}}, "email"),
        ({"id": None}, "id"),
    ],
)
def test_a_payload_missing_what_an_order_needs_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(MalformedOrder) as refused:
        map_shopify_order(_payload(**changes), prefix="", exponent_of={"JPY": 0})
    assert str(refused.value).startswith(field)


def test_a_body_that_is_not_an_object_is_malformed() -> None:
    with pytest.raises(MalformedOrder, match="JSON object"):
        map_shopify_order([1, 2], prefix="")
