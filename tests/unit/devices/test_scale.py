"""MT-SICS answers read and written, and which readings are news."""

from __future__ import annotations

from decimal import Decimal

import pytest

from devices.scale import (
    ProtocolError,
    ScaleCondition,
    SerialScale,
    Weighed,
    Weight,
    format_mt_sics,
    is_news,
    parse_mt_sics,
    to_grams,
)


def test_a_stable_answer_is_a_stable_weight_in_grams() -> None:
    assert parse_mt_sics("S S     123.45 g") == Weighed(grams=Decimal("123.45"), stable=True)


def test_a_dynamic_answer_is_an_unstable_weight() -> None:
    assert parse_mt_sics("S D     100.6 g\r\n") == Weighed(grams=Decimal("100.6"), stable=False)


def test_kilograms_are_converted_to_grams_keeping_the_scales_resolution() -> None:
    assert parse_mt_sics("S S      1.2345 kg") == Weighed(grams=Decimal("1234.5"), stable=True)


def test_pounds_are_converted_to_grams() -> None:
    assert to_grams(Decimal(1), "lb") == Decimal("453.59237")  # the international pound


def test_a_negative_weight_is_read() -> None:
    assert parse_mt_sics("S S     -12.0 g") == Weighed(grams=Decimal(-12), stable=True)


@pytest.mark.parametrize(
    ("line", "condition"),
    [
        ("S +", "overload"),
        ("S -", "underload"),
        ("S I", "busy"),
        ("ES", "syntax error"),
        ("ET", "transmission error"),
        ("EL", "logic error"),
    ],
)
def test_conditions_and_errors_are_named(line: str, condition: str) -> None:
    assert parse_mt_sics(line) == ScaleCondition(condition)  # type: ignore[arg-type]


@pytest.mark.parametrize("line", ["", "S X 1 g", "S S abc g", "W 12 g", "S S 12.0 stone"])
def test_a_line_that_is_not_a_weight_answer_is_a_protocol_error(line: str) -> None:
    with pytest.raises(ProtocolError):
        parse_mt_sics(line)


def test_the_scale_side_formats_weights_as_mt_sics_lines() -> None:
    assert format_mt_sics(Weighed(Decimal(1250), True)) == b"S S     1250.0 g\r\n"
    assert format_mt_sics(Weighed(Decimal(7), False)) == b"S D        7.0 g\r\n"


def test_a_tenth_of_a_gram_survives_the_round_trip_through_mt_sics() -> None:
    # Before: the simulator and the driver kept whole grams (1234.5 g -> 1234 g).
    line = format_mt_sics(Weighed(Decimal("1234.5"), True), decimals=1).decode()
    assert parse_mt_sics(line) == Weighed(Decimal("1234.5"), True)


def test_a_weight_keeps_the_exact_grams_and_rounds_the_whole_grams() -> None:
    weight = Weight.of(Decimal("1234.5"), True, "s")
    assert (weight.exact_grams, weight.grams) == (Decimal("1234.5"), 1234)


def test_a_change_below_a_gram_is_news_on_a_fine_scale() -> None:
    assert is_news(Weight.of(Decimal("12.3"), True), Weight.of(Decimal("12.4"), True))


def test_formatted_conditions_read_back_as_themselves() -> None:
    for condition in ("overload", "underload", "busy", "syntax error"):
        line = format_mt_sics(ScaleCondition(condition)).decode()  # type: ignore[arg-type]
        assert parse_mt_sics(line) == ScaleCondition(condition)  # type: ignore[arg-type]


def test_the_first_reading_is_news() -> None:
    assert is_news(None, Weight(0, True))


def test_settling_is_news() -> None:
    assert is_news(Weight(990, False), Weight(1000, True))


def test_a_scale_still_moving_is_not_news_again() -> None:
    assert not is_news(Weight(990, False), Weight(1003, False))


def test_the_same_stable_weight_is_not_news() -> None:
    assert not is_news(Weight(1000, True), Weight(1000, True))


def test_a_different_stable_weight_is_news() -> None:
    assert is_news(Weight(1000, True), Weight(1500, True))


def test_the_scale_url_names_port_protocol_and_polling() -> None:
    scale = SerialScale("scale+serial:///dev/ttyUSB0?protocol=mt-sics&baud=2400&interval=0.5", device_id="s")
    assert (scale.port.path, scale.port.baudrate, scale.interval) == ("/dev/ttyUSB0", 2400, 0.5)


def test_an_unknown_scale_protocol_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scale protocol"):
        SerialScale("scale+serial:///dev/ttyUSB0?protocol=nci", device_id="s")
