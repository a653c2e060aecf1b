"""What happens on the shopper's side that others must hear of: claims filed and settled, messages due,
delays foreseen, shoppers unsubscribing. Their effects are written by wms.shopper.effects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wms.fulfilment.tables import Order, Shipment, Shopper
from wms.shopper.tables import DeliveryClaim, ScheduledMessage


@dataclass(frozen=True)
class ClaimFiled:
    claim: DeliveryClaim
    order: Order
    signals: tuple[str, ...]


@dataclass(frozen=True)
class ClaimResolved:
    """A claim settled by a replacement, a refund or a denial (automatically or by a manager)."""

    claim: DeliveryClaim
    order: Order
    shopper: Shopper


@dataclass(frozen=True)
class ShopperUnsubscribed:
    shopper_id: int


@dataclass(frozen=True)
class AfterDeliveryMessageDue:
    """A review request or replenishment reminder whose day has come, for a shopper still subscribed."""

    message: ScheduledMessage
    shopper: Shopper
    topic: str
    context: dict[str, Any]


@dataclass(frozen=True)
class DelayForeseen:
    """A shipment will most likely arrive after the date the shopper was promised."""

    order: Order
    shipment: Shipment
    shopper: Shopper
    expected_on: str
    reason: str
    probability: float
    dedupe_key: str
