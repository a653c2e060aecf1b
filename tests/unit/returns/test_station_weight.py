"""What a returns station's scale reading means for the parcel on it: the exact reading, and the
whole grams (rounded half up) a parcel's record keeps."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from wms.db import utcnow
from wms.identity.model import plain_grams, whole_grams
from wms.identity.tables import Station
from wms.returns.stations import station_exact_weight, station_weight


def station(grams: str | None, *, stable: bool = True, minutes_ago: int = 0) -> Station:
    return Station(
        warehouse_id=1,
        code="RET-1",
        kind="returns",
        last_weight_g=None if grams is None else Decimal(grams),
        last_weight_stable=stable,
        last_weight_at=utcnow() - timedelta(minutes=minutes_ago),
    )


@pytest.mark.parametrize(
    ("reading", "exact", "whole"),
    [
        ("440.5", Decimal("440.5"), 441),  # half up, not to the even 440
        ("441.5", Decimal("441.5"), 442),
        ("440.499", Decimal("440.499"), 440),
        ("440.500", Decimal("440.5"), 441),
        ("0.4", Decimal("0.4"), 0),
        ("1250.000", Decimal(1250), 1250),
    ],
)
def test_a_stable_recent_reading_is_exact_on_the_station_and_whole_grams_half_up_for_the_parcel(
    reading: str, exact: Decimal, whole: int
) -> None:
    assert station_exact_weight(station(reading)) == exact
    assert str(station_exact_weight(station(reading))) == str(exact)
    assert station_weight(station(reading)) == whole


@pytest.mark.parametrize(
    "scale", [station(None), station("440.5", stable=False), station("440.5", minutes_ago=6), None]
)
def test_no_weight_without_a_stable_recent_reading(scale: Station | None) -> None:
    assert station_exact_weight(scale) is None
    assert station_weight(scale) is None


def test_a_weight_is_shown_without_trailing_zeros_or_an_exponent() -> None:
    assert str(plain_grams(Decimal("1E+3"))) == "1000"
    assert str(plain_grams(Decimal("1234.500"))) == "1234.5"
    assert str(plain_grams(Decimal("0.000"))) == "0"
    assert whole_grams(Decimal("2.5")) == 3
