from datetime import date, datetime
from zoneinfo import ZoneInfo

from wms.delivery import (
    DELIVERED,
    EXCEPTION,
    IN_TRANSIT,
    Backlog,
    Destination,
    Network,
    TrackingUpdate,
    TransitModel,
    judge_delay,
    outlook_for_order,
    outlook_for_shipment,
)
from wms.delivery.model import Outlook

NEW_YORK = ZoneInfo("America/New_York")
SAN_FRANCISCO = Destination(country="US", postal_code="94105")
PROMISED = date(2024, 6, 6)  # ground: shipped Monday 3 June, three business days


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2024, month, day, hour, 0, tzinfo=NEW_YORK)


def shipment(
    network: Network, transit: TransitModel, *, events: list[TrackingUpdate], now: datetime
) -> Outlook:
    return outlook_for_shipment(
        network=network,
        transit=transit,
        warehouse="us-nj",
        carrier="parcelco",
        service="ground",
        destination=SAN_FRANCISCO,
        shipped_on=date(2024, 6, 3),
        events=events,
        now=now,
    )


PICKED_UP = TrackingUpdate(kind=IN_TRANSIT, at=at(6, 3, 18))


def test_a_parcel_on_schedule_raises_no_notice(network: Network, prior_only: TransitModel) -> None:
    verdict = judge_delay(
        network=network,
        outlook=shipment(network, prior_only, events=[PICKED_UP], now=at(6, 4)),
        promised_on=PROMISED,
    )
    assert (verdict.late, verdict.reason) == (False, "on_track")
    assert verdict.probability < 0.5


def test_a_carrier_exception_the_day_before_the_promise_raises_a_notice_with_its_reason(
    network: Network, prior_only: TransitModel
) -> None:
    events = [PICKED_UP, TrackingUpdate(kind=EXCEPTION, at=at(6, 5, 9), location="weather")]
    verdict = judge_delay(
        network=network,
        outlook=shipment(network, prior_only, events=events, now=at(6, 5, 9)),
        promised_on=PROMISED,
    )
    assert (verdict.late, verdict.reason) == (True, "carrier_exception")
    assert verdict.probability > 0.9
    assert verdict.expected_on > PROMISED


def test_a_parcel_still_in_transit_after_its_promised_date_is_late_for_certain(
    network: Network, prior_only: TransitModel
) -> None:
    verdict = judge_delay(
        network=network,
        outlook=shipment(network, prior_only, events=[PICKED_UP], now=at(6, 7, 9)),
        promised_on=PROMISED,
    )
    assert (verdict.late, verdict.probability, verdict.reason) == (True, 1.0, "promised_date_passed")


def test_a_parcel_without_a_carrier_scan_on_the_promised_day_is_reported_as_awaiting_the_carrier(
    network: Network, prior_only: TransitModel
) -> None:
    verdict = judge_delay(
        network=network,
        outlook=shipment(network, prior_only, events=[], now=at(6, 6, 8)),
        promised_on=PROMISED,
    )
    assert (verdict.late, verdict.reason) == (True, "awaiting_carrier_scan")


def test_an_order_held_up_by_a_backlog_raises_a_notice_before_it_ships(
    network: Network, prior_only: TransitModel
) -> None:
    outlook = outlook_for_order(
        network=network,
        transit=prior_only,
        warehouse="us-nj",
        carrier="parcelco",
        service="ground",
        destination=SAN_FRANCISCO,
        placed_at=at(6, 3, 10),
        backlog=Backlog(open_lines=2500, lines_per_hour=100),
    )
    verdict = judge_delay(network=network, outlook=outlook, promised_on=PROMISED)
    assert (verdict.late, verdict.reason) == (True, "not_yet_shipped")


def test_a_delivered_parcel_never_raises_a_notice(network: Network, prior_only: TransitModel) -> None:
    events = [PICKED_UP, TrackingUpdate(kind=DELIVERED, at=at(6, 10))]
    verdict = judge_delay(
        network=network,
        outlook=shipment(network, prior_only, events=events, now=at(6, 10, 13)),
        promised_on=PROMISED,
    )
    assert (verdict.late, verdict.reason, verdict.probability) == (False, "delivered", 1.0)


def test_a_stricter_threshold_holds_back_a_notice_a_looser_one_sends(
    network: Network, prior_only: TransitModel
) -> None:
    # At noon on the promised day with no scan since pick-up the chance of missing it is real but not certain.
    outlook = shipment(network, prior_only, events=[PICKED_UP], now=at(6, 6))
    probability = outlook.probability_after(PROMISED)
    assert 0 < probability < 1
    assert judge_delay(
        network=network, outlook=outlook, promised_on=PROMISED, threshold=probability - 0.01
    ).late
    assert not judge_delay(
        network=network, outlook=outlook, promised_on=PROMISED, threshold=probability + 0.01
    ).late
