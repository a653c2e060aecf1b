from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulators.deliveries import simulate_deliveries
from wms.delivery import (
    DELIVERED,
    EXCEPTION,
    IN_TRANSIT,
    OUT_FOR_DELIVERY,
    Backlog,
    Destination,
    Network,
    TrackingUpdate,
    TransitModel,
    estimate_for_cart,
    learn_transit,
    load_network,
    outlook_for_order,
    outlook_for_shipment,
)

CONFIG = Path(__file__).resolve().parents[3] / "config" / "delivery.yaml"
POSTAL_CODES = {"US": ["94105", "10001", "60601", "99501", "07030"], "JP": ["1000001", "9000001", "0600001"],
                "UA": ["01001", "79000", "61000"]}  # fmt: skip


@pytest.fixture(scope="module")
def shipped_network() -> Network:
    return load_network(path=CONFIG)


@pytest.fixture(scope="module")
def learned(shipped_network: Network) -> TransitModel:
    history = simulate_deliveries(network=shipped_network, count=3000, seed=11)
    return learn_transit(network=shipped_network, records=[p.record() for p in history])


def lanes(network: Network) -> list[tuple[str, str, str, str]]:
    """(warehouse, carrier, service, destination country) for every configured lane."""
    found = []
    for code, site in network.warehouses.items():
        for carrier in network.carriers.values():
            for service in carrier.services.values():
                found.extend(
                    (code, carrier.code, service.code, lane.destination)
                    for lane in service.lanes
                    if lane.origin == site.country and not lane.postal_prefix
                )
    return found


moments = st.datetimes(
    min_value=datetime(2023, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
confidences = st.floats(min_value=0.01, max_value=0.99)
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(data=st.data(), placed_at=moments, low=confidences, high=confidences)
def test_an_order_estimate_is_on_a_delivery_day_after_shipping_and_monotone_in_confidence(
    shipped_network: Network,
    learned: TransitModel,
    data: st.DataObject,
    placed_at: datetime,
    low: float,
    high: float,
) -> None:
    warehouse, carrier, service, country = data.draw(st.sampled_from(lanes(shipped_network)))
    destination = Destination(country=country, postal_code=data.draw(st.sampled_from(POSTAL_CODES[country])))
    outlook = outlook_for_order(
        network=shipped_network,
        transit=learned,
        warehouse=warehouse,
        carrier=carrier,
        service=service,
        destination=destination,
        placed_at=placed_at,
    )
    low, high = sorted((low, high))
    calendar = shipped_network.delivery_calendar(carrier=carrier, service=service, country=country)
    site = shipped_network.warehouses[warehouse]
    assert outlook.ship_date is not None
    assert outlook.ship_date >= placed_at.astimezone(ZoneInfo(site.timezone)).date()
    assert site.calendar.is_open(outlook.ship_date)
    assert shipped_network.pickup_calendar(carrier=carrier, country=site.country).is_open(outlook.ship_date)
    for confidence in (low, high):
        assert outlook.quantile(confidence) >= outlook.ship_date
        assert calendar.is_open(outlook.quantile(confidence))
    assert outlook.quantile(low) <= outlook.quantile(high)


@SETTINGS
@given(
    data=st.data(),
    shipped=st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 1)),
    hours=st.lists(st.integers(min_value=1, max_value=24 * 20), max_size=5),
    kinds=st.lists(st.sampled_from([IN_TRANSIT, EXCEPTION, OUT_FOR_DELIVERY]), min_size=5, max_size=5),
    wait=st.integers(min_value=0, max_value=24 * 30),
    low=confidences,
    high=confidences,
)
def test_a_shipment_estimate_after_any_events_is_a_delivery_day_not_before_today_or_shipping(
    shipped_network: Network, learned: TransitModel, data: st.DataObject, shipped: date, hours: list[int],
    kinds: list[str], wait: int, low: float, high: float,
) -> None:  # fmt: skip
    warehouse, carrier, service, country = data.draw(st.sampled_from(lanes(shipped_network)))
    destination = Destination(country=country, postal_code=data.draw(st.sampled_from(POSTAL_CODES[country])))
    start = datetime.combine(shipped, datetime.min.time(), tzinfo=UTC) + timedelta(hours=18)
    events = [
        TrackingUpdate(kind=kind, at=start + timedelta(hours=h))
        for kind, h in zip(kinds, sorted(hours), strict=False)
    ]
    now = start + timedelta(hours=max(hours, default=0) + wait)
    outlook = outlook_for_shipment(
        network=shipped_network,
        transit=learned,
        warehouse=warehouse,
        carrier=carrier,
        service=service,
        destination=destination,
        shipped_on=shipped,
        events=events,
        now=now,
    )
    assert outlook.state != DELIVERED
    low, high = sorted((low, high))
    today = now.astimezone(ZoneInfo(shipped_network.timezone_of(country=country))).date()
    calendar = shipped_network.delivery_calendar(carrier=carrier, service=service, country=country)
    for confidence in (low, high):
        day = outlook.quantile(confidence)
        assert day >= shipped
        assert day >= today
        assert calendar.is_open(day)
    assert outlook.quantile(low) <= outlook.quantile(high)
    assert abs(sum(outlook.pmf) - 1.0) < 1e-6


@SETTINGS
@given(data=st.data(), placed_at=moments, open_lines=st.integers(min_value=0, max_value=20_000))
def test_cart_answers_come_soonest_first_each_inside_its_range_and_after_its_ship_date(
    shipped_network: Network, learned: TransitModel, data: st.DataObject, placed_at: datetime, open_lines: int
) -> None:
    warehouse = data.draw(st.sampled_from(sorted(shipped_network.warehouses)))
    country = data.draw(st.sampled_from(sorted(POSTAL_CODES)))
    destination = Destination(country=country, postal_code=data.draw(st.sampled_from(POSTAL_CODES[country])))
    answers = estimate_for_cart(
        network=shipped_network,
        transit=learned,
        warehouse=warehouse,
        destination=destination,
        placed_at=placed_at,
        backlog=Backlog(open_lines=open_lines, lines_per_hour=0),
    )
    assert answers
    assert [a.on for a in answers] == sorted(a.on for a in answers)
    for answer in answers:
        assert answer.ship_date is not None
        assert answer.ship_date <= answer.earliest <= answer.on <= answer.latest
