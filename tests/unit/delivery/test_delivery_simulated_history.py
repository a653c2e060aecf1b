from collections import Counter
from datetime import date
from itertools import pairwise
from pathlib import Path
from statistics import mean

import pytest

from simulators.deliveries import SimulatedDelivery, main, simulate_deliveries
from wms.delivery import DELIVERED, Network, load_network

CONFIG = Path(__file__).resolve().parents[3] / "config" / "delivery.yaml"


@pytest.fixture(scope="module")
def shipped_network() -> Network:
    return load_network(path=CONFIG)


@pytest.fixture(scope="module")
def full_history(shipped_network: Network) -> list[SimulatedDelivery]:
    return simulate_deliveries(network=shipped_network)


def business_days(network: Network, parcel: SimulatedDelivery) -> int:
    calendar = network.delivery_calendar(
        carrier=parcel.carrier, service=parcel.service, country=parcel.destination.country
    )
    return calendar.open_days_between(parcel.shipped_on, parcel.delivered_on)


def test_the_default_history_holds_at_least_twenty_thousand_deliveries_in_order(
    full_history: list[SimulatedDelivery],
) -> None:
    assert len(full_history) >= 20_000
    assert all(a.placed_at <= b.placed_at for a, b in pairwise(full_history))


def test_the_same_seed_gives_the_same_history(shipped_network: Network) -> None:
    first = simulate_deliveries(network=shipped_network, count=500, seed=3)
    again = simulate_deliveries(network=shipped_network, count=500, seed=3)
    other = simulate_deliveries(network=shipped_network, count=500, seed=4)
    assert first == again
    assert first != other


def test_no_parcel_arrives_on_a_day_its_carrier_does_not_deliver(
    shipped_network: Network, full_history: list[SimulatedDelivery]
) -> None:
    for parcel in full_history:
        calendar = shipped_network.delivery_calendar(
            carrier=parcel.carrier, service=parcel.service, country=parcel.destination.country
        )
        assert calendar.is_open(parcel.delivered_on), parcel


def test_sunday_deliveries_come_only_from_carriers_that_deliver_on_sundays(
    full_history: list[SimulatedDelivery],
) -> None:
    on_sunday = Counter(p.carrier for p in full_history if p.delivered_on.weekday() == 6)
    assert set(on_sunday) == {"yamato", "nova_poshta"}


def test_no_usps_parcel_arrives_in_the_us_on_independence_day_or_christmas(
    full_history: list[SimulatedDelivery],
) -> None:
    holidays = {date(2023, 7, 4), date(2024, 7, 4), date(2023, 12, 25), date(2024, 12, 25)}
    domestic = [p for p in full_history if p.carrier == "usps" and p.destination.country == "US"]
    assert len(domestic) > 1000
    assert not [p for p in domestic if p.delivered_on in holidays]


def test_parcels_ship_no_earlier_than_ordered_and_arrive_after_shipping(
    full_history: list[SimulatedDelivery],
) -> None:
    for parcel in full_history:
        assert parcel.placed_at.date() - date.resolution <= parcel.shipped_on < parcel.delivered_on


def test_weekend_pickups_happen_only_for_carriers_collecting_at_weekends(
    shipped_network: Network, full_history: list[SimulatedDelivery]
) -> None:
    weekend = {p.carrier for p in full_history if p.shipped_on.weekday() >= 5}
    assert weekend
    for carrier in weekend:
        assert shipped_network.carriers[carrier].pickup_weekdays & {5, 6}


def test_december_parcels_take_longer_than_spring_parcels(
    shipped_network: Network, full_history: list[SimulatedDelivery]
) -> None:
    ground = [p for p in full_history if (p.carrier, p.service) == ("ups", "ground")]
    spring = mean(business_days(shipped_network, p) for p in ground if p.shipped_on.month in (3, 4, 5))
    december = mean(business_days(shipped_network, p) for p in ground if p.shipped_on.month == 12)
    assert december > spring + 0.3


def test_the_west_coast_takes_longer_than_new_york_from_new_jersey(
    shipped_network: Network, full_history: list[SimulatedDelivery]
) -> None:
    ground = [p for p in full_history if (p.carrier, p.service) == ("ups", "ground")]
    west = mean(business_days(shipped_network, p) for p in ground if p.destination.postal_code[0] == "9")
    east = mean(business_days(shipped_network, p) for p in ground if p.destination.postal_code[0] in "01")
    assert west > east + 2


def test_every_parcel_has_a_pickup_scan_first_and_a_delivered_scan_last(
    full_history: list[SimulatedDelivery],
) -> None:
    for parcel in full_history[:2000]:
        kinds = [e.kind for e in parcel.events]
        assert kinds[0] == "in_transit"
        assert kinds[-1] == DELIVERED
        assert [e.at for e in parcel.events] == sorted(e.at for e in parcel.events)


def test_a_few_parcels_are_very_late(shipped_network: Network, full_history: list[SimulatedDelivery]) -> None:
    long_tail = [p for p in full_history if business_days(shipped_network, p) >= 10]
    assert 0.005 * len(full_history) < len(long_tail) < 0.08 * len(full_history)


def test_the_command_line_prints_one_json_line_per_delivery(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--count", "25", "--seed", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 25
    assert lines[0].startswith('{"order_number": "ORD-000001"')
