from datetime import date

import pytest

from wms.delivery import BusinessCalendar, Network
from wms.delivery.calendars import weekdays_from_names


def test_independence_day_is_not_a_working_day_in_the_us() -> None:
    assert not BusinessCalendar(country="US").is_open(date(2024, 7, 4))


def test_the_observed_friday_of_a_saturday_holiday_is_closed() -> None:
    # 2026-07-04 is a Saturday; the federal holiday is observed on Friday 3 July.
    assert not BusinessCalendar(country="US").is_open(date(2026, 7, 3))


def test_a_carrier_keeping_only_named_holidays_delivers_on_columbus_day(network: Network) -> None:
    keeps_some = network.delivery_calendar(carrier="bigbrown", service="ground", country="US")
    keeps_all = network.delivery_calendar(carrier="parcelco", service="ground", country="US")
    columbus_day = date(2024, 10, 14)
    assert keeps_some.is_open(columbus_day)
    assert not keeps_all.is_open(columbus_day)
    assert not keeps_some.is_open(date(2024, 11, 28))  # Thanksgiving is on its list


def test_golden_week_closes_every_day_from_the_third_to_the_sixth_of_may_2024() -> None:
    calendar = BusinessCalendar(country="JP")
    closed = [d for d in range(1, 8) if not calendar.is_open(date(2024, 5, d))]
    assert closed == [3, 4, 5, 6]


def test_a_carrier_that_ignores_holidays_delivers_in_golden_week(network: Network) -> None:
    calendar = network.delivery_calendar(carrier="kuroneko", service="standard", country="JP")
    assert all(calendar.is_open(date(2024, 5, d)) for d in range(3, 7))


def test_ukrainian_independence_day_and_its_bridge_day_were_closed_before_martial_law() -> None:
    calendar = BusinessCalendar(country="UA")
    assert not calendar.is_open(date(2021, 8, 23))
    assert not calendar.is_open(date(2021, 8, 24))
    assert calendar.is_open(date(2021, 8, 25))


def test_ukrainian_public_holidays_are_working_days_under_martial_law() -> None:
    assert BusinessCalendar(country="UA").is_open(date(2024, 12, 25))


def test_a_carrier_closed_day_applies_whatever_the_holiday_law(network: Network) -> None:
    calendar = network.delivery_calendar(carrier="ukr", service="standard", country="UA")
    assert not calendar.is_open(date(2024, 12, 25))
    assert calendar.is_open(date(2024, 12, 24))


def test_a_premium_service_delivers_on_saturday_where_the_plain_one_does_not(network: Network) -> None:
    saturday = date(2024, 6, 8)
    assert network.delivery_calendar(carrier="parcelco", service="saturday_express", country="US").is_open(
        saturday
    )
    assert not network.delivery_calendar(carrier="parcelco", service="ground", country="US").is_open(saturday)


def test_shifting_by_business_days_skips_the_weekend_and_memorial_day() -> None:
    assert BusinessCalendar(country="US").shift(date(2024, 5, 24), 1) == date(2024, 5, 28)


def test_shifting_by_zero_days_moves_a_closed_day_to_the_next_open_one() -> None:
    assert BusinessCalendar(country="US").shift(date(2024, 6, 8), 0) == date(2024, 6, 10)


def test_open_days_between_counts_the_end_but_not_the_start() -> None:
    calendar = BusinessCalendar(country="US")
    assert calendar.open_days_between(date(2024, 6, 3), date(2024, 6, 10)) == 5


def test_a_calendar_without_open_weekdays_is_refused() -> None:
    with pytest.raises(ValueError, match="no open weekday"):
        BusinessCalendar(country="US", open_weekdays=frozenset())


def test_an_unknown_weekday_name_is_refused_with_the_valid_names() -> None:
    with pytest.raises(ValueError, match="mon, tue"):
        weekdays_from_names(names=["funday"])
