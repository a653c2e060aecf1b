from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from wms.delivery import (
    DELIVERED,
    EXCEPTION,
    IN_TRANSIT,
    OUT_FOR_DELIVERY,
    Destination,
    Network,
    TrackingUpdate,
    TransitModel,
    estimate,
    estimate_for_cart,
    outlook_for_order,
    outlook_for_shipment,
    published_estimate,
)
from wms.delivery.model import Outlook

NEW_YORK = ZoneInfo("America/New_York")
SAN_FRANCISCO = Destination(country="US", postal_code="94105")


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=NEW_YORK)


def shipment(
    network: Network, transit: TransitModel, *, events: list[TrackingUpdate], now: datetime, shipped_on: date
) -> Outlook:
    return outlook_for_shipment(
        network=network,
        transit=transit,
        warehouse="us-nj",
        carrier="parcelco",
        service="ground",
        destination=SAN_FRANCISCO,
        shipped_on=shipped_on,
        events=events,
        now=now,
    )


def test_a_cart_gets_one_estimate_per_service_serving_the_destination_soonest_first(
    network: Network, prior_only: TransitModel
) -> None:
    answers = estimate_for_cart(
        network=network,
        transit=prior_only,
        warehouse="us-nj",
        destination=SAN_FRANCISCO,
        placed_at=at(2024, 6, 3, 10),
    )
    assert [(a.carrier, a.service) for a in answers] == [
        ("parcelco", "saturday_express"),
        ("bigbrown", "ground"),
        ("parcelco", "ground"),
    ]
    assert [a.on for a in answers] == [date(2024, 6, 4), date(2024, 6, 5), date(2024, 6, 6)]


def test_a_cart_to_a_country_no_service_reaches_gets_no_estimate(
    network: Network, prior_only: TransitModel
) -> None:
    answers = estimate_for_cart(
        network=network,
        transit=prior_only,
        warehouse="us-nj",
        destination=Destination(country="JP", postal_code="100-0001"),
        placed_at=at(2024, 6, 3, 10),
    )
    assert answers == ()


def test_the_estimate_range_contains_the_estimate(network: Network, prior_only: TransitModel) -> None:
    (answer, *_) = estimate_for_cart(
        network=network,
        transit=prior_only,
        warehouse="us-nj",
        destination=SAN_FRANCISCO,
        placed_at=at(2024, 6, 3, 10),
        confidence=0.97,
        services=[("parcelco", "ground")],
    )
    assert answer.earliest <= answer.on <= answer.latest
    assert answer.on == date(2024, 6, 10)  # 97% reaches into the table's tail: two days past its 3


def test_an_order_still_waiting_to_ship_is_replanned_from_now(
    network: Network, prior_only: TransitModel
) -> None:
    outlook = outlook_for_order(
        network=network,
        transit=prior_only,
        warehouse="us-nj",
        carrier="parcelco",
        service="ground",
        destination=SAN_FRANCISCO,
        placed_at=at(2024, 6, 3, 10),
        now=at(2024, 6, 5, 17),
    )
    assert outlook.ship_date == date(2024, 6, 6)


def test_an_order_for_a_service_that_does_not_serve_the_lane_is_refused(
    network: Network, prior_only: TransitModel
) -> None:
    with pytest.raises(ValueError, match="no transit table or history"):
        outlook_for_order(
            network=network,
            transit=prior_only,
            warehouse="us-nj",
            carrier="parcelco",
            service="ground",
            destination=Destination(country="UA", postal_code="01001"),
            placed_at=at(2024, 6, 3, 10),
        )


def test_an_unknown_warehouse_is_named_in_the_error(network: Network, prior_only: TransitModel) -> None:
    with pytest.raises(KeyError, match="nowhere"):
        estimate_for_cart(
            network=network,
            transit=prior_only,
            warehouse="nowhere",
            destination=SAN_FRANCISCO,
            placed_at=at(2024, 6, 3),
        )


def test_a_shipment_out_for_delivery_is_expected_today(network: Network, prior_only: TransitModel) -> None:
    events = [
        TrackingUpdate(kind=IN_TRANSIT, at=at(2024, 6, 3, 18)),
        TrackingUpdate(kind=OUT_FOR_DELIVERY, at=at(2024, 6, 4, 8)),
    ]
    outlook = shipment(network, prior_only, events=events, now=at(2024, 6, 4, 9), shipped_on=date(2024, 6, 3))
    answer = estimate(network=network, outlook=outlook)
    assert (answer.state, answer.on, answer.earliest, answer.latest) == (
        OUT_FOR_DELIVERY,
        *[date(2024, 6, 4)] * 3,
    )


def test_a_delivered_shipment_keeps_its_delivery_date_even_on_a_sunday(
    network: Network, prior_only: TransitModel
) -> None:
    events = [TrackingUpdate(kind=DELIVERED, at=at(2024, 6, 9, 11))]
    outlook = shipment(network, prior_only, events=events, now=at(2024, 6, 10), shipped_on=date(2024, 6, 5))
    assert (outlook.state, outlook.quantile(0.99)) == (DELIVERED, date(2024, 6, 9))


