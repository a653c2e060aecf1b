"""Orders from the brand's Shopify store: one orders/create webhook becomes one Kaeru order, once."""

from __future__ import annotations

from typing import Any

from babel.numbers import get_currency_precision
from sqlmodel import Session, select

from wms.context import Kaeru
from wms.errors import Conflict, Invalid, NotFound
from wms.fulfilment import service as fulfilment
from wms.fulfilment.tables import Order
from wms.inventory.tables import Warehouse
from wms.shopper import model
from wms.shopper.config import Shopify, config_of
from wms.shopper.tables import ShopifyWebhookReceipt


def _exponents(currency: str) -> dict[str, int]:
    try:
        return {currency: int(get_currency_precision(currency))}
    except (KeyError, ValueError):
        return {}


def _mapped(config: Shopify, payload: Any) -> model.MappedOrder:
    currency = str(payload.get("currency", "")).upper() if isinstance(payload, dict) else ""
    try:
        return model.map_shopify_order(payload, prefix=config.order_prefix, exponent_of=_exponents(currency))
    except model.MalformedOrder as exc:
        raise Invalid(f"not a usable Shopify order: {exc}") from exc


def _new_order(config: Shopify, mapped: model.MappedOrder) -> fulfilment.NewOrder:
    choice = config.shipping.get(mapped.shipping_code)
    return fulfilment.NewOrder(
        number=mapped.number,
        shopper_email=mapped.email,
        shopper_name=mapped.name,
        shopper_locale=mapped.locale,
        ship_to=mapped.ship_to,
        currency=mapped.currency,
        channel="shopify",
        external_id=mapped.external_id,
        carrier=choice.carrier if choice else "",
        service=choice.service if choice else "",
        lines=[fulfilment.NewLine(line.sku, line.quantity, line.unit_price_minor) for line in mapped.lines],
    )


def import_shopify_order(
    session: Session, kaeru: Kaeru, *, webhook_id: str, shop_domain: str, payload: Any
) -> tuple[Order, bool]:
    """Import one orders/create webhook; a webhook already received returns its order (second: True)."""
    receipt = session.exec(
        select(ShopifyWebhookReceipt).where(ShopifyWebhookReceipt.webhook_id == webhook_id)
    ).first()
    if receipt is not None:
        order = session.get(Order, receipt.order_id) if receipt.order_id else None
        if order is None:
            raise Conflict(f"webhook {webhook_id} was received before but its order is gone")
        return order, True
    config = config_of(kaeru).shopify
    mapped = _mapped(config, payload)
    warehouse = session.exec(select(Warehouse).where(Warehouse.code == config.warehouse)).one()
    try:
        order = fulfilment.create_order(
            session, principal=None, warehouse=warehouse, new=_new_order(config, mapped), site=kaeru.site
        )
    except NotFound as exc:
        raise Invalid(f"not a usable Shopify order: {exc.message}") from exc
    session.add(ShopifyWebhookReceipt(webhook_id=webhook_id, shop_domain=shop_domain, order_id=order.id))
    session.flush()
    return order, False
