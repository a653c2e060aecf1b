from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from wms.delivery import Backlog, Destination, Network, TransitModel, outlook_for_order, plan_ship_date

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
KYIV = ZoneInfo("Europe/Kyiv")
SAN_FRANCISCO = Destination(country="US", postal_code="94105")
OSAKA = Destination(country="JP", postal_code="530-0001")
LVIV = Destination(country="UA", postal_code="79000")


def ship_and_deliver(
    network: Network, transit: TransitModel, *, warehouse: str, carrier: str, service: str, at: datetime,
    destination: Destination,
) -> tuple[date | None, date]:  # fmt: skip
    outlook = outlook_for_order(
        network=network,
        transit=transit,
        warehouse=warehouse,
        carrier=carrier,
        service=service,
        destination=destination,
        placed_at=at,
    )
    return outlook.ship_date, outlook.quantile(network.confidence)


def test_an_order_at_1559_before_labor_day_weekend_ships_that_friday(
    network: Network, prior_only: TransitModel
) -> None:
    shipped, delivered = ship_and_deliver(
        network, prior_only, warehouse="us-nj", carrier="parcelco", service="ground",
        at=datetime(2024, 8, 30, 15, 59, tzinfo=NEW_YORK), destination=SAN_FRANCISCO,
    )  # fmt: skip
    assert (shipped, delivered) == (date(2024, 8, 30), date(2024, 9, 5))


def test_an_order_at_1601_before_labor_day_weekend_ships_the_tuesday_after(
    network: Network, prior_only: TransitModel
) -> None:
    shipped, delivered = ship_and_deliver(
        network, prior_only, warehouse="us-nj", carrier="parcelco", service="ground",
        at=datetime(2024, 8, 30, 16, 1, tzinfo=NEW_YORK), destination=SAN_FRANCISCO,
    )  # fmt: skip
    assert (shipped, delivered) == (date(2024, 9, 3), date(2024, 9, 6))


def test_the_cutoff_is_judged_on_the_warehouse_clock_not_utc(
    network: Network, prior_only: TransitModel
) -> None:
    # 20:01 UTC on 30 August 2024 is 16:01 in New Jersey (daylight time).
    shipped, _ = ship_and_deliver(
        network, prior_only, warehouse="us-nj", carrier="parcelco", service="ground",
        at=datetime(2024, 8, 30, 20, 1, tzinfo=UTC), destination=SAN_FRANCISCO,
    )  # fmt: skip
    assert shipped == date(2024, 9, 3)


def test_thanksgiving_moves_a_wednesday_evening_order_to_friday(
    network: Network, prior_only: TransitModel
) -> None:
    shipped, delivered = ship_and_deliver(
        network, prior_only, warehouse="us-nj", carrier="parcelco", service="ground",
        at=datetime(2024, 11, 27, 18, 0, tzinfo=NEW_YORK), destination=SAN_FRANCISCO,
    )  # fmt: skip
    assert (shipped, delivered) == (date(2024, 11, 29), date(2024, 12, 4))


def test_an_order_before_the_cutoff_on_the_eve_of_golden_week_arrives_after_it(
    network: Network, prior_only: TransitModel
) -> None:
    shipped, delivered = ship_and_deliver(
        network, prior_only, warehouse="jp-kanto", carrier="jpost", service="yupack",
        at=datetime(2024, 5, 2, 13, 59, tzinfo=TOKYO), destination=OSAKA,
    )  # fmt: skip
    assert (shipped, delivered) == (date(2024, 5, 2), date(2024, 5, 8))


def test_an_order_after_the_cutoff_on_the_eve_of_golden_week_ships_on_the_seventh(
    network: Network, prior_only: TransitModel
) -> None:
    shipped, delivered = ship_and_deliver(
        network, prior_only, warehouse="jp-kanto", carrier="jpost", service="yupack",
        at=datetime(2024, 5, 2, 14, 1, tzinfo=TOKYO), destination=OSAKA,
    )  # fmt: skip
    assert (shipped, delivered) == (date(2024, 5, 7), date(2024, 5, 9))


