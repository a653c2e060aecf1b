"""USB HID POS scale reports (usage page 0x8D) read and written.

The report layout and the status and unit selectors are those of the HID Point of Sale Usage
Tables (usb.org), Scale page 0x8D: Scale Status 0x70 (0x71 fault .. 0x78 requires rezeroing) and
Weight Unit 0x50 (0x51 milligram .. 0x5C pound), sent as 1-based selector indexes.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from devices.hid_scale import (
    ReportError,
    cut_reports,
    descriptor_usage_pages,
    encode_report,
    parse_report,
)
from devices.scale import ScaleCondition, Weighed
from simulators.hid_scale import DESCRIPTOR

# HID 1.11 (usb.org), Appendix E.6 "Report Descriptor (Keyboard)": the boot keyboard.
HID_SPEC_BOOT_KEYBOARD = bytes.fromhex(
    "0501 0906 a101 0507 19e0 29e7 1500 2501 7501 9508 8102 9501 7508 8101"
    " 9505 7501 0508 1901 2905 9102 9501 7503 9101"
    " 9506 7508 1500 2565 0507 1900 2965 8100 c0"
)


def test_a_stable_weight_in_grams_is_read() -> None:
    assert parse_report(bytes([3, 4, 2, 0, 0xD2, 0x04])) == Weighed(Decimal(1234), True)


def test_a_postal_scale_set_to_tenths_of_an_ounce_gives_exact_grams() -> None:
    # 123 x 10^-1 oz = 12.3 oz = 348.6991344375 g (1 oz = 28.349523125 g)
    assert parse_report(bytes([3, 4, 11, 0xFF, 123, 0])) == Weighed(Decimal("348.6991344375"), True)


def test_a_scale_in_motion_is_unstable() -> None:
    assert parse_report(bytes([3, 3, 2, 0, 10, 0])) == Weighed(Decimal(10), False)


def test_stable_at_centre_of_zero_is_a_stable_zero() -> None:
    assert parse_report(bytes([3, 2, 2, 0, 0, 0])) == Weighed(Decimal(0), True)


@pytest.mark.parametrize(("status", "condition"), [(5, "underload"), (6, "overload"), (1, "logic error")])
def test_status_conditions_are_not_weights(status: int, condition: str) -> None:
    assert parse_report(bytes([3, status, 2, 0, 0, 0])) == ScaleCondition(condition)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "report", [b"\x03\x04\x02\x00\x01", bytes([4, 4, 2, 0, 1, 0]), bytes([3, 4, 13, 0, 1, 0])]
)
def test_what_is_not_a_scale_data_report_is_refused(report: bytes) -> None:
    with pytest.raises(ReportError):
        parse_report(report)


def test_tenths_of_a_gram_round_trip_through_a_report() -> None:
    report = encode_report(Weighed(Decimal("1234.5"), True), unit="g", exponent=-1)
    assert (report, parse_report(report)) == (
        bytes([3, 4, 2, 0xFF, 0x39, 0x30]),
        Weighed(Decimal("1234.5"), True),
    )


def test_a_load_beyond_what_the_report_can_carry_is_over_the_weight_limit() -> None:
    assert parse_report(encode_report(Weighed(Decimal(70_000), True), unit="g")) == ScaleCondition("overload")


def test_reports_joined_or_split_on_a_byte_stream_are_cut_whole() -> None:
    a, b = bytes([3, 4, 2, 0, 1, 0]), bytes([3, 3, 2, 0, 2, 0])
    reports, rest = cut_reports(a + b[:4])
    assert (reports, rest) == ([a], b[:4])
    assert cut_reports(rest + b[4:]) == ([b], b"")


def test_a_scale_descriptor_declares_the_scale_usage_page() -> None:
    assert descriptor_usage_pages(DESCRIPTOR) == {0x8D}


def test_the_hid_specs_boot_keyboard_is_no_scale() -> None:
    assert descriptor_usage_pages(HID_SPEC_BOOT_KEYBOARD) == {0x01, 0x07, 0x08}
