"""Estimated delivery dates (EDD): the pure core the server calls. No database, web or network I/O here.

What the server does with it
----------------------------
At start-up (and after a nightly or hourly refresh):

    network = load_network(path=settings.config_dir / "delivery.yaml")
    transit = learn_transit(network=network, records=[DeliveryRecord(...) for each delivered shipment])

`DeliveryRecord` needs carrier, service, origin (the warehouse's region, `network.warehouses[code].region`),
destination (`Destination(country=..., postal_code=...)`), shipped_on and delivered_on (local dates).
Both objects are immutable; swap them atomically when retrained. The server does not keep the records:
it adds each delivery's transit days, as `transit.observe` gives them, to counts per lane key and builds
the same model from the counts with `transit.model_from_counts` (wms/shopper/learning.py).

Storefront (cart + postal code, before purchase):

    estimate_for_cart(network=, transit=, warehouse="us-nj", destination=Destination(country="US",
                      postal_code="94105"), placed_at=now_utc, backlog=Backlog(open_lines=, lines_per_hour=),
                      cart_lines=3) -> tuple[Estimate, ...]   # one per service serving the lane, soonest 1st

Order (placed, not yet handed to the carrier; also re-run while it waits, with `now`):

    outlook = outlook_for_order(network=, transit=, warehouse=, carrier=, service=, destination=,
                                placed_at=order.created_at, backlog=..., now=now_utc)
    estimate(network=, outlook=outlook) -> Estimate    # .on at network.confidence, .earliest/.latest range
    order.promised_date = that estimate's .on when the order is accepted (what the shopper was shown);
    judge_delay(network=, outlook=outlook, promised_on=order.promised_date) also works before shipping.

Shipment, on every tracking event (and daily, so silence counts too):

    outlook = outlook_for_shipment(network=, transit=, warehouse=, carrier=, service=, destination=,
                                   shipped_on=, events=[TrackingUpdate(kind=, at=, location=)], now=now_utc)
    shipment.estimated_delivery = estimate(network=, outlook=outlook).on
    verdict = judge_delay(network=, outlook=outlook, promised_on=order.promised_date)
    if verdict.late: write a "delayed" notification to the outbox (verdict.probability, verdict.reason,
                     verdict.expected_on), once per shipment and promised date.

Event kinds are the tracking kinds of `TrackingEvent`: in_transit | out_for_delivery | delivered |
exception. Datetimes must be timezone-aware; dates are local to the warehouse (ship dates) or the
destination country (delivery dates). Bad input raises ValueError/KeyError with a message a person
can act on (unknown warehouse, service not serving a lane, naive datetime).

`published_estimate` is the naive "configured transit days" promise, kept as a fallback and baseline.
"""

from wms.delivery.calendars import BusinessCalendar
from wms.delivery.config import load_network
from wms.delivery.dispatch import Backlog, plan_ship_date
from wms.delivery.model import (
    AWAITING_PICKUP,
    DELIVERED,
    EXCEPTION,
    IN_TRANSIT,
    ORDERED,
    OUT_FOR_DELIVERY,
    DelayVerdict,
    Estimate,
    Outlook,
    TrackingUpdate,
    estimate,
    estimate_for_cart,
    judge_delay,
    outlook_for_order,
    outlook_for_shipment,
    published_estimate,
)
from wms.delivery.network import Destination, Network, network_from_mapping
from wms.delivery.transit import DeliveryRecord, TransitFit, TransitModel, learn_transit

__all__ = [
    "AWAITING_PICKUP",
    "DELIVERED",
    "EXCEPTION",
    "IN_TRANSIT",
    "ORDERED",
    "OUT_FOR_DELIVERY",
    "Backlog",
    "BusinessCalendar",
    "DelayVerdict",
    "DeliveryRecord",
    "Destination",
    "Estimate",
    "Network",
    "Outlook",
    "TrackingUpdate",
    "TransitFit",
    "TransitModel",
    "estimate",
    "estimate_for_cart",
    "judge_delay",
    "learn_transit",
    "load_network",
    "network_from_mapping",
    "outlook_for_order",
    "outlook_for_shipment",
    "plan_ship_date",
    "published_estimate",
]
