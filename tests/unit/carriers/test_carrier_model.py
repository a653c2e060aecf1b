"""Carrier decisions: which service a carton takes, how long a pending label waits, and the carriers'
check-digit rules, checked against an implementation Kaeru did not write (the tracking-numbers
package, from the tracking_number_data definitions) and UPS's published sample number."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from tracking_numbers import DEFINITIONS, get_tracking_number

from wms.carriers.model import (
    NoService,
    Rate,
    choose_service,
    retry_delay_s,
    tracking_number_valid,
    ups_check_character,
    ups_tracking_number,
    usps_check_digit,
    usps_tracking_number,
)


def _checksum_refused(number: str) -> bool:
    """The independent validator matches the number's pattern and refuses its check digit."""
    tested = [definition.test(number) for definition in DEFINITIONS]
    matched = [found for found in tested if found is not None]
    return bool(matched) and all(not found.valid for found in matched)


def _rate(service: str, amount: str, days: int | None) -> Rate:
    return Rate(
        "UPS", service, Decimal(amount), "USD", date(2026, 12, 7 + days) if days is not None else None
    )


RATES = [_rate("ground", "9.80", 4), _rate("2day", "21.40", 2), _rate("nextday", "38.75", 1)]


def test_the_cheapest_service_that_keeps_the_promised_date_is_chosen() -> None:
    assert choose_service(RATES, promised=date(2026, 12, 9)).service == "2day"
    assert choose_service(RATES, promised=date(2026, 12, 31)).service == "ground"


def test_without_a_promise_the_cheapest_service_is_chosen() -> None:
    assert choose_service(RATES, promised=None).service == "ground"


def test_when_no_service_keeps_the_promise_the_fastest_is_chosen() -> None:
    assert choose_service(RATES, promised=date(2026, 12, 7)).service == "nextday"


def test_a_pinned_service_wins_over_price_and_an_unoffered_pin_is_refused() -> None:
    assert choose_service(RATES, promised=None, pinned="nextday").service == "nextday"
    with pytest.raises(NoService, match="not offered"):
        choose_service(RATES, promised=None, pinned="freight")
    with pytest.raises(NoService):
        choose_service([], promised=None)


def test_a_pending_label_backs_off_with_full_jitter_up_to_the_cap() -> None:
    rng = random.Random(7)
    waits = [retry_delay_s(attempt, base_s=2, cap_s=60, rng=rng) for attempt in range(12)]
    assert all(0 <= wait <= 60 for wait in waits)
    assert all(wait <= 2 * 2**attempt for attempt, wait in enumerate(waits))


def test_ups_published_sample_number_has_its_check_digit() -> None:
    # 1Z999AA10123456784: the sample tracking number in UPS's tracking API documentation.
    assert ups_check_character("999AA1012345678") == "4"
    assert tracking_number_valid("UPS", "1Z999AA10123456784")
    assert not tracking_number_valid("UPS", "1Z999AA10123456785")


@pytest.mark.parametrize("reference", [0, 1, 42, 1234567, 9999999])
@pytest.mark.parametrize(("shipper", "service"), [("KAE123", "03"), ("999AA1", "01"), ("A1B2C3", "02")])
def test_ups_numbers_pass_an_independent_validator(shipper: str, service: str, reference: int) -> None:
    number = ups_tracking_number(shipper, service, reference)
    found = get_tracking_number(number)
    assert found is not None, number
    assert found.courier.code == "ups"
    assert found.valid
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert _checksum_refused(wrong)
    assert not tracking_number_valid("UPS", wrong)


@pytest.mark.parametrize("serial", [0, 1, 4780121, 9999999])
@pytest.mark.parametrize("service", ["94001", "94055", "92001"])
def test_usps_impb_numbers_pass_an_independent_validator(service: str, serial: int) -> None:
    number = usps_tracking_number(service, "900123456", serial)
    assert len(number) == 22
    found = get_tracking_number(number)
    assert found is not None, number
    assert found.courier.code == "usps"
    assert found.valid
    wrong = number[:-1] + str((int(number[-1]) + 3) % 10)
    assert _checksum_refused(wrong)
    assert not tracking_number_valid("USPS", wrong)


def test_the_usps_check_digit_weighs_digits_three_and_one_from_the_right() -> None:
    # 21 digits 9400111899223100000000 without check: 3*(9+0+1+8+9+2+1+0+0+0+0) + (4+0+1+1+9+2+3+0+0+0) = 110
    body = "940011189922310000000"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    assert usps_check_digit(body) == str((10 - total % 10) % 10)