def test_a_carrier_working_through_golden_week_delivers_during_it(
    network: Network, prior_only: TransitModel
) -> None:
    _, delivered = ship_and_deliver(
        network, prior_only, warehouse="jp-kanto", carrier="kuroneko", service="standard",
        at=datetime(2024, 5, 2, 13, 0, tzinfo=TOKYO), destination=OSAKA,
    )  # fmt: skip
    assert delivered == date(2024, 5, 3)


def test_a_kyiv_order_after_the_cutoff_before_independence_day_2021_ships_on_the_25th(
    network: Network, prior_only: TransitModel
) -> None:
    shipped, delivered = ship_and_deliver(
        network, prior_only, warehouse="ua-kyiv", carrier="ukr", service="standard",
        at=datetime(2021, 8, 20, 15, 1, tzinfo=KYIV), destination=LVIV,
    )  # fmt: skip
    assert (shipped, delivered) == (date(2021, 8, 25), date(2021, 8, 27))


def test_a_kyiv_warehouse_ships_on_christmas_under_martial_law(
    network: Network, prior_only: TransitModel
) -> None:
    shipped, delivered = ship_and_deliver(
        network, prior_only, warehouse="ua-kyiv", carrier="nova", service="branch",
        at=datetime(2024, 12, 24, 16, 0, tzinfo=KYIV), destination=LVIV,
    )  # fmt: skip
    assert (shipped, delivered) == (date(2024, 12, 25), date(2024, 12, 26))


def test_a_carrier_closed_on_christmas_collects_the_day_after(
    network: Network, prior_only: TransitModel
) -> None:
    shipped, delivered = ship_and_deliver(
        network, prior_only, warehouse="ua-kyiv", carrier="ukr", service="standard",
        at=datetime(2024, 12, 24, 16, 0, tzinfo=KYIV), destination=LVIV,
    )  # fmt: skip
    assert (shipped, delivered) == (date(2024, 12, 26), date(2024, 12, 30))


def test_a_backlog_of_two_days_of_picking_adds_two_working_days(network: Network) -> None:
    site = network.warehouses["us-nj"]  # 100 lines an hour for 8 hours: 800 lines a day
    pickup = network.pickup_calendar(carrier="parcelco", country="US")
    monday = datetime(2024, 6, 3, 10, 0, tzinfo=NEW_YORK)
    assert plan_ship_date(warehouse=site, pickup=pickup, placed_at=monday) == date(2024, 6, 3)
    backlog = Backlog(open_lines=1700, lines_per_hour=100)
    assert plan_ship_date(warehouse=site, pickup=pickup, placed_at=monday, backlog=backlog) == date(
        2024, 6, 5
    )


def test_a_faster_floor_clears_the_same_backlog_sooner(network: Network) -> None:
    site = network.warehouses["us-nj"]
    pickup = network.pickup_calendar(carrier="parcelco", country="US")
    monday = datetime(2024, 6, 3, 10, 0, tzinfo=NEW_YORK)
    backlog = Backlog(open_lines=1700, lines_per_hour=250)
    assert plan_ship_date(warehouse=site, pickup=pickup, placed_at=monday, backlog=backlog) == date(
        2024, 6, 3
    )


def test_an_order_time_without_a_timezone_is_refused(network: Network) -> None:
    site = network.warehouses["us-nj"]
    pickup = network.pickup_calendar(carrier="parcelco", country="US")
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_ship_date(warehouse=site, pickup=pickup, placed_at=datetime(2024, 6, 3, 10, 0))


def test_a_backlog_without_a_measured_pace_uses_the_warehouses_configured_pace(network: Network) -> None:
    site = network.warehouses["us-nj"]
    pickup = network.pickup_calendar(carrier="parcelco", country="US")
    monday = datetime(2024, 6, 3, 10, 0, tzinfo=NEW_YORK)
    backlog = Backlog(open_lines=900, lines_per_hour=0)
    assert plan_ship_date(warehouse=site, pickup=pickup, placed_at=monday, backlog=backlog) == date(
        2024, 6, 4
    )