def test_a_carrier_exception_pushes_the_estimate_back_by_the_carriers_delay(
    network: Network, prior_only: TransitModel
) -> None:
    scans = [TrackingUpdate(kind=IN_TRANSIT, at=at(2024, 6, 3, 18))]
    on_track = shipment(
        network, prior_only, events=scans, now=at(2024, 6, 4, 10), shipped_on=date(2024, 6, 3)
    )
    trouble = [*scans, TrackingUpdate(kind=EXCEPTION, at=at(2024, 6, 4, 10), location="Memphis hub")]
    delayed = shipment(
        network, prior_only, events=trouble, now=at(2024, 6, 4, 10), shipped_on=date(2024, 6, 3)
    )
    assert on_track.quantile(0.8) == date(2024, 6, 6)
    assert (delayed.state, delayed.quantile(0.8)) == (EXCEPTION, date(2024, 6, 10))


def test_a_parcel_in_transit_past_its_usual_day_is_expected_no_earlier_than_today(
    network: Network, prior_only: TransitModel
) -> None:
    scans = [
        TrackingUpdate(kind=IN_TRANSIT, at=at(2024, 6, 3, 18)),
        TrackingUpdate(kind=IN_TRANSIT, at=at(2024, 6, 7)),
    ]
    outlook = shipment(network, prior_only, events=scans, now=at(2024, 6, 10, 9), shipped_on=date(2024, 6, 3))
    assert outlook.quantile(0.1) >= date(2024, 6, 10)


def test_a_parcel_older_than_any_seen_transit_is_still_given_a_date(
    network: Network, prior_only: TransitModel
) -> None:
    scans = [TrackingUpdate(kind=IN_TRANSIT, at=at(2024, 6, 3, 18))]
    outlook = shipment(network, prior_only, events=scans, now=at(2024, 8, 1, 9), shipped_on=date(2024, 6, 3))
    assert date(2024, 8, 1) <= outlook.quantile(0.5) <= date(2024, 8, 1) + timedelta(days=7)


def test_a_shipment_without_a_carrier_scan_is_awaiting_pickup(
    network: Network, prior_only: TransitModel
) -> None:
    outlook = shipment(network, prior_only, events=[], now=at(2024, 6, 3, 19), shipped_on=date(2024, 6, 3))
    assert outlook.state == "awaiting_pickup"


def test_the_naive_promise_is_the_configured_upper_bound_after_the_cutoff(network: Network) -> None:
    quote = published_estimate(
        network=network,
        warehouse="us-nj",
        carrier="parcelco",
        service="ground",
        destination=SAN_FRANCISCO,
        placed_at=at(2024, 8, 30, 17),
    )
    assert (quote.ship_date, quote.on) == (date(2024, 9, 3), date(2024, 9, 6))


def test_a_tracking_event_time_without_a_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        TrackingUpdate(kind=IN_TRANSIT, at=datetime(2024, 6, 3, 12, 0))


def test_an_unknown_tracking_event_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="out_for_delivery"):
        TrackingUpdate(kind="teleported", at=datetime(2024, 6, 3, 12, 0, tzinfo=UTC))


def test_a_failed_delivery_attempt_yesterday_moves_the_estimate_to_today_or_later(
    network: Network, prior_only: TransitModel
) -> None:
    events = [
        TrackingUpdate(kind=IN_TRANSIT, at=at(2024, 6, 3, 18)),
        TrackingUpdate(kind=OUT_FOR_DELIVERY, at=at(2024, 6, 6, 8)),
    ]
    outlook = shipment(network, prior_only, events=events, now=at(2024, 6, 7, 7), shipped_on=date(2024, 6, 3))
    assert outlook.state == IN_TRANSIT
    assert outlook.quantile(0.01) == date(2024, 6, 7)


def test_an_estimate_without_a_confidence_uses_the_configured_one(
    network: Network, prior_only: TransitModel
) -> None:
    outlook = outlook_for_order(
        network=network,
        transit=prior_only,
        warehouse="us-nj",
        carrier="parcelco",
        service="ground",
        destination=SAN_FRANCISCO,
        placed_at=at(2024, 6, 3, 10),
    )
    answer = estimate(network=network, outlook=outlook)
    assert answer.confidence == network.confidence
    assert answer.on == outlook.quantile(network.confidence)


def test_a_friday_order_for_the_saturday_service_arrives_on_saturday(
    network: Network, prior_only: TransitModel
) -> None:
    (answer,) = estimate_for_cart(
        network=network,
        transit=prior_only,
        warehouse="us-nj",
        destination=SAN_FRANCISCO,
        placed_at=at(2024, 6, 7, 9),
        services=[("parcelco", "saturday_express")],
    )
    assert answer.on == date(2024, 6, 8)


def test_a_cart_to_a_country_missing_from_the_configuration_gets_no_estimate(
    network: Network, prior_only: TransitModel
) -> None:
    answers = estimate_for_cart(
        network=network,
        transit=prior_only,
        warehouse="us-nj",
        destination=Destination(country="DE", postal_code="10115"),
        placed_at=at(2024, 6, 3, 10),
    )
    assert answers == ()
