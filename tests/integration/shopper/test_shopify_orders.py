"""Orders pushed by the brand's Shopify store as signed orders/create webhooks."""

from __future__ import annotations

from sqlmodel import select

from tests.floor import Floor
from tests.integration.shopper.shop import post_shopify, shopify_order
from wms.fulfilment.tables import Order, OrderLine, Shopper


def _orders(floor: Floor) -> list[Order]:
    with floor.kaeru.db.read() as session:
        return list(session.exec(select(Order).where(Order.channel == "shopify")))


def test_a_signed_shopify_order_is_imported_once_even_when_the_webhook_is_redelivered(floor: Floor) -> None:
    payload = shopify_order(820982911946154508, 1001)
    first = post_shopify(floor, payload, webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    again = post_shopify(floor, payload, webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert first.json()["order"] == again.json()["order"] == "SHOP-1001"
    assert again.json()["duplicate"] is True
    assert len(_orders(floor)) == 1


def test_the_same_shop_order_under_a_new_webhook_id_is_still_imported_once(floor: Floor) -> None:
    payload = shopify_order(820982911946154509, 1002)
    assert post_shopify(floor, payload, webhook_id="wh-1").status_code == 201
    assert post_shopify(floor, payload, webhook_id="wh-2").json()["order"] == "SHOP-1002"
    assert len(_orders(floor)) == 1


def test_a_shopify_webhook_with_a_wrong_signature_is_refused(floor: Floor) -> None:
    answer = post_shopify(floor, shopify_order(1, 1003), webhook_id="wh-3", secret="not-the-shops-secret")
    assert answer.status_code == 401
    assert "X-Shopify-Hmac-Sha256" in answer.json()["message"]
    assert _orders(floor) == []


def test_a_signed_but_malformed_shopify_order_is_refused_with_the_reason(floor: Floor) -> None:
    payload = shopify_order(1, 1005)
    del payload["line_items"][0]["sku"]
    answer = post_shopify(floor, payload, webhook_id="wh-5")
    assert answer.status_code == 422
    assert "line_items[0].sku" in answer.json()["message"]
    assert _orders(floor) == []


def test_shop_line_items_customer_locale_and_address_map_onto_the_order(floor: Floor) -> None:
    payload = shopify_order(42, 1006, quantity=3, price="19.99", locale="ja-JP")
    assert post_shopify(floor, payload, webhook_id="wh-7").status_code == 201
    with floor.kaeru.db.read() as session:
        order = session.exec(select(Order).where(Order.number == "SHOP-1006")).one()
        line = session.exec(select(OrderLine).where(OrderLine.order_id == order.id)).one()
        shopper = session.get(Shopper, order.shopper_id)
    assert (line.quantity, line.unit_price_minor) == (3, 1999)
    assert order.external_id == "shopify:42"
    assert order.ship_to["postal_code"] == "62701"
    assert order.ship_to["country"] == "US"
    assert (order.carrier, order.service) == ("UPS", "GROUND")
    assert shopper is not None
    assert (shopper.email, shopper.name, shopper.locale) == (
        "hana@example.jp",
        "Hana Sato",
        "ja",
    )
