"""Orders from the brand's Shopify store: one orders/create webhook becomes one Kaeru order, once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel.numbers import get_currency_precision
from sqlmodel import Session, select

from wms.context import Kaeru
from wms.errors import Conflict, Invalid, NotFound
from wms.fulfilment import service as fulfilment
from wms.fulfilment.tables import Order
from wms.inventory.tables import Warehouse
from wms.merchants.directory import directory_of
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


@dataclass(frozen=True)
class Connection:
    """A shop Kaeru takes orders from, and the merchant whose orders they are."""

    shop: Shopify
    merchant_id: int


def connection_for(kaeru: Kaeru, shop_domain: str) -> Connection:
    """The shop a webhook comes from: a merchant's configured shop (config/merchants/), else the site's
    one shop (config/shopper.yaml), whose orders are the default merchant's."""
    site = config_of(kaeru).shopify
    directory = directory_of(kaeru)
    owner = directory.by_shop(shop_domain.lower()) if shop_domain else None
    if owner is None:
        return Connection(site, directory.default().id)
    spec = next(s for s in owner.spec.shops if s.domain == shop_domain.lower())
    shop = Shopify(
        shop_domain=spec.domain,
        webhook_secret_env=spec.webhook_secret_env,
        warehouse=spec.warehouse or site.warehouse,
        order_prefix=spec.order_prefix,
        shipping=site.shipping,
    )
    return Connection(shop, owner.id)


def _new_order(config: Shopify, mapped: model.MappedOrder, merchant_id: int) -> fulfilment.NewOrder:
    choice = config.shipping.get(mapped.shipping_code)
    return fulfilment.NewOrder(
        number=mapped.number,
        merchant_id=merchant_id,
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
    connection = connection_for(kaeru, shop_domain)
    config = connection.shop
    mapped = _mapped(config, payload)
    warehouse = session.exec(select(Warehouse).where(Warehouse.code == config.warehouse)).one()
    new = _new_order(config, mapped, connection.merchant_id)
    try:
        order = fulfilment.create_order(
            session, principal=None, warehouse=warehouse, new=new, site=kaeru.site
        )
    except NotFound as exc:
        raise Invalid(f"not a usable Shopify order: {exc.message}") from exc
    session.add(
        ShopifyWebhookReceipt(
            webhook_id=webhook_id,
            shop_domain=shop_domain,
            merchant_id=connection.merchant_id,
            order_id=order.id,
        )
    )
    session.flush()
    return order, False
